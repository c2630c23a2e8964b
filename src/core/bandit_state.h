/*
 * bandit_state.h - the aggregate states of campaign.beta_posterior (plain, with a prior,
 * discounted) and campaign.revenue_posterior: their layouts, combine and final functions.
 *
 * The states are plain vectors of doubles (float8[] in SQL), so they arrive from outside
 * and every function below validates what it reads (a forged state is CM_ERR_CORRUPT).
 *   posterior   {successes, failures, prior alpha, prior beta}  (prior 0: not known yet)
 *   discounted  {weighted successes, weighted failures, reference time (s), half-life (s), rows}
 *   revenue     {donors, visitors without a gift, sum of gifts}
 */
#ifndef CM_BANDIT_STATE_H
#define CM_BANDIT_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "bandit.h"
#include "status.h"

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

#endif
