/*
 * fuzz_bandit_state.c - libFuzzer target for the bandit aggregate states (core/bandit_state.h):
 * the float8[] states of campaign.beta_posterior (plain, with a prior, discounted) and
 * campaign.revenue_posterior, which their combine and final functions accept from anyone.
 * Any vector must be refused or give a valid arm (alpha, beta finite and > 0) that the
 * decision functions accept.
 *
 * Input: byte 0 picks the state kind, byte 1 how many doubles go to the first state; the rest
 * are the doubles of the two states.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bandit_beta.h"
#include "bandit_revenue.h"
#include "bandit_state.h"
#include "fuzz_input.h"
#include "memory.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A final arm is valid and usable by the decision functions. */
static void
check_arm(cm_beta arm)
{
	cm_beta		arms[2] = {arm, {1.0, 1.0}};
	double		prob[2];

	if (cm_beta_check(arm, 1) != CM_OK)
		abort();
	if (cm_prob_best(arms, 2, prob, NULL) == CM_OK && !(prob[0] >= -1e-9 && prob[0] <= 1 + 1e-9))
		abort();
}

static void
fuzz_posterior(double *a, const double *b)
{
	cm_beta		arm;
	bool		empty;

	if (cm_posterior_state_final(a, &arm, &empty) == CM_OK && !empty)
		check_arm(arm);
	if (cm_posterior_state_combine(a, b) == CM_OK &&
		cm_posterior_state_final(a, &arm, &empty) == CM_OK && !empty)
		check_arm(arm);
}

static void
fuzz_discounted(double *a, const double *b)
{
	cm_beta		arm;

	if (cm_discounted_state_final(a, &arm) == CM_OK)
		check_arm(arm);
	if (cm_discounted_state_combine(a, b) == CM_OK && cm_discounted_state_final(a, &arm) == CM_OK)
		check_arm(arm);
}

static void
fuzz_revenue(double *a, const double *b)
{
	double		rev[4],
				mean,
				lower,
				upper;

	if (cm_revenue_state_combine(a, b) != CM_OK || cm_revenue_state_final(a, rev) != CM_OK)
		return;
	for (int i = 0; i < 4; i++)
		if (!isfinite(rev[i]) || rev[i] < 0)
			abort();
	(void) cm_revenue_per_visitor(rev[0], rev[1], rev[2], rev[3], &mean, &lower, &upper);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t lens[3] = {CM_POSTERIOR_STATE_LEN, CM_DISCOUNTED_STATE_LEN,
	CM_REVENUE_STATE_LEN};
	size_t		kind,
				n,
				split;
	double	   *all;

	if (size < 2)
		return 0;
	kind = data[0] % 3;
	all = fuzz_doubles(data + 2, size - 2, &n);
	split = data[1] < n ? data[1] : n;
	/* a state of the wrong length is refused without reading past it */
	if (cm_bandit_state_check(all, split, lens[kind]) == CM_OK &&
		cm_bandit_state_check(all + split, n - split, lens[kind]) == CM_OK)
	{
		if (kind == 0)
			fuzz_posterior(all, all + split);
		else if (kind == 1)
			fuzz_discounted(all, all + split);
		else
			fuzz_revenue(all, all + split);
	}
	cm_free(all);
	return 0;
}
