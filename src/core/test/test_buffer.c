/* test_buffer.c - the byte writer and the validating reader. */
#include "harness.h"
#include "buffer.h"

#include <math.h>

static void
test_round_trip(void **state)
{
	cm_writer	w;
	cm_reader	r;
	uint8_t		a;
	uint16_t	b;
	uint32_t	c;
	uint64_t	d;
	double		e;
	char	   *s;

	(void) state;
	cm_writer_init(&w);
	cm_put_u8(&w, 0xAB);
	cm_put_u16(&w, 0xBEEF);
	cm_put_u32(&w, 0xDEADBEEF);
	cm_put_u64(&w, UINT64_C(0x0123456789ABCDEF));
	cm_put_f64(&w, -2.5);
	cm_put_str(&w, "turnout");
	assert_int_equal(w.status, CM_OK);
	assert_int_equal(w.len, 1 + 2 + 4 + 8 + 8 + 4 + 7);
	/* little-endian on every platform */
	assert_int_equal(w.data[1], 0xEF);
	assert_int_equal(w.data[2], 0xBE);

	cm_reader_init(&r, w.data, w.len);
	assert_int_equal(cm_get_u8(&r, &a), CM_OK);
	assert_int_equal(cm_get_u16(&r, &b), CM_OK);
	assert_int_equal(cm_get_u32(&r, &c), CM_OK);
	assert_int_equal(cm_get_u64(&r, &d), CM_OK);
	assert_int_equal(cm_get_f64_finite(&r, &e), CM_OK);
	assert_int_equal(cm_get_str(&r, 63, &s), CM_OK);
	assert_int_equal(cm_reader_finish(&r), CM_OK);
	assert_int_equal(a, 0xAB);
	assert_int_equal(b, 0xBEEF);
	assert_int_equal(c, 0xDEADBEEF);
	assert_true(d == UINT64_C(0x0123456789ABCDEF));
	assert_true(e == -2.5);
	assert_string_equal(s, "turnout");
	cm_free(s);
	cm_writer_free(&w);
}

static void
test_truncation_is_corrupt(void **state)
{
	uint8_t		bytes[3] = {1, 2, 3};
	cm_reader	r;
	uint32_t	v;

	(void) state;
	cm_reader_init(&r, bytes, sizeof(bytes));
	assert_int_equal(cm_get_u32(&r, &v), CM_ERR_CORRUPT);
	assert_int_equal(harness_last_status, CM_ERR_CORRUPT);
	assert_non_null(strstr(cm_last_error(), "truncated"));
}

static void
test_trailing_bytes_are_corrupt(void **state)
{
	uint8_t		bytes[3] = {1, 2, 3};
	cm_reader	r;
	uint16_t	v;

	(void) state;
	cm_reader_init(&r, bytes, sizeof(bytes));
	assert_int_equal(cm_get_u16(&r, &v), CM_OK);
	assert_int_equal(cm_reader_finish(&r), CM_ERR_CORRUPT);
}

static void
test_nonfinite_rejected(void **state)
{
	cm_writer	w;
	cm_reader	r;
	double		v;

	(void) state;
	cm_writer_init(&w);
	cm_put_f64(&w, NAN);
	cm_put_f64(&w, INFINITY);
	cm_reader_init(&r, w.data, w.len);
	assert_int_equal(cm_get_f64_finite(&r, &v), CM_ERR_CORRUPT);
	assert_int_equal(cm_get_f64_finite(&r, &v), CM_ERR_CORRUPT);
	cm_writer_free(&w);
}

/* A writer for a reader that wants finite numbers refuses to write others, and stays failed. */
static void
test_finite_only_writer_refuses_nonfinite(void **state)
{
	cm_writer	w;

	(void) state;
	cm_writer_init(&w);
	w.finite_only = 1;
	cm_put_f64(&w, 1e308);
	assert_int_equal(w.status, CM_OK);
	cm_put_f64(&w, INFINITY);
	assert_int_equal(w.status, CM_ERR_NONFINITE);
	assert_non_null(strstr(cm_last_error(), "is infinite"));
	cm_put_f64(&w, 2.0);
	assert_int_equal(w.len, 8);
	cm_writer_free(&w);
	cm_writer_init(&w);
	w.finite_only = 1;
	cm_put_f64(&w, NAN);
	assert_int_equal(w.status, CM_ERR_NONFINITE);
	cm_writer_free(&w);
}

static void
test_count_bounded_by_remaining_bytes(void **state)
{
	cm_writer	w;
	cm_reader	r;
	uint32_t	n;

	(void) state;
	cm_writer_init(&w);
	cm_put_u32(&w, 1000000);	/* claims a million items but nothing follows */
	cm_reader_init(&r, w.data, w.len);
	assert_int_equal(cm_get_count(&r, UINT32_MAX, 8, &n), CM_ERR_CORRUPT);
	cm_reader_init(&r, w.data, w.len);
	assert_int_equal(cm_get_count(&r, 10, 0, &n), CM_ERR_CORRUPT);
	cm_writer_free(&w);
}

static void
test_string_with_nul_rejected(void **state)
{
	cm_writer	w;
	cm_reader	r;
	char	   *s;

	(void) state;
	cm_writer_init(&w);
	cm_put_u32(&w, 3);
	cm_put_bytes(&w, "a\0b", 3);
	cm_reader_init(&r, w.data, w.len);
	assert_int_equal(cm_get_str(&r, 63, &s), CM_ERR_CORRUPT);
	assert_null(s);
	cm_writer_free(&w);
}

static void
test_writer_out_of_memory_is_sticky(void **state)
{
	cm_writer	w;

	(void) state;
	cm_writer_init(&w);
	harness_fail_after = 0;
	cm_put_u32(&w, 7);
	cm_put_u32(&w, 8);
	assert_int_equal(w.status, CM_ERR_NOMEM);
	assert_int_equal(w.len, 0);
	cm_writer_free(&w);
}

static void
test_alloc_array_overflow(void **state)
{
	void	   *p;

	(void) state;
	assert_int_equal(cm_alloc_array(SIZE_MAX / 2, 4, &p), CM_ERR_LIMIT);
	assert_null(p);
}

static void
test_grow_array_keeps_items(void **state)
{
	uint32_t   *a;

	(void) state;
	assert_int_equal(cm_alloc_array(2, sizeof(uint32_t), (void **) &a), CM_OK);
	a[0] = 7;
	a[1] = 9;
	assert_int_equal(cm_grow_array((void **) &a, 2, 4, sizeof(uint32_t)), CM_OK);
	assert_true(a[0] == 7 && a[1] == 9 && a[2] == 0 && a[3] == 0);
	/* a failed growth leaves the array as it was */
	harness_fail_after = 0;
	assert_int_equal(cm_grow_array((void **) &a, 4, 8, sizeof(uint32_t)), CM_ERR_NOMEM);
	harness_fail_after = -1;
	assert_true(a[0] == 7 && a[1] == 9);
	assert_int_equal(cm_grow_array((void **) &a, 4, SIZE_MAX / 2, sizeof(uint32_t)), CM_ERR_LIMIT);
	assert_true(a[1] == 9);
	cm_free(a);
}

HARNESS_MAIN("buffer",
			 HARNESS_TEST(test_round_trip),
			 HARNESS_TEST(test_truncation_is_corrupt),
			 HARNESS_TEST(test_trailing_bytes_are_corrupt),
			 HARNESS_TEST(test_nonfinite_rejected),
			 HARNESS_TEST(test_finite_only_writer_refuses_nonfinite),
			 HARNESS_TEST(test_count_bounded_by_remaining_bytes),
			 HARNESS_TEST(test_string_with_nul_rejected),
			 HARNESS_TEST(test_writer_out_of_memory_is_sticky),
			 HARNESS_TEST(test_alloc_array_overflow),
			 HARNESS_TEST(test_grow_array_keeps_items))
