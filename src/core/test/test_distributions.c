/* test_distributions.c - the Beta CDF and quantile against closed forms and mpmath. */
#include "harness.h"
#include "distributions.h"

#include <math.h>

static void
test_beta_cdf_and_quantile(void **state)
{
	(void) state;
	/* Beta(1,1) is uniform; Beta(2,1) has CDF x^2; Beta(1,3): 1 - (1-x)^3 */
	assert_true(fabs(cm_beta_cdf(0.3, 1, 1) - 0.3) < 1e-14);
	assert_true(fabs(cm_beta_cdf(0.3, 2, 1) - 0.09) < 1e-14);
	assert_true(fabs(cm_beta_cdf(0.2, 1, 3) - (1 - pow(0.8, 3))) < 1e-14);
	/* mpmath: betainc(0.5, 0.7, 0, 0.9, regularized=True) */
	assert_true(fabs(cm_beta_cdf(0.9, 0.5, 0.7) - 0.883788956770793) < 1e-12);
	for (double p = 0.025; p < 1; p += 0.2)
		assert_true(fabs(cm_beta_cdf(cm_beta_quantile(p, 12, 30), 12, 30) - p) < 1e-9);
	assert_true(cm_beta_quantile(0, 2, 2) == 0 && cm_beta_quantile(1, 2, 2) == 1);
}

HARNESS_MAIN("distributions",
			 HARNESS_TEST(test_beta_cdf_and_quantile))
