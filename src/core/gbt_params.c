/* gbt_params.c - the tunables of gbt training: their defaults and their checks. */
#include "gbt.h"

#include <math.h>
#include <string.h>

void
cm_gbt_default_params(cm_gbt_params *p)
{
	memset(p, 0, sizeof(*p));
	p->objective = CM_GBT_BINARY;
	p->trees = 100;
	p->depth = 6;
	p->learning_rate = 0.1;
	p->min_child_weight = 1;
	p->lambda = 1;
	p->subsample = 1;
	p->colsample = 1;
	p->scale_pos_weight = 1;
	p->seed = 42;
	p->threads = 1;
}

cm_status
cm_gbt_check_params(const cm_gbt_params *p)
{
	if (p->objective != CM_GBT_BINARY && p->objective != CM_GBT_REGRESSION)
		return cm_fail(CM_ERR_INVALID, "unknown objective %d", (int) p->objective);
	if (p->trees < 1 || p->trees > CM_GBT_MAX_TREES)
		return cm_fail(CM_ERR_INVALID, "trees must be between 1 and %d", CM_GBT_MAX_TREES);
	if (p->depth < 1 || p->depth > CM_GBT_MAX_DEPTH)
		return cm_fail(CM_ERR_INVALID, "depth must be between 1 and %d", CM_GBT_MAX_DEPTH);
	if (!(p->learning_rate > 0 && p->learning_rate <= 1))
		return cm_fail(CM_ERR_INVALID, "learning_rate must be in (0, 1]");
	if (!(p->min_child_weight >= 0 && p->lambda >= 0 && p->gamma >= 0) ||
		!isfinite(p->min_child_weight + p->lambda + p->gamma))
		return cm_fail(CM_ERR_INVALID, "min_child_weight, lambda and gamma must be finite and >= 0");
	if (!(p->subsample > 0 && p->subsample <= 1) || !(p->colsample > 0 && p->colsample <= 1))
		return cm_fail(CM_ERR_INVALID, "subsample and colsample must be in (0, 1]");
	if (!(p->scale_pos_weight > 0) || !isfinite(p->scale_pos_weight))
		return cm_fail(CM_ERR_INVALID, "scale_pos_weight must be finite and > 0");
	if (p->threads < 1 || p->threads > CM_GBT_MAX_THREADS)
		return cm_fail(CM_ERR_INVALID, "threads must be between 1 and %d", CM_GBT_MAX_THREADS);
	if (p->early_stopping_rounds < 0)
		return cm_fail(CM_ERR_INVALID, "early_stopping_rounds must be >= 0");
	return CM_OK;
}
