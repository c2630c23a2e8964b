/*
 * metrics.c - exact AUC (rank statistic with ties), log loss and Brier score; RMSE, MAE, R^2.
 */
#include "metrics.h"
#include "memory.h"
#include "sort.h"

#include <math.h>

typedef struct scored
{
	double		p;
	double		y;
	double		w;
} scored;

/* Mann-Whitney AUC over rows sorted by p: each tie group shares its average rank. */
static double
auc_of_sorted(const scored *rows, size_t n, double positives)
{
	double		negatives = (double) n - positives;
	double		rank_sum = 0.0;
	size_t		i = 0;

	if (positives == 0 || negatives == 0)
		return NAN;
	while (i < n)
	{
		size_t		j = i;
		double		pos_in_group = 0.0;

		while (j < n && rows[j].p == rows[i].p)
			pos_in_group += rows[j++].y;
		/* ranks i+1 .. j, averaged */
		rank_sum += pos_in_group * ((double) (i + 1 + j) / 2.0);
		i = j;
	}
	return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

/*
 * Weighted AUC over rows sorted by p: the weight share of (positive, negative) pairs ranked
 * right, a tie counting one half.  Equals auc_of_sorted when every weight is 1.
 */
static double
weighted_auc_of_sorted(const scored *rows, size_t n, double positives, double total)
{
	double		negatives = total - positives,
				negatives_below = 0,
				pairs = 0;
	size_t		i = 0;

	if (positives <= 0 || negatives <= 0)
		return NAN;
	while (i < n)
	{
		size_t		j = i;
		double		pos_in_group = 0,
					neg_in_group = 0;

		for (; j < n && rows[j].p == rows[i].p; j++)
		{
			pos_in_group += rows[j].w * rows[j].y;
			neg_in_group += rows[j].w * (1 - rows[j].y);
		}
		pairs += pos_in_group * (negatives_below + neg_in_group / 2);
		negatives_below += neg_in_group;
		i = j;
	}
	return pairs / (positives * negatives);
}

/* The rows' total weight (1 each without weights); CM_ERR_DATA for no rows or no weight. */
static cm_status
total_weight(const double *w, size_t n, double *total)
{
	double		sum = 0;

	if (n == 0)
		return cm_fail(CM_ERR_DATA, "no rows to evaluate");
	for (size_t i = 0; i < n; i++)
		sum += w ? w[i] : 1;
	if (!(sum > 0))
		return cm_fail(CM_ERR_DATA, "the rows to evaluate weigh nothing");
	*total = sum;
	return CM_OK;
}

cm_status
cm_binary_metrics_weighted(const double *p, const double *y, const double *w, size_t n,
						   cm_binary_metrics *out)
{
	scored	   *rows;
	size_t	   *order = NULL;
	double		positives = 0,
				total,
				logloss = 0,
				brier = 0;

	/* a NaN would sort nowhere and never equal its tie group */
	for (size_t i = 0; i < n; i++)
		if (isnan(p[i]))
			return cm_fail(CM_ERR_NONFINITE, "a predicted probability is NaN");
	CM_TRY(total_weight(w, n, &total));
	CM_TRY(cm_alloc_array(n, sizeof(scored), (void **) &rows));
	if (cm_alloc_array(n, sizeof(size_t), (void **) &order) != CM_OK ||
		cm_sort_order(p, n, order) != CM_OK)
	{
		cm_free(rows);
		cm_free(order);
		return CM_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
	{
		double		pi = fmin(fmax(p[i], CM_LOGLOSS_EPS), 1.0 - CM_LOGLOSS_EPS),
					wi = w ? w[i] : 1;

		positives += wi * y[i];
		logloss -= wi * (y[i] > 0.5 ? log(pi) : log1p(-pi));
		brier += wi * (p[i] - y[i]) * (p[i] - y[i]);
	}
	for (size_t k = 0; k < n; k++)
		rows[k] = (scored) {p[order[k]], y[order[k]], w ? w[order[k]] : 1};
	cm_free(order);
	/* unweighted: the rank statistic, exactly as before weights existed */
	out->auc = w ? weighted_auc_of_sorted(rows, n, positives, total) :
		auc_of_sorted(rows, n, positives);
	out->logloss = logloss / total;
	out->brier = brier / total;
	out->base_rate = positives / total;
	out->n = n;
	cm_free(rows);
	return CM_OK;
}

cm_status
cm_binary_metrics_compute(const double *p, const double *y, size_t n, cm_binary_metrics *out)
{
	return cm_binary_metrics_weighted(p, y, NULL, n, out);
}

cm_status
cm_regression_metrics_weighted(const double *p, const double *y, const double *w, size_t n,
							   cm_regression_metrics *out)
{
	double		se = 0,
				ae = 0,
				mean = 0,
				ss = 0,
				total;

	CM_TRY(total_weight(w, n, &total));
	/* each term divided by the total, as the metrics have always been computed */
	for (size_t i = 0; i < n; i++)
		mean += (w ? w[i] : 1) * y[i] / total;
	for (size_t i = 0; i < n; i++)
	{
		double		wi = w ? w[i] : 1;

		se += wi * (p[i] - y[i]) * (p[i] - y[i]);
		ae += wi * fabs(p[i] - y[i]);
		ss += wi * (y[i] - mean) * (y[i] - mean);
	}
	out->rmse = sqrt(se / total);
	out->mae = ae / total;
	out->r2 = ss > 0 ? 1 - se / ss : NAN;
	out->mean = mean;
	out->n = n;
	return CM_OK;
}
