/*
 * route_costs.c - walk_route_costs' nodes and cost matrices (see route_costs.h).
 *
 * A cost query for n nodes has about n^2 rows, so the node ids are collected in a hash set
 * (memory grows with the nodes, not the rows, and the work polls for interrupts) and only
 * the distinct ids are sorted.  The matrices are n^2 cells: allocated without zeroing and
 * filled in polled chunks, because a memset of a few gigabytes would not notice a cancel.
 */
#include "route_costs.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "memory.h"
#include "rng.h"

#define POLL_ROWS 4096			/* cost rows between interrupt polls */
#define POLL_CELLS 65536		/* matrix cells or hash slots between interrupt polls */
#define SET_MIN_SLOTS 64

/* Open addressing (linear probing), at most half full; used[] tells taken slots. */
typedef struct node_set
{
	int64_t    *ids;
	uint8_t    *used;
	size_t		slots,			/* a power of two */
				count;
} node_set;

static void
node_set_free(node_set *s)
{
	cm_free(s->ids);
	cm_free(s->used);
	s->ids = NULL;
	s->used = NULL;
}

static size_t
slot_of(const node_set *s, int64_t id)
{
	size_t		mask = s->slots - 1,
				at = (size_t) cm_rng_hash((uint64_t) id) & mask;

	while (s->used[at] && s->ids[at] != id)
		at = (at + 1) & mask;
	return at;
}

/* A set of the given number of slots holding the ids of old (which is freed). */
static cm_status
node_set_rehash(node_set *s, size_t slots)
{
	node_set	old = *s;
	cm_status	status;

	s->slots = slots;
	s->ids = NULL;
	s->used = NULL;
	status = cm_alloc_array(slots, sizeof(int64_t), (void **) &s->ids);
	if (status == CM_OK)
		status = cm_alloc_array(slots, 1, (void **) &s->used);
	for (size_t i = 0; status == CM_OK && i < old.slots; i++)
	{
		if (i % POLL_CELLS == 0)
			status = cm_check_interrupts();
		if (status == CM_OK && old.used[i])
		{
			size_t		at = slot_of(s, old.ids[i]);

			s->used[at] = 1;
			s->ids[at] = old.ids[i];
		}
	}
	node_set_free(&old);
	return status;
}

static cm_status
node_set_add(node_set *s, int64_t id)
{
	size_t		at;

	if (s->count + 1 > s->slots / 2)
	{
		size_t		slots;

		if (s->slots == 0)
			slots = SET_MIN_SLOTS;
		else if (!cm_mul_size(s->slots, 2, &slots))
			return cm_fail(CM_ERR_LIMIT, "too many nodes in the cost matrix");
		CM_TRY(node_set_rehash(s, slots));
	}
	at = slot_of(s, id);
	if (!s->used[at])
	{
		s->used[at] = 1;
		s->ids[at] = id;
		s->count++;
	}
	return CM_OK;
}

static int
int64_cmp(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a,
				y = *(const int64_t *) b;

	return x < y ? -1 : x > y;
}

/* The set's ids, ascending, into a new array. */
static cm_status
node_set_sorted(const node_set *s, int64_t **nodes)
{
	size_t		k = 0;

	CM_TRY(cm_alloc_array(s->count ? s->count : 1, sizeof(int64_t), (void **) nodes));
	for (size_t i = 0; i < s->slots; i++)
	{
		if (i % POLL_CELLS == 0 && cm_check_interrupts() != CM_OK)
		{
			cm_free(*nodes);
			*nodes = NULL;
			return CM_ERR_CANCELED;
		}
		if (s->used[i])
			(*nodes)[k++] = s->ids[i];
	}
	qsort(*nodes, k, sizeof(int64_t), int64_cmp);
	return CM_OK;
}

/* Add every row's two nodes to the set, stopping once it holds more than max_nodes. */
static cm_status
collect_nodes(const cm_cost_rows *rows, size_t max_nodes, node_set *s)
{
	for (size_t r = 0; r < rows->n && s->count <= max_nodes; r++)
	{
		if (r % POLL_ROWS == 0)
			CM_TRY(cm_check_interrupts());
		CM_TRY(node_set_add(s, rows->from[r]));
		if (s->count <= max_nodes)
			CM_TRY(node_set_add(s, rows->to[r]));
	}
	return CM_OK;
}

cm_status
cm_route_nodes(const cm_cost_rows *rows, size_t max_nodes, int64_t **nodes, size_t *n)
{
	node_set	s = {NULL, NULL, 0, 0};
	cm_status	status = collect_nodes(rows, max_nodes, &s);

	*nodes = NULL;
	*n = s.count;
	if (status == CM_OK && s.count > max_nodes)
		status = cm_fail(CM_ERR_LIMIT, "more than %zu nodes in the cost matrix", max_nodes);
	if (status == CM_OK)
		status = node_set_sorted(&s, nodes);
	node_set_free(&s);
	return status;
}

int64_t
cm_route_node_index(const int64_t *nodes, size_t n, int64_t id)
{
	const int64_t *hit = n ? bsearch(&id, nodes, n, sizeof(int64_t), int64_cmp) : NULL;

	return hit ? (int64_t) (hit - nodes) : -1;
}

/* An n x n matrix, not zeroed (every cell is written by the caller). */
static cm_status
alloc_matrix(size_t n, double **m)
{
	size_t		cells,
				bytes;

	*m = NULL;
	if (!cm_mul_size(n, n, &cells) || !cm_mul_size(cells, sizeof(double), &bytes))
		return cm_fail(CM_ERR_LIMIT, "cost matrix of %zu nodes too large", n);
	*m = cm_alloc(bytes);
	if (*m == NULL)
		return cm_fail(CM_ERR_NOMEM, "out of memory allocating %zu bytes", bytes);
	return CM_OK;
}

static cm_status
fill_cells(double *m, size_t cells, double value)
{
	for (size_t i = 0; i < cells; i++)
	{
		if (i % POLL_CELLS == 0)
			CM_TRY(cm_check_interrupts());
		m[i] = value;
	}
	return CM_OK;
}

/* Lower cell (i, j) of the matrix to every row's cost between those nodes. */
static cm_status
take_cheapest(const cm_cost_rows *rows, const int64_t *nodes, size_t n, double *asym)
{
	for (size_t r = 0; r < rows->n; r++)
	{
		int64_t		i = cm_route_node_index(nodes, n, rows->from[r]),
					j = cm_route_node_index(nodes, n, rows->to[r]);
		double	   *cell;

		if (r % POLL_ROWS == 0)
			CM_TRY(cm_check_interrupts());
		if (i < 0 || j < 0)
			return cm_fail(CM_ERR_INTERNAL, "cost row %zu has a node not in the node list", r);
		cell = &asym[(size_t) i * n + (size_t) j];
		if (i != j && (isnan(*cell) || rows->cost[r] < *cell))
			*cell = rows->cost[r];
	}
	return CM_OK;
}

cm_status
cm_route_costs_bytes(size_t n_rows, size_t n, size_t *bytes)
{
	size_t		cells,
				matrices,
				row_bytes;

	if (!cm_mul_size(n, n, &cells) || !cm_mul_size(cells, 2 * sizeof(double), &matrices) ||
		!cm_mul_size(n_rows, 2 * sizeof(int64_t) + sizeof(double), &row_bytes) ||
		!cm_add_size(matrices, row_bytes, bytes))
	{
		*bytes = SIZE_MAX;
		return cm_fail(CM_ERR_LIMIT, "cost matrix of %zu nodes too large", n);
	}
	return CM_OK;
}

cm_status
cm_route_min_costs(const cm_cost_rows *rows, const int64_t *nodes, size_t n, double **asym)
{
	size_t		bytes;
	char		what[64];
	cm_status	status;

	/* both matrices and the rows are alive at once: refuse before allocating either */
	*asym = NULL;
	cm_route_costs_bytes(rows->n, n, &bytes);
	snprintf(what, sizeof(what), "the cost matrices of %zu nodes", n);
	CM_TRY(cm_budget_check(bytes, what));
	status = alloc_matrix(n, asym);

	if (status == CM_OK)
		status = fill_cells(*asym, n * n, NAN);
	if (status == CM_OK)
		status = take_cheapest(rows, nodes, n, *asym);
	if (status != CM_OK)
	{
		cm_free(*asym);
		*asym = NULL;
	}
	return status;
}

/* Row i of the symmetric matrix; false (and the pair in missing) when a pair has no cost. */
static bool
symmetric_row(const double *asym, size_t n, size_t i, double *m, size_t missing[2])
{
	for (size_t j = 0; j < n; j++)
	{
		double		a = asym[i * n + j],
					b = asym[j * n + i];

		if (i == j)
			m[i * n + j] = 0;
		else if (isnan(a) && isnan(b))
		{
			/* j > i: a pair (i, j < i) would have been found on row j */
			missing[0] = i;
			missing[1] = j;
			return false;
		}
		else
			m[i * n + j] = isnan(a) ? b : isnan(b) ? a : (a + b) / 2;
	}
	return true;
}

cm_status
cm_route_symmetrise(const double *asym, const int64_t *nodes, size_t n, double **sym,
					size_t missing[2])
{
	cm_status	status = alloc_matrix(n, sym);

	for (size_t i = 0; status == CM_OK && i < n; i++)
	{
		status = cm_check_interrupts();
		if (status == CM_OK && !symmetric_row(asym, n, i, *sym, missing))
			status = cm_fail(CM_ERR_INVALID, "no cost between nodes %lld and %lld",
							 (long long) nodes[missing[0]], (long long) nodes[missing[1]]);
	}
	if (status != CM_OK)
	{
		cm_free(*sym);
		*sym = NULL;
	}
	return status;
}

static double
directed_cost(const double *asym, const double *sym, size_t n, size_t i, size_t j)
{
	double		c = asym[i * n + j];

	return isnan(c) ? sym[i * n + j] : c;
}

void
cm_route_loop_direction(const double *asym, const double *sym, size_t n, size_t *order)
{
	double		fwd = 0,
				rev = 0;

	if (n < 3)
		return;					/* one or two nodes: the same loop either way */
	for (size_t i = 0; i < n; i++)
	{
		fwd += directed_cost(asym, sym, n, order[i], order[(i + 1) % n]);
		rev += directed_cost(asym, sym, n, order[(i + 1) % n], order[i]);
	}
	if (rev < fwd)
		for (size_t i = 1, j = n - 1; i < j; i++, j--)
		{
			size_t		t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
}
