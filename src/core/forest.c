/*
 * forest.c - the branch-free scoring layout of a tree ensemble (see forest.h).
 */
#include "forest.h"

#include "gbt.h"
#include "memory.h"

/* Depth of the subtree at node i, or CM_FOREST_MAX_DEPTH + 1 once it is deeper than that. */
static uint32_t
subtree_depth(const cm_gbt_node *tree, uint32_t i, uint32_t level)
{
	uint32_t	l,
				r;

	if (tree[i].feature < 0)
		return 0;
	if (level == CM_FOREST_MAX_DEPTH)
		return CM_FOREST_MAX_DEPTH + 1;
	l = subtree_depth(tree, tree[i].left, level + 1);
	r = subtree_depth(tree, tree[i].right, level + 1);
	return 1 + (l > r ? l : r);
}

/*
 * Write the subtree at src into the complete tree at position pos (level levels below the
 * root).  A leaf above the bottom fills every leaf under pos; its placeholder splits send
 * everything left.
 */
static void
fill(const cm_gbt_node *tree, uint32_t src, uint32_t pos, uint32_t level, uint32_t depth,
	 cm_forest_node *nodes, double *leaves)
{
	const cm_gbt_node *n = tree + src;

	if (level == depth)
	{
		leaves[pos - ((1u << depth) - 1)] = n->value;
		return;
	}
	if (n->feature < 0)
	{
		nodes[pos] = (cm_forest_node) {0.0, 0, 0};
		fill(tree, src, 2 * pos + 1, level + 1, depth, nodes, leaves);
		fill(tree, src, 2 * pos + 2, level + 1, depth, nodes, leaves);
		return;
	}
	nodes[pos] = (cm_forest_node) {n->threshold, (uint32_t) n->feature, n->default_left ? 0u : 1u};
	fill(tree, n->left, 2 * pos + 1, level + 1, depth, nodes, leaves);
	fill(tree, n->right, 2 * pos + 2, level + 1, depth, nodes, leaves);
}

static uint32_t
ensemble_depth(const cm_gbt_node *nodes, const uint32_t *tree_start, uint32_t n_trees)
{
	uint32_t	depth = 0;

	for (uint32_t t = 0; t < n_trees && depth <= CM_FOREST_MAX_DEPTH; t++)
	{
		uint32_t	d = subtree_depth(nodes + tree_start[t], 0, 0);

		if (d > depth)
			depth = d;
	}
	return depth;
}

cm_status
cm_forest_build(const cm_gbt_node *nodes, const uint32_t *tree_start, uint32_t n_trees,
				cm_forest **out)
{
	uint32_t	depth = ensemble_depth(nodes, tree_start, n_trees);
	size_t		n_splits,
				n_leaves;
	cm_forest  *f;

	*out = NULL;
	if (depth > CM_FOREST_MAX_DEPTH)
		return CM_OK;
	if (!cm_mul_size(n_trees, (1u << depth) - 1, &n_splits) ||
		!cm_mul_size(n_trees, 1u << depth, &n_leaves))
		return cm_fail(CM_ERR_LIMIT, "too many trees to lay out for scoring");
	CM_TRY(cm_alloc_array(1, sizeof(cm_forest), (void **) &f));
	f->n_trees = n_trees;
	f->depth = depth;
	/* a forest of single leaves has no splits: allocate one placeholder */
	if (cm_alloc_array(n_splits > 0 ? n_splits : 1, sizeof(cm_forest_node), (void **) &f->nodes) != CM_OK ||
		cm_alloc_array(n_leaves > 0 ? n_leaves : 1, sizeof(double), (void **) &f->leaves) != CM_OK)
	{
		cm_forest_free(f);
		return CM_ERR_NOMEM;
	}
	for (uint32_t t = 0; t < n_trees; t++)
		fill(nodes + tree_start[t], 0, 0, 0, depth,
			 f->nodes + (size_t) t * ((1u << depth) - 1), f->leaves + (size_t) t * (1u << depth));
	*out = f;
	return CM_OK;
}

/*
 * One step down: right when x > threshold, or when x is missing and the split sends missing
 * values right (NaN fails both comparisons).  Compiles to flag arithmetic, not a branch.
 */
static inline uint32_t
descend(const cm_forest_node *tree, uint32_t i, const double *x)
{
	const cm_forest_node *n = tree + i;
	double		v = x[n->feature];
	uint32_t	greater = v > n->threshold;
	uint32_t	not_less_equal = !(v <= n->threshold);

	return 2 * i + 1 + (greater | (not_less_equal & n->missing_right));
}

#define INTERLEAVE CM_FOREST_INTERLEAVE

double
cm_forest_sum(const cm_forest *f, const double *x, double base)
{
	const uint32_t inner = (1u << f->depth) - 1;
	const uint32_t width = inner + 1;
	double		sum = base;
	uint32_t	t = 0;

	for (; t + INTERLEAVE <= f->n_trees; t += INTERLEAVE)
	{
		const cm_forest_node *tree = f->nodes + (size_t) t * inner;
		const double *leaves = f->leaves + (size_t) t * width;
		uint32_t	at[INTERLEAVE] = {0};

		for (uint32_t d = 0; d < f->depth; d++)
#pragma GCC unroll 16	/* CM_FOREST_INTERLEAVE: the pragma takes a literal */
			for (uint32_t k = 0; k < INTERLEAVE; k++)
				at[k] = descend(tree + k * inner, at[k], x);
		/* in tree order, as the pointer layout adds them */
		for (uint32_t k = 0; k < INTERLEAVE; k++)
			sum += leaves[k * width + at[k] - inner];
	}
	for (; t < f->n_trees; t++)
	{
		const cm_forest_node *tree = f->nodes + (size_t) t * inner;
		uint32_t	i = 0;

		for (uint32_t d = 0; d < f->depth; d++)
			i = descend(tree, i, x);
		sum += f->leaves[(size_t) t * width + i - inner];
	}
	return sum;
}

void
cm_forest_free(cm_forest *f)
{
	if (f == NULL)
		return;
	cm_free(f->nodes);
	cm_free(f->leaves);
	cm_free(f);
}
