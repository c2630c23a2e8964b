/* bandit.c - Beta-Bernoulli bandits: samplers, Beta functions, P(best) by quadrature. */
#include "bandit.h"
#include "distributions.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"

/* 8-point Gauss-Legendre on [-1, 1]: positive nodes and their weights. */
static const double gl_node[4] = {0.1834346424956498, 0.5255324099163290,
0.7966664774136267, 0.9602898564975362};
static const double gl_weight[4] = {0.3626837833783620, 0.3137066458778873,
0.2223810344533745, 0.1012285362903763};

/* Tail mass left outside the integration region, per arm (far below the 1e-6 target). */
#define TAIL_MASS 1e-13

/* Grading points toward an edge where a density with shape < 1 is singular. */
#define EDGE_GRADING 52

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
	if (n == 0)
		return cm_fail(CM_ERR_INVALID, "at least one arm is required");
	if (n > CM_BANDIT_MAX_ARMS)
		return cm_fail(CM_ERR_LIMIT, "%zu arms exceed the limit of %d", n, CM_BANDIT_MAX_ARMS);
	for (size_t i = 0; i < n; i++)
		CM_TRY(cm_beta_check(arms[i], i + 1));
	return CM_OK;
}

/* ---- samplers ------------------------------------------------------------------------ */

/* Uniform in (0, 1]: safe to take the log of. */
static double
uniform_open0(cm_rng *rng)
{
	return 1.0 - cm_rng_uniform(rng);
}

/* Marsaglia-Tsang (2000) for shape >= 1. */
static double
gamma_mt(cm_rng *rng, double shape)
{
	double		d = shape - 1.0 / 3.0;
	double		c = 1.0 / sqrt(9.0 * d);

	for (;;)
	{
		double		x = cm_rng_normal(rng);
		double		v = 1.0 + c * x;
		double		u;

		if (v <= 0)
			continue;
		v = v * v * v;
		u = uniform_open0(rng);
		if (u < 1.0 - 0.0331 * x * x * x * x)
			return d * v;
		if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

/*
 * log of a Gamma(shape, 1) deviate.  Shapes below 1 use Gamma(shape + 1) * U^(1/shape);
 * in logs, so tiny shapes do not underflow to 0.
 */
static double
log_gamma_sample(cm_rng *rng, double shape)
{
	if (shape >= 1.0)
		return log(gamma_mt(rng, shape));
	return log(gamma_mt(rng, shape + 1.0)) + log(uniform_open0(rng)) / shape;
}

double
cm_gamma_sample(cm_rng *rng, double shape)
{
	return exp(log_gamma_sample(rng, shape));
}

double
cm_beta_sample(cm_rng *rng, double a, double b)
{
	double		lx = log_gamma_sample(rng, a);
	double		ly = log_gamma_sample(rng, b);

	/* X / (X + Y) = 1 / (1 + Y/X), computed from the logs */
	return 1.0 / (1.0 + exp(ly - lx));
}

/* ---- probability to be best ------------------------------------------------------------ */

cm_status
cm_prob_b_beats_a(cm_beta a, cm_beta b, double *out)
{
	double		total = 0;
	double		lb_a = cm_log_beta(a.alpha, a.beta);

	if (b.alpha != floor(b.alpha) || b.alpha > 100000)
		return cm_fail(CM_ERR_INVALID, "the closed form needs an integer alpha <= 100000");
	for (int i = 0; i < (int) b.alpha; i++)
	{
		total += exp(cm_log_beta(a.alpha + i, a.beta + b.beta) - log(b.beta + i)
					 - cm_log_beta(1.0 + i, b.beta) - lb_a);
		if (i % 4096 == 4095)
			CM_TRY(cm_check_interrupts());
	}
	*out = fmin(1.0, total);
	return CM_OK;
}

/* Per-arm constants of the quadrature. */
typedef struct arm_info
{
	double		a,
				b,
				lbeta,
				mean,
				sd,
				lo,				/* quantile TAIL_MASS */
				hi;				/* quantile 1 - TAIL_MASS */
	double		log_cdf;		/* at the current node */
	double		density;		/* at the current node */
} arm_info;

typedef struct quad_work
{
	arm_info   *arm;
	size_t		n;
	double	   *point;			/* breakpoints, sorted */
	size_t		npoints;
	size_t		cap;
} quad_work;

static void
add_point(quad_work *w, double x, double lo, double hi)
{
	if (x > lo && x < hi && w->npoints < w->cap)
		w->point[w->npoints++] = x;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Breakpoints per arm at mean + k sd, graded toward a singular edge. */
static void
arm_points(quad_work *w, const arm_info *arm, double lo, double hi)
{
	static const double ks[] = {-12, -8, -6, -4.5, -3, -2, -1, 0, 1, 2, 3, 4.5, 6, 8, 12, 18, 27};

	for (size_t k = 0; k < sizeof(ks) / sizeof(ks[0]); k++)
		add_point(w, arm->mean + ks[k] * arm->sd, lo, hi);
	add_point(w, arm->lo, lo, hi);
	add_point(w, arm->hi, lo, hi);
	/* shape < 2: steep near the edge; geometric grading keeps each panel smooth */
	if (arm->a < 2)
		for (int k = 1; k <= EDGE_GRADING; k++)
			add_point(w, arm->mean * ldexp(1.0, -k), lo, hi);
	if (arm->b < 2)
		for (int k = 1; k <= EDGE_GRADING; k++)
			add_point(w, 1.0 - (1.0 - arm->mean) * ldexp(1.0, -k), lo, hi);
}

/* Evaluate every arm's log CDF and density at x. */
static void
eval_node(quad_work *w, double x, double *sum_log, int *zeros)
{
	double		lx = log(x),
				l1x = log1p(-x);

	*sum_log = 0;
	*zeros = 0;
	for (size_t j = 0; j < w->n; j++)
	{
		arm_info   *a = &w->arm[j];
		double		cdf;

		/* outside [lo, hi] the arm's tails hold under TAIL_MASS: skip the continued fraction */
		if (x <= a->lo || x >= a->hi)
		{
			a->density = 0;
			a->log_cdf = x >= a->hi ? 0 : -INFINITY;
			*zeros += x <= a->lo;
			continue;
		}
		cdf = cm_beta_cdf_logs(x, a->a, a->b, a->lbeta, lx, l1x);
		a->density = exp((a->a - 1) * lx + (a->b - 1) * l1x - a->lbeta);
		a->log_cdf = cdf > 0 ? log(cdf) : -INFINITY;
		if (cdf > 0)
			*sum_log += a->log_cdf;
		else
			(*zeros)++;
	}
}

/* Product of the other arms' CDFs at the current node. */
static double
others_cdf(const quad_work *w, size_t i, double sum_log, int zeros)
{
	const arm_info *a = &w->arm[i];

	if (zeros == 0)
		return exp(sum_log - a->log_cdf);
	if (zeros == 1 && a->log_cdf == -INFINITY)
		return exp(sum_log);
	return 0;
}

static cm_status
integrate(quad_work *w, double *prob, double *emax)
{
	*emax = 0;
	for (size_t p = 0; p + 1 < w->npoints; p++)
	{
		double		half = 0.5 * (w->point[p + 1] - w->point[p]);
		double		mid = 0.5 * (w->point[p + 1] + w->point[p]);

		for (int g = 0; g < 8; g++)
		{
			double		x = mid + (g < 4 ? -1 : 1) * half * gl_node[g % 4];
			double		weight = half * gl_weight[g % 4];
			double		sum_log;
			int			zeros;

			if (!(x > 0 && x < 1))
				continue;		/* a panel of a few ulps at an edge rounds onto it */
			eval_node(w, x, &sum_log, &zeros);
			for (size_t i = 0; i < w->n; i++)
			{
				double		v = weight * w->arm[i].density * others_cdf(w, i, sum_log, zeros);

				prob[i] += v;
				*emax += x * v;
			}
		}
		if (p % 16 == 15)
			CM_TRY(cm_check_interrupts());
	}
	return CM_OK;
}

static void
init_arms(quad_work *w, const cm_beta *arms)
{
	for (size_t i = 0; i < w->n; i++)
	{
		arm_info   *a = &w->arm[i];
		double		s = arms[i].alpha + arms[i].beta;
		double		scratch;

		a->a = arms[i].alpha;
		a->b = arms[i].beta;
		a->lbeta = cm_log_beta(a->a, a->b);
		a->mean = a->a / s;
		a->sd = sqrt(a->a * a->b / (s * s * (s + 1)));
		/* the outer ends of coarse brackets: conservative bounds, found quickly */
		cm_beta_quantile_bracket(TAIL_MASS, a->a, a->b, a->lbeta, a->sd, &a->lo, &scratch);
		cm_beta_quantile_bracket(1 - TAIL_MASS, a->a, a->b, a->lbeta, a->sd, &scratch, &a->hi);
	}
}

/*
 * Breakpoints over [L, 1] where L is the lowest point at which the arm with the largest lower
 * quantile could still be the maximum: below L the product of CDFs is under TAIL_MASS.
 * Breakpoints of the bulk closer than a fraction of the narrowest arm's sd are merged.
 */
static void
build_points(quad_work *w)
{
	double		lower = 0,
				upper = 0,
				min_sd = INFINITY;
	size_t		kept = 0;

	for (size_t i = 0; i < w->n; i++)
	{
		lower = fmax(lower, w->arm[i].lo);
		upper = fmax(upper, w->arm[i].hi);
	}
	w->npoints = 0;
	w->point[w->npoints++] = lower;
	w->point[w->npoints++] = upper;
	for (size_t i = 0; i < w->n; i++)
		if (w->arm[i].hi > lower)
		{
			arm_points(w, &w->arm[i], lower, upper);
			min_sd = fmin(min_sd, w->arm[i].sd);
		}
	qsort(w->point, w->npoints, sizeof(double), cmp_double);
	/* merge: a breakpoint is kept when it is far enough from the previous one */
	for (size_t p = 0; p < w->npoints; p++)
	{
		double		x = w->point[p];
		double		gap = kept ? x - w->point[kept - 1] : INFINITY;
		double		edge = fmin(x, 1.0 - x);

		if (p == w->npoints - 1 || gap >= fmin(2 * min_sd, 0.25 * edge))
			w->point[kept++] = x;
	}
	w->npoints = kept;
}

static cm_status
two_arm_closed_form(const cm_beta *arms, double *prob, double *emax, bool *done)
{
	double		p;

	*done = false;
	if (emax != NULL)
		return CM_OK;			/* the closed form gives no E[max] */
	if (arms[1].alpha == floor(arms[1].alpha) && arms[1].alpha <= 2000)
	{
		CM_TRY(cm_prob_b_beats_a(arms[0], arms[1], &p));
		prob[1] = p;
		prob[0] = 1 - p;
		*done = true;
	}
	else if (arms[0].alpha == floor(arms[0].alpha) && arms[0].alpha <= 2000)
	{
		CM_TRY(cm_prob_b_beats_a(arms[1], arms[0], &p));
		prob[0] = p;
		prob[1] = 1 - p;
		*done = true;
	}
	return CM_OK;
}

static cm_status
prob_best_quadrature(const cm_beta *arms, size_t n, double *prob, double *emax)
{
	quad_work	w = {0};
	size_t		per_arm = 19 + 2 * EDGE_GRADING;
	cm_status	st;
	double		total = 0;

	w.n = n;
	CM_TRY(cm_alloc_array(n, sizeof(arm_info), (void **) &w.arm));
	if (!cm_mul_size(n, per_arm, &w.cap) || !cm_add_size(w.cap, 2, &w.cap))
		st = cm_fail(CM_ERR_LIMIT, "too many arms");
	else
		st = cm_alloc_array(w.cap, sizeof(double), (void **) &w.point);
	if (st == CM_OK)
	{
		init_arms(&w, arms);
		build_points(&w);
		memset(prob, 0, n * sizeof(double));
		st = integrate(&w, prob, emax);
	}
	/* quadrature error is far below 1e-6; renormalizing removes the tail bias */
	for (size_t i = 0; st == CM_OK && i < n; i++)
		total += prob[i];
	for (size_t i = 0; st == CM_OK && i < n; i++)
		prob[i] = fmin(1.0, fmax(0.0, prob[i] / total));
	if (st == CM_OK)
		*emax /= total;
	cm_free(w.point);
	cm_free(w.arm);
	return st;
}

cm_status
cm_prob_best(const cm_beta *arms, size_t n, double *prob, double *expected_max)
{
	double		emax = 0;
	bool		done = false;

	CM_TRY(cm_beta_check_arms(arms, n));
	if (n == 1)
	{
		prob[0] = 1;
		if (expected_max)
			*expected_max = arms[0].alpha / (arms[0].alpha + arms[0].beta);
		return CM_OK;
	}
	if (n == 2)
		CM_TRY(two_arm_closed_form(arms, prob, expected_max, &done));
	if (done)
		return CM_OK;
	CM_TRY(prob_best_quadrature(arms, n, prob, &emax));
	if (expected_max)
		*expected_max = emax;
	return CM_OK;
}

cm_status
cm_expected_loss(const cm_beta *arms, size_t n, double *loss)
{
	double		emax;

	/* prob_best validates; loss doubles as its scratch output */
	CM_TRY(cm_prob_best(arms, n, loss, &emax));
	for (size_t i = 0; i < n; i++)
		loss[i] = fmax(0.0, emax - arms[i].alpha / (arms[i].alpha + arms[i].beta));
	return CM_OK;
}

/* ---- Monte Carlo decisions ------------------------------------------------------------- */

cm_status
cm_thompson(const cm_beta *arms, size_t n, cm_rng *rng, size_t *chosen)
{
	double		best = -1;

	CM_TRY(cm_beta_check_arms(arms, n));
	for (size_t i = 0; i < n; i++)
	{
		double		draw = cm_beta_sample(rng, arms[i].alpha, arms[i].beta);

		if (draw > best)
		{
			best = draw;
			*chosen = i;
		}
	}
	return CM_OK;
}

#define VALUE_REMAINING_DRAWS 10000
#define VALUE_REMAINING_SEED UINT64_C(20150101)

static size_t
champion_of(const double *prob, size_t n)
{
	size_t		c = 0;

	for (size_t i = 1; i < n; i++)
		if (prob[i] > prob[c])
			c = i;
	return c;
}

static cm_status
draw_value_remaining(const cm_beta *arms, size_t n, size_t champion, double *values)
{
	cm_rng		rng;

	cm_rng_seed(&rng, VALUE_REMAINING_SEED);
	for (size_t d = 0; d < VALUE_REMAINING_DRAWS; d++)
	{
		double		max = 0,
					champ = 0;

		for (size_t i = 0; i < n; i++)
		{
			double		x = cm_beta_sample(&rng, arms[i].alpha, arms[i].beta);

			max = fmax(max, x);
			if (i == champion)
				champ = x;
		}
		values[d] = champ > 0 ? (max - champ) / champ : (max > 0 ? INFINITY : 0);
		if (d % 256 == 255)
			CM_TRY(cm_check_interrupts());
	}
	return CM_OK;
}

cm_status
cm_value_remaining(const cm_beta *arms, size_t n, double q, double *out)
{
	double	   *prob = NULL,
			   *values = NULL;
	cm_status	st;

	if (!(q > 0 && q < 1))
		return cm_fail(CM_ERR_INVALID, "quantile must be between 0 and 1 (exclusive), not %g", q);
	CM_TRY(cm_beta_check_arms(arms, n));
	st = cm_alloc_array(n, sizeof(double), (void **) &prob);
	if (st == CM_OK)
		st = cm_alloc_array(VALUE_REMAINING_DRAWS, sizeof(double), (void **) &values);
	if (st == CM_OK)
		st = cm_prob_best(arms, n, prob, NULL);
	if (st == CM_OK)
		st = draw_value_remaining(arms, n, champion_of(prob, n), values);
	if (st == CM_OK)
	{
		size_t		k = (size_t) ceil(q * VALUE_REMAINING_DRAWS) - 1;

		qsort(values, VALUE_REMAINING_DRAWS, sizeof(double), cmp_double);
		*out = values[k];
	}
	cm_free(values);
	cm_free(prob);
	return st;
}

cm_status
cm_allocation(const cm_beta *arms, size_t n, const char *method, double floor_share,
			  double *weights)
{
	bool		top_two = strcmp(method, "top_two") == 0;

	if (!top_two && strcmp(method, "thompson") != 0)
		return cm_fail(CM_ERR_INVALID, "unknown allocation method \"%s\"", method);
	if (!isfinite(floor_share) || floor_share < 0 || floor_share * (double) n > 1.0)
		return cm_fail(CM_ERR_INVALID,
					   "floor %g is not possible for %zu arms (need 0 <= floor <= 1/arms)",
					   floor_share, n);
	CM_TRY(cm_prob_best(arms, n, weights, NULL));
	if (top_two && n > 1)
	{
		/* top-two Thompson, beta = 1/2: psi_i = p_i/2 + p_i/2 * sum_{j!=i} p_j / (1 - p_j) */
		double		sum = 0;

		for (size_t j = 0; j < n; j++)
			sum += weights[j] < 1 ? weights[j] / (1 - weights[j]) : 0;
		for (size_t i = 0; i < n; i++)
		{
			double		own = weights[i] < 1 ? weights[i] / (1 - weights[i]) : 0;

			weights[i] = 0.5 * weights[i] + 0.5 * weights[i] * (sum - own);
		}
	}
	{
		double		total = 0;

		for (size_t i = 0; i < n; i++)
			total += weights[i];
		for (size_t i = 0; i < n; i++)
			weights[i] = floor_share + (1 - floor_share * (double) n) * weights[i] / total;
	}
	return CM_OK;
}

/* ---- revenue arms ---------------------------------------------------------------------- */

#define RPV_DRAWS 10000

cm_status
cm_revenue_per_visitor(double alpha, double beta, double shape, double rate,
					   double *mean, double *lower, double *upper)
{
	double	   *draws = NULL;
	cm_rng		rng;

	CM_TRY(cm_beta_check((cm_beta) {alpha, beta}, 1));
	if (!isfinite(shape) || !isfinite(rate))
		return cm_fail(CM_ERR_NONFINITE, "shape and rate must be finite");
	if (!(shape > 1) || !(rate > 0))
		return cm_fail(CM_ERR_DATA,
					   "the amount posterior needs shape > 1 and rate > 0, not %g and %g "
					   "(at least one donation)", shape, rate);
	CM_TRY(cm_alloc_array(RPV_DRAWS, sizeof(double), (void **) &draws));
	cm_rng_seed(&rng, VALUE_REMAINING_SEED);
	for (size_t d = 0; d < RPV_DRAWS; d++)
	{
		/* 1 / lambda with lambda = G / rate, G ~ Gamma(shape, 1) */
		draws[d] = cm_beta_sample(&rng, alpha, beta) * rate / cm_gamma_sample(&rng, shape);
		if (d % 1024 == 1023 && cm_check_interrupts() != CM_OK)
		{
			cm_free(draws);
			return CM_ERR_CANCELED;
		}
	}
	qsort(draws, RPV_DRAWS, sizeof(double), cmp_double);
	*mean = alpha / (alpha + beta) * rate / (shape - 1);
	*lower = draws[(size_t) (0.025 * RPV_DRAWS)];
	*upper = draws[(size_t) (0.975 * RPV_DRAWS) - 1];
	cm_free(draws);
	return CM_OK;
}

/* ---- aggregate states ----------------------------------------------------------------- */

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
