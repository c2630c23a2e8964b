/*
 * walk_plan.h - campaign.walk_plan: the orienteering problem, free of PostgreSQL (which doors
 * are worth a shift of limited length, and in which order).
 */
#ifndef CM_WALK_PLAN_H
#define CM_WALK_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Most candidate doors walk_plan takes (its work grows with doors x route length). */
#define CM_WALK_MAX_PLAN_DOORS 100000

typedef struct cm_orienteering
{
	size_t		n;				/* candidate doors */
	const double *x;			/* n + 1 coordinates: the doors, then the start at index n */
	const double *y;
	const double *value;		/* n values, finite and >= 0 (0: never worth a detour) */
	double		budget;			/* longest loop from the start back to it */
	uint64_t	seed;
	size_t		rounds;			/* improvement rounds (0: greedy construction only) */
} cm_orienteering;

/*
 * Choose doors and their order: stop[i] = 1.. for visited doors (in visiting order from the
 * start), 0 for the others.  The loop start -> doors -> start is never longer than budget.
 */
cm_status	cm_walk_orienteer(const cm_orienteering *problem, int32_t *stop,
							  double *value_out, double *length_out);

#endif
