/*
 * turf.h - campaign.turf: doors cut into compact turfs of balanced size, free of PostgreSQL.
 */
#ifndef CM_TURF_H
#define CM_TURF_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/*
 * Cut n points into k = ceil(n / doors) turfs whose sizes differ by at most one; turf[i]
 * receives 1..k.  Recursive balanced bisection across the longer side, pairwise re-splits,
 * then door moves between neighbouring turfs that shorten the summed tour length of the
 * turfs (turf.c, turf_tours.c).  Deterministic: the same points in the same order give the
 * same turfs.
 */
cm_status	cm_walk_turfs(const double *x, const double *y, size_t n, size_t doors,
						  int32_t *turf);

#endif
