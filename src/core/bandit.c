/* bandit.c - Beta-Bernoulli bandits: samplers, Beta functions, P(best) by quadrature. */
#include "bandit.h"
#include "distributions.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"
#include "sort.h"

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

/* Between one arm and CM_BANDIT_MAX_ARMS, for every kind of arm. */
static cm_status
check_arm_count(size_t n)
{
	if (n == 0)
		return cm_fail(CM_ERR_INVALID, "at least one arm is required");
	if (n > CM_BANDIT_MAX_ARMS)
		return cm_fail(CM_ERR_LIMIT, "%zu arms exceed the limit of %d", n, CM_BANDIT_MAX_ARMS);
	return CM_OK;
}

cm_status
cm_beta_check_arms(const cm_beta *arms, size_t n)
{
	CM_TRY(check_arm_count(n));
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

/* The logit of a Beta(a, b) deviate, log X - log Y: exact where X / (X + Y) rounds to 0 or 1. */
static double
beta_logit_sample(cm_rng *rng, double a, double b)
{
	double		lx = log_gamma_sample(rng, a);

	return lx - log_gamma_sample(rng, b);
}

double
cm_beta_sample(cm_rng *rng, double a, double b)
{
	return 1.0 / (1.0 + exp(-beta_logit_sample(rng, a, b)));
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

/* ---- the maximum of independent arms ----------------------------------------------------
 *
 * P(arm i is best) = integral of f_i(z) prod_{j != i} F_j(z) dz over a variable z in which
 * every arm's density is smooth: the logit of a rate (a Beta density in x = rate has an
 * x^(a-1) singularity and, for shapes near 0, most of its mass below the smallest double;
 * in the logit it is a smooth log-concave bump with exponential tails), or the log of a
 * revenue per visitor.  Breakpoints come from each arm's shape: the points where its log
 * density has dropped by k^2 / 2 from the mode (k sd for a normal), out to where the tail
 * beyond holds less than TAIL_MASS.  The sweep integrates from left to right on adaptive
 * 15-point Gauss-Kronrod panels; a panel whose Kronrod and Gauss sums differ by more than
 * PANEL_TOL for any arm's P(best) or mass is halved.  The CDFs at the nodes are the
 * integrals of the densities: the running CDF at the panel's left end plus the integral of
 * the polynomial interpolating the 15 densities, so no incomplete beta is evaluated inside
 * the loop (it anchors the sweep once per arm).
 */

/* Tail mass left outside the integration region, per arm (far below the 1e-6 target). */
#define TAIL_MASS 1e-13
/* Largest Kronrod-minus-Gauss difference accepted on a panel. */
#define PANEL_TOL 1e-10
/* Breakpoint levels per side of an arm's mode (the last one is its tail bound). */
#define LEVELS 24
/* Breakpoints closer than MERGE times the finer spacing their arms want are merged. */
#define MERGE 1.5
/* Shapes (a + b; a for a gamma) above which log densities are computed relative to the mode. */
#define STABLE_ABOVE 1e6
/* Above this a + b the continued fraction converges too slowly to anchor the sweep. */
#define ANCHOR_MAX 1e6
/* Panels a sweep may evaluate before it gives up (never reached in the tests). */
#define MAX_PANELS 2000000
#define KN 15

/* Gauss-Kronrod 7-15 on [-1, 1], ascending; gauss_w is 0 on the Kronrod-only nodes. */
static const double kr_node[KN] = {
	-0.991455371120812639, -0.949107912342758525, -0.864864423359769073, -0.741531185599394440,
	-0.586087235467691130, -0.405845151377397167, -0.207784955007898468, 0.0,
	0.207784955007898468, 0.405845151377397167, 0.586087235467691130, 0.741531185599394440,
	0.864864423359769073, 0.949107912342758525, 0.991455371120812639};
static const double kr_weight[KN] = {
	0.022935322010529225, 0.063092092629978553, 0.104790010322250184, 0.140653259715525919,
	0.169004726639267903, 0.190350578064785410, 0.204432940075298892, 0.209482141084727828,
	0.204432940075298892, 0.190350578064785410, 0.169004726639267903, 0.140653259715525919,
	0.104790010322250184, 0.063092092629978553, 0.022935322010529225};
static const double gauss_weight[KN] = {
	0, 0.129484966168869693, 0, 0.279705391489276668, 0, 0.381830050505118945, 0,
	0.417959183673469388, 0, 0.381830050505118945, 0, 0.279705391489276668, 0,
	0.129484966168869693, 0};

/* 8-point Gauss-Legendre on [-1, 1]: positive nodes and their weights. */
static const double gl_node[4] = {0.1834346424956498, 0.5255324099163290,
0.7966664774136267, 0.9602898564975362};
static const double gl_weight[4] = {0.3626837833783620, 0.3137066458778873,
0.2223810344533745, 0.1012285362903763};

typedef enum shape_kind
{
	LOGIT_BETA,					/* logit of a Beta(a, b) variable */
	LOG_GAMMA					/* log of a Gamma(a, 1) variable */
} shape_kind;

/* A smooth log-concave density of one arm's variable, and where its tails end. */
typedef struct shape
{
	shape_kind	kind;
	double		a,
				b,
				lnorm,			/* log B(a, b) or lgamma(a) */
				peak,			/* log density at the mode */
				mode,
				sd,				/* 1 / sqrt(-second derivative of the log density at the mode) */
				lo,				/* the tails beyond lo and hi hold under TAIL_MASS each */
				hi;
	double		level[2][LEVELS];	/* breakpoints left [0] and right [1] of the mode */
	int			levels[2];
} shape;

static double
shape_log_density_direct(const shape *s, double z)
{
	if (s->kind == LOGIT_BETA)
		return s->a * z - (s->a + s->b) * cm_softplus(z) - s->lnorm;
	return s->a * z - exp(z) - s->lnorm;
}

/*
 * For huge shapes the direct form subtracts terms of size a + b, leaving a rounding noise
 * of (a + b) * 1e-16 that the Kronrod-Gauss test would chase forever.  Near the mode the
 * change from the peak is computed instead from d = z - mode without cancellation:
 * log x - log x_mode = log1p((1 - x) expm1(d)), log(1 - x) - log(1 - x_mode) =
 * log1p(x expm1(-d)), and for the log gamma a (d - expm1(d)).
 */
static double
shape_log_density(const shape *s, double z)
{
	double		d = z - s->mode;

	if (s->a + s->b <= STABLE_ABOVE || fabs(d) >= 1)
		return shape_log_density_direct(s, z);
	if (s->kind == LOGIT_BETA)
		return s->peak + s->a * log1p(expm1(d) / (1.0 + exp(z))) +
			s->b * log1p(expm1(-d) / (1.0 + exp(-z)));
	return s->peak + s->a * (d - expm1(d));
}

static double
shape_slope(const shape *s, double z)
{
	if (s->kind == LOGIT_BETA)
		return s->a - (s->a + s->b) / (1.0 + exp(-z));
	return s->a - exp(z);
}

/* Newton for the point on side (-1 left, +1 right) where the log density is peak - drop. */
static double
shape_level(const shape *s, int side, double drop, double z)
{
	double		target = shape_log_density(s, s->mode) - drop;

	for (int it = 0; it < 200; it++)
	{
		double		slope = shape_slope(s, z),
					step;

		/* at or behind the mode the tangent points the wrong way: step outward first */
		if (!(slope * side < 0))
		{
			z = s->mode + side * fmax(2 * fabs(z - s->mode), s->sd);
			continue;
		}
		/* the log density is concave: from outside the root, Newton never overshoots */
		step = -(shape_log_density(s, z) - target) / slope;
		z += step;
		if (fabs(step) <= 1e-6 * (s->sd + fabs(z - s->mode)))
			break;
	}
	return z;
}

/* The tail beyond z holds at most density(z) / |slope(z)|: the tangent bounds a concave log. */
static bool
tail_below(const shape *s, double z)
{
	double		slope = fabs(shape_slope(s, z));

	return slope > 0 && shape_log_density(s, z) - log(slope) < log(TAIL_MASS);
}

static void
shape_init(shape *s, shape_kind kind, double a, double b)
{
	s->kind = kind;
	s->a = a;
	s->b = b;
	s->lnorm = kind == LOGIT_BETA ? cm_log_beta(a, b) : lgamma(a);
	s->mode = kind == LOGIT_BETA ? log(a) - log(b) : log(a);
	s->sd = kind == LOGIT_BETA ? sqrt(1.0 / a + 1.0 / b) : 1.0 / sqrt(a);
	s->peak = shape_log_density_direct(s, s->mode);
	for (int side = 0; side < 2; side++)
	{
		int			dir = side ? 1 : -1;
		double		z = s->mode + dir * s->sd,
					drop = 0;
		int			k = 0;

		/* drops k^2 / 2, then doubling if a very peaked density needs more */
		do
		{
			drop = k < LEVELS ? 0.5 * (k + 1) * (k + 1) : 2 * drop;
			z = shape_level(s, dir, drop, z);
			s->level[side][k < LEVELS ? k : LEVELS - 1] = z;
			k++;
		} while (!tail_below(s, z) && k < LEVELS + 40);
		s->levels[side] = k < LEVELS ? k : LEVELS;
	}
	s->lo = s->level[0][s->levels[0] - 1];
	s->hi = s->level[1][s->levels[1] - 1];
}

/* A breakpoint and the spacing its arm wants around it. */
typedef struct point
{
	double		z,
				width;
} point;

static int
cmp_point(const void *a, const void *b)
{
	double		x = ((const point *) a)->z,
				y = ((const point *) b)->z;

	return (x > y) - (x < y);
}

typedef struct points
{
	point	   *p;
	size_t		n,
				cap;
} points;

static void
add_point(points *pts, double z, double width, double lo, double hi)
{
	if (z > lo && z < hi && pts->n < pts->cap)
		pts->p[pts->n++] = (point) {z, width};
}

/* An arm's levels, shifted by offset and mirrored by sign (for a variable entering as -z). */
static void
add_shape_points(points *pts, const shape *s, double offset, double sign, double lo, double hi)
{
	add_point(pts, offset + sign * s->mode, s->sd, lo, hi);
	for (int side = 0; side < 2; side++)
	{
		double		prev = s->mode;

		for (int k = 0; k < s->levels[side]; k++)
		{
			add_point(pts, offset + sign * s->level[side][k], fabs(s->level[side][k] - prev), lo, hi);
			prev = s->level[side][k];
		}
	}
}

/* Sort, merge, and bracket by lo and hi: the panels' ends. */
static void
finish_points(points *pts, double lo, double hi)
{
	size_t		kept = 1;

	qsort(pts->p, pts->n, sizeof(point), cmp_point);
	/* the two ends were reserved at the array's end by the callers' capacity */
	memmove(pts->p + 1, pts->p, pts->n * sizeof(point));
	pts->p[0] = (point) {lo, INFINITY};
	for (size_t i = 1; i <= pts->n; i++)
	{
		point		p = pts->p[i];
		point		last = pts->p[kept - 1];

		if (p.z - last.z >= MERGE * fmin(p.width, last.width) && hi - p.z >= MERGE * p.width)
			pts->p[kept++] = p;
	}
	pts->p[kept++] = (point) {hi, INFINITY};
	pts->n = kept;
}

typedef void (*density_fn) (void *ctx, double z, double *density);

typedef struct sweep
{
	size_t		n;
	void	   *ctx;
	density_fn	density;		/* every arm's density at z */
	double		(*value) (double z);	/* the compared quantity at z, for E[max] */
	double	   *cdf;			/* n: CDFs at the sweep's position */
	double	   *f;				/* KN x n: densities at the panel's nodes */
	double	   *F;				/* n: CDFs at one node */
	double	   *prefix;			/* n: products of the CDFs of the arms before */
	double	   *sums;			/* 4 x n: Kronrod and Gauss sums of P(best), then of mass */
	double		emax;			/* the panel's share of E[max] */
	long		panels;
} sweep;

/*
 * kr_integ[k][m]: the integral from -1 to node k of the m-th Lagrange basis polynomial on the
 * 15 nodes (degree 14, so 8-point Gauss is exact).  Computed once per process.
 */
static double kr_integ[KN][KN];
static pthread_once_t kr_integ_once = PTHREAD_ONCE_INIT;

static void
init_kr_integ(void)
{
	for (int k = 0; k < KN; k++)
		for (int m = 0; m < KN; m++)
		{
			double		half = 0.5 * (kr_node[k] + 1.0),
						sum = 0;

			for (int g = 0; g < 8; g++)
			{
				double		y = -1.0 + half + (g < 4 ? -1 : 1) * half * gl_node[g % 4],
							basis = 1;

				for (int q = 0; q < KN; q++)
					if (q != m)
						basis *= (y - kr_node[q]) / (kr_node[m] - kr_node[q]);
				sum += half * gl_weight[g % 4] * basis;
			}
			kr_integ[k][m] = sum;
		}
}

/* Accumulate one node's contributions to the panel sums. */
static void
sweep_node(sweep *w, int k, double z, double half)
{
	size_t		n = w->n;
	const double *f = w->f + (size_t) k * n;
	double	   *pk = w->sums,
			   *pg = w->sums + n,
			   *mk = w->sums + 2 * n,
			   *mg = w->sums + 3 * n;
	double		suffix = 1,
				total = 0;

	for (size_t j = 0; j < n; j++)
		w->F[j] = w->cdf[j];
	for (int m = 0; m < KN; m++)
	{
		double		c = half * kr_integ[k][m];
		const double *fm = w->f + (size_t) m * n;

		for (size_t j = 0; j < n; j++)
			w->F[j] += c * fm[j];
	}
	for (size_t j = 0; j < n; j++)
		w->F[j] = w->F[j] < 0 ? 0 : (w->F[j] > 1 ? 1 : w->F[j]);
	w->prefix[0] = 1;
	for (size_t j = 0; j + 1 < n; j++)
		w->prefix[j + 1] = w->prefix[j] * w->F[j];
	for (size_t j = n; j-- > 0;)
	{
		double		c = f[j] * w->prefix[j] * suffix;

		suffix *= w->F[j];
		pk[j] += kr_weight[k] * c;
		pg[j] += gauss_weight[k] * c;
		mk[j] += kr_weight[k] * f[j];
		mg[j] += gauss_weight[k] * f[j];
		total += c;
	}
	w->emax += kr_weight[k] * w->value(z) * total;
}

/* One panel's sums; returns the largest Kronrod - Gauss difference. */
static double
sweep_panel(sweep *w, double z0, double z1)
{
	double		half = 0.5 * (z1 - z0),
				mid = 0.5 * (z1 + z0),
				err = 0;
	size_t		n = w->n;

	memset(w->sums, 0, 4 * n * sizeof(double));
	w->emax = 0;
	for (int k = 0; k < KN; k++)
		w->density(w->ctx, mid + half * kr_node[k], w->f + (size_t) k * n);
	for (int k = 0; k < KN; k++)
		sweep_node(w, k, mid + half * kr_node[k], half);
	for (size_t j = 0; j < 4 * n; j++)
		w->sums[j] *= half;
	w->emax *= half;
	for (size_t j = 0; j < n; j++)
		err = fmax(err, fmax(fabs(w->sums[j] - w->sums[n + j]),
							 fabs(w->sums[2 * n + j] - w->sums[3 * n + j])));
	return err;
}

/* Integrate over the panels between consecutive breakpoints, halving until accurate. */
static cm_status
sweep_run(sweep *w, const points *pts, double *prob, double *emax)
{
	size_t		n = w->n;

	memset(prob, 0, n * sizeof(double));
	*emax = 0;
	for (size_t p = 0; p + 1 < pts->n; p++)
	{
		double		stack[64],
					lo = pts->p[p].z;
		int			top = 0;

		stack[top++] = pts->p[p + 1].z;
		while (top > 0)
		{
			double		hi = stack[top - 1],
						mid = 0.5 * (lo + hi),
						err = sweep_panel(w, lo, hi);

			if (++w->panels % 64 == 0)
				CM_TRY(cm_check_interrupts());
			if (w->panels > MAX_PANELS)
				return cm_fail(CM_ERR_LIMIT, "the quadrature did not converge");
			if (!(err <= PANEL_TOL) && top < 64 && mid > lo && mid < hi)
			{
				stack[top++] = mid;
				continue;
			}
			for (size_t j = 0; j < n; j++)
			{
				prob[j] += w->sums[j];
				w->cdf[j] += w->sums[2 * n + j];
			}
			*emax += w->emax;
			lo = hi;
			top--;
		}
	}
	return CM_OK;
}

/* The sweep over pts with CDFs starting at cdf0 (n); prob[n] normalized, E[max]. */
static cm_status
sweep_integrate(size_t n, void *ctx, density_fn density, double (*value) (double),
				const double *cdf0, const points *pts, double *prob, double *emax)
{
	sweep		w = {.n = n, .ctx = ctx, .density = density, .value = value};
	double	   *mem = NULL;
	size_t		count;
	cm_status	st;
	double		total = 0;

	if (!cm_mul_size(n, KN + 7, &count))
		return cm_fail(CM_ERR_LIMIT, "too many arms");
	CM_TRY(cm_alloc_array(count, sizeof(double), (void **) &mem));
	w.cdf = mem;
	w.F = mem + n;
	w.prefix = mem + 2 * n;
	w.sums = mem + 3 * n;
	w.f = mem + 7 * n;
	memcpy(w.cdf, cdf0, n * sizeof(double));
	pthread_once(&kr_integ_once, init_kr_integ);
	st = sweep_run(&w, pts, prob, emax);
	cm_free(mem);
	CM_TRY(st);
	/* the tails left out hold under n * TAIL_MASS: renormalizing removes their bias */
	for (size_t i = 0; i < n; i++)
		total += prob[i];
	if (!(total > 0.5 && total < 1.5))
		return cm_fail(CM_ERR_INTERNAL, "the quadrature lost its mass (total %g)", total);
	for (size_t i = 0; i < n; i++)
		prob[i] = fmin(1.0, fmax(0.0, prob[i] / total));
	*emax /= total;
	return CM_OK;
}

static cm_status
alloc_points(points *pts, size_t n, size_t per_arm)
{
	size_t		cap;

	pts->n = 0;
	pts->p = NULL;
	if (!cm_mul_size(n, per_arm, &cap) || !cm_add_size(cap, 2, &cap))
		return cm_fail(CM_ERR_LIMIT, "too many arms");
	pts->cap = cap - 2;			/* two reserved for the ends */
	return cm_alloc_array(cap, sizeof(point), (void **) &pts->p);
}

/* ---- P(best) of Beta arms ------------------------------------------------------------ */

typedef struct beta_arms
{
	size_t		n;
	shape	   *s;
} beta_arms;

/* Densities of the logits: x^a (1 - x)^b / B(a, b), from log x and log(1 - x). */
static void
beta_densities(void *ctx, double t, double *density)
{
	const beta_arms *arms = ctx;
	double		lx = -cm_softplus(-t),
				ly = -cm_softplus(t);

	for (size_t j = 0; j < arms->n; j++)
	{
		const shape *s = &arms->s[j];

		density[j] = exp(s->a + s->b <= STABLE_ABOVE ? s->a * lx + s->b * ly - s->lnorm :
						 shape_log_density(s, t));
	}
}

static double
logistic(double t)
{
	return 1.0 / (1.0 + exp(-t));
}

/*
 * The maximum lives above L, the largest lower bound (there the arm with that bound has
 * CDF under TAIL_MASS, so the product of all is smaller still), and below the largest upper
 * bound.  The CDFs at L anchor the sweep.
 */
static cm_status
prob_best_quadrature(const cm_beta *arms, size_t n, double *prob, double *emax)
{
	beta_arms	ctx = {.n = n};
	points		pts = {0};
	double	   *cdf0 = NULL,
				lower = -INFINITY,
				upper = -INFINITY;
	cm_status	st;

	CM_TRY(cm_alloc_array(n, sizeof(shape), (void **) &ctx.s));
	st = cm_alloc_array(n, sizeof(double), (void **) &cdf0);
	if (st == CM_OK)
		st = alloc_points(&pts, n, 2 * LEVELS + 1);
	if (st == CM_OK)
	{
		for (size_t i = 0; i < n; i++)
		{
			shape_init(&ctx.s[i], LOGIT_BETA, arms[i].alpha, arms[i].beta);
			lower = fmax(lower, ctx.s[i].lo);
			upper = fmax(upper, ctx.s[i].hi);
		}
		/* arms too large to anchor start the sweep below their lower bound, from 0 */
		for (size_t i = 0; i < n; i++)
			if (arms[i].alpha + arms[i].beta > ANCHOR_MAX)
				lower = fmin(lower, ctx.s[i].lo);
		for (size_t i = 0; i < n; i++)
		{
			add_shape_points(&pts, &ctx.s[i], 0, 1, lower, upper);
			cdf0[i] = arms[i].alpha + arms[i].beta > ANCHOR_MAX ? 0 :
				cm_beta_cdf_logit(lower, arms[i].alpha, arms[i].beta, ctx.s[i].lnorm);
		}
		finish_points(&pts, lower, upper);
		st = sweep_integrate(n, &ctx, beta_densities, logistic, cdf0, &pts, prob, emax);
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

/* Beyond this weight (alpha + beta, or a gamma shape) double precision cannot place the mode. */
#define QUADRATURE_WEIGHT_MAX 1e12

static cm_status
check_weight(double weight, size_t which)
{
	if (weight > QUADRATURE_WEIGHT_MAX)
		return cm_fail(CM_ERR_LIMIT, "arm %zu has a weight (alpha + beta or shape) of %g, above "
					   "the %g the quadrature resolves", which, weight, QUADRATURE_WEIGHT_MAX);
	return CM_OK;
}

cm_status
cm_prob_best(const cm_beta *arms, size_t n, double *prob, double *expected_max)
{
	double		emax = 0;
	bool		done = false;

	CM_TRY(cm_beta_check_arms(arms, n));
	for (size_t i = 0; i < n; i++)
		CM_TRY(check_weight(arms[i].alpha + arms[i].beta, i + 1));
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
	double		best = -INFINITY;

	CM_TRY(cm_beta_check_arms(arms, n));
	for (size_t i = 0; i < n; i++)
	{
		/* compared as logits: shapes near 0 round many draws to exactly 0 or 1 */
		double		draw = beta_logit_sample(rng, arms[i].alpha, arms[i].beta);

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
		st = cm_sort_doubles(values, VALUE_REMAINING_DRAWS);
	if (st == CM_OK)
		*out = values[(size_t) ceil(q * VALUE_REMAINING_DRAWS) - 1];
	cm_free(values);
	cm_free(prob);
	return st;
}

/* Which allocation method (top_two or thompson), and a floor every arm can get. */
static cm_status
allocation_args(const char *method, double floor_share, size_t n, bool *top_two)
{
	*top_two = strcmp(method, "top_two") == 0;
	if (!*top_two && strcmp(method, "thompson") != 0)
		return cm_fail(CM_ERR_INVALID, "unknown allocation method \"%s\"", method);
	if (!isfinite(floor_share) || floor_share < 0 || floor_share * (double) n > 1.0)
		return cm_fail(CM_ERR_INVALID,
					   "floor %g is not possible for %zu arms (need 0 <= floor <= 1/arms)",
					   floor_share, n);
	return CM_OK;
}

/* Traffic weights in place from P(best): top-two if asked, then the floor; they sum to 1. */
static void
weights_from_prob_best(double *weights, size_t n, bool top_two, double floor_share)
{
	double		total = 0;

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
	for (size_t i = 0; i < n; i++)
		total += weights[i];
	for (size_t i = 0; i < n; i++)
		weights[i] = floor_share + (1 - floor_share * (double) n) * weights[i] / total;
}

cm_status
cm_allocation(const cm_beta *arms, size_t n, const char *method, double floor_share,
			  double *weights)
{
	bool		top_two;

	CM_TRY(allocation_args(method, floor_share, n, &top_two));
	CM_TRY(cm_prob_best(arms, n, weights, NULL));
	weights_from_prob_best(weights, n, top_two, floor_share);
	return CM_OK;
}

cm_status
cm_revenue_allocation(const cm_revenue *arms, size_t n, const char *method, double floor_share,
					  double *weights)
{
	bool		top_two;

	CM_TRY(allocation_args(method, floor_share, n, &top_two));
	CM_TRY(cm_revenue_prob_best(arms, n, weights, NULL));
	weights_from_prob_best(weights, n, top_two, floor_share);
	return CM_OK;
}

/* ---- revenue arms ---------------------------------------------------------------------- */

#define RPV_DRAWS 10000

/* Revenue per visitor's mean: P(convert) times the mean gift, rate / (shape - 1). */
static double
revenue_mean(cm_revenue a)
{
	return a.alpha / (a.alpha + a.beta) * a.rate / (a.shape - 1);
}

cm_status
cm_revenue_per_visitor(double alpha, double beta, double shape, double rate,
					   double *mean, double *lower, double *upper)
{
	double	   *draws = NULL;
	cm_rng		rng;

	CM_TRY(cm_revenue_check((cm_revenue) {alpha, beta, shape, rate}, 1));
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
	if (cm_sort_doubles(draws, RPV_DRAWS) != CM_OK)
	{
		cm_free(draws);
		return CM_ERR_NOMEM;
	}
	*mean = revenue_mean((cm_revenue) {alpha, beta, shape, rate});
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
	/* as the transition function says: one prior per group, also across partial states */
	if (s[2] != 0 && o[2] != 0 && (s[2] != o[2] || s[3] != o[3]))
		return cm_fail(CM_ERR_INVALID, "the prior must be the same for every row of a group");
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

cm_status
cm_revenue_check(cm_revenue arm, size_t which)
{
	CM_TRY(cm_beta_check((cm_beta) {arm.alpha, arm.beta}, which));
	if (!isfinite(arm.shape) || !isfinite(arm.rate))
		return cm_fail(CM_ERR_NONFINITE, "arm %zu has a non-finite shape or rate", which);
	if (!(arm.shape > 1) || !(arm.rate > 0))
		return cm_fail(CM_ERR_DATA,
					   "arm %zu: the amount posterior needs shape > 1 and rate > 0, not %g and %g "
					   "(at least one donation)", which, arm.shape, arm.rate);
	return CM_OK;
}

/* ---- P(best) of revenue arms ------------------------------------------------------------
 *
 * log RPV = S = U + log(rate) - V with U = log theta (theta ~ Beta(alpha, beta)) and V = log G
 * (G ~ Gamma(shape, 1), lambda = G / rate).  Its density is the convolution
 * p(s) = integral of f_T(t) f_V(u(t) + log(rate) - s) dt over the logit t of theta,
 * u(t) = log theta, by 8-point Gauss on the panels between the levels of T's shape, each cut
 * so that it spans at most one sd of V in u: both factors are smooth on every panel.  The
 * sweep over s then gives P(best) and E[max RPV] as for Beta arms, starting where every
 * arm's CDF is below 2 TAIL_MASS.
 */

/* Most pieces an inner panel is cut into (arms whose gift is known far better than theta). */
#define INNER_CUTS_MAX 64

typedef struct revenue_arm
{
	shape		conversion;		/* T = logit theta */
	shape		gift;			/* V = log G */
	double		lrate;
	double	   *u;				/* log theta at the inner nodes */
	double	   *weight;			/* Gauss weight x density of T there */
	size_t		nodes;
} revenue_arm;

typedef struct revenue_arms
{
	size_t		n;
	revenue_arm *arm;
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
conversion_breaks(const shape *s, double *brk)
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
revenue_inner_nodes(revenue_arm *r)
{
	double		brk[2 * LEVELS + 1];
	int			m = conversion_breaks(&r->conversion, brk);
	size_t		count = 0;

	for (int p = 0; p + 1 < m; p++)
		count += 8 * inner_cuts(r, brk[p], brk[p + 1]);
	CM_TRY(cm_alloc_array(2 * count, sizeof(double), (void **) &r->u));
	r->weight = r->u + count;
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
				double		t = mid + (g < 4 ? -1 : 1) * half * gl_node[k];

				r->u[r->nodes] = log_theta(t);
				r->weight[r->nodes++] = half * gl_weight[k] *
					exp(shape_log_density(&r->conversion, t));
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

static void
revenue_densities(void *ctx, double s, double *density)
{
	const revenue_arms *arms = ctx;

	for (size_t j = 0; j < arms->n; j++)
	{
		const revenue_arm *r = &arms->arm[j];
		double		sum = 0;

		/* outside V's tail bounds the factor is negligible: only the nodes between them */
		for (size_t m = first_node_in_tail(r, s); m < r->nodes; m++)
		{
			double		v = r->u[m] + r->lrate - s;

			if (!(v < r->gift.hi))
				break;
			sum += r->weight[m] * exp(shape_log_density(&r->gift, v));
		}
		density[j] = sum;
	}
}

/*
 * Sets up each arm and the sweep's range: from the lowest lower bound (every CDF is then
 * below 2 TAIL_MASS, so the sweep starts from zero) to the highest upper bound, taken with
 * Gamma(shape - 1) so that the tail left out of E[max] is negligible too.
 */
static cm_status
revenue_setup(const cm_revenue *arms, revenue_arms *ctx, points *pts)
{
	double		lower = INFINITY,
				upper = -INFINITY;

	for (size_t i = 0; i < ctx->n; i++)
	{
		revenue_arm *r = &ctx->arm[i];
		shape		heavy;

		shape_init(&r->conversion, LOGIT_BETA, arms[i].alpha, arms[i].beta);
		shape_init(&r->gift, LOG_GAMMA, arms[i].shape, 1);
		shape_init(&heavy, LOG_GAMMA, arms[i].shape - 1, 1);
		r->lrate = log(arms[i].rate);
		CM_TRY(revenue_inner_nodes(r));
		lower = fmin(lower, log_theta(r->conversion.lo) + r->lrate - r->gift.hi);
		upper = fmax(upper, r->lrate - heavy.lo);
	}
	for (size_t i = 0; i < ctx->n; i++)
	{
		const revenue_arm *r = &ctx->arm[i];

		add_shape_points(pts, &r->gift, log_theta(r->conversion.mode) + r->lrate, -1, lower, upper);
		for (int side = 0; side < 2; side++)
		{
			double		prev = log_theta(r->conversion.mode);

			for (int k = 0; k < r->conversion.levels[side]; k++)
			{
				double		u = log_theta(r->conversion.level[side][k]);

				add_point(pts, u + r->lrate - r->gift.mode, fabs(u - prev), lower, upper);
				prev = u;
			}
		}
	}
	finish_points(pts, lower, upper);
	return CM_OK;
}

static double
exp_value(double s)
{
	return exp(s);
}

cm_status
cm_revenue_prob_best(const cm_revenue *arms, size_t n, double *prob, double *expected_max)
{
	revenue_arms ctx = {.n = n};
	points		pts = {0};
	double	   *zero = NULL,
				emax = 0;
	cm_status	st;

	CM_TRY(check_arm_count(n));
	for (size_t i = 0; i < n; i++)
	{
		CM_TRY(cm_revenue_check(arms[i], i + 1));
		CM_TRY(check_weight(fmax(arms[i].alpha + arms[i].beta, arms[i].shape), i + 1));
	}
	CM_TRY(cm_alloc_array(n, sizeof(revenue_arm), (void **) &ctx.arm));
	memset(ctx.arm, 0, n * sizeof(revenue_arm));
	st = cm_alloc_array(n, sizeof(double), (void **) &zero);
	if (st == CM_OK)
		st = alloc_points(&pts, n, 3 * LEVELS + 1);
	if (st == CM_OK)
	{
		memset(zero, 0, n * sizeof(double));
		st = revenue_setup(arms, &ctx, &pts);
	}
	if (st == CM_OK)
		st = sweep_integrate(n, &ctx, revenue_densities, exp_value, zero, &pts, prob, &emax);
	if (st == CM_OK && expected_max)
		*expected_max = emax;
	for (size_t i = 0; i < n; i++)
		cm_free(ctx.arm[i].u);
	cm_free(pts.p);
	cm_free(zero);
	cm_free(ctx.arm);
	return st;
}

cm_status
cm_revenue_expected_loss(const cm_revenue *arms, size_t n, double *loss)
{
	double		emax;

	CM_TRY(cm_revenue_prob_best(arms, n, loss, &emax));
	for (size_t i = 0; i < n; i++)
	{
		loss[i] = fmax(0.0, emax - revenue_mean(arms[i]));
	}
	return CM_OK;
}
