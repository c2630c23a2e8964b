/* test_rollup.c - Poisson-binomial rollups, empirical Bayes, privacy noise and GEOIDs. */
#include "harness.h"
#include "geoid.h"
#include "rollup.h"

#include <math.h>
#include <string.h>

#define CAP (CM_ROLLUP_HEADER + CM_ROLLUP_EXACT_MAX + 1)

/* P(count = k) by enumerating every subset: the reference for small groups. */
static void
brute_force_pmf(const double *p, int n, double *pmf)
{
	for (int k = 0; k <= n; k++)
		pmf[k] = 0.0;
	for (unsigned mask = 0; mask < (1u << n); mask++)
	{
		double		prob = 1.0;
		int			k = 0;

		for (int i = 0; i < n; i++)
		{
			bool		in = (mask >> i) & 1u;

			prob *= in ? p[i] : 1.0 - p[i];
			k += in;
		}
		pmf[k] += prob;
	}
}

static void
fill_state(double *s, const double *p, int n)
{
	cm_rollup_state_init(s);
	for (int i = 0; i < n; i++)
	{
		assert_true(cm_rollup_len_after_add(s) <= CAP);
		cm_rollup_add(s, CAP, p[i]);
	}
}

static void
test_exact_matches_enumeration(void **state)
{
	static double s[CAP];
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 11);
	for (int n = 1; n <= 12; n++)
	{
		double		p[12],
					ref[13];
		cm_propensity out;

		for (int i = 0; i < n; i++)
			p[i] = cm_rng_uniform(&rng);
		p[0] = n % 3 == 0 ? 1.0 : p[0];	/* certain voters too */
		double	   *pmf;

		fill_state(s, p, n);
		brute_force_pmf(p, n, ref);
		assert_true(s[4] == 1.0);
		assert_int_equal(cm_pb_pmf(p, n, &pmf), CM_OK);
		for (int k = 0; k <= n; k++)
			assert_true(fabs(pmf[k] - ref[k]) < 1e-12);
		cm_free(pmf);
		assert_int_equal(cm_rollup_final(s, CAP, &out), CM_OK);
		assert_true(out.n == n);
		assert_true(out.lo == cm_pb_quantile_exact(ref, n + 1, 0.05));
		assert_true(out.hi == cm_pb_quantile_exact(ref, n + 1, 0.95));
	}
}

static void
test_known_binomial_quantiles(void **state)
{
	static double s[CAP];
	double		p[10];
	cm_propensity out;

	(void) state;
	/* Binomial(10, 0.5): P(X <= 1) = 11/1024 < 0.05 <= P(X <= 2) = 56/1024; hi by symmetry 8 */
	for (int i = 0; i < 10; i++)
		p[i] = 0.5;
	fill_state(s, p, 10);
	assert_int_equal(cm_rollup_final(s, CAP, &out), CM_OK);
	assert_true(out.expected == 5.0 && fabs(out.sd - sqrt(2.5)) < 1e-12);
	assert_true(out.lo == 2.0 && out.hi == 8.0);
	/* the empty group */
	cm_rollup_state_init(s);
	assert_int_equal(cm_rollup_final(s, CAP, &out), CM_OK);
	assert_true(out.n == 0 && out.expected == 0 && out.lo == 0 && out.hi == 0);
}

static void
assert_same_final(const double *x, size_t xlen, const double *y, size_t ylen)
{
	cm_propensity px,
				py;

	assert_int_equal(cm_rollup_final(x, xlen, &px), CM_OK);
	assert_int_equal(cm_rollup_final(y, ylen, &py), CM_OK);
	assert_true(px.n == py.n && px.lo == py.lo && px.hi == py.hi);
	assert_true(fabs(px.expected - py.expected) < 1e-9 && fabs(px.sd - py.sd) < 1e-9);
}

static void
test_combine_equals_sequential(void **state)
{
	static double all[CAP],
				a[CAP],
				b[CAP],
				out[CAP];
	double		p[1300];
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 3);
	for (int i = 0; i < 1300; i++)
		p[i] = cm_rng_uniform(&rng);
	/* exact + exact within the limit */
	fill_state(all, p, 300);
	fill_state(a, p, 120);
	fill_state(b, p + 120, 180);
	assert_true(cm_rollup_len_after_combine(a, b) == CM_ROLLUP_HEADER + 300);
	assert_int_equal(cm_rollup_combine(a, b, out, CAP), CM_OK);
	assert_int_equal(cm_rollup_state_check(out, CAP), CM_OK);
	assert_true(out[4] == 1.0);
	assert_same_final(out, CAP, all, CAP);
	/* past the limit only the cumulants remain */
	fill_state(a, p, 600);
	fill_state(b, p + 600, 600);
	assert_true(cm_rollup_len_after_combine(a, b) == CM_ROLLUP_HEADER);
	assert_int_equal(cm_rollup_combine(a, b, out, CM_ROLLUP_HEADER), CM_OK);
	assert_true(out[0] == 1200 && out[4] == 0);
	assert_int_equal(cm_rollup_state_check(out, CM_ROLLUP_HEADER), CM_OK);
	/* adding past the limit drops the probabilities, with the same cumulants */
	fill_state(all, p, 600);
	for (int i = 600; i < 1200; i++)
	{
		assert_true(cm_rollup_len_after_add(all) <= CAP);
		cm_rollup_add(all, CAP, p[i]);
	}
	assert_true(all[0] == 1200 && all[4] == 0);
	assert_same_final(out, CM_ROLLUP_HEADER, all, CAP);
}

static void
test_rna_close_to_exact(void **state)
{
	static double p[4000];
	cm_rng		rng;
	const double scales[] = {1.0, 0.2, 0.03};	/* balanced, low, very low and skewed */

	(void) state;
	cm_rng_seed(&rng, 5);
	for (int si = 0; si < 3; si++)
		for (int n = 1001; n <= 4000; n += 1500)
		{
			double		mean = 0,
						var = 0,
						third = 0,
						*pmf;

			for (int i = 0; i < n; i++)
			{
				p[i] = scales[si] * cm_rng_uniform(&rng);
				mean += p[i];
				var += p[i] * (1 - p[i]);
				third += p[i] * (1 - p[i]) * (1 - 2 * p[i]);
			}
			assert_int_equal(cm_pb_pmf(p, n, &pmf), CM_OK);
			for (int qi = 0; qi < 2; qi++)
			{
				double		q = qi ? 0.95 : 0.05;
				double		exact = cm_pb_quantile_exact(pmf, n + 1, q);
				double		rna = cm_pb_quantile_rna(n, mean, var, third, q);

				assert_true(fabs(exact - rna) <= 1.0);
			}
			cm_free(pmf);
		}
	/* degenerate: every p 0 or 1 */
	assert_true(cm_pb_quantile_rna(2000, 700, 0, 0, 0.05) == 700);
}

static void
test_forged_states_rejected(void **state)
{
	double		s[CM_ROLLUP_HEADER + 4] = {0};
	cm_propensity out;

	(void) state;
	assert_int_equal(cm_rollup_state_check(s, 3), CM_ERR_CORRUPT);
	cm_rollup_state_init(s);
	cm_rollup_add(s, sizeof(s) / sizeof(s[0]), 0.3);
	cm_rollup_add(s, sizeof(s) / sizeof(s[0]), 0.6);
	assert_int_equal(cm_rollup_state_check(s, CM_ROLLUP_HEADER + 2), CM_OK);
	assert_int_equal(cm_rollup_final(s, CM_ROLLUP_HEADER + 2, &out), CM_OK);
	assert_int_equal(cm_rollup_state_check(s, CM_ROLLUP_HEADER + 1), CM_ERR_CORRUPT);
	s[0] = NAN;
	assert_int_equal(cm_rollup_state_check(s, CM_ROLLUP_HEADER + 2), CM_ERR_CORRUPT);
	s[0] = 1.5;
	assert_int_equal(cm_rollup_state_check(s, CM_ROLLUP_HEADER + 2), CM_ERR_CORRUPT);
	s[0] = 2;
	s[4] = 0.5;					/* exact flag neither 0 nor 1 */
	assert_int_equal(cm_rollup_state_check(s, CM_ROLLUP_HEADER + 2), CM_ERR_CORRUPT);
	s[4] = 1;
	s[1] = 5;					/* expected count above n */
	assert_int_equal(cm_rollup_state_check(s, CM_ROLLUP_HEADER + 2), CM_ERR_CORRUPT);
	s[1] = 0.9;
	s[CM_ROLLUP_HEADER] = 1.5;	/* a kept probability out of range */
	assert_int_equal(cm_rollup_final(s, CM_ROLLUP_HEADER + 2, &out), CM_ERR_CORRUPT);
	s[CM_ROLLUP_HEADER] = NAN;
	assert_int_equal(cm_rollup_final(s, CM_ROLLUP_HEADER + 2, &out), CM_ERR_CORRUPT);
	s[0] = CM_ROLLUP_EXACT_MAX + 1;	/* too many to keep */
	s[1] = s[2] = s[3] = 0;
	assert_int_equal(cm_rollup_state_check(s, CM_ROLLUP_HEADER + 2), CM_ERR_CORRUPT);
}

static void
test_check_p(void **state)
{
	(void) state;
	assert_int_equal(cm_rollup_check_p(0.0), CM_OK);
	assert_int_equal(cm_rollup_check_p(1.0), CM_OK);
	assert_int_equal(cm_rollup_check_p(-0.01), CM_ERR_RANGE);
	assert_int_equal(cm_rollup_check_p(1.01), CM_ERR_RANGE);
	assert_string_equal(cm_last_error(), "p must be a probability between 0 and 1, got 1.01");
	assert_int_equal(cm_rollup_check_p(NAN), CM_ERR_NONFINITE);
	assert_string_equal(cm_last_error(), "p must be a probability between 0 and 1, got NaN");
	assert_int_equal(cm_rollup_check_p(INFINITY), CM_ERR_NONFINITE);
	assert_int_equal(cm_rollup_check_p(-INFINITY), CM_ERR_NONFINITE);
	assert_string_equal(cm_last_error(), "p must be a probability between 0 and 1, got -Infinity");
}

static void
test_normal_and_beta(void **state)
{
	(void) state;
	assert_true(fabs(cm_normal_quantile(0.95) - 1.6448536269514722) < 1e-12);
	assert_true(fabs(cm_normal_cdf(-1.959963984540054) - 0.025) < 1e-12);
	/* I_x(1, 1) = x; I_x(2, 3) = 1 - (1-x)^3 (1 + 3x) */
	assert_true(fabs(cm_beta_cdf(0.3, 1, 1) - 0.3) < 1e-12);
	for (double x = 0.05; x < 1; x += 0.1)
		assert_true(fabs(cm_beta_cdf(x, 2, 3) - (1 - pow(1 - x, 3) * (1 + 3 * x))) < 1e-12);
	/* symmetry and inversion, also for large shapes */
	assert_true(fabs(cm_beta_cdf(0.4, 30, 50) + cm_beta_cdf(0.6, 50, 30) - 1) < 1e-12);
	assert_true(fabs(cm_beta_cdf(cm_beta_quantile(0.9, 4000, 6000), 4000, 6000) - 0.9) < 1e-9);
	assert_true(fabs(cm_beta_quantile(0.5, 7, 7) - 0.5) < 1e-12);
	assert_true(cm_beta_quantile(0.05, 0, 3) == 0 && cm_beta_quantile(0.95, 3, 0) == 1);
}

/* A Beta(a, b) draw for integer a, b: the a-th smallest of a + b - 1 uniforms. */
static double
beta_draw(cm_rng *rng, int a, int b)
{
	double		u[64];
	int			m = a + b - 1;

	for (int i = 0; i < m; i++)
		u[i] = cm_rng_uniform(rng);
	for (int i = 0; i < a; i++)	/* partial selection sort */
		for (int j = i + 1; j < m; j++)
			if (u[j] < u[i])
			{
				double		t = u[i];

				u[i] = u[j];
				u[j] = t;
			}
	return u[a - 1];
}

static void
test_eb_recovers_known_prior(void **state)
{
	cm_rng		rng;
	cm_eb_stats st = {0};
	double		alpha,
				beta,
				err_raw = 0,
				err_eb = 0;
	static double rate[4000],
				succ[4000],
				tri[4000];

	(void) state;
	cm_rng_seed(&rng, 17);
	/* prior Beta(4, 6): mean 0.4, strength 10; blocks of 5 to 200 voters */
	for (int i = 0; i < 4000; i++)
	{
		rate[i] = beta_draw(&rng, 4, 6);
		tri[i] = 5 + cm_rng_below(&rng, 196);
		succ[i] = 0;
		for (int v = 0; v < tri[i]; v++)
			succ[i] += cm_rng_uniform(&rng) < rate[i];
		assert_int_equal(cm_eb_check(succ[i], tri[i]), CM_OK);
		cm_eb_add(&st, succ[i], tri[i]);
	}
	cm_eb_fit(&st, &alpha, &beta);
	assert_true(fabs(alpha / (alpha + beta) - 0.4) < 0.01);
	assert_true(alpha + beta > 8.5 && alpha + beta < 11.5);
	for (int i = 0; i < 4000; i++)
	{
		double		mean,
					lo,
					hi;

		cm_eb_posterior(alpha, beta, succ[i], tri[i], 0.9, &mean, &lo, &hi);
		assert_true(lo <= mean && mean <= hi);
		err_raw += pow(succ[i] / tri[i] - rate[i], 2);
		err_eb += pow(mean - rate[i], 2);
	}
	assert_true(err_eb < 0.8 * err_raw);	/* shrinkage pays */
}

static void
test_eb_edges(void **state)
{
	cm_eb_stats st = {0},
				other = {0};
	double		alpha,
				beta,
				mean,
				lo,
				hi;

	(void) state;
	assert_int_equal(cm_eb_check(3, 2), CM_ERR_INVALID);
	assert_int_equal(cm_eb_check(-1, 2), CM_ERR_INVALID);
	assert_int_equal(cm_eb_check(NAN, 2), CM_ERR_NONFINITE);
	cm_eb_fit(&st, &alpha, &beta);
	assert_true(alpha == 0 && beta == 0);
	/* identical rates: no variation, the prior is worth all the data (N = 200) */
	cm_eb_add(&st, 10, 100);
	cm_eb_add(&other, 10, 100);
	cm_eb_add(&other, 0, 0);	/* no information */
	cm_eb_merge(&st, &other);
	assert_true(st.units == 2);
	cm_eb_fit(&st, &alpha, &beta);
	assert_true(fabs(alpha - 20) < 1e-9 && fabs(beta - 180) < 1e-9);
	/* no successes anywhere: everything at 0 */
	memset(&st, 0, sizeof(st));
	cm_eb_add(&st, 0, 10);
	cm_eb_add(&st, 0, 30);
	cm_eb_fit(&st, &alpha, &beta);
	cm_eb_posterior(alpha, beta, 0, 10, 0.9, &mean, &lo, &hi);
	assert_true(mean == 0 && lo == 0 && hi == 0);
}

/*
 * The edges of double precision (issue 20): quantiles of skewed Betas to the double (mpmath
 * references, 40 digits: bisection on x stopped at 2^-200 and gave 3.1e-61 for the first),
 * an interval that holds its own mean, trials whose squares overflow, noise scales that
 * overflow or vanish.
 */
static void
test_double_precision_edges(void **state)
{
	static const double quantiles[][4] = {
		{0.05, 0.01, 5, 9.8922404241126422e-132},
		{0.95, 0.01, 5, 7.4462015795720053e-4},
		{0.05, 0.2, 30, 6.8889190057875539e-9},
		{0.05, 2, 3, 0.097611462886414343},
	};
	cm_eb_stats st = {0};
	double		alpha,
				beta,
				mean,
				lo,
				hi,
				out;
	cm_rng		rng;

	(void) state;
	for (int i = 0; i < 4; i++)
	{
		double		q = cm_beta_quantile(quantiles[i][0], quantiles[i][1], quantiles[i][2]);

		assert_true(fabs(q / quantiles[i][3] - 1) < 1e-9);
	}
	/* Beta(0.01, 5): mean 0.002 above the 95% quantile 0.00074; the interval widens to it */
	assert_int_equal(cm_eb_posterior(0.01, 5, 0, 0, 0.9, &mean, &lo, &hi), CM_OK);
	assert_true(fabs(mean - 0.01 / 5.01) < 1e-15);
	assert_true(fabs(lo / 9.8922404241126422e-132 - 1) < 1e-9 && hi == mean);
	/* a prior with alpha 1e-100: the whole central interval is 0, the mean 5e-113 */
	assert_int_equal(cm_eb_posterior(1e-100, 1e12, 0, 1e6, 0.9, &mean, &lo, &hi), CM_OK);
	assert_true(lo <= mean && mean <= hi && mean > 0);
	/* (1e308, 1e308), (1, 2): the squares overflow (eb_rate was NaN) */
	cm_eb_add(&st, 1e308, 1e308);
	cm_eb_add(&st, 1, 2);
	assert_int_equal(cm_eb_fit(&st, &alpha, &beta), CM_ERR_RANGE);
	assert_int_equal(cm_eb_posterior(1e308, 1, 1e308, 1e308, 0.9, &mean, &lo, &hi), CM_ERR_RANGE);
	/* s^2 / n computed as s (s / n): 1e150 successes in 1e150 trials fit */
	memset(&st, 0, sizeof(st));
	cm_eb_add(&st, 1e150, 1e150);
	cm_eb_add(&st, 0, 1e150);
	assert_int_equal(cm_eb_fit(&st, &alpha, &beta), CM_OK);
	assert_true(fabs(alpha / (alpha + beta) - 0.5) < 1e-12);
	/* dp_sum(10, 1e-300, 1e300) was Infinity; a scale of 1e-300 / 1e300 adds no noise */
	cm_rng_seed(&rng, 7);
	assert_int_equal(cm_dp_sum(&rng, 10, 1e-300, 1e300, &out), CM_ERR_RANGE);
	assert_int_equal(cm_dp_sum(&rng, 10, 1e300, 1e-300, &out), CM_ERR_RANGE);
	assert_int_equal(cm_dp_sum(&rng, 1.7e308, 1, 1e306, &out) == CM_OK ? isfinite(out) : 1, 1);
	assert_int_equal(cm_dp_sum(&rng, 10, 1, 1, &out), CM_OK);
	assert_true(isfinite(out));
	assert_int_equal(cm_dp_count(&rng, 10, 1e-320, &out), CM_ERR_RANGE);
	assert_int_equal(cm_dp_count(&rng, 10, 1, &out), CM_OK);
	assert_true(out >= 0 && out == floor(out));
}

static void
test_noise_moments(void **state)
{
	cm_rng		rng;
	const int	n = 200000;
	double		sum = 0,
				sumsq = 0,
				gsum = 0,
				gsumsq = 0,
				alpha = exp(-0.5);

	(void) state;
	cm_rng_seed(&rng, 23);
	for (int i = 0; i < n; i++)
	{
		double		l = cm_laplace_noise(&rng, 2.0),
					g = cm_geometric_noise(&rng, 0.5);

		assert_true(g == floor(g));
		sum += l;
		sumsq += l * l;
		gsum += g;
		gsumsq += g * g;
	}
	assert_true(fabs(sum / n) < 0.05);
	assert_true(fabs(sumsq / n / 8.0 - 1) < 0.03);	/* Laplace variance 2 b^2 */
	assert_true(fabs(gsum / n) < 0.05);
	assert_true(fabs(gsumsq / n / (2 * alpha / pow(1 - alpha, 2)) - 1) < 0.03);
}

static void
test_geoid(void **state)
{
	const char *level;
	size_t		len;

	(void) state;
	assert_int_equal(cm_geoid_level("360610001001000", 15, &level), CM_OK);
	assert_string_equal(level, "block");
	assert_int_equal(cm_geoid_level("360610001001", 12, &level), CM_OK);
	assert_string_equal(level, "block_group");
	assert_int_equal(cm_geoid_level("36", 2, &level), CM_OK);
	assert_string_equal(level, "state");
	assert_int_equal(cm_geoid_level("3606", 4, &level), CM_ERR_INVALID);
	assert_int_equal(cm_geoid_level("36061000100100A", 15, &level), CM_ERR_INVALID);
	assert_int_equal(cm_geoid_level("", 0, &level), CM_ERR_INVALID);
	assert_int_equal(cm_geoid_parent("360610001001000", 15, "tract", &len), CM_OK);
	assert_int_equal(len, 11);
	assert_int_equal(cm_geoid_parent("36061", 5, "county", &len), CM_OK);
	assert_int_equal(len, 5);
	assert_int_equal(cm_geoid_parent("36061", 5, "tract", &len), CM_ERR_INVALID);
	assert_int_equal(cm_geoid_parent("36061", 5, "zip", &len), CM_ERR_INVALID);
}

HARNESS_MAIN("rollup",
			 HARNESS_TEST(test_exact_matches_enumeration),
			 HARNESS_TEST(test_known_binomial_quantiles),
			 HARNESS_TEST(test_combine_equals_sequential),
			 HARNESS_TEST(test_rna_close_to_exact),
			 HARNESS_TEST(test_forged_states_rejected),
			 HARNESS_TEST(test_check_p),
			 HARNESS_TEST(test_normal_and_beta),
			 HARNESS_TEST(test_eb_recovers_known_prior),
			 HARNESS_TEST(test_eb_edges),
			 HARNESS_TEST(test_double_precision_edges),
			 HARNESS_TEST(test_noise_moments),
			 HARNESS_TEST(test_geoid))
