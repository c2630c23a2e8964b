/* test_walk.c - tours (validity, small optima by brute force), turfs, orienteering, EWKB. */
#include "harness.h"
#include "rng.h"
#include "tour.h"
#include "ewkb.h"
#include "turf.h"
#include "walk.h"
#include "walk_plan.h"
#include "walk_state.h"

#include <math.h>

static bool
is_permutation(const size_t *order, size_t n)
{
	bool		seen[64] = {false};

	for (size_t i = 0; i < n; i++)
	{
		if (order[i] >= n || seen[order[i]])
			return false;
		seen[order[i]] = true;
	}
	return true;
}

/* Brute force over every order that begins at first (n <= 9). */
static double
brute_force(const cm_tour_problem *p, size_t *perm, size_t depth, bool *used)
{
	double		best = INFINITY;

	if (depth == p->n)
		return cm_tour_length(p, perm);
	for (size_t v = 0; v < p->n; v++)
		if (!used[v])
		{
			double		len;

			used[v] = true;
			perm[depth] = v;
			len = brute_force(p, perm, depth + 1, used);
			best = fmin(best, len);
			used[v] = false;
		}
	return best;
}

static void
random_points(cm_rng *rng, double *x, double *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		x[i] = cm_rng_uniform(rng) * 100;
		y[i] = cm_rng_uniform(rng) * 100;
	}
}

static void
test_small_optima(void **state)
{
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 11);
	for (size_t n = 2; n <= 9; n++)
		for (int variant = 0; variant < 3; variant++)
		{
			double		x[9],
						y[9],
						len,
						best;
			size_t		order[9],
						perm[9];
			bool		used[9] = {false};
			cm_tour_problem p = {.n = n, .x = x, .y = y, .seed = 1, .effort = 10};

			random_points(&rng, x, y, n);
			p.start = variant == 0 ? -1 : 0;
			p.round_trip = variant != 2;
			assert_int_equal(cm_tour_solve(&p, order, &len), CM_OK);
			assert_true(is_permutation(order, n));
			assert_true(order[0] == 0);
			used[0] = true;
			perm[0] = 0;
			best = brute_force(&p, perm, 1, used);
			assert_true(fabs(len - best) < 1e-9);
		}
}

/* n = 12..40: beyond brute force, heuristic tours must still match the exhaustive optimum
 * of a convex polygon (the hull order is optimal) */
static void
test_convex_polygon_optimum(void **state)
{
	(void) state;
	for (size_t n = 12; n <= 40; n += 7)
	{
		double		x[40],
					y[40],
					len;
		size_t		order[40];
		cm_tour_problem p = {.n = n, .x = x, .y = y, .start = -1, .seed = 3, .effort = 5};

		for (size_t i = 0; i < n; i++)
		{
			/* shuffled placement round a circle */
			double		a = 2 * M_PI * (double) ((i * 7) % n) / (double) n;

			x[i] = cos(a);
			y[i] = sin(a);
		}
		assert_int_equal(cm_tour_solve(&p, order, &len), CM_OK);
		assert_true(is_permutation(order, n));
		assert_true(fabs(len - 2 * n * sin(M_PI / n)) < 1e-9);
	}
}

static void
test_large_valid_and_deterministic(void **state)
{
	size_t		n = 3000;
	double	   *x = malloc(n * sizeof(double)),
			   *y = malloc(n * sizeof(double));
	size_t	   *a = malloc(n * sizeof(size_t)),
			   *b = malloc(n * sizeof(size_t));
	bool	   *seen = calloc(n, 1);
	cm_rng		rng;
	double		len_a,
				len_b,
				len_ls;
	cm_tour_problem p = {.n = n, .start = 5, .round_trip = false, .seed = 9, .effort = 3};

	(void) state;
	cm_rng_seed(&rng, 5);
	random_points(&rng, x, y, n);
	p.x = x;
	p.y = y;
	assert_int_equal(cm_tour_solve(&p, a, &len_a), CM_OK);
	assert_int_equal(cm_tour_solve(&p, b, &len_b), CM_OK);
	for (size_t i = 0; i < n; i++)
	{
		assert_true(a[i] < n && !seen[a[i]]);
		seen[a[i]] = true;
		assert_true(a[i] == b[i]);
	}
	assert_true(a[0] == 5);
	/* kicks only ever improve on plain local search */
	p.effort = 0;
	assert_int_equal(cm_tour_solve(&p, b, &len_ls), CM_OK);
	assert_true(len_a <= len_ls);
	/* near the uniform-square estimate 0.7124 * sqrt(n * area) */
	assert_true(len_a < 0.8 * sqrt((double) n * 100 * 100));
	free(x);
	free(y);
	free(a);
	free(b);
	free(seen);
}

static void
test_matrix_and_duplicates(void **state)
{
	/* 12 nodes on a line via a matrix, plus duplicates at one spot */
	double		m[12 * 12],
				x[12],
				y[12],
				len;
	size_t		order[12];
	cm_tour_problem p = {.n = 12, .matrix = m, .start = 0, .round_trip = false, .seed = 1, .effort = 5};

	(void) state;
	for (size_t i = 0; i < 12; i++)
		for (size_t j = 0; j < 12; j++)
			m[i * 12 + j] = fabs((double) i - (double) j);
	assert_int_equal(cm_tour_solve(&p, order, &len), CM_OK);
	assert_true(fabs(len - 11) < 1e-12);
	for (size_t i = 0; i < 12; i++)
		assert_true(order[i] == i);
	for (size_t i = 0; i < 12; i++)
	{
		x[i] = i < 6 ? 1.0 : (double) i;
		y[i] = 0;
	}
	p.matrix = NULL;
	p.x = x;
	p.y = y;
	p.start = -1;
	assert_int_equal(cm_tour_solve(&p, order, &len), CM_OK);
	assert_true(fabs(len - 2 * 10) < 1e-9);
}

static void
test_tour_bad_input_and_cancel(void **state)
{
	double		x[20],
				y[20];
	size_t		order[20];
	cm_rng		rng;
	cm_tour_problem p = {.n = 20, .x = x, .y = y, .start = -1, .seed = 1, .effort = 50};

	(void) state;
	cm_rng_seed(&rng, 2);
	random_points(&rng, x, y, 20);
	p.start = 20;
	assert_int_equal(cm_tour_solve(&p, order, NULL), CM_ERR_INVALID);
	p.start = -1;
	p.n = 0;
	assert_int_equal(cm_tour_solve(&p, order, NULL), CM_ERR_LIMIT);
	p.n = 20;
	x[3] = NAN;
	assert_int_equal(cm_tour_solve(&p, order, NULL), CM_ERR_NONFINITE);
	x[3] = 1;
	/* finite but beyond the coordinate bound: distances would overflow, refused */
	y[7] = -1e200;
	assert_int_equal(cm_tour_solve(&p, order, NULL), CM_ERR_NONFINITE);
	y[7] = CM_TOUR_MAX_COORDINATE;
	assert_int_equal(cm_tour_solve(&p, order, NULL), CM_OK);
	y[7] = 1;
	harness_interrupt_after = 0;
	assert_int_equal(cm_tour_solve(&p, order, NULL), CM_ERR_CANCELED);
	harness_interrupt_after = -1;
	harness_fail_after = 2;
	assert_int_equal(cm_tour_solve(&p, order, NULL), CM_ERR_NOMEM);
	harness_fail_after = -1;
}

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
 * every length being infinite) are refused by turfs and plans at once.
 */
static void
test_huge_coordinates_are_refused(void **state)
{
	double		x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 0},
				y[9] = {1, 1, 1, 1e264, 2, 2, 2, 2, 0},
				value[8] = {1, 1, 1, 1, 1, 1, 1, 1};
	int32_t		turf[8],
				stop[8];
	cm_orienteering o = {.n = 8, .x = x, .y = y, .value = value, .budget = 100, .seed = 1,
	.rounds = 10};

	(void) state;
	assert_int_equal(cm_walk_turfs(x, y, 8, 3, turf), CM_ERR_NONFINITE);
	assert_int_equal(cm_walk_orienteer(&o, stop, NULL, NULL), CM_ERR_NONFINITE);
	y[3] = 1;
	assert_int_equal(cm_walk_turfs(x, y, 8, 3, turf), CM_OK);
	assert_int_equal(cm_walk_orienteer(&o, stop, NULL, NULL), CM_OK);
}

static void
test_orienteering_budget(void **state)
{
	size_t		n = 300;
	double	   *x = malloc((n + 1) * sizeof(double)),
			   *y = malloc((n + 1) * sizeof(double)),
			   *v = malloc(n * sizeof(double));
	int32_t    *stop = malloc(n * sizeof(int32_t));
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 4);
	random_points(&rng, x, y, n + 1);
	for (size_t i = 0; i < n; i++)
		v[i] = (double) (i % 5);
	for (double budget = 0; budget <= 800; budget += 100)
	{
		cm_orienteering o = {.n = n, .x = x, .y = y, .value = v, .budget = budget, .seed = 1, .rounds = 30};
		double		value,
					length,
					check = 0,
					sum = 0;
		size_t		visited = 0,
					prev = n;

		assert_int_equal(cm_walk_orienteer(&o, stop, &value, &length), CM_OK);
		assert_true(length <= budget);
		/* walk the stops in order and measure the loop ourselves */
		for (int32_t s = 1;; s++)
		{
			size_t		at = n;

			for (size_t i = 0; i < n; i++)
				if (stop[i] == s)
					at = i;
			if (at == n)
				break;
			check += hypot(x[at] - x[prev], y[at] - y[prev]);
			sum += v[at];
			assert_true(v[at] > 0);
			prev = at;
			visited++;
		}
		check += hypot(x[n] - x[prev], y[n] - y[prev]);
		assert_true(check <= budget + 1e-9);
		assert_true(fabs(sum - value) < 1e-6);
		if (budget >= 400)
			assert_true(visited > 10);
	}
	{
		cm_orienteering bad = {.n = n, .x = x, .y = y, .value = v, .budget = -1};

		assert_int_equal(cm_walk_orienteer(&bad, stop, NULL, NULL), CM_ERR_INVALID);
		v[0] = -1;
		bad.budget = 10;
		assert_int_equal(cm_walk_orienteer(&bad, stop, NULL, NULL), CM_ERR_INVALID);
	}
	free(x);
	free(y);
	free(v);
	free(stop);
}

/* Orienteering on 8 doors: compare with the best subset found by brute force. */
static void
test_orienteering_small_optimum(void **state)
{
	double		x[9],
				y[9],
				v[8];
	int32_t		stop[8];
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 21);
	for (int trial = 0; trial < 5; trial++)
	{
		double		best = 0,
					got;
		cm_orienteering o = {.n = 8, .x = x, .y = y, .value = v, .budget = 150, .seed = 1, .rounds = 50};

		random_points(&rng, x, y, 9);
		for (int i = 0; i < 8; i++)
			v[i] = 1 + cm_rng_uniform(&rng) * 9;
		for (unsigned mask = 1; mask < 256; mask++)
		{
			double		px[9],
						py[9],
						len,
						val = 0;
			size_t		order[9];
			size_t		k = 0;
			cm_tour_problem p = {.x = px, .y = py, .start = -1, .seed = 1};

			px[k] = x[8];
			py[k++] = y[8];
			for (int i = 0; i < 8; i++)
				if (mask & (1u << i))
				{
					px[k] = x[i];
					py[k++] = y[i];
					val += v[i];
				}
			p.n = k;
			assert_int_equal(cm_tour_solve(&p, order, &len), CM_OK);
			if (len <= 150 && val > best)
				best = val;
		}
		assert_int_equal(cm_walk_orienteer(&o, stop, &got, NULL), CM_OK);
		/* brute force and the solver use different tour lengths only at rounding level */
		assert_true(fabs(got - best) < 1e-9);
	}
}

/* The same input and seed give the same stops, including after restarts and rounds. */
static void
test_orienteering_deterministic(void **state)
{
	size_t		n = 120;
	double	   *x = malloc((n + 1) * sizeof(double)),
			   *y = malloc((n + 1) * sizeof(double)),
			   *v = malloc(n * sizeof(double));
	int32_t    *first = malloc(n * sizeof(int32_t)),
			   *second = malloc(n * sizeof(int32_t));
	cm_rng		rng;
	cm_orienteering o = {.n = n, .x = x, .y = y, .value = v, .budget = 350, .seed = 7, .rounds = 200};
	double		value1,
				value2,
				length1,
				length2;

	(void) state;
	cm_rng_seed(&rng, 11);
	random_points(&rng, x, y, n + 1);
	for (size_t i = 0; i < n; i++)
		v[i] = 1 + cm_rng_uniform(&rng) * 99;
	assert_int_equal(cm_walk_orienteer(&o, first, &value1, &length1), CM_OK);
	assert_int_equal(cm_walk_orienteer(&o, second, &value2, &length2), CM_OK);
	assert_memory_equal(first, second, n * sizeof(int32_t));
	assert_true(value1 == value2 && length1 == length2);
	assert_true(length1 <= o.budget);
	free(x);
	free(y);
	free(v);
	free(first);
	free(second);
}

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
	/* lon/lat: 0.01 degree of latitude is about 1112 m */
	{
		double		ox[2] = {-71.06, -71.06},
					oy[2] = {42.355, 42.365};

		assert_int_equal(cm_walk_project_lonlat(ox, oy, 2), CM_OK);
		assert_true(fabs((oy[1] - oy[0]) - 1111.95) < 1);
		ox[0] = 181;
		assert_int_equal(cm_walk_project_lonlat(ox, oy, 2), CM_ERR_INVALID);
	}
}

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		HARNESS_TEST(test_small_optima),
		HARNESS_TEST(test_convex_polygon_optimum),
		HARNESS_TEST(test_large_valid_and_deterministic),
		HARNESS_TEST(test_matrix_and_duplicates),
		HARNESS_TEST(test_tour_bad_input_and_cancel),
		HARNESS_TEST(test_turfs_balanced),
		HARNESS_TEST(test_turfs_deterministic_and_compact),
		HARNESS_TEST(test_turfs_follow_the_doors),
		HARNESS_TEST(test_turfs_cancel_and_nomem),
		HARNESS_TEST(test_huge_coordinates_are_refused),
		HARNESS_TEST(test_orienteering_budget),
		HARNESS_TEST(test_orienteering_small_optimum),
		HARNESS_TEST(test_orienteering_deterministic),
		HARNESS_TEST(test_ewkb),
		HARNESS_TEST(test_walk_state_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
