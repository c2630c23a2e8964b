/*
 * segment.c - the segment helpers behind campaign.tier and campaign.score100: checking tier
 * cuts, the tier of a probability, the 0-100 scale.
 */
#include "segment.h"

#include <math.h>

#define MAX_CUTS 1000

cm_status
cm_check_cuts(const double *cuts, size_t n_cuts)
{
	if (n_cuts == 0 || n_cuts >= MAX_CUTS)
		return cm_fail(CM_ERR_INVALID, "there must be between 1 and %d cuts, not %zu",
					   MAX_CUTS - 1, n_cuts);
	for (size_t i = 0; i < n_cuts; i++)
	{
		if (!isfinite(cuts[i]) || cuts[i] < 0.0 || cuts[i] > 1.0)
			return cm_fail(CM_ERR_INVALID, "cut %zu (%g) is not within [0, 1]", i + 1, cuts[i]);
		if (i > 0 && cuts[i] <= cuts[i - 1])
			return cm_fail(CM_ERR_INVALID, "cuts must be strictly ascending (cut %zu is %g after %g)",
						   i + 1, cuts[i], cuts[i - 1]);
	}
	return CM_OK;
}

size_t
cm_tier_index(double p, const double *cuts, size_t n_cuts)
{
	size_t		tier = 0;

	while (tier < n_cuts && p >= cuts[tier])
		tier++;
	return tier;
}

int
cm_score100(double p)
{
	return (int) floor(p * 100.0 + 0.5);
}
