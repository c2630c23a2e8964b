/*
 * bandit.c - what Beta and revenue arms share: their checks and means, and the decisions
 * computed the same way from either kind's P(best) (expected loss, traffic allocation).
 */
#include "bandit.h"

#include <math.h>
#include <string.h>

#include "bandit_beta.h"
#include "bandit_revenue.h"

cm_status
cm_bandit_check_arm_count(size_t n)
{
	if (n == 0)
		return cm_fail(CM_ERR_INVALID, "at least one arm is required");
	if (n > CM_BANDIT_MAX_ARMS)
		return cm_fail(CM_ERR_LIMIT, "%zu arms exceed the limit of %d", n, CM_BANDIT_MAX_ARMS);
	return CM_OK;
}

cm_status
cm_beta_check(cm_beta arm, size_t which)
{
	if (!isfinite(arm.alpha) || !isfinite(arm.beta))
		return cm_fail(CM_ERR_NONFINITE, "arm %zu has a non-finite alpha or beta", which);
	if (arm.alpha <= 0 || arm.beta <= 0)
		return cm_fail(CM_ERR_INVALID, "arm %zu has alpha %g and beta %g, both must be > 0",
					   which, arm.alpha, arm.beta);
	return CM_OK;
}

cm_status
cm_beta_check_arms(const cm_beta *arms, size_t n)
{
	CM_TRY(cm_bandit_check_arm_count(n));
	for (size_t i = 0; i < n; i++)
		CM_TRY(cm_beta_check(arms[i], i + 1));
	return CM_OK;
}

cm_status
cm_revenue_check(cm_revenue arm, size_t which)
{
	CM_TRY(cm_beta_check((cm_beta) {arm.alpha, arm.beta}, which));
	if (!isfinite(arm.shape) || !isfinite(arm.rate))
		return cm_fail(CM_ERR_NONFINITE, "arm %zu has a non-finite shape or rate", which);
	if (!(arm.shape > 1) || !(arm.rate > 0))
		return cm_fail(CM_ERR_DATA,
					   "arm %zu: the amount posterior needs shape > 1 and rate > 0, not %g and %g "
					   "(at least one donation)", which, arm.shape, arm.rate);
	return CM_OK;
}

double
cm_beta_mean(cm_beta arm)
{
	return arm.alpha / (arm.alpha + arm.beta);
}

/* P(convert) times the mean gift, rate / (shape - 1). */
double
cm_revenue_mean(cm_revenue arm)
{
	return arm.alpha / (arm.alpha + arm.beta) * arm.rate / (arm.shape - 1);
}

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
