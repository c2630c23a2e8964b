/*
 * forest.h - the branch-free scoring layout of a tree ensemble.
 *
 * Every tree is stored as a complete binary tree of the ensemble's depth D: 2^D - 1 split
 * nodes in heap order (children of node i at 2i + 1 and 2i + 2) and 2^D leaf values.  A leaf
 * the trainer placed above depth D fills all the leaves below it, and the splits above them
 * are placeholders whose outcome does not matter.  Scoring a tree is then exactly D steps with
 * no data-dependent branch, and the steps of several trees run interleaved, so the processor
 * overlaps their memory loads instead of stalling on mispredicted branches.  The layout is
 * used when every tree is at most CM_FOREST_MAX_DEPTH deep (padding grows as 2^D); deeper
 * ensembles keep the pointer layout of gbt.h.
 *
 * A split sends x to the right when x > threshold, and a missing value (NaN) to the side it
 * learned; this matches the pointer layout exactly, and trees are summed in the same order,
 * so both layouts give bit-identical margins.
 */
#ifndef CM_FOREST_H
#define CM_FOREST_H

#include <stdint.h>

#include "status.h"

struct cm_gbt_node;

#define CM_FOREST_MAX_DEPTH 8
/*
 * Trees walked side by side: independent walks the processor overlaps (on the scoring
 * benchmark 4 trees took 1.45 s of CPU, 8 took 1.33 s, 16 took 1.26 s; docs/performance.md).
 */
#define CM_FOREST_INTERLEAVE 16

typedef struct cm_forest_node
{
	double		threshold;		/* x <= threshold goes left */
	uint32_t	feature;
	uint32_t	missing_right;	/* 1 when a missing value goes right */
} cm_forest_node;

typedef struct cm_forest
{
	uint32_t	n_trees;
	uint32_t	depth;			/* D: the depth of the deepest tree */
	cm_forest_node *nodes;		/* n_trees x (2^D - 1) */
	double	   *leaves;			/* n_trees x 2^D */
} cm_forest;

/*
 * Lay out the trees of a validated model (tree t is nodes[tree_start[t] ..
 * tree_start[t + 1]), node 0 its root, children inside the tree).  Sets *out to NULL and
 * returns CM_OK when a tree is deeper than CM_FOREST_MAX_DEPTH.
 */
cm_status	cm_forest_build(const struct cm_gbt_node *nodes, const uint32_t *tree_start,
							uint32_t n_trees, cm_forest **out);

/* base plus the trees' outputs for the feature vector x, added in tree order. */
double		cm_forest_sum(const cm_forest *f, const double *x, double base);

void		cm_forest_free(cm_forest *f);

#endif							/* CM_FOREST_H */
