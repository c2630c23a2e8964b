/* test_walk.c - what the walk list functions share: lon/lat measured in metres, bounding boxes. */
#include "harness.h"
#include "keyed.h"
#include "walk.h"

#include <math.h>

static void
test_project_lonlat(void **state)
{
	/* lon/lat: 0.01 degree of latitude is about 1112 m */
	double		ox[2] = {-71.06, -71.06},
				oy[2] = {42.355, 42.365};

	(void) state;
	assert_int_equal(cm_walk_project_lonlat(ox, oy, 2), CM_OK);
	assert_true(fabs((oy[1] - oy[0]) - 1111.95) < 1);
	ox[0] = 181;
	assert_int_equal(cm_walk_project_lonlat(ox, oy, 2), CM_ERR_INVALID);
}

static void
test_bounds(void **state)
{
	double		x[3] = {2, -1, 5},
				y[3] = {0, 7, -3};
	cm_box		b = cm_bounds(x, y, 3);

	(void) state;
	assert_true(b.minx == -1 && b.maxx == 5 && b.miny == -3 && b.maxy == 7);
	b = cm_bounds(x, y, 0);
	assert_true(b.minx > b.maxx && b.miny > b.maxy);
}

HARNESS_MAIN("walk",
			 HARNESS_TEST(test_project_lonlat),
			 HARNESS_TEST(test_bounds))
