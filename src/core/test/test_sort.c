/* test_sort.c - the radix sort of doubles against qsort. */
#include "harness.h"
#include "rng.h"
#include "sort.h"

#include <math.h>

static int
by_value(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Sort a copy both ways; the results must be the same values in the same order. */
static void
check_against_qsort(const double *v, size_t n)
{
	double	   *a,
			   *b;

	assert_int_equal(cm_alloc_array(n ? n : 1, sizeof(double), (void **) &a), CM_OK);
	assert_int_equal(cm_alloc_array(n ? n : 1, sizeof(double), (void **) &b), CM_OK);
	memcpy(a, v, n * sizeof(double));
	memcpy(b, v, n * sizeof(double));
	assert_int_equal(cm_sort_doubles(a, n), CM_OK);
	qsort(b, n, sizeof(double), by_value);
	for (size_t i = 0; i < n; i++)
	{
		assert_true(a[i] == b[i]);
		if (i > 0)
			assert_true(a[i - 1] <= a[i]);
	}
	cm_free(a);
	cm_free(b);
}

static void
test_mixed_values_of_every_size(void **state)
{
	static const size_t sizes[] = {0, 1, 2, 255, 256, 257, 1000, 100000};
	double	   *v;
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 5);
	assert_int_equal(cm_alloc_array(100000, sizeof(double), (void **) &v), CM_OK);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (int kind = 0; kind < 4; kind++)
		{
			for (size_t i = 0; i < sizes[s]; i++)
			{
				double		u = cm_rng_uniform(&rng);

				v[i] = kind == 0 ? (u - 0.5) * 1e6 :	/* negatives and positives */
					kind == 1 ? floor(u * 90) :	/* whole numbers: low bytes agree */
					kind == 2 ? (u < 0.5 ? -0.0 : 0.0) + (u < 0.1 ? -INFINITY : 0) :
					ldexp(u, (int) cm_rng_below(&rng, 200) - 100);	/* many magnitudes */
			}
			check_against_qsort(v, sizes[s]);
		}
	cm_free(v);
}

/* -0 comes before +0 (qsort leaves them in any order: they compare equal). */
static void
test_signed_zeros_and_infinities(void **state)
{
	double		v[300];

	(void) state;
	for (int i = 0; i < 300; i++)
		v[i] = i % 3 == 0 ? 0.0 : i % 3 == 1 ? -0.0 : (i % 2 ? INFINITY : -INFINITY);
	assert_int_equal(cm_sort_doubles(v, 300), CM_OK);
	assert_true(v[0] == -INFINITY && v[299] == INFINITY);
	for (int i = 1; i < 300; i++)
		assert_true(v[i - 1] < v[i] || (v[i - 1] == v[i] && (signbit(v[i - 1]) >= signbit(v[i]))));
}

static void
test_allocation_failure(void **state)
{
	double		v[1000];

	(void) state;
	for (int i = 0; i < 1000; i++)
		v[i] = 1000 - i;
	harness_fail_after = 0;
	assert_int_equal(cm_sort_doubles(v, 1000), CM_ERR_NOMEM);
	harness_fail_after = 1;
	assert_int_equal(cm_sort_doubles(v, 1000), CM_ERR_NOMEM);
	harness_fail_after = -1;
	assert_true(v[0] == 1000);	/* untouched */
	assert_int_equal(cm_sort_doubles(v, 1000), CM_OK);
	assert_true(v[0] == 1 && v[999] == 1000);
}

HARNESS_MAIN("sort",
			 HARNESS_TEST(test_mixed_values_of_every_size),
			 HARNESS_TEST(test_signed_zeros_and_infinities),
			 HARNESS_TEST(test_allocation_failure))
