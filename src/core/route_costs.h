/*
 * route_costs.h - campaign.walk_route_costs' matrix, free of PostgreSQL: the rows of a
 * pgr_dijkstraCostMatrix-style query (start_vid, end_vid, agg_cost) become the list of nodes,
 * the cheapest directed cost between each pair, the symmetric costs the tour solver orders
 * (tour.h), and the direction a loop is best walked under the directed costs.
 *
 * Matrices are n * n doubles, row-major, from cm_alloc (free with cm_free); their sizes are
 * overflow-checked (CM_ERR_LIMIT) and every loop over rows or cells polls
 * cm_check_interrupts(), so a cancel takes effect quickly even at tens of thousands of nodes.
 */
#ifndef CM_ROUTE_COSTS_H
#define CM_ROUTE_COSTS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* The rows of the cost query: cost[r] from node from[r] to node to[r] (finite, >= 0). */
typedef struct cm_cost_rows
{
	size_t		n;
	const int64_t *from;
	const int64_t *to;
	const double *cost;
} cm_cost_rows;

/*
 * The distinct node ids of the rows, ascending, into *nodes (at least one entry allocated)
 * and their count into *n.  More than max_nodes distinct ids: CM_ERR_LIMIT with
 * *n = max_nodes + 1 (counting stops there) and *nodes NULL.
 */
cm_status	cm_route_nodes(const cm_cost_rows *rows, size_t max_nodes, int64_t **nodes,
						   size_t *n);

/* Index of id in nodes[0, n) (ascending), or -1 when it is not there. */
int64_t		cm_route_node_index(const int64_t *nodes, size_t n, int64_t id);

/*
 * The memory a walk_route_costs call holds at its peak: the n_rows rows and both n x n
 * matrices.  Overflow: CM_ERR_LIMIT and *bytes SIZE_MAX.
 */
cm_status	cm_route_costs_bytes(size_t n_rows, size_t n, size_t *bytes);

/*
 * The directed costs: (*asym)[i * n + j] is the cheapest row from nodes[i] to nodes[j]
 * (parallel rows: the least), NaN where no row gives one and on the diagonal (a row from a
 * node to itself is ignored).  Every row's nodes must be in nodes (cm_route_nodes).  First
 * the call budget (memory.h) is asked for cm_route_costs_bytes: CM_ERR_LIMIT over it.
 */
cm_status	cm_route_min_costs(const cm_cost_rows *rows, const int64_t *nodes, size_t n,
							   double **asym);

/*
 * Symmetric costs for the tour solver: the mean of both directions, one direction standing
 * for both when the other is missing, 0 on the diagonal.  A pair with neither direction:
 * CM_ERR_INVALID, *sym NULL, missing[0] < missing[1] its node indexes (the first such pair
 * in row-major order).
 */
cm_status	cm_route_symmetrise(const double *asym, const int64_t *nodes, size_t n,
								double **sym, size_t missing[2]);

/*
 * A loop can be walked either way: reverse the closed loop order[0, n) in place (order[0]
 * stays first) when the other way is cheaper under the directed costs asym (sym where asym
 * has no cost).  Equal costs keep the order.
 */
void		cm_route_loop_direction(const double *asym, const double *sym, size_t n,
									size_t *order);

#endif
