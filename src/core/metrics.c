/* metrics.c - exact AUC (rank statistic with ties), log loss and Brier score. */
#include "metrics.h"
#include "memory.h"

#include <math.h>
#include <stdlib.h>

typedef struct scored
{
	double		p;
	double		y;
} scored;

static int
compare_scored(const void *a, const void *b)
{
	double		pa = ((const scored *) a)->p;
	double		pb = ((const scored *) b)->p;

	return (pa > pb) - (pa < pb);
}

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

cm_status
cm_binary_metrics_compute(const double *p, const double *y, size_t n, cm_binary_metrics *out)
{
	scored	   *rows;
	double		positives = 0,
				logloss = 0,
				brier = 0;

	if (n == 0)
		return cm_fail(CM_ERR_DATA, "no rows to evaluate");
	CM_TRY(cm_alloc_array(n, sizeof(scored), (void **) &rows));
	for (size_t i = 0; i < n; i++)
	{
		double		pi = fmin(fmax(p[i], CM_LOGLOSS_EPS), 1.0 - CM_LOGLOSS_EPS);

		rows[i].p = p[i];
		rows[i].y = y[i];
		positives += y[i];
		logloss -= y[i] > 0.5 ? log(pi) : log1p(-pi);
		brier += (p[i] - y[i]) * (p[i] - y[i]);
	}
	qsort(rows, n, sizeof(scored), compare_scored);
	out->auc = auc_of_sorted(rows, n, positives);
	out->logloss = logloss / (double) n;
	out->brier = brier / (double) n;
	out->base_rate = positives / (double) n;
	out->n = n;
	cm_free(rows);
	return CM_OK;
}
