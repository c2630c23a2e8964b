/*
 * gbt_codec.c - the gbt model body (layout in gbt.h): encoding, and a decoder that validates
 * every field before the model is laid out for prediction; the algorithm's entry in the
 * model container (cm_gbt_ops).
 */
#include "gbt_internal.h"
#include "forest.h"

#include <string.h>

static void
gbt_encode(const void *body, uint32_t n_features, cm_writer *w)
{
	const cm_gbt *m = body;

	(void) n_features;
	cm_put_u8(w, (uint8_t) m->objective);
	cm_put_f64(w, m->base_score);
	cm_put_u32(w, m->n_trees);
	for (uint32_t t = 0; t < m->n_trees; t++)
	{
		uint32_t	start = m->tree_start[t],
					end = m->tree_start[t + 1];

		cm_put_u32(w, end - start);
		for (uint32_t i = start; i < end; i++)
		{
			const cm_gbt_node *n = &m->nodes[i];

			cm_put_u8(w, n->feature >= 0);
			if (n->feature < 0)
				cm_put_f64(w, n->value);
			else
			{
				cm_put_u32(w, (uint32_t) n->feature);
				cm_put_u8(w, n->default_left);
				cm_put_f64(w, n->threshold);
				cm_put_u32(w, n->left);
				cm_put_u32(w, n->right);
			}
			/* the training cover: explanations (TreeSHAP) weigh unknown features by it */
			cm_put_f64(w, n->cover);
		}
	}
}

static cm_status
decode_cover(cm_reader *r, uint32_t index, cm_gbt_node *n)
{
	CM_TRY(cm_get_f64_finite(r, &n->cover));
	if (n->cover < 0)
		return cm_fail(CM_ERR_CORRUPT, "tree node %u has a negative cover", index);
	return CM_OK;
}

static cm_status
decode_node(cm_reader *r, uint32_t n_features, uint32_t index, uint32_t n_nodes,
			cm_gbt_node *n)
{
	uint8_t		kind;
	uint32_t	feature;

	memset(n, 0, sizeof(*n));
	CM_TRY(cm_get_u8(r, &kind));
	if (kind == 0)
	{
		n->feature = -1;
		CM_TRY(cm_get_f64_finite(r, &n->value));
		return decode_cover(r, index, n);
	}
	if (kind != 1)
		return cm_fail(CM_ERR_CORRUPT, "tree node %u has unknown kind %u", index, kind);
	CM_TRY(cm_get_u32(r, &feature));
	if (feature >= n_features)
		return cm_fail(CM_ERR_CORRUPT, "tree node %u splits on feature %u of %u", index,
					   feature, n_features);
	n->feature = (int32_t) feature;
	CM_TRY(cm_get_u8(r, &n->default_left));
	if (n->default_left > 1)
		return cm_fail(CM_ERR_CORRUPT, "tree node %u has a bad missing-value direction", index);
	CM_TRY(cm_get_f64_finite(r, &n->threshold));
	CM_TRY(cm_get_u32(r, &n->left));
	CM_TRY(cm_get_u32(r, &n->right));
	/* children strictly after the parent: no cycles, every walk ends */
	if (n->left <= index || n->left >= n_nodes || n->right <= index || n->right >= n_nodes)
		return cm_fail(CM_ERR_CORRUPT, "tree node %u has children out of range", index);
	return decode_cover(r, index, n);
}

static cm_status
decode_trees(cm_reader *r, cm_gbt *m)
{
	uint32_t	n_trees;

	/* a tree takes at least its node count and one 9-byte leaf */
	CM_TRY(cm_get_count(r, CM_GBT_MAX_TREES, 13, &n_trees));
	for (uint32_t t = 0; t < n_trees; t++)
	{
		uint32_t	n_nodes;

		CM_TRY(cm_get_count(r, CM_GBT_MAX_NODES, 9, &n_nodes));
		if (n_nodes == 0)
			return cm_fail(CM_ERR_CORRUPT, "tree %u has no nodes", t + 1);
		CM_TRY(cm_gbt_reserve_nodes(m, n_nodes));
		for (uint32_t i = 0; i < n_nodes; i++)
			CM_TRY(decode_node(r, m->n_features, i, n_nodes, &m->nodes[m->n_nodes++]));
		CM_TRY(cm_gbt_close_tree(m));
	}
	return CM_OK;
}

static cm_status
gbt_decode(cm_reader *r, uint32_t n_features, void **body)
{
	cm_gbt	   *m;
	uint8_t		objective;
	cm_status	st;

	*body = NULL;
	CM_TRY(cm_gbt_new(n_features, &m));
	st = cm_get_u8(r, &objective);
	if (st == CM_OK && objective != CM_GBT_BINARY && objective != CM_GBT_REGRESSION)
		st = cm_fail(CM_ERR_CORRUPT, "unknown gbt objective %u", objective);
	m->objective = (cm_gbt_objective) objective;
	if (st == CM_OK)
		st = cm_get_f64_finite(r, &m->base_score);
	if (st == CM_OK)
		st = decode_trees(r, m);
	if (st == CM_OK)
		st = cm_gbt_flatten(m);
	/* after cm_gbt_flatten, which rejects trees whose nodes are shared or unreachable */
	if (st == CM_OK)
		st = cm_forest_build(m->nodes, m->tree_start, m->n_trees, &m->forest);
	if (st != CM_OK)
	{
		cm_gbt_free(m);
		return st;
	}
	*body = m;
	return CM_OK;
}

static void
gbt_free_body(void *body)
{
	cm_gbt_free(body);
}

static double
gbt_predict_body(const void *body, const double *x)
{
	return cm_gbt_predict(body, x);
}

const cm_algorithm_ops cm_gbt_ops = {
	CM_ALGORITHM_GBT, "gbt",
	gbt_encode, gbt_decode, gbt_free_body, gbt_predict_body, &cm_gbt_param_table
};
