/* test_walk_plan.c - walk_plan's orienteering: the budget is kept, small optima by brute
 * force, determinism, bad input. */
#include "harness.h"
#include "random_points.h"
#include "rng.h"
#include "tour.h"
#include "walk_plan.h"

#include <math.h>

/*
 * Coordinates near the double range (found by the fuzzer: turf cutting never settled on them,
 * every length being infinite) are refused at once (test_turf.c: turfs too).
 */
static void
test_orienteering_refuses_huge_coordinates(void **state)
{
	double		x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 0},
				y[9] = {1, 1, 1, 1e264, 2, 2, 2, 2, 0},
				value[8] = {1, 1, 1, 1, 1, 1, 1, 1};
	int32_t		stop[8];
	cm_orienteering o = {.n = 8, .x = x, .y = y, .value = value, .budget = 100, .seed = 1,
	.rounds = 10};

	(void) state;
	assert_int_equal(cm_walk_orienteer(&o, stop, NULL, NULL), CM_ERR_NONFINITE);
	y[3] = 1;
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

HARNESS_MAIN("walk_plan",
			 HARNESS_TEST(test_orienteering_refuses_huge_coordinates),
			 HARNESS_TEST(test_orienteering_budget),
			 HARNESS_TEST(test_orienteering_small_optimum),
			 HARNESS_TEST(test_orienteering_deterministic))
