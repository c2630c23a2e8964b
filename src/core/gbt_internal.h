/*
 * gbt_internal.h - what the gbt files share about a model under construction (private to
 * gbt_*.c): the codec and the trainer both append nodes and close trees, and prediction and
 * training both use the logistic link.
 */
#ifndef CM_GBT_INTERNAL_H
#define CM_GBT_INTERNAL_H

#include <math.h>

#include "gbt.h"

/* An empty model of n_features (no tree yet). */
cm_status	cm_gbt_new(uint32_t n_features, cm_gbt **out);

/* Room for `more` nodes at the end of the node array. */
cm_status	cm_gbt_reserve_nodes(cm_gbt *m, size_t more);

/* Record that the nodes appended since the last tree form one more tree. */
cm_status	cm_gbt_close_tree(cm_gbt *m);

/* Build the prediction layout (cm_gbt.flat) of a validated model. */
cm_status	cm_gbt_flatten(cm_gbt *m);

/* The logistic link of the binary objective (inline: the gradient loop calls it per row). */
static inline double
cm_gbt_sigmoid(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

#endif
