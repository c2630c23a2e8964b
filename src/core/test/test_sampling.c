/* test_sampling.c - Beta and Gamma samplers: moments, Kolmogorov-Smirnov, seeding. */
#include "harness.h"
#include "distributions.h"
#include "sampling.h"
#include "sort.h"

#include <math.h>

#define DRAWS 20000

/* Kolmogorov-Smirnov distance of sorted draws from Beta(a, b). */
static double
ks_beta(double *x, int n, double a, double b)
{
	double		d = 0;

	assert_int_equal(cm_sort_doubles(x, (size_t) n), CM_OK);
	for (int i = 0; i < n; i++)
	{
		double		f = cm_beta_cdf(x[i], a, b);

		d = fmax(d, fmax(fabs(f - (double) i / n), fabs((double) (i + 1) / n - f)));
	}
	return d;
}

static void
check_beta_sampler(double a, double b, uint64_t seed)
{
	static double x[DRAWS];
	cm_rng		rng;
	double		sum = 0,
				sumsq = 0,
				mean = a / (a + b),
				var = a * b / ((a + b) * (a + b) * (a + b + 1));

	cm_rng_seed(&rng, seed);
	for (int i = 0; i < DRAWS; i++)
	{
		x[i] = cm_beta_sample(&rng, a, b);
		assert_true(x[i] >= 0 && x[i] <= 1);
		sum += x[i];
		sumsq += x[i] * x[i];
	}
	/* 5 standard errors of the mean, 10% on the variance */
	assert_true(fabs(sum / DRAWS - mean) < 5 * sqrt(var / DRAWS));
	assert_true(fabs(sumsq / DRAWS - pow(sum / DRAWS, 2) - var) < 0.1 * var);
	/* KS critical value at alpha = 0.001 is 1.95 / sqrt(n) */
	assert_true(ks_beta(x, DRAWS, a, b) < 1.95 / sqrt(DRAWS));
}

static void
test_beta_sampler_shapes(void **state)
{
	(void) state;
	check_beta_sampler(1, 1, 1);
	check_beta_sampler(2.5, 7, 2);
	check_beta_sampler(0.3, 0.6, 3);	/* both shapes < 1: the boost path */
	check_beta_sampler(0.05, 2, 4);
	check_beta_sampler(300, 9700, 5);
}

static void
test_gamma_moments(void **state)
{
	const double shapes[] = {0.2, 0.9, 1, 3.5, 40};

	(void) state;
	for (size_t s = 0; s < 5; s++)
	{
		cm_rng		rng;
		double		sum = 0,
					sumsq = 0,
					k = shapes[s];

		cm_rng_seed(&rng, 100 + s);
		for (int i = 0; i < DRAWS; i++)
		{
			double		g = cm_gamma_sample(&rng, k);

			assert_true(g >= 0);
			sum += g;
			sumsq += g * g;
		}
		/* Gamma(k, 1): mean k, variance k */
		assert_true(fabs(sum / DRAWS - k) < 5 * sqrt(k / DRAWS));
		assert_true(fabs(sumsq / DRAWS - pow(sum / DRAWS, 2) - k) < 0.12 * k);
	}
}

static void
test_sampler_is_seeded(void **state)
{
	cm_rng		a,
				b;

	(void) state;
	cm_rng_seed(&a, 77);
	cm_rng_seed(&b, 77);
	for (int i = 0; i < 100; i++)
		assert_true(cm_beta_sample(&a, 0.7, 3) == cm_beta_sample(&b, 0.7, 3));
}

HARNESS_MAIN("sampling",
			 HARNESS_TEST(test_beta_sampler_shapes),
			 HARNESS_TEST(test_gamma_moments),
			 HARNESS_TEST(test_sampler_is_seeded))
