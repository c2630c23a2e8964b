/*
 * bandit_decision.c - the decisions that need only P(best) and each arm's mean, for both
 * kinds of arm (cm_arms): expected_loss, allocation, revenue_expected_loss,
 * revenue_allocation.  Apart from the arm files (bandit_beta.c, bandit_revenue.c), which
 * never call back here.
 */
#include "bandit.h"
#include "bandit_beta.h"
#include "bandit_revenue.h"

#include <math.h>
#include <string.h>

/* ---- decisions from P(best), for either kind ------------------------------------------ */

cm_status
cm_arms_prob_best(cm_arms arms, double *prob, double *expected_max)
{
	if (arms.kind == CM_ARM_REVENUE)
		return cm_revenue_prob_best(arms.revenue, arms.n, prob, expected_max);
	return cm_prob_best(arms.beta, arms.n, prob, expected_max);
}

static double
arm_mean(cm_arms arms, size_t i)
{
	return arms.kind == CM_ARM_REVENUE ? cm_revenue_mean(arms.revenue[i]) :
		cm_beta_mean(arms.beta[i]);
}

cm_status
cm_arms_expected_loss(cm_arms arms, double *loss)
{
	double		emax;

	/* prob_best validates; loss doubles as its scratch output */
	CM_TRY(cm_arms_prob_best(arms, loss, &emax));
	for (size_t i = 0; i < arms.n; i++)
		loss[i] = fmax(0.0, emax - arm_mean(arms, i));
	return CM_OK;
}

/* Which allocation method (top_two or thompson), and a floor every arm can get. */
static cm_status
allocation_args(const char *method, double floor_share, size_t n, bool *top_two)
{
	*top_two = strcmp(method, "top_two") == 0;
	if (!*top_two && strcmp(method, "thompson") != 0)
		return cm_fail(CM_ERR_INVALID, "unknown allocation method \"%s\"", method);
	if (!isfinite(floor_share) || floor_share < 0 || floor_share * (double) n > 1.0)
		return cm_fail(CM_ERR_INVALID,
					   "floor %g is not possible for %zu arms (need 0 <= floor <= 1/arms)",
					   floor_share, n);
	return CM_OK;
}

/* Traffic weights in place from P(best): top-two if asked, then the floor; they sum to 1. */
static void
weights_from_prob_best(double *weights, size_t n, bool top_two, double floor_share)
{
	double		total = 0;

	if (top_two && n > 1)
	{
		/* top-two Thompson, beta = 1/2: psi_i = p_i/2 + p_i/2 * sum_{j!=i} p_j / (1 - p_j) */
		double		sum = 0;

		for (size_t j = 0; j < n; j++)
			sum += weights[j] < 1 ? weights[j] / (1 - weights[j]) : 0;
		for (size_t i = 0; i < n; i++)
		{
			double		own = weights[i] < 1 ? weights[i] / (1 - weights[i]) : 0;

			weights[i] = 0.5 * weights[i] + 0.5 * weights[i] * (sum - own);
		}
	}
	for (size_t i = 0; i < n; i++)
		total += weights[i];
	for (size_t i = 0; i < n; i++)
		weights[i] = floor_share + (1 - floor_share * (double) n) * weights[i] / total;
}

cm_status
cm_arms_allocation(cm_arms arms, const char *method, double floor_share, double *weights)
{
	bool		top_two;

	CM_TRY(allocation_args(method, floor_share, arms.n, &top_two));
	CM_TRY(cm_arms_prob_best(arms, weights, NULL));
	weights_from_prob_best(weights, arms.n, top_two, floor_share);
	return CM_OK;
}
