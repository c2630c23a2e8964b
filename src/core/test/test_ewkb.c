/* test_ewkb.c - EWKB points (SRID, empty, non-finite, truncated, not WKB) and the LineString
 * of walk_path read back. */
#include "harness.h"
#include "ewkb.h"

#include <math.h>

static void
test_ewkb(void **state)
{
	/* EWKB little-endian POINT with SRID 4326 (-71.06 42.36) */
	uint8_t		buf[64];
	uint8_t		line[128];
	double		x,
				y,
				lx[2] = {1, 2},
				ly[2] = {3, 4};
	size_t		order[2] = {1, 0},
				size;
	int32_t		srid;
	cm_ewkb_kind kind;
	uint32_t	type = 1 | 0x20000000u,
				s = 4326;
	double		px = -71.06,
				py = 42.36,
				nan = NAN;

	(void) state;
	buf[0] = 1;
	memcpy(buf + 1, &type, 4);
	memcpy(buf + 5, &s, 4);
	memcpy(buf + 9, &px, 8);
	memcpy(buf + 17, &py, 8);
	assert_int_equal(cm_ewkb_read_point(buf, 25, &kind, &x, &y, &srid), CM_OK);
	assert_int_equal(kind, CM_EWKB_POINT);
	assert_true(x == px && y == py && srid == 4326);
	assert_int_equal(cm_ewkb_read_point(buf, 24, &kind, &x, &y, &srid), CM_ERR_CORRUPT);
	assert_int_equal(cm_ewkb_read_point(buf, 26, &kind, &x, &y, &srid), CM_ERR_CORRUPT);
	memcpy(buf + 9, &nan, 8);
	memcpy(buf + 17, &nan, 8);
	assert_int_equal(cm_ewkb_read_point(buf, 25, &kind, &x, &y, &srid), CM_OK);
	assert_int_equal(kind, CM_EWKB_EMPTY);
	memcpy(buf + 9, &px, 8);
	assert_int_equal(cm_ewkb_read_point(buf, 25, &kind, &x, &y, &srid), CM_OK);
	assert_int_equal(kind, CM_EWKB_NONFINITE);
	buf[0] = 7;
	assert_int_equal(cm_ewkb_read_point(buf, 25, &kind, &x, &y, &srid), CM_ERR_CORRUPT);
	/* a line written by us reads back as "not a point" */
	assert_int_equal(cm_ewkb_linestring_size(2, 3857, &size), CM_OK);
	assert_true(size == 9 + 4 + 32);
	cm_ewkb_write_linestring(line, lx, ly, order, 2, 3857);
	assert_int_equal(cm_ewkb_read_point(line, size, &kind, &x, &y, &srid), CM_OK);
	assert_int_equal(kind, CM_EWKB_NOT_POINT);
	assert_int_equal(srid, 3857);
}

HARNESS_MAIN("ewkb",
			 HARNESS_TEST(test_ewkb))
