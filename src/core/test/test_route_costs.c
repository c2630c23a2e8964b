/* test_route_costs.c - walk_route_costs' matrix: distinct nodes, the cheapest of parallel
 * rows, symmetric costs, the loop direction, sizes refused, allocation failure and cancel. */
#include "harness.h"
#include "route_costs.h"

#include <math.h>

/* Every ordered pair of nodes 1..n (ids * 10), cost |a - b|, plus a cost per direction. */
static void
line_rows(size_t n, int64_t *from, int64_t *to, double *cost, double up, double down)
{
	size_t		r = 0;

	for (size_t a = 1; a <= n; a++)
		for (size_t b = 1; b <= n; b++)
			if (a != b)
			{
				from[r] = (int64_t) a * 10;
				to[r] = (int64_t) b * 10;
				cost[r++] = fabs((double) a - (double) b) + (a < b ? up : down);
			}
}

static void
test_nodes_distinct_and_sorted(void **state)
{
	int64_t		from[] = {5, -3, INT64_MAX, 5, 0, INT64_MIN},
				to[] = {-3, 5, 0, 0, INT64_MIN, 5},
				want[] = {INT64_MIN, -3, 0, 5, INT64_MAX};
	double		cost[6] = {0};
	cm_cost_rows rows = {6, from, to, cost};
	int64_t    *nodes;
	size_t		n;

	(void) state;
	assert_int_equal(cm_route_nodes(&rows, 100, &nodes, &n), CM_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(nodes, want, sizeof(want));
	assert_int_equal(cm_route_node_index(nodes, n, INT64_MAX), 4);
	assert_int_equal(cm_route_node_index(nodes, n, -3), 1);
	assert_int_equal(cm_route_node_index(nodes, n, 4), -1);
	cm_free(nodes);
	/* exactly at the limit, then one over: refused, with the count one past it */
	assert_int_equal(cm_route_nodes(&rows, 5, &nodes, &n), CM_OK);
	cm_free(nodes);
	assert_int_equal(cm_route_nodes(&rows, 4, &nodes, &n), CM_ERR_LIMIT);
	assert_true(nodes == NULL && n == 5);
	/* no rows: no nodes (and no index) */
	rows.n = 0;
	assert_int_equal(cm_route_nodes(&rows, 4, &nodes, &n), CM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(cm_route_node_index(nodes, n, 5), -1);
	cm_free(nodes);
}

/* Id of value v: increasing in v, spread over the int64 range. */
#define SPREAD_ID(v) ((int64_t) (v) * 1000003 - 5000000000)
#define SPREAD_VALUES 12011

/* Many ids in scrambled order (the hash set grows several times): the distinct ones, sorted. */
static void
test_nodes_many(void **state)
{
	size_t		rows_n = 30000;
	int64_t    *from = malloc(rows_n * sizeof(int64_t)),
			   *to = malloc(rows_n * sizeof(int64_t)),
			   *nodes;
	double	   *cost = calloc(rows_n, sizeof(double));
	bool	   *seen = calloc(SPREAD_VALUES, sizeof(bool));
	cm_cost_rows rows = {rows_n, from, to, cost};
	size_t		n,
				k = 0;

	(void) state;
	for (size_t r = 0; r < rows_n; r++)
	{
		size_t		a = (r * 7919) % SPREAD_VALUES,
					b = (r * 104729) % 9001;

		from[r] = SPREAD_ID(a);
		to[r] = SPREAD_ID(b);
		seen[a] = seen[b] = true;
	}
	assert_int_equal(cm_route_nodes(&rows, 1000000, &nodes, &n), CM_OK);
	for (size_t v = 0; v < SPREAD_VALUES; v++)
		if (seen[v])
		{
			assert_true(k < n && nodes[k] == SPREAD_ID(v));
			assert_int_equal(cm_route_node_index(nodes, n, SPREAD_ID(v)), (int64_t) k);
			k++;
		}
	assert_int_equal(n, k);
	cm_free(nodes);
	free(from);
	free(to);
	free(cost);
	free(seen);
}

/* Parallel rows: the cheapest wins; a row from a node to itself and missing pairs are NaN. */
static void
test_min_costs(void **state)
{
	int64_t		from[] = {1, 1, 2, 1, 3, 1},
				to[] = {2, 2, 1, 1, 1, 2},
				nodes[] = {1, 2, 3};
	double		cost[] = {5, 3, 7, 0, 4, 6},
			   *asym;
	cm_cost_rows rows = {6, from, to, cost};

	(void) state;
	assert_int_equal(cm_route_min_costs(&rows, nodes, 3, &asym), CM_OK);
	assert_true(asym[0 * 3 + 1] == 3);	/* 1 -> 2: min(5, 3, 6) */
	assert_true(asym[1 * 3 + 0] == 7);
	assert_true(asym[2 * 3 + 0] == 4);
	assert_true(isnan(asym[0 * 3 + 0]) && isnan(asym[1 * 3 + 1]) && isnan(asym[2 * 3 + 2]));
	assert_true(isnan(asym[0 * 3 + 2]) && isnan(asym[1 * 3 + 2]) && isnan(asym[2 * 3 + 1]));
	cm_free(asym);
	/* a node the list does not have is a caller's bug, refused */
	nodes[2] = 4;
	assert_int_equal(cm_route_min_costs(&rows, nodes, 3, &asym), CM_ERR_INTERNAL);
	assert_null(asym);
}

static void
test_symmetrise(void **state)
{
	double		asym[9] = {NAN, 2, NAN,
		4, NAN, 5,
	NAN, NAN, NAN},
			   *sym;
	int64_t		nodes[] = {10, 20, 30};
	size_t		missing[2];

	(void) state;
	/* 10-30 has neither direction */
	assert_int_equal(cm_route_symmetrise(asym, nodes, 3, &sym, missing), CM_ERR_INVALID);
	assert_null(sym);
	assert_true(missing[0] == 0 && missing[1] == 2);
	assert_non_null(strstr(harness_last_message, "nodes 10 and 30"));
	asym[2 * 3 + 0] = 8;		/* 30 -> 10 only */
	assert_int_equal(cm_route_symmetrise(asym, nodes, 3, &sym, missing), CM_OK);
	assert_true(sym[0] == 0 && sym[4] == 0 && sym[8] == 0);
	assert_true(sym[0 * 3 + 1] == 3 && sym[1 * 3 + 0] == 3);	/* the mean of 2 and 4 */
	assert_true(sym[1 * 3 + 2] == 5 && sym[2 * 3 + 1] == 5);	/* one direction for both */
	assert_true(sym[0 * 3 + 2] == 8 && sym[2 * 3 + 0] == 8);
	cm_free(sym);
}

/* The loop 0 1 2 3 on a line costs 1 more each way up: reversed when down is cheaper. */
static void
test_loop_direction(void **state)
{
	int64_t		from[12],
				to[12],
				nodes[] = {10, 20, 30, 40};
	double		cost[12],
			   *asym,
			   *sym;
	cm_cost_rows rows = {12, from, to, cost};
	size_t		order[4] = {0, 1, 2, 3},
				reversed[4] = {0, 3, 2, 1},
				missing[2];

	(void) state;
	line_rows(4, from, to, cost, 1, 0);
	assert_int_equal(cm_route_min_costs(&rows, nodes, 4, &asym), CM_OK);
	assert_int_equal(cm_route_symmetrise(asym, nodes, 4, &sym, missing), CM_OK);
	/* 0 1 2 3 0 goes up three times (1 extra each) and down once: 0 3 2 1 0 is cheaper */
	cm_route_loop_direction(asym, sym, 4, order);
	assert_memory_equal(order, reversed, sizeof(order));
	/* the cheaper way already: kept */
	cm_route_loop_direction(asym, sym, 4, order);
	assert_memory_equal(order, reversed, sizeof(order));
	/* missing directed costs fall back to the symmetric ones: equal both ways, kept */
	for (size_t i = 0; i < 16; i++)
		asym[i] = NAN;
	cm_route_loop_direction(asym, sym, 4, order);
	assert_memory_equal(order, reversed, sizeof(order));
	/* two nodes: one loop either way */
	cm_route_loop_direction(asym, sym, 2, order);
	assert_memory_equal(order, reversed, sizeof(order));
	cm_free(asym);
	cm_free(sym);
}

/* n * n cells or their bytes overflowing size_t: refused before any allocation. */
static void
test_sizes_refused(void **state)
{
	int64_t		nodes[1] = {1};
	double		asym[1] = {0},
			   *m;
	cm_cost_rows rows = {0, NULL, NULL, NULL};
	size_t		missing[2];

	(void) state;
	assert_int_equal(cm_route_min_costs(&rows, nodes, (size_t) 1 << 33, &m), CM_ERR_LIMIT);
	assert_null(m);
	assert_int_equal(cm_route_min_costs(&rows, nodes, ((size_t) 1 << 31) + 1, &m), CM_ERR_LIMIT);
	assert_int_equal(cm_route_symmetrise(asym, nodes, SIZE_MAX / 2, &m, missing), CM_ERR_LIMIT);
	assert_null(m);
	assert_int_equal(harness_live_allocs, 0);
}

/*
 * Over the call budget (campaign.call_memory_limit): refused before either matrix is
 * allocated, with the estimate in the message; under it, built.
 */
static void
test_call_budget(void **state)
{
	int64_t		nodes[1] = {1};
	double	   *m = NULL;
	cm_cost_rows rows = {1000, NULL, NULL, NULL};
	size_t		bytes;

	(void) state;
	assert_int_equal(cm_route_costs_bytes(1000, 300, &bytes), CM_OK);
	assert_int_equal(bytes, 300 * 300 * 16 + 1000 * 24);
	assert_int_equal(cm_route_costs_bytes(0, (size_t) 1 << 33, &bytes), CM_ERR_LIMIT);
	assert_int_equal(bytes, SIZE_MAX);
	cm_set_call_budget(1024 * 1024);
	assert_int_equal(cm_call_budget(), 1024 * 1024);
	harness_fail_after = 0;		/* an allocation would fail the test with NOMEM */
	assert_int_equal(cm_route_min_costs(&rows, nodes, 300, &m), CM_ERR_LIMIT);
	assert_null(m);
	assert_string_equal(harness_last_message,
						"the cost matrices of 300 nodes: 1430 kB needed, over the call memory limit (1024 kB)");
	assert_int_equal(cm_budget_check(SIZE_MAX, "x"), CM_ERR_LIMIT);
	assert_int_equal(cm_budget_check(1024 * 1024, "x"), CM_OK);
	harness_fail_after = -1;
	cm_set_call_budget(0);
	assert_int_equal(cm_budget_check(SIZE_MAX - 1, "x"), CM_OK);
}

/* Every allocation failing in turn: NOMEM, nothing left allocated. */
static void
test_nomem(void **state)
{
	size_t		n = 40,
				rows_n = n * (n - 1);
	int64_t    *from = malloc(rows_n * sizeof(int64_t)),
			   *to = malloc(rows_n * sizeof(int64_t)),
			   *nodes = NULL;
	double	   *cost = malloc(rows_n * sizeof(double)),
			   *asym = NULL,
			   *sym = NULL;
	cm_cost_rows rows = {rows_n, from, to, cost};
	size_t		count,
				missing[2];
	bool		succeeded = false;

	(void) state;
	line_rows(n, from, to, cost, 0, 0);
	for (long fail = 0; !succeeded; fail++)
	{
		cm_status	s;

		harness_fail_after = fail;
		s = cm_route_nodes(&rows, 1000, &nodes, &count);
		if (s == CM_OK)
			s = cm_route_min_costs(&rows, nodes, count, &asym);
		if (s == CM_OK)
			s = cm_route_symmetrise(asym, nodes, count, &sym, missing);
		assert_true(s == CM_OK || s == CM_ERR_NOMEM);
		succeeded = s == CM_OK;
		cm_free(nodes);
		cm_free(asym);
		cm_free(sym);
		nodes = NULL;
		asym = sym = NULL;
		assert_int_equal(harness_live_allocs, 0);
	}
	harness_fail_after = -1;
	free(from);
	free(to);
	free(cost);
}

/*
 * A cancel is noticed inside each long loop, not only on entry: the rows (every 4096), the
 * matrix cells (every 65536) and the rows of the symmetric matrix (each).
 */
static void
test_cancel(void **state)
{
	size_t		n = 300,
				rows_n = n * (n - 1),
				count,
				missing[2];
	int64_t    *from = malloc(rows_n * sizeof(int64_t)),
			   *to = malloc(rows_n * sizeof(int64_t)),
			   *nodes;
	double	   *cost = malloc(rows_n * sizeof(double)),
			   *asym,
			   *sym;
	cm_cost_rows rows = {rows_n, from, to, cost};

	(void) state;
	line_rows(n, from, to, cost, 0, 0);
	harness_interrupt_after = 10;	/* 89,700 rows: 22 polls in the row loop */
	assert_int_equal(cm_route_nodes(&rows, 1000, &nodes, &count), CM_ERR_CANCELED);
	assert_null(nodes);
	harness_interrupt_after = -1;
	assert_int_equal(cm_route_nodes(&rows, 1000, &nodes, &count), CM_OK);
	harness_interrupt_after = 1;	/* 90,000 cells: the second chunk of the NaN fill */
	assert_int_equal(cm_route_min_costs(&rows, nodes, count, &asym), CM_ERR_CANCELED);
	assert_null(asym);
	harness_interrupt_after = 10;	/* the rows after the fill's 2 polls */
	assert_int_equal(cm_route_min_costs(&rows, nodes, count, &asym), CM_ERR_CANCELED);
	harness_interrupt_after = -1;
	assert_int_equal(cm_route_min_costs(&rows, nodes, count, &asym), CM_OK);
	harness_interrupt_after = (int) n - 1;	/* the last row of the symmetric matrix */
	assert_int_equal(cm_route_symmetrise(asym, nodes, count, &sym, missing), CM_ERR_CANCELED);
	assert_null(sym);
	harness_interrupt_after = -1;
	cm_free(nodes);
	cm_free(asym);
	free(from);
	free(to);
	free(cost);
}

HARNESS_MAIN("route_costs",
			 HARNESS_TEST(test_nodes_distinct_and_sorted),
			 HARNESS_TEST(test_nodes_many),
			 HARNESS_TEST(test_min_costs),
			 HARNESS_TEST(test_symmetrise),
			 HARNESS_TEST(test_loop_direction),
			 HARNESS_TEST(test_sizes_refused),
			 HARNESS_TEST(test_call_budget),
			 HARNESS_TEST(test_nomem),
			 HARNESS_TEST(test_cancel))
