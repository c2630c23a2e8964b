/*
 * test_bandit_beta.c - decisions on Beta arms: P(best) against mpmath references and the
 * closed form, expected loss, Thompson sampling, allocation and value remaining.
 */
#include "harness.h"
#include "bandit_beta.h"
#include "distributions.h"

#include <math.h>

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
	assert_int_equal(cm_arms_expected_loss(cm_beta_arms(r->arms, r->n), loss), CM_OK);
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
	assert_int_equal(cm_arms_expected_loss(cm_beta_arms(arms, 50), loss), CM_OK);
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
	assert_int_equal(cm_arms_expected_loss(cm_beta_arms(arms, 3), loss), CM_OK);
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
	assert_int_equal(cm_arms_allocation(cm_beta_arms(arms, 3), "thompson", 0.05, w), CM_OK);
	assert_true(fabs(w[0] + w[1] + w[2] - 1) < 1e-12);
	assert_true(w[0] >= 0.05 && w[2] >= 0.05 && w[1] > 0.85);
	assert_int_equal(cm_prob_best(arms, 3, p, NULL), CM_OK);
	assert_int_equal(cm_arms_allocation(cm_beta_arms(arms, 3), "top_two", 0, w), CM_OK);
	assert_true(fabs(w[0] + w[1] + w[2] - 1) < 1e-12);
	assert_true(w[1] > 0.49 && w[1] < 0.51);	/* the near-certain leader gets about half */
	assert_int_equal(cm_arms_allocation(cm_beta_arms(arms, 3), "greedy", 0, w), CM_ERR_INVALID);
	assert_int_equal(cm_arms_allocation(cm_beta_arms(arms, 3), "thompson", 0.4, w), CM_ERR_INVALID);
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
test_interrupt_stops_value_remaining(void **state)
{
	const cm_beta arms[] = {{5, 5}, {6, 4}, {7, 3}};
	double		v;

	(void) state;
	harness_interrupt_after = 2;
	assert_int_equal(cm_value_remaining(arms, 3, 0.95, &v), CM_ERR_CANCELED);
}

HARNESS_MAIN("bandit_beta",
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
			 HARNESS_TEST(test_interrupt_stops_value_remaining))
