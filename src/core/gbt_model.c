/*
 * gbt_model.c - a tree ensemble in memory: building it node by node, its prediction layout,
 * scoring a row and the per-feature importance of its splits.
 */
#include "gbt_internal.h"
#include "forest.h"
#include "memory.h"

#include <string.h>

cm_status
cm_gbt_new(uint32_t n_features, cm_gbt **out)
{
	cm_gbt	   *m;

	CM_TRY(cm_alloc_array(1, sizeof(cm_gbt), (void **) &m));
	m->n_features = n_features;
	if (cm_alloc_array(1, sizeof(uint32_t), (void **) &m->tree_start) != CM_OK)
	{
		cm_free(m);
		return CM_ERR_NOMEM;
	}
	m->cap_trees = 0;
	*out = m;
	return CM_OK;
}

void
cm_gbt_free(cm_gbt *m)
{
	if (m == NULL)
		return;
	cm_free(m->tree_start);
	cm_free(m->nodes);
	cm_free(m->flat);
	cm_forest_free(m->forest);
	cm_free(m);
}

cm_status
cm_gbt_reserve_nodes(cm_gbt *m, size_t more)
{
	size_t		need,
				cap;

	if (!cm_add_size(m->n_nodes, more, &need))
		return cm_fail(CM_ERR_LIMIT, "too many tree nodes");
	if (need <= m->cap_nodes)
		return CM_OK;
	/* the bound is checked as the trees grow, not on the finished model */
	if (m->max_bytes && need > m->max_bytes / sizeof(cm_gbt_node))
		return cm_fail(CM_ERR_LIMIT, "the trees would take over %zu kB (%zu nodes in %u trees), "
					   "the most a model may grow to: use fewer or shallower trees",
					   m->max_bytes / 1024, need, m->n_trees + 1);
	cap = m->cap_nodes ? m->cap_nodes : 256;
	while (cap < need)
		if (!cm_mul_size(cap, 2, &cap))
			return cm_fail(CM_ERR_LIMIT, "too many tree nodes");
	if (m->max_bytes && cap > m->max_bytes / sizeof(cm_gbt_node))
		cap = m->max_bytes / sizeof(cm_gbt_node);	/* doubling stops at the bound */
	CM_TRY(cm_grow_array((void **) &m->nodes, m->n_nodes, cap, sizeof(cm_gbt_node)));
	m->cap_nodes = cap;
	return CM_OK;
}

cm_status
cm_gbt_close_tree(cm_gbt *m)
{
	if (m->n_trees + 1 > m->cap_trees)
	{
		size_t		cap = m->cap_trees ? m->cap_trees * 2 : 64;

		CM_TRY(cm_grow_array((void **) &m->tree_start, m->n_trees + 1, cap + 1,
							 sizeof(uint32_t)));
		m->cap_trees = cap;
	}
	if (m->n_nodes > UINT32_MAX)
		return cm_fail(CM_ERR_LIMIT, "too many tree nodes");
	m->tree_start[++m->n_trees] = (uint32_t) m->n_nodes;
	return CM_OK;
}

static double
tree_value(const cm_gbt_node *tree, const double *x)
{
	const cm_gbt_node *n = tree;

	while (n->feature >= 0)
	{
		double		v = x[n->feature];

		n = tree + (isnan(v) ? (n->default_left ? n->left : n->right) :
					(v <= n->threshold ? n->left : n->right));
	}
	return n->value;
}

/* The walk on the prediction layout: NaN takes the learned side, others compare. */
static inline double
flat_tree_value(const cm_gbt_flat_node *tree, const double *x)
{
	uint32_t	i = 0;

	while (tree[i].feature != CM_GBT_FLAT_LEAF)
	{
		double		v = x[tree[i].feature];
		uint32_t	c = tree[i].child;
		uint32_t	right = isnan(v) ? ((c >> 31) ^ 1u) : (uint32_t) !(v <= tree[i].split);

		i = (c & ~CM_GBT_FLAT_MISSING_LEFT) + right;
	}
	return tree[i].split;
}

double
cm_gbt_margin(const cm_gbt *m, const double *x)
{
	double		sum = m->base_score;

	if (m->forest)
		return cm_forest_sum(m->forest, x, sum);
	if (m->flat)
		for (uint32_t t = 0; t < m->n_trees; t++)
			sum += flat_tree_value(m->flat + m->tree_start[t], x);
	else
		for (uint32_t t = 0; t < m->n_trees; t++)
			sum += tree_value(m->nodes + m->tree_start[t], x);
	return sum;
}

/*
 * Lay out one tree breadth-first with siblings adjacent; order is scratch for its size.  A
 * node reached twice (a forged model sharing a child) would overflow the tree: corrupt.
 */
static cm_status
flatten_tree(const cm_gbt_node *src, uint32_t count, cm_gbt_flat_node *dst, uint32_t *order)
{
	uint32_t	next = 1;

	order[0] = 0;
	for (uint32_t pos = 0; pos < next; pos++)
	{
		const cm_gbt_node *n = src + order[pos];

		if (n->feature < 0)
		{
			dst[pos] = (cm_gbt_flat_node) {n->value, CM_GBT_FLAT_LEAF, 0};
			continue;
		}
		if (count - next < 2)
			return cm_fail(CM_ERR_CORRUPT, "a tree node is reached from two parents");
		dst[pos] = (cm_gbt_flat_node) {n->threshold, (uint32_t) n->feature,
			next | (n->default_left ? CM_GBT_FLAT_MISSING_LEFT : 0)};
		order[next++] = n->left;
		order[next++] = n->right;
	}
	return CM_OK;
}

cm_status
cm_gbt_flatten(cm_gbt *m)
{
	uint32_t	largest = 0;
	uint32_t   *order;
	cm_status	st = CM_OK;

	if (m->n_nodes >= CM_GBT_FLAT_MISSING_LEFT)
		return cm_fail(CM_ERR_LIMIT, "too many tree nodes to lay out for prediction");
	for (uint32_t t = 0; t < m->n_trees; t++)
		if (m->tree_start[t + 1] - m->tree_start[t] > largest)
			largest = m->tree_start[t + 1] - m->tree_start[t];
	CM_TRY(cm_alloc_array(m->n_nodes, sizeof(cm_gbt_flat_node), (void **) &m->flat));
	CM_TRY(cm_alloc_array(largest, sizeof(uint32_t), (void **) &order));
	for (uint32_t t = 0; t < m->n_trees && st == CM_OK; t++)
		st = flatten_tree(m->nodes + m->tree_start[t], m->tree_start[t + 1] - m->tree_start[t],
						  m->flat + m->tree_start[t], order);
	cm_free(order);
	return st;
}

double
cm_gbt_output(cm_gbt_objective objective, double margin)
{
	return objective == CM_GBT_BINARY ? cm_gbt_sigmoid(margin) : margin;
}

double
cm_gbt_predict(const cm_gbt *m, const double *x)
{
	return cm_gbt_output(m->objective, cm_gbt_margin(m, x));
}

void
cm_gbt_importance(const cm_gbt *m, double *gain, double *cover, double *splits)
{
	memset(gain, 0, m->n_features * sizeof(double));
	memset(cover, 0, m->n_features * sizeof(double));
	memset(splits, 0, m->n_features * sizeof(double));
	for (size_t i = 0; i < m->n_nodes; i++)
	{
		const cm_gbt_node *n = &m->nodes[i];

		if (n->feature < 0)
			continue;
		gain[n->feature] += n->gain;
		cover[n->feature] += n->cover;
		splits[n->feature] += 1;
	}
}
