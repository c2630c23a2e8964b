/* test_walk.c - what the walk list functions share: lon/lat measured in metres. */
#include "harness.h"
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		HARNESS_TEST(test_project_lonlat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
