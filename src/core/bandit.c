/*
 * bandit.c - what Beta and revenue arms share: their checks and means (the decisions made
 * the same way from either kind's P(best) are in bandit_decision.c).
 */
#include "bandit.h"

#include <math.h>
#include <string.h>

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
