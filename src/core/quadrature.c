/*
 * quadrature.c - P(best) and E[max] of independent arms by an adaptive Gauss-Kronrod sweep.
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
#include "quadrature.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "distributions.h"
#include "memory.h"

/* Tail mass left outside the integration region, per arm (far below the 1e-6 target). */
#define TAIL_MASS 1e-13
/* Largest Kronrod-minus-Gauss difference accepted on a panel. */
#define PANEL_TOL 1e-10
/* Breakpoints closer than MERGE times the finer spacing their arms want are merged. */
#define MERGE 1.5
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
const double cm_gauss8_node[4] = {0.1834346424956498, 0.5255324099163290,
0.7966664774136267, 0.9602898564975362};
const double cm_gauss8_weight[4] = {0.3626837833783620, 0.3137066458778873,
0.2223810344533745, 0.1012285362903763};

static double
shape_log_density_direct(const cm_shape *s, double z)
{
	if (s->kind == CM_SHAPE_LOGIT_BETA)
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
double
cm_shape_log_density(const cm_shape *s, double z)
{
	double		d = z - s->mode;

	if (s->a + s->b <= CM_SHAPE_STABLE_ABOVE || fabs(d) >= 1)
		return shape_log_density_direct(s, z);
	if (s->kind == CM_SHAPE_LOGIT_BETA)
		return s->peak + s->a * log1p(expm1(d) / (1.0 + exp(z))) +
			s->b * log1p(expm1(-d) / (1.0 + exp(-z)));
	return s->peak + s->a * (d - expm1(d));
}

static double
shape_slope(const cm_shape *s, double z)
{
	if (s->kind == CM_SHAPE_LOGIT_BETA)
		return s->a - (s->a + s->b) / (1.0 + exp(-z));
	return s->a - exp(z);
}

/* Newton for the point on side (-1 left, +1 right) where the log density is peak - drop. */
static double
shape_level(const cm_shape *s, int side, double drop, double z)
{
	double		target = cm_shape_log_density(s, s->mode) - drop;

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
		step = -(cm_shape_log_density(s, z) - target) / slope;
		z += step;
		if (fabs(step) <= 1e-6 * (s->sd + fabs(z - s->mode)))
			break;
	}
	return z;
}

/* The tail beyond z holds at most density(z) / |slope(z)|: the tangent bounds a concave log. */
static bool
tail_below(const cm_shape *s, double z)
{
	double		slope = fabs(shape_slope(s, z));

	return slope > 0 && cm_shape_log_density(s, z) - log(slope) < log(TAIL_MASS);
}

void
cm_shape_init(cm_shape *s, cm_shape_kind kind, double a, double b)
{
	s->kind = kind;
	s->a = a;
	s->b = b;
	s->lnorm = kind == CM_SHAPE_LOGIT_BETA ? cm_log_beta(a, b) : lgamma(a);
	s->mode = kind == CM_SHAPE_LOGIT_BETA ? log(a) - log(b) : log(a);
	s->sd = kind == CM_SHAPE_LOGIT_BETA ? sqrt(1.0 / a + 1.0 / b) : 1.0 / sqrt(a);
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
			drop = k < CM_SHAPE_LEVELS ? 0.5 * (k + 1) * (k + 1) : 2 * drop;
			z = shape_level(s, dir, drop, z);
			s->level[side][k < CM_SHAPE_LEVELS ? k : CM_SHAPE_LEVELS - 1] = z;
			k++;
		} while (!tail_below(s, z) && k < CM_SHAPE_LEVELS + 40);
		s->levels[side] = k < CM_SHAPE_LEVELS ? k : CM_SHAPE_LEVELS;
	}
	s->lo = s->level[0][s->levels[0] - 1];
	s->hi = s->level[1][s->levels[1] - 1];
}

cm_status
cm_points_alloc(cm_points *pts, size_t n, size_t per_arm)
{
	size_t		cap;

	pts->n = 0;
	pts->p = NULL;
	if (!cm_mul_size(n, per_arm, &cap) || !cm_add_size(cap, 2, &cap))
		return cm_fail(CM_ERR_LIMIT, "too many arms");
	pts->cap = cap - 2;			/* two reserved for the ends */
	return cm_alloc_array(cap, sizeof(cm_point), (void **) &pts->p);
}

static int
cmp_point(const void *a, const void *b)
{
	double		x = ((const cm_point *) a)->z,
				y = ((const cm_point *) b)->z;

	return (x > y) - (x < y);
}

void
cm_points_add(cm_points *pts, double z, double width, double lo, double hi)
{
	if (z > lo && z < hi && pts->n < pts->cap)
		pts->p[pts->n++] = (cm_point) {z, width};
}

/* An arm's levels, shifted by offset and mirrored by sign (for a variable entering as -z). */
void
cm_points_add_shape(cm_points *pts, const cm_shape *s, double offset, double sign,
					double lo, double hi)
{
	cm_points_add(pts, offset + sign * s->mode, s->sd, lo, hi);
	for (int side = 0; side < 2; side++)
	{
		double		prev = s->mode;

		for (int k = 0; k < s->levels[side]; k++)
		{
			cm_points_add(pts, offset + sign * s->level[side][k], fabs(s->level[side][k] - prev),
						  lo, hi);
			prev = s->level[side][k];
		}
	}
}

/* Sort, merge, and bracket by lo and hi: the panels' ends. */
void
cm_points_finish(cm_points *pts, double lo, double hi)
{
	size_t		kept = 1;

	qsort(pts->p, pts->n, sizeof(cm_point), cmp_point);
	/* the two ends were reserved at the array's end by the callers' capacity */
	memmove(pts->p + 1, pts->p, pts->n * sizeof(cm_point));
	pts->p[0] = (cm_point) {lo, INFINITY};
	for (size_t i = 1; i <= pts->n; i++)
	{
		cm_point	p = pts->p[i];
		cm_point	last = pts->p[kept - 1];

		if (p.z - last.z >= MERGE * fmin(p.width, last.width) && hi - p.z >= MERGE * p.width)
			pts->p[kept++] = p;
	}
	pts->p[kept++] = (cm_point) {hi, INFINITY};
	pts->n = kept;
}

typedef struct sweep
{
	size_t		n;
	void	   *ctx;
	cm_density_fn density;		/* every arm's density at z (and the biased one) */
	double		(*value) (double z);	/* the compared quantity at z, for E[max]; or NULL */
	bool		biased;			/* value NULL: E[max] from the size-biased densities */
	double	   *cdf;			/* n: CDFs at the sweep's position */
	double	   *f;				/* KN x n: densities at the panel's nodes */
	double	   *g;				/* KN x n: size-biased densities (biased only) */
	double	   *F;				/* n: CDFs at one node */
	double	   *prefix;			/* n: products of the CDFs of the arms before */
	double	   *sums;			/* SUMS x n: Kronrod and Gauss sums of P(best), of mass,
								 * then (biased) of the biased P(best) and biased mass */
	double		emax;			/* the panel's share of E[max] (value only) */
	long		panels;
} sweep;

#define SUMS 8

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
				double		y = -1.0 + half + (g < 4 ? -1 : 1) * half * cm_gauss8_node[g % 4],
							basis = 1;

				for (int q = 0; q < KN; q++)
					if (q != m)
						basis *= (y - kr_node[q]) / (kr_node[m] - kr_node[q]);
				sum += half * cm_gauss8_weight[g % 4] * basis;
			}
			kr_integ[k][m] = sum;
		}
}

/* Accumulate one node's contributions to the panel sums. */
static void
sweep_node(sweep *w, int k, double z, double half)
{
	size_t		n = w->n;
	const double *f = w->f + (size_t) k * n,
			   *g = w->biased ? w->g + (size_t) k * n : NULL;
	double	   *pk = w->sums,
			   *pg = w->sums + n,
			   *mk = w->sums + 2 * n,
			   *mg = w->sums + 3 * n,
			   *qk = w->sums + 4 * n,
			   *qg = w->sums + 5 * n,
			   *bk = w->sums + 6 * n,
			   *bg = w->sums + 7 * n;
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
		double		others = w->prefix[j] * suffix,
					c = f[j] * others;

		suffix *= w->F[j];
		pk[j] += kr_weight[k] * c;
		pg[j] += gauss_weight[k] * c;
		mk[j] += kr_weight[k] * f[j];
		mg[j] += gauss_weight[k] * f[j];
		total += c;
		if (g)
		{
			qk[j] += kr_weight[k] * g[j] * others;
			qg[j] += gauss_weight[k] * g[j] * others;
			bk[j] += kr_weight[k] * g[j];
			bg[j] += gauss_weight[k] * g[j];
		}
	}
	if (w->value)
		w->emax += kr_weight[k] * w->value(z) * total;
}

/* One panel's sums into w->sums; *err: the largest Kronrod - Gauss difference. */
static cm_status
sweep_panel(sweep *w, double z0, double z1, double *err)
{
	double		half = 0.5 * (z1 - z0),
				mid = 0.5 * (z1 + z0);
	size_t		n = w->n,
				used = (w->biased ? SUMS : 4) * n;

	memset(w->sums, 0, used * sizeof(double));
	w->emax = 0;
	for (int k = 0; k < KN; k++)
		CM_TRY(w->density(w->ctx, mid + half * kr_node[k], w->f + (size_t) k * n,
						  w->biased ? w->g + (size_t) k * n : NULL));
	for (int k = 0; k < KN; k++)
		sweep_node(w, k, mid + half * kr_node[k], half);
	for (size_t j = 0; j < used; j++)
		w->sums[j] *= half;
	w->emax *= half;
	*err = 0;
	for (size_t j = 0; j < used; j += 2 * n)
		for (size_t i = 0; i < n; i++)
			*err = fmax(*err, fabs(w->sums[j + i] - w->sums[j + n + i]));
	return CM_OK;
}

/* Integrate over the panels between consecutive breakpoints, halving until accurate. */
static cm_status
sweep_run(sweep *w, const cm_points *pts, double *prob, double *qbest, double *emax)
{
	size_t		n = w->n;

	memset(prob, 0, n * sizeof(double));
	if (qbest)
		memset(qbest, 0, n * sizeof(double));
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
						err;

			/* every panel: at many arms one panel is a noticeable fraction of a second */
			CM_TRY(cm_check_interrupts());
			CM_TRY(sweep_panel(w, lo, hi, &err));
			if (++w->panels > MAX_PANELS)
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
				if (qbest)
					qbest[j] += w->sums[4 * n + j];
			}
			*emax += w->emax;
			lo = hi;
			top--;
		}
	}
	return CM_OK;
}

/* The sweep over pts with CDFs starting at cdf0 (n); prob[n] normalized, E[max]. */
cm_status
cm_sweep_integrate(size_t n, void *ctx, cm_density_fn density, double (*value) (double),
				   const double *means, const double *cdf0, const cm_points *pts,
				   double *prob, double *emax)
{
	sweep		w = {.n = n, .ctx = ctx, .density = density, .value = value,
	.biased = value == NULL && means != NULL};
	double	   *mem = NULL,
			   *qbest = NULL;
	size_t		count;
	cm_status	st;
	double		total = 0;

	/* cdf, F, prefix, qbest; the sums; f (and g) at the KN nodes */
	if (!cm_mul_size(n, 4 + SUMS + (w.biased ? 2 : 1) * KN, &count))
		return cm_fail(CM_ERR_LIMIT, "too many arms");
	CM_TRY(cm_alloc_array(count, sizeof(double), (void **) &mem));
	w.cdf = mem;
	w.F = mem + n;
	w.prefix = mem + 2 * n;
	qbest = w.biased ? mem + 3 * n : NULL;
	w.sums = mem + 4 * n;
	w.f = mem + (4 + SUMS) * n;
	w.g = w.biased ? w.f + KN * n : NULL;
	memcpy(w.cdf, cdf0, n * sizeof(double));
	pthread_once(&kr_integ_once, init_kr_integ);
	st = sweep_run(&w, pts, prob, qbest, emax);
	if (st == CM_OK && w.biased)
	{
		/* E[max] = sum_i E[x_i 1{x_i is the max}] = sum_i E[x_i] P(biased x_i is the max) */
		*emax = 0;
		for (size_t i = 0; i < n; i++)
			*emax += means[i] * fmin(1.0, fmax(0.0, qbest[i]));
	}
	cm_free(mem);
	CM_TRY(st);
	/* the tails left out hold under n * TAIL_MASS: renormalizing removes their bias */
	for (size_t i = 0; i < n; i++)
		total += prob[i];
	if (!(total > 0.5 && total < 1.5))
		return cm_fail(CM_ERR_INTERNAL, "the quadrature lost its mass (total %g)", total);
	for (size_t i = 0; i < n; i++)
		prob[i] = fmin(1.0, fmax(0.0, prob[i] / total));
	if (value)
		*emax /= total;
	return CM_OK;
}

/* Beyond this weight (alpha + beta, or a gamma shape) double precision cannot place the mode. */
#define QUADRATURE_WEIGHT_MAX 1e12

cm_status
cm_quadrature_check_weight(double weight, size_t which)
{
	if (weight > QUADRATURE_WEIGHT_MAX)
		return cm_fail(CM_ERR_LIMIT, "arm %zu has a weight (alpha + beta or shape) of %g, above "
					   "the %g the quadrature resolves", which, weight, QUADRATURE_WEIGHT_MAX);
	return CM_OK;
}
