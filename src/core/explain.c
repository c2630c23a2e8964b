/*
 * explain.c - per-feature contributions to one prediction (see explain.h).
 */
#include "explain.h"

#include <math.h>
#include <stdlib.h>

#include "logistic.h"

bool
cm_explain_supported(const cm_model *model)
{
	return model->algorithm == CM_ALGORITHM_LOGISTIC;
}

/* Mirrors cm_logistic_logit() term by term so the sum matches it to rounding. */
static void
logistic_contributions(const cm_logistic *m, const double *x, double *contrib, double *base)
{
	*base = m->intercept;
	for (uint32_t j = 0; j < m->n_features; j++)
		contrib[j] = isnan(x[j]) ? 0.0 : m->coef[j] * (x[j] - m->mean[j]) / m->scale[j];
}

cm_status
cm_explain(const cm_model *model, const double *x, double *contrib, double *base)
{
	if (!cm_explain_supported(model))
		return cm_fail(CM_ERR_INVALID, "models of algorithm %u cannot be explained",
					   (unsigned) model->algorithm);
	logistic_contributions(model->body, x, contrib, base);
	return CM_OK;
}

/* qsort has no context argument; the ranking runs on one thread per call. */
static _Thread_local const double *rank_contrib;

static int
compare_by_magnitude(const void *a, const void *b)
{
	uint32_t	i = *(const uint32_t *) a,
				j = *(const uint32_t *) b;
	double		ai = fabs(rank_contrib[i]),
				aj = fabs(rank_contrib[j]);

	if (ai != aj)
		return ai > aj ? -1 : 1;
	return i < j ? -1 : (i > j);
}

void
cm_explain_rank(const double *contrib, uint32_t n, uint32_t *order)
{
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	rank_contrib = contrib;
	qsort(order, n, sizeof(uint32_t), compare_by_magnitude);
	rank_contrib = NULL;
}
