/*
 * gbt.h - histogram gradient-boosted trees on binned features (see binning.h).
 *
 * Training: second-order boosting (XGBoost's gain with L2 `lambda`, `gamma` and
 * `min_child_weight`), per-feature histograms of gradient and hessian sums, the smaller child's
 * histogram built from its rows and the sibling's derived by subtraction, rows partitioned in
 * place per node, depth-first growth so at most depth + 2 histograms are alive.  Histograms sum
 * gradients quantized per tree to integer levels with unbiased stochastic rounding (thousands
 * of levels at a million rows), so they are exact integers whatever the order of the rows:
 * `threads` threads (pool.h) split every node's rows and the model is bit-identical for any
 * thread count; leaf values use the exact gradients.  Missing values are bin 0; each split
 * learns whether they go left or right.  Randomness (row subsample, per-tree column sample,
 * the rounding) comes from the seed, so a seed gives one model.
 *
 * Stored body (little-endian), after the model container header:
 *   u8  objective     1 binary (logistic loss, output a probability), 2 regression
 *   f64 base_score    initial margin, finite
 *   u32 n_trees       <= CM_GBT_MAX_TREES, then per tree:
 *     u32 n_nodes     1 .. CM_GBT_MAX_NODES, then per node (node 0 is the root):
 *       u8 kind       0 leaf: f64 value
 *                     1 split: u32 feature, u8 default_left, f64 threshold, u32 left, u32 right
 * The decoder checks every field: features < n_features, finite numbers, children strictly
 * after their parent and inside the tree (so no cycle, and scoring ends within n_nodes steps).
 *
 * Files: gbt_model.c (the ensemble in memory, scoring), gbt_codec.c (the body above),
 * gbt_params.c (the tunables), gbt_train.c (the boosting loop) and gbt_grow.c (one tree).
 */
#ifndef CM_GBT_H
#define CM_GBT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binning.h"
#include "model.h"
#include "params.h"
#include "status.h"

#define CM_GBT_MAX_TREES 100000
#define CM_GBT_MAX_DEPTH 16
#define CM_GBT_MAX_NODES ((1u << (CM_GBT_MAX_DEPTH + 1)) - 1)
#define CM_GBT_MAX_THREADS 64
/*
 * The most bytes a model's trees may take in memory while they grow (cm_gbt_node, 48 bytes
 * each) when the host sets no max_model_bytes: 1 GB, about 22 million nodes, whose stored
 * form (about 16 bytes a node) fits the 1 GB of a bytea with room to spare.
 */
#define CM_GBT_DEFAULT_MODEL_BYTES ((size_t) 1024 * 1024 * 1024)

typedef enum cm_gbt_objective
{
	CM_GBT_BINARY = 1,
	CM_GBT_REGRESSION = 2
} cm_gbt_objective;

typedef struct cm_gbt_node
{
	int32_t		feature;		/* -1 for a leaf */
	uint32_t	left;			/* child indices within the tree */
	uint32_t	right;
	uint8_t		default_left;	/* where missing values go */
	uint8_t		bin;			/* training only: bins <= bin go left */
	double		threshold;		/* x <= threshold goes left */
	double		value;			/* leaf output, learning rate applied */
	double		gain;			/* training only: loss reduction of the split */
	double		cover;			/* training only: hessian sum of the node */
} cm_gbt_node;

/*
 * The prediction layout, built when a model is decoded: 16 bytes a node, the two children of a
 * node side by side in breadth-first order, so a walk touches few cache lines and picks the
 * child without a branch.
 */
#define CM_GBT_FLAT_LEAF UINT32_MAX
#define CM_GBT_FLAT_MISSING_LEFT 0x80000000u

typedef struct cm_gbt_flat_node
{
	double		split;			/* x <= split goes left; for a leaf, its value */
	uint32_t	feature;		/* CM_GBT_FLAT_LEAF for a leaf */
	uint32_t	child;			/* left child (right = left + 1) | CM_GBT_FLAT_MISSING_LEFT */
} cm_gbt_flat_node;

typedef struct cm_gbt
{
	uint32_t	n_features;
	cm_gbt_objective objective;
	double		base_score;
	uint32_t	n_trees;
	uint32_t   *tree_start;		/* n_trees + 1 offsets into nodes */
	cm_gbt_node *nodes;
	cm_gbt_flat_node *flat;		/* same tree_start offsets; NULL until decoded */
	struct cm_forest *forest;	/* branch-free layout (forest.h) when the trees are shallow
								 * enough; NULL until decoded and for deeper trees */
	size_t		n_nodes;
	size_t		cap_nodes;
	size_t		cap_trees;
	size_t		max_bytes;		/* training: the most bytes nodes may take (0: no bound) */
} cm_gbt;

/*
 * The tunables of a fit; cm_gbt_param_table lists them with their defaults and ranges (the
 * comments below only summarize it).
 */
typedef struct cm_gbt_params
{
	cm_gbt_objective objective;
	int			trees;			/* 1 .. CM_GBT_MAX_TREES */
	int			depth;			/* 1 .. CM_GBT_MAX_DEPTH */
	double		learning_rate;	/* (0, 1] */
	double		min_child_weight;	/* >= 0: least hessian sum of a child */
	double		lambda;			/* >= 0: L2 on leaf values */
	double		gamma;			/* >= 0: least gain of a split */
	double		subsample;		/* (0, 1]: share of training rows per tree */
	double		colsample;		/* (0, 1]: share of features per tree */
	double		scale_pos_weight;	/* > 0: weight of positive rows (binary) */
	int			early_stopping_rounds;	/* 0 off; else stop after this many trees without
										 * holdout improvement and keep the best */
	uint64_t	seed;			/* of the subsamples, the rounding (and the host's holdout) */
	int			threads;		/* 0 .. CM_GBT_MAX_THREADS: threads sharing each step, 0 one
								 * per core (cm_gbt_threads); the model does not depend on it */
	/* for the host, not read by cm_gbt_fit: */
	double		holdout;		/* share of rows the host holds out (cm_dataset_split) */
	int			bins;			/* bins per feature the host places (cm_bins_fit) */
	/*
	 * Not a tunable (users cannot raise it): the most bytes the model's trees may take as
	 * they grow, checked at every node; over it the fit stops with CM_ERR_LIMIT.  0 (what
	 * cm_params_default leaves) is CM_GBT_DEFAULT_MODEL_BYTES.
	 */
	size_t		max_model_bytes;
	/* optional: called on the calling thread after each tree */
	void		(*progress) (void *arg, int trees_done, int trees_total);
	void	   *progress_arg;
} cm_gbt_params;

typedef struct cm_gbt_info
{
	int			trees_built;	/* before early stopping truncated the model */
	int			trees_kept;
	size_t		rows_train;
	double		best_holdout_loss;	/* NaN without holdout rows */
} cm_gbt_info;

/* The tunables of cm_gbt_params: names, defaults and inclusive ranges (gbt_params.c). */
extern const cm_param_table cm_gbt_param_table;

/* Every tunable at its table default. */
void		cm_gbt_default_params(cm_gbt_params *params);

/* Check params against the table; CM_ERR_INVALID with a message naming the bad one. */
cm_status	cm_gbt_check_params(const cm_gbt_params *params);

/* The threads a fit asked for threads runs on: threads, or for 0 one per core (at most 64). */
int			cm_gbt_threads(int threads);

/*
 * Fit on the rows of data whose is_holdout flag is 0 (is_holdout may be NULL); holdout rows
 * drive early stopping.  Binary labels must be 0 or 1 with both present among training rows.
 * If margin is not NULL it receives the final model's margin of every row.
 */
cm_status	cm_gbt_fit(const cm_binned *data, const cm_bins *bins, const uint8_t *is_holdout,
					   const cm_gbt_params *params, cm_gbt **out, cm_gbt_info *info,
					   double *margin);

/* Bytes of working memory a fit needs beyond the binned rows (for a refusal up front). */
bool		cm_gbt_fit_memory(size_t n_rows, const cm_bins *bins, int depth, int threads,
							  size_t *bytes);

/* Margin (log-odds for binary) and model output (probability for binary) of a raw row. */
double		cm_gbt_margin(const cm_gbt *m, const double *x);
double		cm_gbt_predict(const cm_gbt *m, const double *x);

/* The model output of a margin: its probability (sigmoid) for binary, itself for regression. */
double		cm_gbt_output(cm_gbt_objective objective, double margin);

/* Per-feature totals over the splits of a freshly trained model (arrays of n_features). */
void		cm_gbt_importance(const cm_gbt *m, double *gain, double *cover, double *splits);

void		cm_gbt_free(cm_gbt *m);

extern const cm_algorithm_ops cm_gbt_ops;

#endif
