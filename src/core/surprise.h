/*
 * surprise.h - turnout surprise: how likely a group's observed turnout is under the model.
 * X is the Poisson-binomial count of voters among the group's probabilities; the summary
 * gives P(X <= observed) and P(X >= observed).
 *
 * Voters of p = 0 or p = 1 are certain and only counted.  While a group has at most
 * CM_SURPRISE_EXACT_MAX uncertain voters (0 < p < 1) the state keeps their probabilities and
 * the final function runs the exact dynamic program; past that it keeps a sketch whose size
 * does not grow with the group and evaluates the tails by a saddlepoint approximation.
 *
 * The state is a flat vector of doubles (a float8[] in SQL, shipped as is by parallel and
 * distributed plans):
 *
 *   s[0] n          voters added
 *   s[1] observed   of them, voters who voted
 *   s[2] certain    voters of p = 1
 *   s[3] expected   sum of p over all voters
 *   s[4] exact      1: probabilities kept, 0: sketch
 *   s[5] m          uncertain voters
 *   s[6] bins       sketch bins (0 when exact)
 *   s[7 ...]        exact: the m probabilities; sketch: the bins, CM_SURPRISE_BIN_LEN each;
 *                   then unused capacity
 *
 * The sketch.  A voter of p < 1/2 is stored by x = p, one of p >= 1/2 by x = 1 - p (and
 * counted as a certain voter minus a Bernoulli(x)), so every x is in (0, 1/2].  x falls in
 * the binary-exponent bin [2^(e-1), 2^e) (e = 0 only for x = 1/2) with centre c = 3/4 2^e
 * (c = 1/2 for e = 0); the relative deviation d = (x - c) / c is within [-1/3, 1/3].  A bin
 * is [key, count, D_1 .. D_J] with D_j = sum d^j and key = side * 1001 - e.  From it the
 * cumulant generating function of the group is, for every real t,
 *   log(1 + x u) = log(1 + c u) + sum_j (-1)^(j+1) d^j v^j / j,  u = e^t - 1, v = c u / (1 + c u)
 * where |d v| <= 1/3, so truncating at J = 30 terms errs by at most 8e-17 per voter in the
 * log-probability, below double rounding: the one approximation left is the saddlepoint's.
 * x below 2^-1000 (p within 1e-301 of 0 or 1) is rounded to a certain voter in the sketch.
 *
 * States arrive from outside (anyone can call the support functions with any array), so
 * every entry point validates the state: a forged one is CM_ERR_CORRUPT, never a crash.
 */
#ifndef CM_SURPRISE_H
#define CM_SURPRISE_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

#define CM_SURPRISE_HEADER 7
/* Groups with up to this many uncertain voters get the exact distribution. */
#define CM_SURPRISE_EXACT_MAX 20000
/* Terms of the series kept per sketch bin. */
#define CM_SURPRISE_TERMS 30
#define CM_SURPRISE_BIN_LEN (CM_SURPRISE_TERMS + 2)
/* Exponents of the sketch bins: e in [-CM_SURPRISE_MIN_EXP, 0]; two sides. */
#define CM_SURPRISE_MIN_EXP 1000
#define CM_SURPRISE_MAX_BINS (2 * (CM_SURPRISE_MIN_EXP + 1))

typedef struct cm_surprise
{
	double		n;
	double		expected;
	double		observed;
	double		p_below;		/* P(X <= observed) */
	double		p_above;		/* P(X >= observed) */
	bool		exact;			/* false: saddlepoint approximation */
} cm_surprise;

/* p is checked with cm_rollup_check_p (rollup.h): the same rule and message. */


/* The empty state; needs len >= CM_SURPRISE_HEADER. */
void		cm_surprise_state_init(double *s);

/* Validate a state's header and bin layout against its length. */
cm_status	cm_surprise_state_check(const double *s, size_t len);

/* Entries of a checked state in use (the rest of the array is spare capacity). */
size_t		cm_surprise_used_len(const double *s);

/*
 * Length a checked state needs to absorb a voter of probability p (checked); the one add that
 * turns the probabilities into a sketch reads them all, the others are O(1) or O(bins).
 */
cm_status	cm_surprise_len_after_add(const double *s, double p, size_t *need);

/* Add a voter; len must be at least the length above.  Fails on a corrupt probability. */
cm_status	cm_surprise_add(double *s, size_t len, double p, bool voted);

/*
 * Combine two checked states into a new array (*out of *out_len entries, caller frees with
 * cm_free): probabilities concatenated while the group fits, else the merged sketch.
 */
cm_status	cm_surprise_combine(const double *a, size_t alen, const double *b, size_t blen,
								double **out, size_t *out_len);

/* The summary of a state; CM_ERR_CORRUPT if it, a probability or a bin is invalid. */
cm_status	cm_surprise_final(const double *s, size_t len, cm_surprise *out);

/*
 * The saddlepoint tails P(X <= k), P(X >= k) of certain + PB(p[0..m-1]) through the sketch,
 * whatever m: what the final function does past the exact limit (tests and the benchmark
 * compare it with the exact program).  p must be checked.
 */
cm_status	cm_surprise_sketch_tails(const double *p, size_t m, double certain, double k,
									 double *below, double *above);

#endif
