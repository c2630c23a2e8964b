/*
 * explain.c - per-feature contributions to one prediction (see explain.h).
 */
#include "explain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "logistic.h"
#include "memory.h"

bool
cm_explain_supported(const cm_model *model)
{
	return model->algorithm == CM_ALGORITHM_LOGISTIC || model->algorithm == CM_ALGORITHM_GBT;
}

/* Mirrors cm_logistic_logit() term by term so the sum matches it to rounding. */
static void
logistic_contributions(const cm_logistic *m, const double *x, double *contrib, double *base)
{
	*base = m->intercept;
	for (uint32_t j = 0; j < m->n_features; j++)
		contrib[j] = isnan(x[j]) ? 0.0 : m->coef[j] * (x[j] - m->mean[j]) / m->scale[j];
}

cm_status
cm_explain(const cm_model *model, const double *x, double *contrib, double *base)
{
	if (!cm_explain_supported(model))
		return cm_fail(CM_ERR_INVALID, "models of algorithm %u cannot be explained",
					   (unsigned) model->algorithm);
	if (model->algorithm == CM_ALGORITHM_GBT)
		return cm_explain_tree_shap(model->body, x, contrib, base);
	logistic_contributions(model->body, x, contrib, base);
	return CM_OK;
}

/* qsort has no context argument; the ranking runs on one thread per call. */
static _Thread_local const double *rank_contrib;

static int
compare_by_magnitude(const void *a, const void *b)
{
	uint32_t	i = *(const uint32_t *) a,
				j = *(const uint32_t *) b;
	double		ai = fabs(rank_contrib[i]),
				aj = fabs(rank_contrib[j]);

	if (ai != aj)
		return ai > aj ? -1 : 1;
	return i < j ? -1 : (i > j);
}

void
cm_explain_rank(const double *contrib, uint32_t n, uint32_t *order)
{
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	rank_contrib = contrib;
	qsort(order, n, sizeof(uint32_t), compare_by_magnitude);
	rank_contrib = NULL;
}

/*
 * Exact path-dependent TreeSHAP (Lundberg et al. 2018, algorithm 2) for GBT models whose nodes
 * carry their training cover.  A path element tracks one split feature on the way from the
 * root: the share of cover that reaches here when the feature is unknown (zero) or known
 * (one), and the permutation weight of the subsets of that size.
 */
typedef struct shap_step
{
	int32_t		feature;
	double		zero;
	double		one;
	double		weight;
} shap_step;

#define SHAP_PATH (CM_GBT_MAX_DEPTH + 2)

static void
path_extend(shap_step *path, int len, double zero, double one, int32_t feature)
{
	path[len].feature = feature;
	path[len].zero = zero;
	path[len].one = one;
	path[len].weight = len == 0 ? 1.0 : 0.0;
	for (int i = len - 1; i >= 0; i--)
	{
		path[i + 1].weight += one * path[i].weight * (i + 1) / (len + 1);
		path[i].weight = zero * path[i].weight * (len - i) / (len + 1);
	}
}

/* Undo path_extend of element at (the path has len + 1 elements). */
static void
path_unwind(shap_step *path, int len, int at)
{
	double		one = path[at].one,
				zero = path[at].zero,
				next = path[len].weight;

	for (int j = len - 1; j >= 0; j--)
	{
		if (one != 0)
		{
			double		saved = path[j].weight;

			path[j].weight = next * (len + 1) / ((j + 1) * one);
			next = saved - path[j].weight * zero * (len - j) / (len + 1);
		}
		else
			path[j].weight = path[j].weight * (len + 1) / (zero * (len - j));
	}
	for (int j = at; j < len; j++)
	{
		path[j].feature = path[j + 1].feature;
		path[j].zero = path[j + 1].zero;
		path[j].one = path[j + 1].one;
	}
}

/* Total weight of the path with element at unwound, without changing the path. */
static double
path_unwound_sum(const shap_step *path, int len, int at)
{
	double		one = path[at].one,
				zero = path[at].zero,
				next = path[len].weight,
				total = 0;

	for (int j = len - 1; j >= 0; j--)
	{
		if (one != 0)
		{
			double		t = next * (len + 1) / ((j + 1) * one);

			total += t;
			next = path[j].weight - t * zero * (len - j) / (len + 1);
		}
		else
			total += path[j].weight * (len + 1) / (zero * (len - j));
	}
	return total;
}

typedef struct shap_walk
{
	const cm_gbt_node *tree;
	const double *x;
	double	   *contrib;
} shap_walk;

static cm_status
shap_recurse(const shap_walk *w, uint32_t node, int depth, const shap_step *parent, int len,
			 double zero, double one, int32_t feature)
{
	const cm_gbt_node *n = &w->tree[node];
	shap_step	path[SHAP_PATH];
	uint32_t	hot,
				cold;
	double		known_zero = 1,
				known_one = 1;

	/* the path never outgrows the depth: a repeated feature merges with its element */
	if (depth > CM_GBT_MAX_DEPTH)
		return cm_fail(CM_ERR_LIMIT, "tree deeper than %d levels", CM_GBT_MAX_DEPTH);
	memcpy(path, parent, sizeof(shap_step) * (size_t) len);
	path_extend(path, len, zero, one, feature);
	if (n->feature < 0)
	{
		for (int i = 1; i <= len; i++)
			w->contrib[path[i].feature] += path_unwound_sum(path, len, i) *
				(path[i].one - path[i].zero) * n->value;
		return CM_OK;
	}
	if (!(n->cover > 0) || !(w->tree[n->left].cover >= 0) || !(w->tree[n->right].cover >= 0))
		return cm_fail(CM_ERR_INVALID, "the tree has no node covers");
	{
		double		v = w->x[n->feature];
		bool		go_left = isnan(v) ? n->default_left : v <= n->threshold;

		hot = go_left ? n->left : n->right;
		cold = go_left ? n->right : n->left;
	}
	/* a feature split again on the path: merge with its earlier element */
	for (int i = 1; i <= len; i++)
		if (path[i].feature == n->feature)
		{
			known_zero = path[i].zero;
			known_one = path[i].one;
			path_unwind(path, len, i);
			len--;
			break;
		}
	CM_TRY(shap_recurse(w, hot, depth + 1, path, len + 1, known_zero * w->tree[hot].cover / n->cover,
						known_one, n->feature));
	return shap_recurse(w, cold, depth + 1, path, len + 1, known_zero * w->tree[cold].cover / n->cover,
						0, n->feature);
}

/* Cover-weighted mean leaf value: the tree's output when no feature is known. */
static double
tree_expectation(const cm_gbt_node *tree, uint32_t node, int depth)
{
	const cm_gbt_node *n = &tree[node];

	if (n->feature < 0 || depth > CM_GBT_MAX_DEPTH)
		return n->value;
	return (tree[n->left].cover * tree_expectation(tree, n->left, depth + 1) +
			tree[n->right].cover * tree_expectation(tree, n->right, depth + 1)) / n->cover;
}

cm_status
cm_explain_tree_shap(const cm_gbt *m, const double *x, double *contrib, double *base)
{
	shap_walk	w = {NULL, x, contrib};
	shap_step	root[1];

	memset(contrib, 0, sizeof(double) * m->n_features);
	*base = m->base_score;
	for (uint32_t t = 0; t < m->n_trees; t++)
	{
		CM_TRY(cm_check_interrupts());
		w.tree = m->nodes + m->tree_start[t];
		CM_TRY(shap_recurse(&w, 0, 0, root, 0, 1, 1, -1));
		*base += tree_expectation(w.tree, 0, 0);
	}
	return CM_OK;
}
