/* test_walk_state.c - the walk_route / walk_path aggregate state: round trip, truncations,
 * too many doors, a bad magic and allocation failure. */
#include "harness.h"
#include "walk_state.h"

/* A state decodes to what was encoded; every truncation and a bad magic are refused. */
static void
test_walk_state_round_trip(void **state)
{
	int64_t		id[3] = {7, -1, INT64_MAX};
	double		x[3] = {-122.1, -122.2, -122.3},
				y[3] = {37.1, 37.2, 37.3};
	cm_walk_state s = {.geometry_type = 12345, .srid = 4326, .have_srid = true, .has_start = true,
	.sx = -122, .sy = 37, .n = 3, .cap = 3, .id = id, .x = x, .y = y};
	cm_walk_state back;
	cm_writer	w;

	(void) state;
	cm_writer_init(&w);
	cm_walk_state_encode(&s, &w);
	assert_int_equal(w.status, CM_OK);
	assert_int_equal(cm_walk_state_decode(w.data, w.len, 100, &back), CM_OK);
	assert_true(back.n == 3 && back.id[2] == INT64_MAX && back.y[1] == 37.2 && back.srid == 4326);
	assert_true(back.have_srid && back.has_start && !back.round_trip && back.geometry_type == 12345);
	cm_walk_state_free(&back);
	assert_int_equal(cm_walk_state_decode(w.data, w.len, 2, &back), CM_ERR_CORRUPT);	/* too many doors */
	cm_walk_state_free(&back);
	for (size_t len = 0; len < w.len; len++)
	{
		assert_int_equal(cm_walk_state_decode(w.data, len, 100, &back), CM_ERR_CORRUPT);
		cm_walk_state_free(&back);
	}
	for (long k = 0; k < 3; k++)	/* each of the three arrays failing to allocate */
	{
		harness_fail_after = k;
		assert_int_equal(cm_walk_state_decode(w.data, w.len, 100, &back), CM_ERR_NOMEM);
		cm_walk_state_free(&back);
	}
	harness_fail_after = -1;
	w.data[0] ^= 1;
	assert_int_equal(cm_walk_state_decode(w.data, w.len, 100, &back), CM_ERR_CORRUPT);
	cm_walk_state_free(&back);
	cm_writer_free(&w);
}

HARNESS_MAIN("walk_state",
			 HARNESS_TEST(test_walk_state_round_trip))
