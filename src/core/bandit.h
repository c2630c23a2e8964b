/*
 * bandit.h - Bayesian bandits: the two kinds of arm, their checks, and the decisions that
 * need only P(best) and each arm's mean (expected loss, traffic allocation), for either kind.
 *
 *   core/bandit_beta.h     Beta arms: prob_best, value_remaining, thompson
 *   core/bandit_revenue.h  revenue arms: revenue_per_visitor, revenue_prob_best
 *   core/bandit_decision.c expected loss and allocation from P(best), for either kind (the
 *                          cm_arms functions below: SQL's expected_loss, allocation,
 *                          revenue_expected_loss and revenue_allocation)
 *   core/bandit_state.h    the aggregate states that give the arms (beta_posterior,
 *                          revenue_posterior)
 *
 * Every function that takes arms validates them: alpha and beta finite and > 0
 * (CM_ERR_INVALID / CM_ERR_NONFINITE), between one and CM_BANDIT_MAX_ARMS arms.
 */
#ifndef CM_BANDIT_H
#define CM_BANDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Most arms a decision function accepts (keeps the quadrature's work bounded). */
#define CM_BANDIT_MAX_ARMS 10000

/* The fixed seed of the Monte Carlo summaries, so that they are deterministic. */
#define CM_BANDIT_DRAW_SEED UINT64_C(20150101)

typedef struct cm_beta
{
	double		alpha;
	double		beta;
} cm_beta;

/* A revenue arm: conversion ~ Beta(alpha, beta), gift ~ Exponential(lambda),
 * lambda ~ Gamma(shape, rate). */
typedef struct cm_revenue
{
	double		alpha;
	double		beta;
	double		shape;
	double		rate;
} cm_revenue;

/* Between one arm and CM_BANDIT_MAX_ARMS (CM_ERR_INVALID, CM_ERR_LIMIT). */
cm_status	cm_bandit_check_arm_count(size_t n);

/* Check one arm's parameters (which = 1-based arm number for the message). */
cm_status	cm_beta_check(cm_beta arm, size_t which);

/* Check an array of arms: n >= 1, n <= CM_BANDIT_MAX_ARMS, every arm valid. */
cm_status	cm_beta_check_arms(const cm_beta *arms, size_t n);

/*
 * Check one revenue arm: alpha, beta as cm_beta_check; shape > 1 and rate > 0 (CM_ERR_DATA:
 * at least one donation), all finite.
 */
cm_status	cm_revenue_check(cm_revenue arm, size_t which);

/* The mean rate of a Beta arm and the mean revenue per visitor of a revenue arm. */
double		cm_beta_mean(cm_beta arm);
double		cm_revenue_mean(cm_revenue arm);

/* n arms of one kind, for the decisions that are the same for both. */
typedef enum cm_arm_kind
{
	CM_ARM_BETA,
	CM_ARM_REVENUE
} cm_arm_kind;

typedef struct cm_arms
{
	cm_arm_kind kind;
	size_t		n;
	const cm_beta *beta;		/* kind CM_ARM_BETA */
	const cm_revenue *revenue;	/* kind CM_ARM_REVENUE */
} cm_arms;

static inline cm_arms
cm_beta_arms(const cm_beta *arms, size_t n)
{
	return (cm_arms) {.kind = CM_ARM_BETA, .n = n, .beta = arms};
}

static inline cm_arms
cm_revenue_arms(const cm_revenue *arms, size_t n)
{
	return (cm_arms) {.kind = CM_ARM_REVENUE, .n = n, .revenue = arms};
}

/* cm_prob_best or cm_revenue_prob_best. */
cm_status	cm_arms_prob_best(cm_arms arms, double *prob, double *expected_max);

/* Expected loss of choosing each arm: E[max_j value_j - value_i].  loss[n]. */
cm_status	cm_arms_expected_loss(cm_arms arms, double *loss);

/*
 * Traffic weights: method "thompson" (P(best)) or "top_two" (top-two Thompson with
 * beta = 1/2, exact from P(best)); each weight at least floor, summing to 1.
 */
cm_status	cm_arms_allocation(cm_arms arms, const char *method, double floor,
							   double *weights);

#endif
