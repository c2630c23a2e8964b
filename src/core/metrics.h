/*
 * metrics.h - binary classification metrics on probabilities and regression metrics on
 * predicted values, exact for the data given, optionally weighted.
 */
#ifndef CM_METRICS_H
#define CM_METRICS_H

#include <stddef.h>

#include "status.h"

typedef struct cm_binary_metrics
{
	double		auc;			/* NaN when only one class is present */
	double		logloss;
	double		brier;
	double		base_rate;		/* share of positives */
	size_t		n;
} cm_binary_metrics;

/* Probabilities clipped to [1e-15, 1 - 1e-15] in the log loss, as scikit-learn does. */
#define CM_LOGLOSS_EPS 1e-15

/*
 * Metrics of probabilities p against labels y (0 or 1).  AUC is the Mann-Whitney statistic
 * with ties counted one half.  Sorts a private copy; n == 0 is CM_ERR_DATA.
 */
cm_status	cm_binary_metrics_compute(const double *p, const double *y, size_t n,
									  cm_binary_metrics *out);

/*
 * The same with row weights w (>= 0, finite; NULL: all 1): each row counts as w copies of
 * itself, so integer weights give the metrics of the duplicated rows.  A zero total weight
 * is CM_ERR_DATA.
 */
cm_status	cm_binary_metrics_weighted(const double *p, const double *y, const double *w,
									   size_t n, cm_binary_metrics *out);

typedef struct cm_regression_metrics
{
	double		rmse;
	double		mae;
	double		r2;				/* share of the label variance explained; NaN when the labels
								 * do not vary */
	double		mean;			/* of the labels */
	size_t		n;
} cm_regression_metrics;

/*
 * Metrics of predictions p against labels y with row weights w (>= 0, finite; NULL: all 1):
 * each row counts as w copies of itself.  n == 0 or a zero total weight is CM_ERR_DATA.
 */
cm_status	cm_regression_metrics_weighted(const double *p, const double *y, const double *w,
										   size_t n, cm_regression_metrics *out);

#endif
