/*
 * bandit_revenue.c - revenue arms: revenue per visitor (exact mean, sampled interval), and
 * P(best) of revenue per visitor by the quadrature of core/quadrature.h over its log, with
 * the expected loss and allocation that follow from it.
 */
#include "bandit_revenue.h"

#include <math.h>
#include <string.h>

#include "distributions.h"
#include "memory.h"
#include "quadrature.h"
#include "sampling.h"
#include "sort.h"

/* ---- revenue per visitor ------------------------------------------------------------- */

#define RPV_DRAWS 10000

cm_status
cm_revenue_per_visitor(double alpha, double beta, double shape, double rate,
					   double *mean, double *lower, double *upper)
{
	double	   *draws = NULL;
	cm_rng		rng;

	CM_TRY(cm_revenue_check((cm_revenue) {alpha, beta, shape, rate}, 1));
	CM_TRY(cm_alloc_array(RPV_DRAWS, sizeof(double), (void **) &draws));
	cm_rng_seed(&rng, CM_BANDIT_DRAW_SEED);
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
	if (cm_sort_doubles(draws, RPV_DRAWS) != CM_OK)
	{
		cm_free(draws);
		return CM_ERR_NOMEM;
	}
	*mean = cm_revenue_mean((cm_revenue) {alpha, beta, shape, rate});
	*lower = draws[(size_t) (0.025 * RPV_DRAWS)];
	*upper = draws[(size_t) (0.975 * RPV_DRAWS) - 1];
	cm_free(draws);
	return CM_OK;
}

/* ---- P(best) of revenue arms ------------------------------------------------------------
 *
 * log RPV = S = U + log(rate) - V with U = log theta (theta ~ Beta(alpha, beta)) and V = log G
 * (G ~ Gamma(shape, 1), lambda = G / rate).  Its density is the convolution
 * p(s) = integral of f_T(t) f_V(u(t) + log(rate) - s) dt over the logit t of theta,
 * u(t) = log theta, by 8-point Gauss on the panels between the levels of T's shape, each cut
 * so that it spans at most one sd of V in u: both factors are smooth on every panel.  The
 * sweep over s then gives P(best) as for Beta arms, starting where every arm's CDF is below
 * twice the tail mass the quadrature leaves out (core/quadrature.c), and E[max RPV] from
 * each arm's size-biased twin (revenue_setup).
 */

/* Most pieces an inner panel is cut into (arms whose gift is known far better than theta). */
#define INNER_CUTS_MAX 64

typedef struct revenue_arm
{
	cm_shape	conversion;		/* T = logit theta */
	cm_shape	gift;			/* V = log G */
	double		lrate;
	double	   *u;				/* log theta at the inner nodes */
	double	   *weight;			/* Gauss weight x density of T there */
	double	   *theta;			/* theta there */
	double	   *lw;				/* log weight + a u: the node's part of the exponent */
	size_t		nodes;
} revenue_arm;

typedef struct revenue_arms
{
	size_t		n;
	revenue_arm *arm;
	revenue_arm *biased;		/* n: each arm size-biased, for E[max] (see below) */
} revenue_arms;

static double
log_theta(double t)
{
	return -cm_softplus(-t);
}

static size_t
inner_cuts(const revenue_arm *r, double t0, double t1)
{
	double		k = ceil((log_theta(t1) - log_theta(t0)) / r->gift.sd);

	return k < 1 ? 1 : (k > INNER_CUTS_MAX ? INNER_CUTS_MAX : (size_t) k);
}

/* The inner panels' ends: T's levels from its lower to its upper tail bound. */
static int
conversion_breaks(const cm_shape *s, double *brk)
{
	int			m = 0;

	for (int k = s->levels[0]; k-- > 0;)
		brk[m++] = s->level[0][k];
	brk[m++] = s->mode;
	for (int k = 0; k < s->levels[1]; k++)
		brk[m++] = s->level[1][k];
	return m;
}

static cm_status
revenue_inner_nodes(revenue_arm *r, size_t *held)
{
	double		brk[2 * CM_SHAPE_LEVELS + 1];
	int			m = conversion_breaks(&r->conversion, brk);
	size_t		count = 0,
				bytes;

	for (int p = 0; p + 1 < m; p++)
		count += 8 * inner_cuts(r, brk[p], brk[p + 1]);
	/* every arm's nodes are alive at once: the call budget counts them all */
	if (!cm_mul_size(count, 4 * sizeof(double), &bytes) || !cm_add_size(*held, bytes, held))
		*held = SIZE_MAX;
	CM_TRY(cm_budget_check(*held, "the inner quadrature nodes of the revenue arms"));
	CM_TRY(cm_alloc_array(4 * count, sizeof(double), (void **) &r->u));
	r->weight = r->u + count;
	r->theta = r->weight + count;
	r->lw = r->theta + count;
	r->nodes = 0;
	for (int p = 0; p + 1 < m; p++)
	{
		size_t		cuts = inner_cuts(r, brk[p], brk[p + 1]);
		double		width = (brk[p + 1] - brk[p]) / (double) cuts;

		for (size_t c = 0; c < cuts; c++)
		{
			double		half = 0.5 * width,
						mid = brk[p] + (c + 0.5) * width;

			/* in increasing t, so u increases: revenue_densities searches it */
			for (int g = 0; g < 8; g++)
			{
				int			k = g < 4 ? 3 - g : g - 4;
				double		t = mid + (g < 4 ? -1 : 1) * half * cm_gauss8_node[k];

				r->u[r->nodes] = log_theta(t);
				r->theta[r->nodes] = exp(r->u[r->nodes]);
				r->weight[r->nodes] = half * cm_gauss8_weight[k] *
					exp(cm_shape_log_density(&r->conversion, t));
				r->lw[r->nodes] = log(r->weight[r->nodes]) + r->gift.a * r->u[r->nodes];
				r->nodes++;
			}
		}
	}
	return CM_OK;
}

/* The first inner node whose gift log-value u + lrate - s is above V's lower tail bound. */
static size_t
first_node_in_tail(const revenue_arm *r, double s)
{
	size_t		lo = 0,
				hi = r->nodes;

	/* u increases with the node, and so does u + lrate - s: a binary search */
	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (r->u[mid] + r->lrate - s > r->gift.lo)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * The density of one arm's log RPV at s: the inner quadrature over its nodes.  With
 * v = u + lrate - s the gift's log density a v - e^v - log Gamma(a) is, per node,
 * lw + K - theta R with K = a (lrate - s) - log Gamma(a) and R = e^(lrate - s) set once: one
 * exp() a node instead of two (huge shapes, or an R out of range, take the stable form).
 */
static double
arm_density(const revenue_arm *r, double s)
{
	double		sum = 0,
				R = exp(r->lrate - s),
				K = r->gift.a * (r->lrate - s) - r->gift.lnorm;
	size_t		m = first_node_in_tail(r, s);

	if (r->gift.a + r->gift.b <= CM_SHAPE_STABLE_ABOVE && R > 0 && isfinite(R))
	{
		for (; m < r->nodes && r->u[m] + r->lrate - s < r->gift.hi; m++)
			sum += exp(r->lw[m] + K - r->theta[m] * R);
		return sum;
	}
	/* outside V's tail bounds the factor is negligible: only the nodes between them */
	for (; m < r->nodes; m++)
	{
		double		v = r->u[m] + r->lrate - s;

		if (!(v < r->gift.hi))
			break;
		sum += r->weight[m] * exp(cm_shape_log_density(&r->gift, v));
	}
	return sum;
}

static cm_status
revenue_densities(void *ctx, double s, double *density, double *biased)
{
	const revenue_arms *arms = ctx;

	for (size_t j = 0; j < arms->n; j++)
	{
		density[j] = arm_density(&arms->arm[j], s);
		if (biased)
			biased[j] = arm_density(&arms->biased[j], s);
		/* an arm costs hundreds of exp(): 10,000 arms are tens of milliseconds a node */
		if (j % 64 == 63)
			CM_TRY(cm_check_interrupts());
	}
	return CM_OK;
}

/*
 * One arm's variables: conversion T = logit theta ~ Beta(alpha, beta), gift V = log G,
 * G ~ Gamma(shape, 1), and its inner nodes; *lower and *upper widened to its tail bounds.
 */
static cm_status
revenue_arm_init(revenue_arm *r, double alpha, double beta, double shape, double rate,
				 size_t *held, double *lower, double *upper)
{
	cm_shape_init(&r->conversion, CM_SHAPE_LOGIT_BETA, alpha, beta);
	cm_shape_init(&r->gift, CM_SHAPE_LOG_GAMMA, shape, 1);
	r->lrate = log(rate);
	CM_TRY(revenue_inner_nodes(r, held));
	*lower = fmin(*lower, log_theta(r->conversion.lo) + r->lrate - r->gift.hi);
	*upper = fmax(*upper, r->lrate - r->gift.lo);
	return CM_OK;
}

static void
revenue_arm_points(const revenue_arm *r, cm_points *pts, double lower, double upper)
{
	cm_points_add_shape(pts, &r->gift, log_theta(r->conversion.mode) + r->lrate, -1,
						lower, upper);
	for (int side = 0; side < 2; side++)
	{
		double		prev = log_theta(r->conversion.mode);

		for (int k = 0; k < r->conversion.levels[side]; k++)
		{
			double		u = log_theta(r->conversion.level[side][k]);

			/*
			 * S = U + lrate - V is smooth on the scale of V's sd however close T's levels
			 * are in u (they crowd near u = 0): spacing them closer only multiplied the
			 * panels by the arms (quadratic time); the Kronrod test still halves panels
			 */
			cm_points_add(pts, u + r->lrate - r->gift.mode, fmax(fabs(u - prev), r->gift.sd),
						  lower, upper);
			prev = u;
		}
	}
}

/*
 * Sets up each arm, its size-biased twin when E[max] is wanted, and the sweep's range: from the lowest lower
 * bound (every CDF is then below 2 TAIL_MASS, so the sweep starts from zero) to the highest
 * upper bound.  E[max] = sum_i E[RPV_i] P(the size-biased RPV_i beats the others): RPV x
 * its density over its mean is theta' rate / G' with theta' ~ Beta(alpha + 1, beta) and
 * G' ~ Gamma(shape - 1), a probability however heavy the tail of a gift shape near 1 (the
 * integral of RPV itself left out most of E[max] there, and exp(s) overflowed).
 */
static cm_status
revenue_setup(const cm_revenue *arms, revenue_arms *ctx, cm_points *pts)
{
	double		lower = INFINITY,
				upper = -INFINITY;
	size_t		held = 0;

	for (size_t i = 0; i < ctx->n; i++)
	{
		const cm_revenue *a = &arms[i];

		CM_TRY(revenue_arm_init(&ctx->arm[i], a->alpha, a->beta, a->shape, a->rate, &held,
								&lower, &upper));
		if (ctx->biased)
			CM_TRY(revenue_arm_init(&ctx->biased[i], a->alpha + 1, a->beta, a->shape - 1,
									a->rate, &held, &lower, &upper));
		if (!isfinite(lower) || !isfinite(upper))
			return cm_fail(CM_ERR_LIMIT, "arm %zu: the revenue per visitor spans more than "
						   "double precision holds (gift shape %g too close to 1)", i + 1,
						   a->shape);
		if (i % 256 == 255)
			CM_TRY(cm_check_interrupts());
	}
	for (size_t i = 0; i < ctx->n; i++)
	{
		revenue_arm_points(&ctx->arm[i], pts, lower, upper);
		if (ctx->biased)
			revenue_arm_points(&ctx->biased[i], pts, lower, upper);
	}
	cm_points_finish(pts, lower, upper);
	return CM_OK;
}

cm_status
cm_revenue_prob_best(const cm_revenue *arms, size_t n, double *prob, double *expected_max)
{
	revenue_arms ctx = {.n = n};
	cm_points	pts = {0};
	double	   *zero = NULL,
			   *means = NULL,
				emax = 0;
	cm_status	st;

	CM_TRY(cm_bandit_check_arm_count(n));
	for (size_t i = 0; i < n; i++)
	{
		CM_TRY(cm_revenue_check(arms[i], i + 1));
		CM_TRY(cm_quadrature_check_weight(fmax(arms[i].alpha + arms[i].beta + 1, arms[i].shape),
										  i + 1));
	}
	CM_TRY(cm_alloc_array(2 * n, sizeof(revenue_arm), (void **) &ctx.arm));
	/* only E[max] (expected loss) needs the size-biased twins: P(best) alone does not */
	ctx.biased = expected_max ? ctx.arm + n : NULL;
	st = cm_alloc_array(2 * n, sizeof(double), (void **) &zero);
	if (st == CM_OK)
	{
		means = zero + n;
		st = cm_points_alloc(&pts, n, 2 * (3 * CM_SHAPE_LEVELS + 1));
	}
	if (st == CM_OK)
	{
		for (size_t i = 0; i < n; i++)
			means[i] = cm_revenue_mean(arms[i]);
		st = revenue_setup(arms, &ctx, &pts);
	}
	if (st == CM_OK)
		st = cm_sweep_integrate(n, &ctx, revenue_densities, NULL, expected_max ? means : NULL,
								zero, &pts, prob, &emax);
	if (st == CM_OK && expected_max)
		*expected_max = emax;
	for (size_t i = 0; i < 2 * n; i++)
		cm_free(ctx.arm[i].u);
	cm_free(pts.p);
	cm_free(zero);
	cm_free(ctx.arm);
	return st;
}
