/* test_bandit.c - what both kinds of arm share: arm checks and count limits. */
#include "harness.h"
#include "bandit_beta.h"
#include "bandit_revenue.h"

#include <math.h>

static void
test_bad_arms(void **state)
{
	const cm_beta zero[] = {{1, 1}, {0, 1}};
	const cm_beta nan[] = {{NAN, 1}};
	const cm_beta inf[] = {{1, INFINITY}};
	double		p[2];

	(void) state;
	assert_int_equal(cm_prob_best(zero, 0, p, NULL), CM_ERR_INVALID);
	assert_int_equal(cm_prob_best(zero, 2, p, NULL), CM_ERR_INVALID);
	assert_int_equal(cm_prob_best(nan, 1, p, NULL), CM_ERR_NONFINITE);
	assert_int_equal(cm_prob_best(inf, 1, p, NULL), CM_ERR_NONFINITE);
	assert_int_equal(cm_prob_best(zero, CM_BANDIT_MAX_ARMS + 1, p, NULL), CM_ERR_LIMIT);
	/* revenue arms: the same count limits (checked before any arm is read) and NaN */
	{
		const cm_revenue arm[] = {{1, 9, 3, 100}};
		const cm_revenue nan_rate[] = {{1, 9, 3, NAN}};

		assert_int_equal(cm_revenue_prob_best(arm, 0, p, NULL), CM_ERR_INVALID);
		assert_int_equal(cm_revenue_prob_best(arm, CM_BANDIT_MAX_ARMS + 1, p, NULL), CM_ERR_LIMIT);
		assert_int_equal(cm_revenue_prob_best(nan_rate, 1, p, NULL), CM_ERR_NONFINITE);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		HARNESS_TEST(test_bad_arms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
