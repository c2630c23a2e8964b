/* test_bandit.c - what both kinds of arm share: arm checks, count limits, means, cm_arms. */
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

/* The decisions over cm_arms give what the functions of each kind give. */
static void
test_arms_of_either_kind(void **state)
{
	const cm_beta beta[] = {{10, 90}, {30, 70}, {12, 88}};
	const cm_revenue revenue[] = {{3, 50, 3, 100}, {2, 60, 2, 80}};
	double		a[3],
				b[3];

	(void) state;
	assert_int_equal(cm_arms_prob_best(cm_beta_arms(beta, 3), a, NULL), CM_OK);
	assert_int_equal(cm_prob_best(beta, 3, b, NULL), CM_OK);
	assert_memory_equal(a, b, 3 * sizeof(double));
	assert_int_equal(cm_arms_prob_best(cm_revenue_arms(revenue, 2), a, NULL), CM_OK);
	assert_int_equal(cm_revenue_prob_best(revenue, 2, b, NULL), CM_OK);
	assert_memory_equal(a, b, 2 * sizeof(double));
	/* the means the expected losses subtract */
	assert_true(cm_beta_mean(beta[1]) == 0.3);
	assert_true(fabs(cm_revenue_mean(revenue[0]) - 3.0 / 53 * 50) < 1e-12);
}

HARNESS_MAIN("bandit",
			 HARNESS_TEST(test_bad_arms),
			 HARNESS_TEST(test_arms_of_either_kind))
