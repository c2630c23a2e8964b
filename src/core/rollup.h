/*
 * rollup.h - propensity rollups: the Poisson-binomial count of supporters in a group,
 * empirical-Bayes shrinkage of small-area rates, and differential-privacy noise.
 *
 * The rollup state is a flat vector of doubles so that the host can store it as a concrete
 * SQL type (float8[]) that every parallel or distributed engine can ship between nodes:
 *
 *   s[0] n          voters added (integral, >= 0)
 *   s[1] sum p      expected count
 *   s[2] sum p(1-p) variance
 *   s[3] sum p(1-p)(1-2p)  third cumulant (skewness numerator)
 *   s[4] exact      1 while the group has at most CM_ROLLUP_EXACT_MAX voters and their
 *                   probabilities are kept, 0 once only the cumulants are
 *   s[5 ...]        the n probabilities (when exact), then unused capacity
 *
 * Keeping the probabilities rather than the distribution makes adding a voter O(1) and
 * touches one more cache line than avg() does; the final function runs the O(n^2) dynamic
 * program once per group.
 *
 * States arrive from outside (a user can call the support functions with any array), so
 * every entry point validates the header first: a forged state is CM_ERR_CORRUPT.
 */
#ifndef CM_ROLLUP_H
#define CM_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>

#include "distributions.h"
#include "rng.h"
#include "status.h"

#define CM_ROLLUP_HEADER 5
/* Groups up to this many voters keep the exact distribution; larger ones use the RNA. */
#define CM_ROLLUP_EXACT_MAX 1000
/* Quantiles reported as lo and hi. */
#define CM_ROLLUP_LO_Q 0.05
#define CM_ROLLUP_HI_Q 0.95

typedef struct cm_propensity
{
	double		n;
	double		expected;
	double		sd;
	double		lo;
	double		hi;
} cm_propensity;

/* CM_ERR_NONFINITE for NaN/infinity, CM_ERR_RANGE outside [0, 1]. */
cm_status	cm_rollup_check_p(double p);

/* Validate a state's header against its length (no entry past the header is trusted). */
cm_status	cm_rollup_state_check(const double *s, size_t len);

/* The empty state (n = 0, exact, no probabilities); needs len >= CM_ROLLUP_HEADER. */
void		cm_rollup_state_init(double *s);

/*
 * Length the state needs to absorb one more voter (one more probability, or nothing once
 * the state keeps cumulants only).  s must have passed the check.
 */
size_t		cm_rollup_len_after_add(const double *s);

/* Add one voter of probability p (already checked); len must be >= the length above. */
void		cm_rollup_add(double *s, size_t len, double p);

/* Length of the combination of two checked states. */
size_t		cm_rollup_len_after_combine(const double *a, const double *b);

/*
 * Combine two checked states into out (of length out_len, from the function above); out
 * may not alias a or b.  Concatenates the probabilities while the group fits.
 */
cm_status	cm_rollup_combine(const double *a, const double *b, double *out, size_t out_len);

/* The summary of a state; CM_ERR_CORRUPT if it or a kept probability is invalid. */
cm_status	cm_rollup_final(const double *s, size_t len, cm_propensity *out);

/* The exact distribution of the count (n + 1 entries, caller frees) by dynamic programming. */
cm_status	cm_pb_pmf(const double *p, size_t n, double **pmf);

/* Smallest k with P(X <= k) >= q for the distribution pmf[0..m-1]. */
double		cm_pb_quantile_exact(const double *pmf, size_t m, double q);

/*
 * The same quantile by the refined normal approximation (Volkova 1996): the normal CDF
 * corrected for skewness and continuity, searched over the integers 0..n.
 */
double		cm_pb_quantile_rna(double n, double mean, double var, double third, double q);

/* Standard normal quantile, by bisection (a few calls per query); the CDF is in distributions.h. */
double		cm_normal_quantile(double q);

/* ---- empirical Bayes ------------------------------------------------------------------ */

/* Sufficient statistics of a set of (successes, trials) units with trials > 0. */
typedef struct cm_eb_stats
{
	double		units;			/* k */
	double		trials;			/* N = sum n_i */
	double		successes;		/* sum s_i */
	double		trials_sq;		/* sum n_i^2 */
	double		rate_sq;		/* sum s_i^2 / n_i */
} cm_eb_stats;

/* CM_ERR_NONFINITE / CM_ERR_INVALID unless 0 <= successes <= trials, both finite. */
cm_status	cm_eb_check(double successes, double trials);
/* Add a checked unit (units with trials == 0 carry no information and are skipped). */
void		cm_eb_add(cm_eb_stats *st, double successes, double trials);
void		cm_eb_merge(cm_eb_stats *into, const cm_eb_stats *other);

/*
 * Fit the beta prior by the method of moments (weighted by trials).  Without detectable
 * between-unit variation the prior strength alpha + beta is capped at the total trials N.
 * No units at all: alpha = beta = 0 (callers report NULL).  Sums that overflow double
 * precision (trials near 1e154 make the sum of their squares infinite): CM_ERR_RANGE.
 */
cm_status	cm_eb_fit(const cm_eb_stats *st, double *alpha, double *beta);

/*
 * Posterior mean and central credible interval of one unit under the prior.  A posterior
 * so skewed that the central interval leaves out the mean (alpha far below 1: nearly all
 * of it at 0) gets the interval widened to the mean, so it always holds the estimate (and
 * at least the level).  A posterior whose shapes overflow: CM_ERR_RANGE.
 */
cm_status	cm_eb_posterior(double alpha, double beta, double successes, double trials,
							double level, double *mean, double *lo, double *hi);

/* ---- differential privacy ------------------------------------------------------------- */

/* Laplace noise of scale b (b > 0). */
double		cm_laplace_noise(cm_rng *rng, double b);

/* Two-sided geometric noise for counts: P(Z = z) proportional to exp(-epsilon |z|). */
double		cm_geometric_noise(cm_rng *rng, double epsilon);

/*
 * x plus Laplace noise of scale sensitivity / epsilon (both checked positive by the caller),
 * and n plus geometric noise, clamped at 0.  A scale that double precision cannot hold
 * (sensitivity / epsilon overflowing, or so small that the noise would round to nothing and
 * reveal x) or a noisy value that overflows is CM_ERR_RANGE, never an infinity or no noise.
 */
cm_status	cm_dp_sum(cm_rng *rng, double x, double epsilon, double sensitivity, double *out);
cm_status	cm_dp_count(cm_rng *rng, double n, double epsilon, double *out);

#endif
