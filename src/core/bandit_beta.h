/*
 * bandit_beta.h - decisions on Beta-Bernoulli arms (Beta(alpha, beta) posteriors of a rate):
 * the probability to be best, expected loss, value remaining, Thompson sampling and traffic
 * allocation, each the core of the SQL function of the same name (src/pg/bandit.c).
 */
#ifndef CM_BANDIT_BETA_H
#define CM_BANDIT_BETA_H

#include <stddef.h>

#include "bandit.h"
#include "rng.h"
#include "status.h"

/*
 * P(arm i has the highest rate) for every arm, by composite Gauss-Kronrod quadrature over
 * the region where the maximum lives (absolute error below 1e-6, core/quadrature.h), and the
 * two-arm closed form when the second arm's alpha is a small integer.  prob[n].  If
 * expected_max is not NULL it receives E[max_i rate_i].
 */
cm_status	cm_prob_best(const cm_beta *arms, size_t n, double *prob, double *expected_max);

/*
 * Closed form of P(rate_b > rate_a) (Evan Miller), valid when b.alpha is an integer no
 * larger than 100000; CM_ERR_INVALID otherwise.
 */
cm_status	cm_prob_b_beats_a(cm_beta a, cm_beta b, double *out);

/*
 * Value remaining (Scott 2015): the q-quantile of (max_j rate_j - rate_c) / rate_c over
 * draws posterior draws, c the arm with the highest P(best).  Deterministic (fixed seed).
 */
cm_status	cm_value_remaining(const cm_beta *arms, size_t n, double q, double *out);

/* Thompson sampling: the 0-based index of the arm with the highest draw. */
cm_status	cm_thompson(const cm_beta *arms, size_t n, cm_rng *rng, size_t *chosen);

#endif
