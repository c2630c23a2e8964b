/* test_bandit.c - samplers (moments, Kolmogorov-Smirnov), Beta CDF, P(best) references. */
#include "harness.h"
#include "bandit.h"
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

static void
expect_prob_best(const cm_beta *arms, size_t n, const double *ref)
{
	double		p[50];

	assert_int_equal(cm_prob_best(arms, n, p, NULL), CM_OK);
	for (size_t i = 0; i < n; i++)
		assert_true(fabs(p[i] - ref[i]) < 1e-6);
}

/* References computed with mpmath at 30 digits (quad of pdf_i * prod CDF_j). */
static void
test_prob_best_high_precision(void **state)
{
	const cm_beta a1[] = {{10, 20}, {12, 18}, {8, 15}};
	const double r1[] = {0.200919511042031, 0.527158672351095, 0.271921816606873};
	const cm_beta a2[] = {{0.5, 0.7}, {0.8, 0.4}, {2, 3}};
	const double r2[] = {0.231557825660659, 0.619778961811445, 0.148663212527886};
	const cm_beta a3[] = {{500, 9500}, {520, 9480}, {480, 9520}};
	const double r3[] = {0.240013268734923, 0.70130591565472, 0.0586808156103576};
	const cm_beta a4[] = {{1.5, 2.5}, {3.2, 4.1}};
	const double r4[] = {0.400652486547342, 0.599347513452658};

	/* mixed widths: narrow arms inside wide ones, one shape below 1 */
	const cm_beta a5[] = {{3, 40}, {300, 4000}, {0.6, 9}, {50, 600}, {7.5, 90.2}};
	const double r5[] = {0.232455853079, 0.0505433777626, 0.230561086849, 0.218390256978,
	0.268049425332};

	(void) state;
	expect_prob_best(a5, 5, r5);
	expect_prob_best(a1, 3, r1);
	expect_prob_best(a2, 3, r2);
	expect_prob_best(a3, 3, r3);
	expect_prob_best(a4, 2, r4);	/* non-integer alphas: quadrature */
}

/* An mpmath reference: P(best) of every arm and E[max rate]. */
typedef struct pb_reference
{
	size_t		n;
	const cm_beta *arms;
	const double *prob;
	double		emax;
} pb_reference;

/*
 * Shapes from 1e-3 to 1e4, mixed: mass within 1e-300 of 0 or 1, huge next to tiny, 2 to 50
 * arms (two of them on the two-arm closed form).  mpmath at 30 digits: quad of
 * pdf_i * prod CDF_j in the logit, the CDF as x^a (1-x)^b / (a B) 2F1(a+b, 1; a+1; x) below
 * the mean and its complement above (src/core/test/bandit_references.py).
 */
static const pb_reference tiny_shape_refs[] = {
	{3, (const cm_beta[]) {{0.01, 5}, {0.05, 0.05}, {0.001, 1000}},
	 (const double[]) {0.0747087447563947, 0.919913705005657, 0.00537755023794801},
	 0.500857499863589},
	{2, (const cm_beta[]) {{0.001, 0.001}, {0.5, 0.5}},
	 (const double[]) {0.5, 0.5},
	 0.749807249096013},
	{3, (const cm_beta[]) {{0.001, 10000}, {0.002, 10000}, {0.001, 5000}},
	 (const double[]) {0.249826724290732, 0.49965508512326, 0.250518190586008},
	 4.99152820991296e-07},
	{3, (const cm_beta[]) {{10000, 0.001}, {10000, 0.002}, {5000, 0.001}},
	 (const double[]) {0.41684004242251, 0.166781884935703, 0.416378072641787},
	 0.999999999999093},
	{2, (const cm_beta[]) {{0.01, 5}, {0.011, 5.5}},
	 (const double[]) {0.47672824921375, 0.52327175078625},
	 0.00396151190706079},
	{4, (const cm_beta[]) {{0.001, 1}, {0.001, 2}, {0.003, 1}, {0.002, 0.5}},
	 (const double[]) {0.142605368946514, 0.14161429623048, 0.427816106839542, 0.287964227983465},
	 0.00843364062828503},
	{10, (const cm_beta[]) {{357.6, 567.1}, {2.485, 0.06782}, {0.001007, 43.62}, {1.958, 208.0},
	 {0.4094, 246.0}, {0.08107, 410.6}, {128.5, 0.7908}, {5.863, 59.48}, {0.02243, 7.504}, {432.4,
	 0.07222}},
	 (const double[]) {3.83674855024853e-187, 0.359509514367371, 5.68815993165983e-76,
	 5.01364822192527e-209, 1.42935041461954e-242, 9.93154545775807e-302, 0.0116174138005982,
	 4.73583805393497e-82, 2.09673030586834e-22, 0.62887307183203},
	 0.99995220241518},
	{4, (const cm_beta[]) {{0.02, 3}, {10000, 10000}, {0.3, 0.1}, {5000, 5000}},
	 (const double[]) {0.000371213314431663, 0.121050701986357, 0.757332970876787,
	 0.121245113822425},
	 0.837787921493835},
	{2, (const cm_beta[]) {{0.001, 1000}, {1, 5}},
	 (const double[]) {4.99001496014349e-06, 0.99999500998504},
	 0.16666666916002},
	{2, (const cm_beta[]) {{0.02, 0.02}, {3, 0.001}},
	 (const double[]) {0.0231305721753346, 0.976869427824665},
	 0.999824850632559},

	/* 50 arms, shapes 1e-3 to 1e4 mixed; mpmath at 20 digits over the maximum's range */
	{50, (const cm_beta[]) {{0.04043, 2.352}, {4882.0, 2166.0}, {0.002358, 1.589}, {40.7, 7.77},
	 {0.004534, 0.024}, {0.01861, 0.3823}, {7994.0, 3878.0}, {0.006361, 0.4184}, {5.257, 73.36},
	 {2326.0, 4.005}, {0.01946, 2.488}, {4083.0, 9471.0}, {0.001299, 0.02789}, {15.98, 4.061},
	 {13.31, 0.004244}, {0.05756, 1.123}, {171.3, 4600.0}, {0.01775, 0.006094}, {9.279, 1.889},
	 {0.02946, 1145.0}, {0.02491, 0.1059}, {3598.0, 1040.0}, {0.02146, 4.147}, {17.4, 4.095},
	 {0.4384, 0.5299}, {0.001793, 9.994}, {128.1, 2648.0}, {0.9666, 0.039}, {91.61, 3.095},
	 {7158.0, 1761.0}, {0.0219, 6.012}, {784.1, 6780.0}, {1.529, 0.1166}, {8.747, 25.78}, {0.7302,
	 0.003995}, {0.03112, 0.3401}, {944.8, 6082.0}, {0.004881, 0.001223}, {1.766, 15.09}, {0.3368,
	 0.06226}, {0.008, 7.165}, {323.2, 2574.0}, {3.29, 0.281}, {3.435, 8.901}, {2.238, 0.009892},
	 {0.005688, 0.4086}, {4069.0, 2106.0}, {0.4335, 7.639}, {70.17, 5.65}, {16.64, 0.1741}},
	 (const double[]) {1.27733087435256e-16, 0, 1.87974871434752e-15, 1.74661194484699e-20,
	 0.000692352907408995, 3.40343754843813e-09, 0, 6.5373508014679e-10, 2.08175824914718e-144,
	 1.66270252115279e-08, 2.33848451984726e-17, 0, 0.000126409981122566, 6.48377006271425e-16,
	 0.182240570368828, 2.13145003767257e-12, 0, 0.0706930849573872, 6.28141797659722e-12, 0,
	 5.84226812580295e-06, 0, 5.09311867927649e-22, 7.61592836752585e-16, 6.00751543491754e-09,
	 8.99123125567831e-38, 0, 0.00109451373827371, 9.50058419910881e-12, 0, 6.3784589756412e-27, 0,
	 2.2766685725969e-05, 3.55848157831098e-60, 0.194903958524469, 1.17545313117716e-08, 0,
	 0.509420213604961, 1.99254412192155e-44, 0.000197955203548261, 2.78631861546904e-30, 0,
	 5.75418321273225e-07, 1.75016645029581e-29, 0.0405949583304835, 6.86416267052981e-10, 0,
	 2.66096959818524e-29, 9.44969620717423e-16, 6.75886076678633e-06},
	 0.999999999888149},

};

static void
expect_reference(const pb_reference *r)
{
	double		p[50],
				loss[50];

	assert_int_equal(cm_prob_best(r->arms, r->n, p, NULL), CM_OK);
	assert_int_equal(cm_expected_loss(r->arms, r->n, loss), CM_OK);
	for (size_t i = 0; i < r->n; i++)
	{
		double		mean = r->arms[i].alpha / (r->arms[i].alpha + r->arms[i].beta);

		/* the goal is 1e-6; the quadrature's error is about 1e-12 */
		assert_true(fabs(p[i] - r->prob[i]) < 1e-9);
		assert_true(fabs(loss[i] - (r->emax - mean)) < 1e-9);
	}
}

static void
test_prob_best_tiny_shapes(void **state)
{
	(void) state;
	for (size_t k = 0; k < sizeof(tiny_shape_refs) / sizeof(tiny_shape_refs[0]); k++)
		expect_reference(&tiny_shape_refs[k]);
}

/* Shapes down to 1e-300: each arm is a coin at 0 or 1 and a race of U^(1/a) near 0. */
static void
test_prob_best_vanishing_shapes(void **state)
{
	(void) state;
	for (double s = 1e-20; s > 1e-301; s *= 1e-70)
	{
		const cm_beta arms[] = {{s, 1}, {2 * s, 1}, {s, s}};
		double		p[3];

		assert_int_equal(cm_prob_best(arms, 3, p, NULL), CM_OK);
		/* Beta(s, s) is near 1 half the time; else 0, s, 2s race as exponentials 1 : 2 : 1/2 */
		assert_true(fabs(p[0] - 0.125) < 1e-9);
		assert_true(fabs(p[1] - 0.25) < 1e-9);
		assert_true(fabs(p[2] - 0.625) < 1e-9);
	}
}

/* sd of a Beta(a, b) */
static double
beta_sd(cm_beta b)
{
	double		s = b.alpha + b.beta;

	return sqrt(b.alpha * b.beta / (s * s * (s + 1)));
}

/* Huge weights: the normal limit, up to alpha + beta = 1e12, then a clear limit error. */
static void
test_prob_best_huge_shapes(void **state)
{
	const double weights[] = {1e6, 1e8, 1e10, 5e11};

	(void) state;
	for (size_t k = 0; k < 4; k++)
	{
		double		w = weights[k],
					e = 2.0 / sqrt(w);
		const cm_beta arms[] = {{0.5 * w, 0.5 * w}, {0.5 * w * (1 + e), 0.5 * w}};
		double		p[2],
					m1 = arms[1].alpha / (arms[1].alpha + arms[1].beta),
					sd = hypot(beta_sd(arms[0]), beta_sd(arms[1]));

		assert_int_equal(cm_prob_best(arms, 2, p, NULL), CM_OK);
		/* the beta's own distance from the normal is about 3e-2 / w */
		assert_true(fabs(p[1] - cm_normal_cdf((m1 - 0.5) / sd)) < 1e-6);
	}
	{
		const cm_beta arms[] = {{1, 1}, {1e13, 1e13}};
		double		p[2];

		assert_int_equal(cm_prob_best(arms, 2, p, NULL), CM_ERR_LIMIT);
	}
}

/* The quadrature path (3 arms, one hopeless) against the two-arm closed form. */
static void
test_prob_best_quadrature_matches_closed_form(void **state)
{
	const cm_beta pairs[][2] = {{{3, 7}, {5, 9}}, {{40, 960}, {55, 945}}, {{1, 1}, {2, 1}},
	{{0.5, 3}, {1, 4}}, {{200, 100}, {210, 95}}};

	(void) state;
	for (size_t k = 0; k < 5; k++)
	{
		cm_beta		three[3] = {pairs[k][0], pairs[k][1], {1e-3, 1e6}};
		double		closed,
					p[3];

		assert_int_equal(cm_prob_b_beats_a(pairs[k][0], pairs[k][1], &closed), CM_OK);
		assert_int_equal(cm_prob_best(three, 3, p, NULL), CM_OK);
		assert_true(fabs(p[1] - closed) < 1e-6);
		assert_true(fabs(p[0] - (1 - closed)) < 1e-6);
		assert_true(p[2] < 1e-9);
	}
	/* Beta(2,1) beats Beta(1,1) with probability 2/3 */
	{
		double		closed;

		assert_int_equal(cm_prob_b_beats_a(pairs[2][0], pairs[2][1], &closed), CM_OK);
		assert_true(fabs(closed - 2.0 / 3) < 1e-12);
	}
}

static void
test_prob_best_many_arms_sums_to_one(void **state)
{
	cm_beta		arms[50];
	double		p[50],
				loss[50],
				total = 0;

	(void) state;
	for (int i = 0; i < 50; i++)
		arms[i] = (cm_beta) {20 + i % 7, 200 - i % 5};
	assert_int_equal(cm_prob_best(arms, 50, p, NULL), CM_OK);
	for (int i = 0; i < 50; i++)
		total += p[i];
	assert_true(fabs(total - 1) < 1e-9);
	/* identical arms share P(best) */
	assert_true(fabs(p[0] - p[35]) < 1e-6);
	assert_int_equal(cm_expected_loss(arms, 50, loss), CM_OK);
	for (int i = 0; i < 50; i++)
		assert_true(loss[i] > 0 && loss[i] < 0.1);
}

static void
test_expected_loss_two_uniforms(void **state)
{
	/* E[max(U1, U2)] = 2/3, so the loss of either is 2/3 - 1/2 */
	const cm_beta arms[] = {{1, 1}, {1, 1}, {1, 1}};
	double		loss[3];

	(void) state;
	assert_int_equal(cm_expected_loss(arms, 3, loss), CM_OK);
	/* three uniforms: E[max] = 3/4 */
	for (int i = 0; i < 3; i++)
		assert_true(fabs(loss[i] - 0.25) < 1e-6);
}

static void
test_thompson_and_allocation(void **state)
{
	const cm_beta arms[] = {{10, 90}, {30, 70}, {12, 88}};
	cm_rng		rng;
	int			counts[3] = {0};
	double		w[3],
				p[3];
	size_t		chosen;

	(void) state;
	cm_rng_seed(&rng, 5);
	for (int i = 0; i < 1000; i++)
	{
		assert_int_equal(cm_thompson(arms, 3, &rng, &chosen), CM_OK);
		counts[chosen]++;
	}
	assert_true(counts[1] > 990);
	assert_int_equal(cm_allocation(arms, 3, "thompson", 0.05, w), CM_OK);
	assert_true(fabs(w[0] + w[1] + w[2] - 1) < 1e-12);
	assert_true(w[0] >= 0.05 && w[2] >= 0.05 && w[1] > 0.85);
	assert_int_equal(cm_prob_best(arms, 3, p, NULL), CM_OK);
	assert_int_equal(cm_allocation(arms, 3, "top_two", 0, w), CM_OK);
	assert_true(fabs(w[0] + w[1] + w[2] - 1) < 1e-12);
	assert_true(w[1] > 0.49 && w[1] < 0.51);	/* the near-certain leader gets about half */
	assert_int_equal(cm_allocation(arms, 3, "greedy", 0, w), CM_ERR_INVALID);
	assert_int_equal(cm_allocation(arms, 3, "thompson", 0.4, w), CM_ERR_INVALID);
}

/* Two arms whose draws round to exactly 1.0: Thompson compares logits, so they split evenly. */
static void
test_thompson_tiny_shapes(void **state)
{
	const cm_beta arms[] = {{1, 1e-3}, {1, 1e-3}};
	cm_rng		rng;
	int			first = 0;
	size_t		chosen;

	(void) state;
	cm_rng_seed(&rng, 9);
	for (int i = 0; i < 2000; i++)
	{
		assert_int_equal(cm_thompson(arms, 2, &rng, &chosen), CM_OK);
		first += chosen == 0;
	}
	assert_true(first > 900 && first < 1100);
}

static void
test_value_remaining(void **state)
{
	const cm_beta close[] = {{50, 50}, {52, 48}};
	const cm_beta decided[] = {{5000, 5000}, {6000, 4000}};
	double		v1,
				v2;

	(void) state;
	assert_int_equal(cm_value_remaining(close, 2, 0.95, &v1), CM_OK);
	assert_int_equal(cm_value_remaining(decided, 2, 0.95, &v2), CM_OK);
	assert_true(v1 > 0.05 && v2 == 0);
	assert_int_equal(cm_value_remaining(close, 2, 1.0, &v1), CM_ERR_INVALID);
}

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

static void
test_interrupt_stops_value_remaining(void **state)
{
	const cm_beta arms[] = {{5, 5}, {6, 4}, {7, 3}};
	double		v;

	(void) state;
	harness_interrupt_after = 2;
	assert_int_equal(cm_value_remaining(arms, 3, 0.95, &v), CM_ERR_CANCELED);
}

static void
test_revenue_per_visitor(void **state)
{
	double		mean,
				lo,
				hi;

	(void) state;
	/* 10% conversion, mean gift rate / (shape - 1) = 50: RPV 5 */
	assert_int_equal(cm_revenue_per_visitor(100, 900, 101, 5000, &mean, &lo, &hi), CM_OK);
	assert_true(fabs(mean - 5.0) < 1e-12);
	assert_true(lo < mean && mean < hi && lo > 3 && hi < 7.5);
	assert_int_equal(cm_revenue_per_visitor(1, 10, 1, 0, &mean, &lo, &hi), CM_ERR_DATA);
	assert_int_equal(cm_revenue_per_visitor(0, 10, 2, 1, &mean, &lo, &hi), CM_ERR_INVALID);
}

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

/* Conversion known exactly (alpha + beta = 1e10): P(theta1 / lambda1 > theta2 / lambda2) is
 * P(G2 / G1 > c2 r2 / (c1 r1)) for gammas G, an incomplete beta I_z(k1, k2). */
static void
test_revenue_prob_best_closed_form(void **state)
{
	const double w = 1e10;
	const cm_revenue arms[] = {{0.1 * w, 0.9 * w, 20, 1000}, {0.08 * w, 0.92 * w, 25, 1400}};
	double		p[2],
				z = 0.1 * 1000 / (0.1 * 1000 + 0.08 * 1400);

	(void) state;
	assert_int_equal(cm_revenue_prob_best(arms, 2, p, NULL), CM_OK);
	assert_true(fabs(p[0] - cm_beta_cdf(z, 20, 25)) < 1e-6);
	assert_true(fabs(p[0] + p[1] - 1) < 1e-12);
}

/*
 * mpmath at 15 digits: P(RPV1 > RPV2) = E over theta1, theta2 of I_z(shape1, shape2),
 * z = theta1 rate1 / (theta1 rate1 + theta2 rate2), a double integral in the logits.
 */
static void
test_revenue_prob_best_reference(void **state)
{
	const cm_revenue arms[][2] = {{{3, 50, 3, 100}, {2, 60, 2, 80}},
	{{101, 901, 101, 5000}, {91, 911, 91, 4700}},
	{{1.5, 0.5, 1.5, 10}, {1, 1, 3, 10}}};	/* beta < 1: conversion piled near 1 */
	const double ref[] = {0.608556949934902, 0.621561786588498, 0.840140682897256};

	(void) state;
	for (size_t k = 0; k < 3; k++)
	{
		double		p[2];

		assert_int_equal(cm_revenue_prob_best(arms[k], 2, p, NULL), CM_OK);
		/* the goal is 1e-6; observed about 1e-13 */
		assert_true(fabs(p[0] - ref[k]) < 1e-9);
	}
}

/* Against 2,000,000 seeded posterior draws: within 5 standard errors. */
static void
test_revenue_prob_best_monte_carlo(void **state)
{
	const cm_revenue arms[] = {{101, 901, 101, 5000}, {91, 911, 91, 4700}, {80, 920, 80, 4400}};
	const long	draws = 2000000;
	double		p[3],
				loss[3],
				wins[3] = {0},
				sum_max = 0,
				sum_sq = 0,
				emax;
	cm_rng		rng;

	(void) state;
	assert_int_equal(cm_revenue_prob_best(arms, 3, p, &emax), CM_OK);
	cm_rng_seed(&rng, 12345);
	for (long d = 0; d < draws; d++)
	{
		double		best = -1;
		size_t		winner = 0;

		for (size_t i = 0; i < 3; i++)
		{
			double		rpv = cm_beta_sample(&rng, arms[i].alpha, arms[i].beta) * arms[i].rate /
				cm_gamma_sample(&rng, arms[i].shape);

			if (rpv > best)
			{
				best = rpv;
				winner = i;
			}
		}
		wins[winner]++;
		sum_max += best;
		sum_sq += best * best;
	}
	for (size_t i = 0; i < 3; i++)
		assert_true(fabs(p[i] - wins[i] / draws) < 5 * sqrt(p[i] * (1 - p[i]) / draws));
	assert_true(fabs(emax - sum_max / draws) <
				5 * sqrt((sum_sq / draws - pow(sum_max / draws, 2)) / draws));
	assert_int_equal(cm_revenue_expected_loss(arms, 3, loss), CM_OK);
	for (size_t i = 0; i < 3; i++)
		assert_true(fabs(loss[i] - (emax - arms[i].alpha / (arms[i].alpha + arms[i].beta) *
									 arms[i].rate / (arms[i].shape - 1))) < 1e-9);
	assert_true(loss[0] < loss[1] && loss[1] < loss[2]);
	/* allocation: P(best) with the floor, or top-two; bad method and floor refused */
	{
		double		w[3];

		assert_int_equal(cm_revenue_allocation(arms, 3, "thompson", 0.05, w), CM_OK);
		for (size_t i = 0; i < 3; i++)
			assert_true(fabs(w[i] - (0.05 + 0.85 * p[i])) < 1e-12);
		assert_int_equal(cm_revenue_allocation(arms, 3, "top_two", 0, w), CM_OK);
		assert_true(fabs(w[0] + w[1] + w[2] - 1) < 1e-12 && w[0] < p[0]);
		assert_int_equal(cm_revenue_allocation(arms, 3, "greedy", 0, w), CM_ERR_INVALID);
		assert_int_equal(cm_revenue_allocation(arms, 3, "thompson", 0.5, w), CM_ERR_INVALID);
	}
}

static void
test_revenue_prob_best_edges(void **state)
{
	const cm_revenue same[] = {{3, 50, 3, 100}, {3, 50, 3, 100}, {3, 50, 3, 100}};
	const cm_revenue one[] = {{3, 50, 3, 100}};
	cm_revenue	bad[] = {{3, 50, 3, 100}, {3, 50, 3, 100}};
	double		p[3],
				loss[3],
				emax;

	(void) state;
	assert_int_equal(cm_revenue_prob_best(same, 3, p, NULL), CM_OK);
	for (int i = 0; i < 3; i++)
		assert_true(fabs(p[i] - 1.0 / 3) < 1e-9);
	assert_int_equal(cm_revenue_prob_best(one, 1, p, &emax), CM_OK);
	assert_true(p[0] == 1);
	/* E[theta] E[1 / lambda] = 3/53 * 100/2 */
	assert_true(fabs(emax - 3.0 / 53 * 50) < 1e-7);
	assert_int_equal(cm_revenue_expected_loss(one, 1, loss), CM_OK);
	assert_true(loss[0] < 1e-7);
	assert_int_equal(cm_revenue_prob_best(bad, 0, p, NULL), CM_ERR_INVALID);
	bad[1].shape = 1;
	assert_int_equal(cm_revenue_prob_best(bad, 2, p, NULL), CM_ERR_DATA);
	bad[1].shape = 3;
	bad[1].rate = 0;
	assert_int_equal(cm_revenue_prob_best(bad, 2, p, NULL), CM_ERR_DATA);
	bad[1].rate = NAN;
	assert_int_equal(cm_revenue_expected_loss(bad, 2, p), CM_ERR_NONFINITE);
	bad[1].rate = 100;
	bad[1].alpha = 0;
	assert_int_equal(cm_revenue_prob_best(bad, 2, p, NULL), CM_ERR_INVALID);
	bad[1].alpha = 1e13;
	assert_int_equal(cm_revenue_prob_best(bad, 2, p, NULL), CM_ERR_LIMIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		HARNESS_TEST(test_beta_sampler_shapes),
		HARNESS_TEST(test_gamma_moments),
		HARNESS_TEST(test_sampler_is_seeded),
		HARNESS_TEST(test_beta_cdf_and_quantile),
		HARNESS_TEST(test_prob_best_high_precision),
		HARNESS_TEST(test_prob_best_tiny_shapes),
		HARNESS_TEST(test_prob_best_vanishing_shapes),
		HARNESS_TEST(test_prob_best_huge_shapes),
		HARNESS_TEST(test_prob_best_quadrature_matches_closed_form),
		HARNESS_TEST(test_prob_best_many_arms_sums_to_one),
		HARNESS_TEST(test_expected_loss_two_uniforms),
		HARNESS_TEST(test_thompson_and_allocation),
		HARNESS_TEST(test_thompson_tiny_shapes),
		HARNESS_TEST(test_value_remaining),
		HARNESS_TEST(test_bad_arms),
		HARNESS_TEST(test_interrupt_stops_value_remaining),
		HARNESS_TEST(test_revenue_per_visitor),
		HARNESS_TEST(test_posterior_state),
		HARNESS_TEST(test_discounted_and_revenue_states),
		HARNESS_TEST(test_revenue_prob_best_closed_form),
		HARNESS_TEST(test_revenue_prob_best_reference),
		HARNESS_TEST(test_revenue_prob_best_monte_carlo),
		HARNESS_TEST(test_revenue_prob_best_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
