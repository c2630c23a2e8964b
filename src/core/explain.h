/*
 * explain.h - per-feature contributions to one prediction.
 *
 * The contributions of a row plus the base value add up to the model's raw output: the
 * log-odds for a binary classifier.  Logistic models: coefficient times standardized value,
 * 0 for a missing value (it is scored as the training mean); the base is the intercept.
 *
 * GBT models: exact TreeSHAP (cm_explain_tree_shap) needs each node's cover (training hessian
 * sum), which the stored model format does not keep (see gbt.h), so cm_explain() refuses a
 * decoded GBT model until the format stores covers.
 */
#ifndef CM_EXPLAIN_H
#define CM_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "gbt.h"
#include "model.h"
#include "status.h"

/* Whether cm_explain() supports the model's algorithm. */
bool		cm_explain_supported(const cm_model *model);

/*
 * Fill contrib (n_features values, model order) and *base for the row x (NaN = missing);
 * CM_ERR_INVALID for an algorithm without explanations.
 */
cm_status	cm_explain(const cm_model *model, const double *x, double *contrib, double *base);

/*
 * Exact path-dependent TreeSHAP of a GBT model whose nodes carry their training cover (a
 * freshly trained model; decoded models have none: CM_ERR_INVALID).  contrib gets
 * n_features values, *base the margin when no feature is known (base_score plus each tree's
 * cover-weighted mean leaf); together they add up to cm_gbt_margin(m, x).  Missing values
 * follow each split's default direction.  CM_ERR_LIMIT for a tree deeper than
 * CM_GBT_MAX_DEPTH.
 */
cm_status	cm_explain_tree_shap(const cm_gbt *m, const double *x, double *contrib, double *base);

/*
 * Order the feature indices order[0..n) by decreasing absolute contribution, ties by index,
 * so the top k are order[0..k).
 */
void		cm_explain_rank(const double *contrib, uint32_t n, uint32_t *order);

#endif
