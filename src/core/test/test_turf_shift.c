/* test_turf_shift.c - campaign.turf by shift time: every turf within the shift, as few turfs
 * as fit, times within 1.3x of each other, summed loops against Lloyd's k-means at the same
 * number of turfs, street costs (a matrix) as points, bad arguments, cancel and allocation
 * failure. */
#include "harness.h"
#include "random_points.h"
#include "rng.h"
#include "tour.h"
#include "turf.h"

#include <math.h>

/* Times of turfs 1..k (their loops solved as walk_route does) and their summed loops. */
static double
turf_times(const cm_turf_shift *p, const int32_t *t, size_t k, double *times)
{
	double	   *bx = malloc(p->n * sizeof(double)),
			   *by = malloc(p->n * sizeof(double)),
			   *sub = p->matrix ? malloc(p->n * p->n * sizeof(double)) : NULL,
				total = 0;
	size_t	   *order = malloc(p->n * sizeof(size_t)),
			   *members = malloc(p->n * sizeof(size_t));

	for (size_t c = 1; c <= k; c++)
	{
		cm_tour_problem tp = {.start = -1, .seed = 1, .effort = 40};
		double		len;

		for (size_t i = 0; i < p->n; i++)
			if ((size_t) t[i] == c)
				members[tp.n++] = i;
		assert_true(tp.n > 0);
		for (size_t i = 0; i < tp.n; i++)
		{
			if (p->matrix)
				for (size_t j = 0; j < tp.n; j++)
					sub[i * tp.n + j] = p->matrix[members[i] * p->n + members[j]];
			else
			{
				bx[i] = p->x[members[i]];
				by[i] = p->y[members[i]];
			}
		}
		if (p->matrix)
			tp.matrix = sub;
		else
			tp.x = bx, tp.y = by;
		assert_int_equal(cm_tour_solve(&tp, order, &len), CM_OK);
		times[c - 1] = (double) tp.n * p->per_door + len / p->speed;
		total += len;
	}
	free(bx);
	free(by);
	free(sub);
	free(order);
	free(members);
	return total;
}

/* Lloyd's k-means from k-means++-like farthest seeds: the baseline ST_ClusterKMeans is. */
static void
kmeans(const double *x, const double *y, size_t n, size_t k, int32_t *t)
{
	double	   *cx = malloc(k * sizeof(double)),
			   *cy = malloc(k * sizeof(double)),
			   *sx = malloc(k * sizeof(double)),
			   *sy = malloc(k * sizeof(double));
	size_t	   *cnt = malloc(k * sizeof(size_t));

	cx[0] = x[0];
	cy[0] = y[0];
	for (size_t c = 1; c < k; c++)
	{
		double		far = -1;

		for (size_t i = 0; i < n; i++)
		{
			double		d = INFINITY;

			for (size_t e = 0; e < c; e++)
				d = fmin(d, hypot(x[i] - cx[e], y[i] - cy[e]));
			if (d > far)
				far = d, cx[c] = x[i], cy[c] = y[i];
		}
	}
	for (int it = 0; it < 100; it++)
	{
		memset(sx, 0, k * sizeof(double));
		memset(sy, 0, k * sizeof(double));
		memset(cnt, 0, k * sizeof(size_t));
		for (size_t i = 0; i < n; i++)
		{
			double		best = INFINITY;

			for (size_t c = 0; c < k; c++)
			{
				double		d = hypot(x[i] - cx[c], y[i] - cy[c]);

				if (d < best)
					best = d, t[i] = (int32_t) c + 1;
			}
			sx[t[i] - 1] += x[i];
			sy[t[i] - 1] += y[i];
			cnt[t[i] - 1]++;
		}
		for (size_t c = 0; c < k; c++)
			if (cnt[c])
				cx[c] = sx[c] / (double) cnt[c], cy[c] = sy[c] / (double) cnt[c];
	}
	free(cx);
	free(cy);
	free(sx);
	free(sy);
	free(cnt);
}

/* Villages: m clusters of Gaussian spread 3 m, centres over a 1 km square. */
static void
village_points(cm_rng *rng, double *x, double *y, size_t n, size_t m)
{
	double		cx[64],
				cy[64];

	for (size_t c = 0; c < m; c++)
	{
		cx[c] = cm_rng_uniform(rng) * 1000;
		cy[c] = cm_rng_uniform(rng) * 1000;
	}
	for (size_t i = 0; i < n; i++)
	{
		double		u = fmax(cm_rng_uniform(rng), 1e-12),
					v = cm_rng_uniform(rng),
					r = 15 * sqrt(-2 * log(u));

		x[i] = cx[i % m] + r * cos(2 * M_PI * v);
		y[i] = cy[i % m] + r * sin(2 * M_PI * v);
	}
}

/* Check the constraints; returns the number of turfs. */
static size_t
check_turfs(const cm_turf_shift *p, const int32_t *t, size_t k, double *summed)
{
	double	   *times = malloc(k * sizeof(double)),
				longest = 0,
				shortest = INFINITY,
				total_time = 0;
	size_t		lower;

	for (size_t i = 0; i < p->n; i++)
		assert_true(t[i] >= 1 && (size_t) t[i] <= k);
	*summed = turf_times(p, t, k, times);
	for (size_t c = 0; c < k; c++)
	{
		longest = fmax(longest, times[c]);
		shortest = fmin(shortest, times[c]);
		total_time += times[c];
	}
	assert_true(longest <= p->shift * (1 + 1e-9));
	assert_true(longest <= CM_TURF_SHIFT_RATIO * shortest);
	/* as few as fit: within one of the count the summed times need */
	lower = (size_t) ceil(total_time / p->shift);
	assert_true(k <= lower + 1);
	free(times);
	return k;
}

static void
compare_kmeans(const char *what, double *x, double *y, size_t n, double shift, double within)
{
	cm_turf_shift p = {.n = n, .x = x, .y = y, .shift = shift, .per_door = 1.5, .speed = 70};
	int32_t    *t = malloc(n * sizeof(int32_t)),
			   *km = malloc(n * sizeof(int32_t));
	size_t		k;
	double		summed,
				km_summed,
			   *times;

	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_OK);
	check_turfs(&p, t, k, &summed);
	times = malloc(k * sizeof(double));
	kmeans(x, y, n, k, km);
	km_summed = turf_times(&p, km, k, times);
	{
		double		longest = 0,
					shortest = INFINITY;

		for (size_t c = 0; c < k; c++)
			longest = fmax(longest, times[c]), shortest = fmin(shortest, times[c]);
		print_message("%s: %zu turfs, summed loops %.0f (k-means %.0f, %.3f; its longest turf "
					  "%.0f of a %.0f shift, %.2fx its shortest)\n", what, k, summed, km_summed,
					  summed / km_summed, longest, shift, longest / shortest);
	}
	assert_true(summed <= within * km_summed);
	free(times);
	free(t);
	free(km);
}

static void
test_shift_uniform(void **state)
{
	size_t		n = 800;
	double	   *x = malloc(n * sizeof(double)),
			   *y = malloc(n * sizeof(double));
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 3);
	random_points(&rng, x, y, n);
	for (size_t i = 0; i < n; i++)
		x[i] *= 10, y[i] *= 10;	/* 1 km square */
	compare_kmeans("uniform 800", x, y, n, 180, 1.0);
	free(x);
	free(y);
}

static void
test_shift_villages(void **state)
{
	size_t		n = 900;
	double	   *x = malloc(n * sizeof(double)),
			   *y = malloc(n * sizeof(double));
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 4);
	village_points(&rng, x, y, n, 12);
	compare_kmeans("villages 900, a village a shift", x, y, n, 130, 1.01);
	/*
	 * Two villages a shift: the turfs pair villages along the loop, k-means pairs the nearest
	 * and puts four in one cluster, four times the time of its shortest.
	 */
	compare_kmeans("villages 900, two a shift", x, y, n, 250, 1.2);
	free(x);
	free(y);
}

/* Street costs: a matrix of the planar distances x 1.3 cuts turfs that fit as well. */
static void
test_shift_matrix(void **state)
{
	size_t		n = 200,
				k;
	double		x[200],
				y[200],
				summed;
	double	   *m = malloc(n * n * sizeof(double));
	int32_t		t[200];
	cm_rng		rng;
	cm_turf_shift p = {.n = n, .matrix = m, .shift = 120, .per_door = 2, .speed = 60};

	(void) state;
	cm_rng_seed(&rng, 9);
	random_points(&rng, x, y, n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			m[i * n + j] = 13 * (fabs(x[i] - x[j]) + fabs(y[i] - y[j]));	/* streets: a grid */
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_OK);
	assert_true(k >= 4);
	check_turfs(&p, t, k, &summed);
	free(m);
}

/* Small cases: nothing, one door, all in one turf, each door alone. */
static void
test_shift_small(void **state)
{
	double		x[5] = {0, 10, 20, 30, 40},
				y[5] = {0, 0, 0, 0, 0};
	int32_t		t[5];
	size_t		k;
	cm_turf_shift p = {.n = 0, .x = x, .y = y, .shift = 60, .per_door = 2, .speed = 60};

	(void) state;
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_OK);
	assert_int_equal(k, 0);
	p.n = 1;
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_OK);
	assert_int_equal(k, 1);
	assert_int_equal(t[0], 1);
	p.n = 5;
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_OK);
	assert_int_equal(k, 1);		/* 10 minutes at doors, 80 m walked */
	for (int i = 0; i < 5; i++)
		assert_int_equal(t[i], 1);
	p.shift = 2;
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_OK);
	assert_int_equal(k, 5);
	p.shift = 4.5;				/* two doors 10 m apart: 4 + 20 / 60 minutes */
	p.n = 4;
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_OK);
	assert_int_equal(k, 2);
	assert_int_equal(t[0], t[1]);
	assert_int_equal(t[2], t[3]);
	p.n = 5;					/* pairs and a single door are 4.33 and 2: too unequal */
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_OK);
	assert_int_equal(k, 5);
}

static void
test_shift_bad_arguments(void **state)
{
	double		x[3] = {0, 1, 2},
				y[3] = {0, 0, 1e300};
	int32_t		t[3];
	size_t		k;
	cm_turf_shift p = {.n = 3, .x = x, .y = y, .shift = 60, .per_door = 2, .speed = 60};

	(void) state;
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_ERR_NONFINITE);
	y[2] = 0;
	p.shift = 0;
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_ERR_INVALID);
	p.shift = NAN;
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_ERR_INVALID);
	p.shift = 1;
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_ERR_INVALID);	/* a door is 2 */
	p.shift = 60;
	p.per_door = -1;
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_ERR_INVALID);
	p.per_door = 2;
	p.speed = 0;
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_ERR_INVALID);
	p.speed = INFINITY;
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_ERR_INVALID);
}

static void
test_shift_deterministic_cancel_nomem(void **state)
{
	size_t		n = 300,
				k,
				k2;
	double		x[300],
				y[300];
	int32_t		t[300],
				t2[300];
	cm_rng		rng;
	cm_turf_shift p = {.n = n, .x = x, .y = y, .shift = 60, .per_door = 1, .speed = 20};
	bool		cancelled_late = false;

	(void) state;
	cm_rng_seed(&rng, 6);
	random_points(&rng, x, y, n);
	assert_int_equal(cm_walk_turfs_shift(&p, t, &k), CM_OK);
	assert_int_equal(cm_walk_turfs_shift(&p, t2, &k2), CM_OK);
	assert_int_equal(k, k2);
	assert_memory_equal(t, t2, sizeof(t));
	for (int after = 0; after < 400; after += 9)
	{
		cm_status	s;

		harness_interrupt_after = after;
		s = cm_walk_turfs_shift(&p, t, &k);
		assert_true(s == CM_ERR_CANCELED || s == CM_OK);
		cancelled_late |= after > 50 && s == CM_ERR_CANCELED;
		assert_int_equal(harness_live_allocs, 0);
	}
	assert_true(cancelled_late);
	harness_interrupt_after = -1;
	for (int fail = 0; fail < 40; fail++)
	{
		cm_status	s;

		harness_fail_after = fail;
		s = cm_walk_turfs_shift(&p, t, &k);
		assert_true(s == CM_ERR_NOMEM || s == CM_OK);
		assert_int_equal(harness_live_allocs, 0);
	}
	harness_fail_after = -1;
}

HARNESS_MAIN("turf_shift",
			 HARNESS_TEST(test_shift_uniform),
			 HARNESS_TEST(test_shift_villages),
			 HARNESS_TEST(test_shift_matrix),
			 HARNESS_TEST(test_shift_small),
			 HARNESS_TEST(test_shift_bad_arguments),
			 HARNESS_TEST(test_shift_deterministic_cancel_nomem))
