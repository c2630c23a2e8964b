/*
 * predict.h - the model and features of a scoring call, shared by predict and explain (predict.c).
 */
#ifndef CAMPAIGN_PG_PREDICT_H
#define CAMPAIGN_PG_PREDICT_H

#include "postgres.h"
#include "fmgr.h"

#include "../core/model.h"

/* How a scoring call names its model: its first argument(s). */
typedef enum cm_pg_model_source
{
	CM_PG_MODEL_BY_NAME,		/* (model text, ...): the store's deployed or newest version */
	CM_PG_MODEL_BY_ID,			/* (model bigint, ...) */
	CM_PG_MODEL_CARRIED			/* (model text, model_bytes bytea, ...): the bytes themselves */
} cm_pg_model_source;

/*
 * For a call (model..., features record, ...), the model (cached in fn_extra) and
 * the record's features in model order (NaN = missing), with predict's errors for bad input.
 */
const cm_model *cm_pg_model_and_record(FunctionCallInfo fcinfo, cm_pg_model_source source,
									   const double **x, const char **model_name);

#endif
