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

/*
 * Turfs cut by shift time (turf_shift.c): a turf's time is doors x per_door plus its closed
 * loop's length / speed.  Distances are planar (x, y) or a symmetric n * n matrix (street
 * costs, 0 on the diagonal; x and y NULL).
 */
typedef struct cm_turf_shift
{
	size_t		n;
	const double *x;			/* planar coordinates, or NULL with a matrix */
	const double *y;
	const double *matrix;		/* n * n symmetric costs, row-major, or NULL */
	double		shift;			/* longest time of a turf (> 0) */
	double		per_door;		/* time spent at each door (>= 0, at most shift) */
	double		speed;			/* distance walked per unit of time (> 0) */
} cm_turf_shift;

/* The longest turf's time over the shortest's that the cut aims to stay within. */
#define CM_TURF_SHIFT_RATIO 1.3

/*
 * Cut the doors into as few turfs as fit the shift: turf[i] receives 1..*k.  Every turf's
 * time (its loop solved as walk_route solves it) is at most shift; the cut keeps the longest
 * within CM_TURF_SHIFT_RATIO of the shortest when one more turf allows it, and shortens the
 * summed loops.  Route first, cut second: one loop through all doors is cut into runs of
 * balanced time, then doors move between turfs where that shortens the loops and keeps the
 * times in band.  Deterministic.
 */
cm_status	cm_walk_turfs_shift(const cm_turf_shift *problem, int32_t *turf, size_t *k);

#endif
