/*
 * random_points.h - doors scattered uniformly over a 100 m square, for the tests of the walk
 * list solvers (test_tour.c, test_turf.c, test_walk_plan.c).
 */
#ifndef CM_TEST_RANDOM_POINTS_H
#define CM_TEST_RANDOM_POINTS_H

#include <stddef.h>

#include "rng.h"

static void
random_points(cm_rng *rng, double *x, double *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		x[i] = cm_rng_uniform(rng) * 100;
		y[i] = cm_rng_uniform(rng) * 100;
	}
}

#endif
