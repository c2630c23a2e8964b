/* test_tour.c - the tour solver: valid orders, small optima by brute force, a convex polygon's
 * optimum, a cost matrix, duplicates, bad input, cancel and allocation failure. */
#include "harness.h"
#include "random_points.h"
#include "rng.h"
#include "tour.h"

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

HARNESS_MAIN("tour",
			 HARNESS_TEST(test_small_optima),
			 HARNESS_TEST(test_convex_polygon_optimum),
			 HARNESS_TEST(test_large_valid_and_deterministic),
			 HARNESS_TEST(test_matrix_and_duplicates),
			 HARNESS_TEST(test_tour_bad_input_and_cancel))
