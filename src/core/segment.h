/*
 * segment.h - tiers and 0-100 scores of probabilities (campaign.tier, campaign.score100).
 */
#ifndef CM_SEGMENT_H
#define CM_SEGMENT_H

#include <stddef.h>

#include "status.h"

/* Tiers: cuts must be finite, strictly ascending, within [0, 1]; n_cuts < 1000. */
cm_status	cm_check_cuts(const double *cuts, size_t n_cuts);

/* The tier of p: how many cuts are <= p (a cut belongs to the upper tier). */
size_t		cm_tier_index(double p, const double *cuts, size_t n_cuts);

/* p on the 0-100 scale: the nearest integer to p * 100, halves rounded up. */
int			cm_score100(double p);

#endif
