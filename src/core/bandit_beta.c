/*
 * bandit_beta.c - Beta arms: P(best) (two-arm closed form, else the quadrature of
 * core/quadrature.h in the logit of the rate), expected loss, value remaining, Thompson
 * sampling and allocation.
 */
#include "bandit_beta.h"

#include <math.h>
#include <stdbool.h>

#include "distributions.h"
#include "memory.h"
#include "quadrature.h"
#include "sampling.h"
#include "sort.h"

/* Above this a + b the continued fraction converges too slowly to anchor the sweep. */
#define ANCHOR_MAX 1e6

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

/* ---- P(best) of Beta arms ------------------------------------------------------------ */

typedef struct beta_arms
{
	size_t		n;
	cm_shape   *s;
} beta_arms;

/* Densities of the logits: x^a (1 - x)^b / B(a, b), from log x and log(1 - x). */
static cm_status
beta_densities(void *ctx, double t, double *density, double *biased)
{
	const beta_arms *arms = ctx;
	double		lx = -cm_softplus(-t),
				ly = -cm_softplus(t);

	for (size_t j = 0; j < arms->n; j++)
	{
		const cm_shape *s = &arms->s[j];

		density[j] = exp(s->a + s->b <= CM_SHAPE_STABLE_ABOVE ?
						 s->a * lx + s->b * ly - s->lnorm : cm_shape_log_density(s, t));
		if (j % 1024 == 1023)
			CM_TRY(cm_check_interrupts());
	}
	(void) biased;				/* rates are bounded: E[max] integrates the rate itself */
	return CM_OK;
}

static double
logistic(double t)
{
	return 1.0 / (1.0 + exp(-t));
}

/*
 * The maximum lives above L, the largest lower bound (there the arm with that bound has
 * a negligible CDF, so the product of all is smaller still), and below the largest upper
 * bound.  The CDFs at L anchor the sweep.
 */
static cm_status
prob_best_quadrature(const cm_beta *arms, size_t n, double *prob, double *emax)
{
	beta_arms	ctx = {.n = n};
	cm_points	pts = {0};
	double	   *cdf0 = NULL,
				lower = -INFINITY,
				upper = -INFINITY;
	cm_status	st;

	CM_TRY(cm_alloc_array(n, sizeof(cm_shape), (void **) &ctx.s));
	st = cm_alloc_array(n, sizeof(double), (void **) &cdf0);
	if (st == CM_OK)
		st = cm_points_alloc(&pts, n, 2 * CM_SHAPE_LEVELS + 1);
	if (st == CM_OK)
	{
		for (size_t i = 0; i < n; i++)
		{
			cm_shape_init(&ctx.s[i], CM_SHAPE_LOGIT_BETA, arms[i].alpha, arms[i].beta);
			lower = fmax(lower, ctx.s[i].lo);
			upper = fmax(upper, ctx.s[i].hi);
		}
		/* arms too large to anchor start the sweep below their lower bound, from 0 */
		for (size_t i = 0; i < n; i++)
			if (arms[i].alpha + arms[i].beta > ANCHOR_MAX)
				lower = fmin(lower, ctx.s[i].lo);
		for (size_t i = 0; i < n; i++)
		{
			cm_points_add_shape(&pts, &ctx.s[i], 0, 1, lower, upper);
			cdf0[i] = arms[i].alpha + arms[i].beta > ANCHOR_MAX ? 0 :
				cm_beta_cdf_logit(lower, arms[i].alpha, arms[i].beta, ctx.s[i].lnorm);
		}
		cm_points_finish(&pts, lower, upper);
		st = cm_sweep_integrate(n, &ctx, beta_densities, logistic, NULL, cdf0, &pts, prob,
								emax);
	}
	cm_free(pts.p);
	cm_free(cdf0);
	cm_free(ctx.s);
	return st;
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

cm_status
cm_prob_best(const cm_beta *arms, size_t n, double *prob, double *expected_max)
{
	double		emax = 0;
	bool		done = false;

	CM_TRY(cm_beta_check_arms(arms, n));
	for (size_t i = 0; i < n; i++)
		CM_TRY(cm_quadrature_check_weight(arms[i].alpha + arms[i].beta, i + 1));
	if (n == 1)
	{
		prob[0] = 1;
		if (expected_max)
			*expected_max = cm_beta_mean(arms[0]);
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

/* ---- Monte Carlo decisions ------------------------------------------------------------- */

cm_status
cm_thompson(const cm_beta *arms, size_t n, cm_rng *rng, size_t *chosen)
{
	double		best = -INFINITY;

	CM_TRY(cm_beta_check_arms(arms, n));
	for (size_t i = 0; i < n; i++)
	{
		/* compared as logits: shapes near 0 round many draws to exactly 0 or 1 */
		double		draw = cm_beta_logit_sample(rng, arms[i].alpha, arms[i].beta);

		if (draw > best)
		{
			best = draw;
			*chosen = i;
		}
	}
	return CM_OK;
}

#define VALUE_REMAINING_DRAWS 10000

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

	cm_rng_seed(&rng, CM_BANDIT_DRAW_SEED);
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
		st = cm_sort_doubles(values, VALUE_REMAINING_DRAWS);
	if (st == CM_OK)
		*out = values[(size_t) ceil(q * VALUE_REMAINING_DRAWS) - 1];
	cm_free(values);
	cm_free(prob);
	return st;
}

