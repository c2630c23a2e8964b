/*
 * quadrature.h - the numerical integration behind P(best) and E[max] of independent arms,
 * shared by Beta arms (core/bandit_beta.c) and revenue arms (core/bandit_revenue.c).
 *
 * An arm's variable is described by a cm_shape (the logit of a Beta rate, or the log of a
 * Gamma): a smooth log-concave density and its breakpoint levels.  The caller collects the
 * breakpoints of its arms into cm_points and runs cm_sweep_integrate with its own densities.
 */
#ifndef CM_QUADRATURE_H
#define CM_QUADRATURE_H

#include <stddef.h>

#include "status.h"

/* Breakpoint levels per side of an arm's mode (the last one is its tail bound). */
#define CM_SHAPE_LEVELS 24
/* Shapes (a + b; a for a gamma) above which log densities are computed relative to the mode. */
#define CM_SHAPE_STABLE_ABOVE 1e6

typedef enum cm_shape_kind
{
	CM_SHAPE_LOGIT_BETA,		/* logit of a Beta(a, b) variable */
	CM_SHAPE_LOG_GAMMA			/* log of a Gamma(a, 1) variable */
} cm_shape_kind;

/* A smooth log-concave density of one arm's variable, and where its tails end. */
typedef struct cm_shape
{
	cm_shape_kind kind;
	double		a,
				b,
				lnorm,			/* log B(a, b) or lgamma(a) */
				peak,			/* log density at the mode */
				mode,
				sd,				/* 1 / sqrt(-second derivative of the log density at the mode) */
				lo,				/* the tails beyond lo and hi hold a negligible mass each */
				hi;
	double		level[2][CM_SHAPE_LEVELS];	/* breakpoints left [0] and right [1] of the mode */
	int			levels[2];
} cm_shape;

/* The shape of a Beta(a, b) logit or a Gamma(a, 1) log (b unused), levels included. */
void		cm_shape_init(cm_shape *s, cm_shape_kind kind, double a, double b);

/* Log density at z, without cancellation for huge shapes. */
double		cm_shape_log_density(const cm_shape *s, double z);

/* 8-point Gauss-Legendre on [-1, 1]: the positive nodes and their weights. */
extern const double cm_gauss8_node[4];
extern const double cm_gauss8_weight[4];

/* A breakpoint and the spacing its arm wants around it. */
typedef struct cm_point
{
	double		z,
				width;
} cm_point;

/* The breakpoints of a sweep: the panels' ends once finished. */
typedef struct cm_points
{
	cm_point   *p;
	size_t		n,
				cap;
} cm_points;

/* Room for per_arm breakpoints of each of n arms and the two ends; free pts->p with cm_free. */
cm_status	cm_points_alloc(cm_points *pts, size_t n, size_t per_arm);

/* Keep z (spacing width) if it lies strictly between lo and hi and there is room. */
void		cm_points_add(cm_points *pts, double z, double width, double lo, double hi);

/* An arm's levels, shifted by offset and mirrored by sign (for a variable entering as -z). */
void		cm_points_add_shape(cm_points *pts, const cm_shape *s, double offset, double sign,
								double lo, double hi);

/* Sort, merge, and bracket by lo and hi: the panels' ends. */
void		cm_points_finish(cm_points *pts, double lo, double hi);

/*
 * Every arm's density at z, into density[n], and, when biased is not NULL, the density of
 * its size-biased variable (x f(x) / E[x], for E[max] of heavy tails) into biased[n].  May
 * poll cm_check_interrupts() (a long evaluation over many arms must) and pass on its status.
 */
typedef cm_status (*cm_density_fn) (void *ctx, double z, double *density, double *biased);

/*
 * P(arm i is best) for n arms over the panels of pts, with CDFs starting at cdf0[n] at the
 * first panel's left end; prob[n] is normalized: the tails left out hold a negligible mass.
 * E[max] into *emax, either as the integral of value(z) against the density of the max
 * (value not NULL: for bounded variables), or, value NULL, from the size-biased densities:
 * E[max] = sum_i E[x_i] P(biased x_i beats the others), whose integrand stays bounded
 * however heavy the tails (means[n], the arms' exact means).  Both NULL: no E[max].
 */
cm_status	cm_sweep_integrate(size_t n, void *ctx, cm_density_fn density,
							   double (*value) (double), const double *means,
							   const double *cdf0, const cm_points *pts, double *prob,
							   double *emax);

/*
 * CM_ERR_LIMIT beyond the weight (alpha + beta, or a gamma shape) at which double precision
 * cannot place the mode; which = 1-based arm number for the message.
 */
cm_status	cm_quadrature_check_weight(double weight, size_t which);

#endif
