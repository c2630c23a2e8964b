/*
 * gbt_params.c - the tunables of gbt: one table (params.h) gives their defaults, their ranges
 * and the names users give them; the number of threads a fit runs on.
 */
#include "gbt.h"
#include "pool.h"

#include <stddef.h>

/* CM_PARAM_CHOICE stores an int */
_Static_assert(sizeof(cm_gbt_objective) == sizeof(int), "the objective is not int-sized");

static const cm_param_choice objectives[] = {
	{"binary", CM_GBT_BINARY},
	{"regression", CM_GBT_REGRESSION},
};

#define NUMBER(name, type, member, def, min, max) \
	{name, type, offsetof(cm_gbt_params, member), def, min, max, NULL, 0}

/* In the order users see them (the list of valid parameters, the stored params). */
static const cm_param gbt_params[] = {
	NUMBER("holdout", CM_PARAM_REAL, holdout, 0.2, 0, 0.9),
	NUMBER("seed", CM_PARAM_SEED, seed, 42, 0, 2147483647.0),
	NUMBER("trees", CM_PARAM_INT, trees, 100, 1, CM_GBT_MAX_TREES),
	NUMBER("depth", CM_PARAM_INT, depth, 6, 1, CM_GBT_MAX_DEPTH),
	NUMBER("learning_rate", CM_PARAM_REAL, learning_rate, 0.1, 1e-6, 1),
	NUMBER("bins", CM_PARAM_INT, bins, CM_BINS_MAX, 3, CM_BINS_MAX),
	NUMBER("min_child_weight", CM_PARAM_REAL, min_child_weight, 1, 0, 1e12),
	NUMBER("lambda", CM_PARAM_REAL, lambda, 1, 0, 1e12),
	NUMBER("gamma", CM_PARAM_REAL, gamma, 0, 0, 1e12),
	NUMBER("subsample", CM_PARAM_REAL, subsample, 1, 1e-6, 1),
	NUMBER("colsample", CM_PARAM_REAL, colsample, 1, 1e-6, 1),
	NUMBER("scale_pos_weight", CM_PARAM_REAL, scale_pos_weight, 1, 1e-6, 1e6),
	NUMBER("early_stopping_rounds", CM_PARAM_INT, early_stopping_rounds, 0, 0, CM_GBT_MAX_TREES),
	NUMBER("threads", CM_PARAM_INT, threads, 0, 0, CM_GBT_MAX_THREADS),
	{"objective", CM_PARAM_CHOICE, offsetof(cm_gbt_params, objective), CM_GBT_BINARY, 0, 0,
	objectives, sizeof(objectives) / sizeof(objectives[0])},
};

const cm_param_table cm_gbt_param_table = {gbt_params, sizeof(gbt_params) / sizeof(gbt_params[0])};

void
cm_gbt_default_params(cm_gbt_params *p)
{
	cm_params_default(&cm_gbt_param_table, p, sizeof(*p));
}

cm_status
cm_gbt_check_params(const cm_gbt_params *p)
{
	return cm_params_check(&cm_gbt_param_table, p);
}

int
cm_gbt_threads(int threads)
{
	int			cores = cm_pool_cores();

	if (threads > 0)
		return threads;
	return cores < CM_GBT_MAX_THREADS ? cores : CM_GBT_MAX_THREADS;
}
