/*
 * bandit_state.c - the codec of the bandit aggregate states (layouts in core/bandit_state.h):
 * validation, the combine functions of parallel and partial aggregation, and the final arms.
 */
#include "bandit_state.h"

#include <math.h>
#include <string.h>

cm_status
cm_bandit_state_check(const double *s, size_t len, size_t expected)
{
	if (len != expected)
		return cm_fail(CM_ERR_CORRUPT, "expected %zu values, got %zu", expected, len);
	for (size_t i = 0; i < len; i++)
		if (!isfinite(s[i]))
			return cm_fail(CM_ERR_CORRUPT, "the state holds a non-finite value");
	return CM_OK;
}

/* Sums of two valid states can still overflow: refuse rather than store infinity. */
static cm_status
check_sums(const double *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isfinite(s[i]))
			return cm_fail(CM_ERR_NONFINITE, "the combined state overflows");
	return CM_OK;
}

cm_status
cm_posterior_state_combine(double *s, const double *o)
{
	CM_TRY(cm_bandit_state_check(s, CM_POSTERIOR_STATE_LEN, CM_POSTERIOR_STATE_LEN));
	CM_TRY(cm_bandit_state_check(o, CM_POSTERIOR_STATE_LEN, CM_POSTERIOR_STATE_LEN));
	/* as the transition function says: one prior per group, also across partial states */
	if (s[2] != 0 && o[2] != 0 && (s[2] != o[2] || s[3] != o[3]))
		return cm_fail(CM_ERR_INVALID, "the prior must be the same for every row of a group");
	s[0] += o[0];
	s[1] += o[1];
	if (s[2] == 0)
	{
		s[2] = o[2];
		s[3] = o[3];
	}
	return check_sums(s, CM_POSTERIOR_STATE_LEN);
}

cm_status
cm_posterior_state_final(const double *s, cm_beta *out, bool *empty)
{
	CM_TRY(cm_bandit_state_check(s, CM_POSTERIOR_STATE_LEN, CM_POSTERIOR_STATE_LEN));
	*empty = s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0;
	if (*empty)
		return CM_OK;
	if (s[2] <= 0 || s[3] <= 0 || s[0] < 0 || s[1] < 0)
		return cm_fail(CM_ERR_CORRUPT, "negative counts or a prior that is not > 0");
	out->alpha = s[2] + s[0];
	out->beta = s[3] + s[1];
	return cm_beta_check(*out, 1);
}

void
cm_discounted_rescale(double *s, double ref)
{
	double		f = pow(0.5, (ref - s[2]) / s[3]);

	s[0] *= f;
	s[1] *= f;
	s[2] = ref;
}

cm_status
cm_discounted_state_combine(double *s, const double *o)
{
	double		other[CM_DISCOUNTED_STATE_LEN];

	CM_TRY(cm_bandit_state_check(s, CM_DISCOUNTED_STATE_LEN, CM_DISCOUNTED_STATE_LEN));
	CM_TRY(cm_bandit_state_check(o, CM_DISCOUNTED_STATE_LEN, CM_DISCOUNTED_STATE_LEN));
	memcpy(other, o, sizeof(other));
	if (other[4] == 0)
		return CM_OK;
	if (s[4] == 0)
	{
		memcpy(s, other, sizeof(other));
		return CM_OK;
	}
	if (!(s[3] > 0) || !(other[3] > 0))
		return cm_fail(CM_ERR_CORRUPT, "a non-empty discounted state has no positive half-life");
	if (s[3] != other[3])
		return cm_fail(CM_ERR_INVALID, "half_life must be the same for every row of a group");
	/* both to the later reference time, then add */
	if (other[2] > s[2])
		cm_discounted_rescale(s, other[2]);
	else
		cm_discounted_rescale(other, s[2]);
	s[0] += other[0];
	s[1] += other[1];
	s[4] += other[4];
	return check_sums(s, CM_DISCOUNTED_STATE_LEN);
}

cm_status
cm_discounted_state_final(const double *s, cm_beta *out)
{
	CM_TRY(cm_bandit_state_check(s, CM_DISCOUNTED_STATE_LEN, CM_DISCOUNTED_STATE_LEN));
	if (s[0] < 0 || s[1] < 0)
		return cm_fail(CM_ERR_CORRUPT, "negative weighted counts");
	out->alpha = 1.0 + s[0];
	out->beta = 1.0 + s[1];
	return cm_beta_check(*out, 1);
}

cm_status
cm_revenue_state_combine(double *s, const double *o)
{
	CM_TRY(cm_bandit_state_check(s, CM_REVENUE_STATE_LEN, CM_REVENUE_STATE_LEN));
	CM_TRY(cm_bandit_state_check(o, CM_REVENUE_STATE_LEN, CM_REVENUE_STATE_LEN));
	for (size_t i = 0; i < CM_REVENUE_STATE_LEN; i++)
		s[i] += o[i];
	return check_sums(s, CM_REVENUE_STATE_LEN);
}

/*
 * Conversion Beta(1 + donors, 1 + others); amounts Exponential(lambda) with the prior
 * Gamma(1, 0) on lambda (flat), so lambda | gifts ~ Gamma(1 + donors, sum of amounts) and the
 * posterior mean gift is the observed mean gift.
 */
cm_status
cm_revenue_state_final(const double *s, double out[4])
{
	CM_TRY(cm_bandit_state_check(s, CM_REVENUE_STATE_LEN, CM_REVENUE_STATE_LEN));
	if (s[0] < 0 || s[1] < 0 || s[2] < 0)
		return cm_fail(CM_ERR_CORRUPT, "negative counts or amounts");
	out[0] = 1 + s[0];
	out[1] = 1 + s[1];
	out[2] = 1 + s[0];
	out[3] = s[2];
	return check_sums(out, 4);
}
