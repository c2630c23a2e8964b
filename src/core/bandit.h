/*
 * bandit.h - Bayesian Bernoulli bandits: exact samplers, Beta distribution functions and
 * the decision quantities (probability to be best, expected loss, value remaining).
 *
 * Arms are Beta(alpha, beta) posteriors.  Every function that takes arms validates them:
 * alpha and beta finite and > 0 (CM_ERR_INVALID / CM_ERR_NONFINITE), at least one arm.
 */
#ifndef CM_BANDIT_H
#define CM_BANDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "distributions.h"
#include "rng.h"
#include "status.h"

/* Most arms a decision function accepts (keeps the quadrature's work bounded). */
#define CM_BANDIT_MAX_ARMS 10000

typedef struct cm_beta
{
	double		alpha;
	double		beta;
} cm_beta;

/* Check one arm's parameters (which = 1-based arm number for the message). */
cm_status	cm_beta_check(cm_beta arm, size_t which);

/* Check an array of arms: n >= 1, n <= CM_BANDIT_MAX_ARMS, every arm valid. */
cm_status	cm_beta_check_arms(const cm_beta *arms, size_t n);

/* Gamma(shape, 1) deviate, Marsaglia-Tsang; shape < 1 via the U^(1/shape) boost. */
double		cm_gamma_sample(cm_rng *rng, double shape);

/* Beta(a, b) deviate from two gammas (X / (X + Y)). */
double		cm_beta_sample(cm_rng *rng, double a, double b);



/*
 * P(arm i has the highest rate) for every arm, by composite Gauss-Legendre quadrature over
 * the region where the maximum lives (absolute error below 1e-6), and the two-arm closed form
 * when the second arm's alpha is a small integer.  prob[n].  If expected_max is not NULL it
 * receives E[max_i rate_i].
 */
cm_status	cm_prob_best(const cm_beta *arms, size_t n, double *prob, double *expected_max);

/* Expected loss of choosing each arm: E[max_j rate_j - rate_i].  loss[n]. */
cm_status	cm_expected_loss(const cm_beta *arms, size_t n, double *loss);

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

/*
 * Traffic weights: method "thompson" (P(best)) or "top_two" (top-two Thompson with
 * beta = 1/2, exact from P(best)); each weight at least floor, summing to 1.
 */
cm_status	cm_allocation(const cm_beta *arms, size_t n, const char *method, double floor,
						  double *weights);


/*
 * Revenue per visitor of a revenue arm: conversion ~ Beta(alpha, beta), gift amounts
 * ~ Exponential(lambda) with lambda ~ Gamma(shape, rate), so RPV = theta / lambda.
 * The mean is exact (shape > 1 required); the 95% interval comes from 10,000 draws with a
 * fixed seed.
 */
cm_status	cm_revenue_per_visitor(double alpha, double beta, double shape, double rate,
								   double *mean, double *lower, double *upper);

/*
 * Aggregate states: plain vectors of doubles (float8[] in SQL), so they arrive from outside
 * and every function below validates what it reads (a forged state is CM_ERR_CORRUPT).
 *   posterior   {successes, failures, prior alpha, prior beta}  (prior 0: not known yet)
 *   discounted  {weighted successes, weighted failures, reference time (s), half-life (s), rows}
 *   revenue     {donors, visitors without a gift, sum of gifts}
 */
#define CM_POSTERIOR_STATE_LEN 4
#define CM_DISCOUNTED_STATE_LEN 5
#define CM_REVENUE_STATE_LEN 3

/* CM_ERR_CORRUPT unless len == expected and every value is finite. */
cm_status	cm_bandit_state_check(const double *s, size_t len, size_t expected);

/* s += o (both checked); the first known prior wins. */
cm_status	cm_posterior_state_combine(double *s, const double *o);

/* The posterior Beta(prior + counts); *empty (and no arm) for a group without rows. */
cm_status	cm_posterior_state_final(const double *s, cm_beta *out, bool *empty);

/* Decay a discounted state (half-life s[3] > 0) to a later reference time ref. */
void		cm_discounted_rescale(double *s, double ref);

/* s += o at the later reference time of the two; half-lives must agree (CM_ERR_INVALID). */
cm_status	cm_discounted_state_combine(double *s, const double *o);

/* Beta(1 + weighted successes, 1 + weighted failures). */
cm_status	cm_discounted_state_final(const double *s, cm_beta *out);

cm_status	cm_revenue_state_combine(double *s, const double *o);

/* The revenue arm {alpha, beta, shape, rate} of a revenue state. */
cm_status	cm_revenue_state_final(const double *s, double out[4]);

/* A revenue arm: conversion ~ Beta(alpha, beta), gift ~ Exponential(lambda),
 * lambda ~ Gamma(shape, rate). */
typedef struct cm_revenue
{
	double		alpha;
	double		beta;
	double		shape;
	double		rate;
} cm_revenue;

/*
 * Check one revenue arm: alpha, beta as cm_beta_check; shape > 1 and rate > 0 (CM_ERR_DATA:
 * at least one donation), all finite.
 */
cm_status	cm_revenue_check(cm_revenue arm, size_t which);

/*
 * P(arm i has the highest revenue per visitor theta / lambda) for every arm, by the same
 * adaptive quadrature as cm_prob_best over log RPV, whose density is a convolution computed
 * by an inner quadrature.  If expected_max is not NULL it receives E[max_i RPV_i].
 */
cm_status	cm_revenue_prob_best(const cm_revenue *arms, size_t n, double *prob,
								 double *expected_max);

/* cm_allocation's traffic weights from the P(best) of revenue arms. */
cm_status	cm_revenue_allocation(const cm_revenue *arms, size_t n, const char *method,
								  double floor, double *weights);

/* Expected loss of choosing each revenue arm: E[max_j RPV_j - RPV_i].  loss[n]. */
cm_status	cm_revenue_expected_loss(const cm_revenue *arms, size_t n, double *loss);

#endif
