/*
 * keyed.h - small helpers shared by the walk list code (tour.c, turf.c, turf_tours.c, walk.c):
 * items sorted by a number with ties broken by index, so that every qsort gives the same
 * order, a short nearest-first list of candidates, and the bounding box of the points.
 */
#ifndef CM_KEYED_H
#define CM_KEYED_H

#include <stddef.h>
#include <stdint.h>

typedef struct cm_keyed
{
	double		key;
	size_t		index;
} cm_keyed;

/* Sort items[0, n) by key (no NaN), equal keys by index: one order whatever qsort does. */
void		cm_keyed_sort(cm_keyed *items, size_t n);

/*
 * Offer candidate j at distance d to the list list/dist[0, *count), nearest first, which keeps
 * the cap (at most 255) nearest: a farther one is dropped, a tie goes after what is there.
 */
void		cm_keep_nearest(size_t *list, double *dist, uint8_t *count, uint8_t cap, size_t j,
							double d);

/* The bounding box of the points (x[i], y[i]), i < n (min above max when n is 0). */
typedef struct cm_box
{
	double		minx,
				maxx,
				miny,
				maxy;
} cm_box;

cm_box		cm_bounds(const double *x, const double *y, size_t n);

#endif
