/* test_bandit_state.c - the bandit aggregate states: combine, final, forged and overflowing. */
#include "harness.h"
#include "bandit_state.h"

#include <math.h>

static void
test_posterior_state(void **state)
{
	double		s[CM_POSTERIOR_STATE_LEN] = {3, 5, 0, 0};
	const double o[CM_POSTERIOR_STATE_LEN] = {1, 1, 2, 3};
	const double empty[CM_POSTERIOR_STATE_LEN] = {0, 0, 0, 0};
	const double negative[CM_POSTERIOR_STATE_LEN] = {-1, 1, 1, 1};
	double		huge[CM_POSTERIOR_STATE_LEN] = {1.5e308, 0, 1, 1};
	cm_beta		arm;
	bool		is_empty;

	(void) state;
	assert_int_equal(cm_posterior_state_combine(s, o), CM_OK);
	assert_int_equal(cm_posterior_state_final(s, &arm, &is_empty), CM_OK);
	assert_false(is_empty);
	assert_true(arm.alpha == 2 + 4 && arm.beta == 3 + 6);	/* the first known prior wins */
	assert_int_equal(cm_posterior_state_final(empty, &arm, &is_empty), CM_OK);
	assert_true(is_empty);
	assert_int_equal(cm_posterior_state_final(negative, &arm, &is_empty), CM_ERR_CORRUPT);
	assert_int_equal(cm_bandit_state_check(s, 2, CM_POSTERIOR_STATE_LEN), CM_ERR_CORRUPT);
	assert_int_equal(cm_posterior_state_combine(huge, huge), CM_ERR_NONFINITE);
	/* partial states under different priors: refused, as one group's rows would be */
	{
		double		a[CM_POSTERIOR_STATE_LEN] = {1, 1, 2, 3};
		const double b[CM_POSTERIOR_STATE_LEN] = {1, 1, 5, 7};
		const double same[CM_POSTERIOR_STATE_LEN] = {4, 0, 2, 3};

		assert_int_equal(cm_posterior_state_combine(a, b), CM_ERR_INVALID);
		assert_int_equal(cm_posterior_state_combine(a, same), CM_OK);
		assert_true(a[0] == 5 && a[1] == 1 && a[2] == 2 && a[3] == 3);
	}
}

static void
test_discounted_and_revenue_states(void **state)
{
	/* one success a half-life ago and one failure now: weights 1/2 and 1 at the later time */
	double		s[CM_DISCOUNTED_STATE_LEN] = {1, 0, 0, 10, 1};
	const double o[CM_DISCOUNTED_STATE_LEN] = {0, 1, 10, 10, 1};
	const double other_half_life[CM_DISCOUNTED_STATE_LEN] = {0, 1, 10, 20, 1};
	const double no_half_life[CM_DISCOUNTED_STATE_LEN] = {1, 1, 0, 0, 1};
	double		r[CM_REVENUE_STATE_LEN] = {2, 8, 100};
	const double r2[CM_REVENUE_STATE_LEN] = {1, 1, 50};
	double		rev[4];
	cm_beta		arm;

	(void) state;
	assert_int_equal(cm_discounted_state_combine(s, other_half_life), CM_ERR_INVALID);
	assert_int_equal(cm_discounted_state_combine(s, o), CM_OK);
	assert_true(fabs(s[0] - 0.5) < 1e-15 && s[1] == 1 && s[2] == 10 && s[4] == 2);
	assert_int_equal(cm_discounted_state_final(s, &arm), CM_OK);
	assert_true(fabs(arm.alpha - 1.5) < 1e-15 && arm.beta == 2);
	assert_int_equal(cm_discounted_state_combine(s, no_half_life), CM_ERR_CORRUPT);
	assert_int_equal(cm_revenue_state_combine(r, r2), CM_OK);
	assert_int_equal(cm_revenue_state_final(r, rev), CM_OK);
	assert_true(rev[0] == 4 && rev[1] == 10 && rev[2] == 4 && rev[3] == 150);
	r[2] = -1;
	assert_int_equal(cm_revenue_state_final(r, rev), CM_ERR_CORRUPT);
}

HARNESS_MAIN("bandit_state",
			 HARNESS_TEST(test_posterior_state),
			 HARNESS_TEST(test_discounted_and_revenue_states))
