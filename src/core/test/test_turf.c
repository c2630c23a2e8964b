/* test_turf.c - campaign.turf's cutting: balanced sizes, determinism, compact turfs, turfs
 * that follow the doors' tours, cancel and allocation failure, coordinates refused. */
#include "harness.h"
#include "random_points.h"
#include "rng.h"
#include "tour.h"
#include "turf.h"

#include <math.h>

static void
test_turfs_balanced(void **state)
{
	size_t		n = 1003;
	double	   *x = malloc(n * sizeof(double)),
			   *y = malloc(n * sizeof(double));
	int32_t    *t = malloc(n * sizeof(int32_t));
	size_t		counts[200] = {0};
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 8);
	random_points(&rng, x, y, n);
	assert_int_equal(cm_walk_turfs(x, y, n, 10, t), CM_OK);
	for (size_t i = 0; i < n; i++)
	{
		assert_true(t[i] >= 1 && t[i] <= 101);
		counts[t[i]]++;
	}
	for (int k = 1; k <= 101; k++)
		assert_true(counts[k] == 9 || counts[k] == 10);
	assert_int_equal(cm_walk_turfs(x, y, n, 0, t), CM_ERR_INVALID);
	assert_int_equal(cm_walk_turfs(x, y, n, 5000, t), CM_OK);
	for (size_t i = 0; i < n; i++)
		assert_true(t[i] == 1);
	free(x);
	free(y);
	free(t);
}

/* Sizes of turfs 1..k all q or q + 1 (q = n / k), every door in one of them. */
static void
assert_turf_sizes(const int32_t *t, size_t n, size_t k)
{
	size_t	   *counts = calloc(k + 1, sizeof(size_t));

	for (size_t i = 0; i < n; i++)
	{
		assert_true(t[i] >= 1 && (size_t) t[i] <= k);
		counts[t[i]]++;
	}
	for (size_t c = 1; c <= k; c++)
		assert_true(counts[c] == n / k || counts[c] == n / k + 1);
	free(counts);
}

/* The quality measure of turfs: the summed length of their closed tours. */
static double
summed_tours(const double *x, const double *y, size_t n, const int32_t *t, size_t k)
{
	double	   *bx = malloc(n * sizeof(double)),
			   *by = malloc(n * sizeof(double)),
				total = 0;
	size_t	   *order = malloc(n * sizeof(size_t));

	for (size_t c = 1; c <= k; c++)
	{
		cm_tour_problem p = {.x = bx, .y = by, .start = -1, .seed = 1, .effort = 40};
		double		len;

		for (size_t i = 0; i < n; i++)
			if ((size_t) t[i] == c)
			{
				bx[p.n] = x[i];
				by[p.n++] = y[i];
			}
		assert_int_equal(cm_tour_solve(&p, order, &len), CM_OK);
		total += len;
	}
	free(bx);
	free(by);
	free(order);
	return total;
}

/* Summed area of the turfs' bounding boxes (turf 0: of all doors). */
static double
box_area(const double *x, const double *y, size_t n, const int32_t *t, size_t k)
{
	double		area = 0;

	for (size_t c = k == 0 ? 0 : 1; c <= k; c++)
	{
		double		minx = INFINITY,
					maxx = -INFINITY,
					miny = INFINITY,
					maxy = -INFINITY;

		for (size_t i = 0; i < n; i++)
			if (k == 0 || (size_t) t[i] == c)
			{
				minx = fmin(minx, x[i]);
				maxx = fmax(maxx, x[i]);
				miny = fmin(miny, y[i]);
				maxy = fmax(maxy, y[i]);
			}
		area += (maxx - minx) * (maxy - miny);
	}
	return area;
}

static void
test_turfs_deterministic_and_compact(void **state)
{
	size_t		n = 1203,
				k = 21;
	double	   *x = malloc(n * sizeof(double)),
			   *y = malloc(n * sizeof(double));
	int32_t    *t = malloc(n * sizeof(int32_t)),
			   *again = malloc(n * sizeof(int32_t));
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 21);
	random_points(&rng, x, y, n);
	assert_int_equal(cm_walk_turfs(x, y, n, 58, t), CM_OK);	/* 21 turfs of 57 or 58 */
	assert_turf_sizes(t, n, k);
	assert_int_equal(cm_walk_turfs(x, y, n, 58, again), CM_OK);
	assert_memory_equal(t, again, n * sizeof(int32_t));
	/* compact: the turfs' boxes cover the square about once (interleaved turfs: k times) */
	assert_true(box_area(x, y, n, t, k) < 1.5 * box_area(x, y, n, t, 0));
	/* duplicates (one apartment block) and a second block: still balanced */
	for (size_t i = 0; i < 300; i++)
	{
		x[i] = i < 200 ? 5 : 50;
		y[i] = 5;
	}
	assert_int_equal(cm_walk_turfs(x, y, 300, 7, t), CM_OK);
	assert_turf_sizes(t, 300, 43);
	free(x);
	free(y);
	free(t);
	free(again);
}

/*
 * A long street (20 doors over 95 m) and, 30 m off its middle, a block of 20 doors in 4 m x
 * 5 m: the longer side of the box is the street's, so bisection cuts both in half and each
 * turf walks half the street plus the way to the block and back.  Routing the pair as one and
 * cutting it gives one turf the street and the other the block: 210 against 277 in all.
 */
static void
test_turfs_follow_the_doors(void **state)
{
	double		x[40],
				y[40],
				halves;
	int32_t		t[40],
				bisected[40];

	(void) state;
	for (int i = 0; i < 20; i++)
	{
		x[i] = 0;
		y[i] = 5.0 * i;
		x[20 + i] = 30 + i % 4;
		y[20 + i] = 45 + i / 4;
	}
	assert_int_equal(cm_walk_turfs(x, y, 40, 20, t), CM_OK);
	for (int i = 1; i < 20; i++)
	{
		assert_int_equal(t[i], t[0]);
		assert_int_equal(t[20 + i], t[20]);
	}
	assert_true(t[0] != t[20]);
	/* what the bisection alone gives: each turf the lower or upper half of both */
	for (int i = 0; i < 40; i++)
		bisected[i] = (i < 20 ? y[i] < 47.5 : i < 30) ? 1 : 2;
	assert_turf_sizes(bisected, 40, 2);
	halves = summed_tours(x, y, 40, bisected, 2);
	assert_true(summed_tours(x, y, 40, t, 2) < 0.8 * halves);
}

static void
test_turfs_cancel_and_nomem(void **state)
{
	size_t		n = 600;
	double		x[600],
				y[600];
	int32_t		t[600];
	cm_rng		rng;
	bool		cancelled_late = false;

	(void) state;
	cm_rng_seed(&rng, 5);
	random_points(&rng, x, y, n);
	for (int after = 0; after < 400; after += 7)
	{
		cm_status	s;

		harness_interrupt_after = after;
		s = cm_walk_turfs(x, y, n, 30, t);
		assert_true(s == CM_ERR_CANCELED || s == CM_OK);
		cancelled_late |= after > 50 && s == CM_ERR_CANCELED;
		assert_int_equal(harness_live_allocs, 0);
	}
	assert_true(cancelled_late);	/* polled all along the improvement, not only at the start */
	harness_interrupt_after = -1;
	for (int fail = 0; fail < 60; fail++)
	{
		cm_status	s;

		harness_fail_after = fail;
		s = cm_walk_turfs(x, y, n, 30, t);
		assert_true(s == CM_ERR_NOMEM || s == CM_OK);
		assert_int_equal(harness_live_allocs, 0);
	}
	harness_fail_after = -1;
}

/*
 * Coordinates near the double range (found by the fuzzer: turf cutting never settled on them,
 * every length being infinite) are refused at once (test_walk_plan.c: plans too).
 */
static void
test_turfs_refuse_huge_coordinates(void **state)
{
	double		x[8] = {1, 2, 3, 4, 5, 6, 7, 8},
				y[8] = {1, 1, 1, 1e264, 2, 2, 2, 2};
	int32_t		turf[8];

	(void) state;
	assert_int_equal(cm_walk_turfs(x, y, 8, 3, turf), CM_ERR_NONFINITE);
	y[3] = 1;
	assert_int_equal(cm_walk_turfs(x, y, 8, 3, turf), CM_OK);
}

HARNESS_MAIN("turf",
			 HARNESS_TEST(test_turfs_balanced),
			 HARNESS_TEST(test_turfs_deterministic_and_compact),
			 HARNESS_TEST(test_turfs_follow_the_doors),
			 HARNESS_TEST(test_turfs_cancel_and_nomem),
			 HARNESS_TEST(test_turfs_refuse_huge_coordinates))
