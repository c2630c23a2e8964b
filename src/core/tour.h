/*
 * tour.h - near-optimal door orders: the travelling salesman over plain coordinates or a
 * cost matrix.
 *
 * Construction (space-filling curve or nearest neighbour), then 2-opt and Or-opt with
 * neighbour lists and don't-look bits, then an iterated local search with local double-bridge
 * kicks for an effort budget counted in kicks (stopping early once a quarter of it in a row
 * brought nothing), never in time, so the result depends only on
 * the input and the seed.  Every long loop polls cm_check_interrupts().
 */
#ifndef CM_TOUR_H
#define CM_TOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Most nodes a route may have in the core (the host caps it lower with a setting). */
#define CM_TOUR_MAX_NODES 10000000

typedef struct cm_tour_problem
{
	size_t		n;				/* number of nodes */
	const double *x;			/* coordinates (planar), or NULL when matrix is given */
	const double *y;
	const double *matrix;		/* n * n symmetric costs, row-major, or NULL */
	/* Start node (0..n-1), or -1: a closed loop beginning at node 0. */
	long		start;
	/* With a start: come back to it (closed loop) or end anywhere (open path). */
	bool		round_trip;
	uint64_t	seed;
	/* Kicks of the iterated local search per node (0: local search only). */
	double		effort;
	/* Improve the given order 0..n-1 instead of constructing one (to polish a known tour). */
	bool		keep_order;
} cm_tour_problem;

/*
 * Order the nodes into order[0..n-1]: order[0] is the start (or node 0), then the visiting
 * order.  A closed loop returns from order[n-1] to order[0].  length (may be NULL) receives
 * the cost of the route (closing edge included when closed).
 */
/*
 * Coordinates are usable when finite and within +-CM_TOUR_MAX_COORDINATE: beyond that the
 * squares in a distance overflow to infinity and the searches cannot compare lengths (no
 * projected SRID comes near; lon/lat is projected to metres first).  CM_ERR_NONFINITE names
 * the first point that is not.
 */
#define CM_TOUR_MAX_COORDINATE 1e15
cm_status	cm_tour_check_points(const double *x, const double *y, size_t n);

cm_status	cm_tour_solve(const cm_tour_problem *problem, size_t *order, double *length);

/* Cost of an order under the problem's distances (closed unless open path). */
double		cm_tour_length(const cm_tour_problem *problem, const size_t *order);

#endif
