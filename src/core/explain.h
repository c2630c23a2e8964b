/*
 * explain.h - per-feature contributions to one prediction.
 *
 * The contributions of a row plus the base value add up to the model's raw output: the
 * log-odds for a binary classifier.  Logistic models: coefficient times standardized value,
 * 0 for a missing value (it is scored as the training mean); the base is the intercept.
 *
 * GBT models are not explained yet: exact TreeSHAP needs each node's cover (training hessian
 * sum), which the stored model format does not keep (see gbt.h).
 */
#ifndef CM_EXPLAIN_H
#define CM_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

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
 * Order the feature indices order[0..n) by decreasing absolute contribution, ties by index,
 * so the top k are order[0..k).
 */
void		cm_explain_rank(const double *contrib, uint32_t n, uint32_t *order);

#endif
