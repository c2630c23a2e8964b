/*
 * predict.h - the model and features of a scoring call, shared by predict and explain (predict.c).
 */
#ifndef CAMPAIGN_PG_PREDICT_H
#define CAMPAIGN_PG_PREDICT_H

#include "postgres.h"
#include "fmgr.h"

#include "../core/model.h"

/*
 * For a call (model text, features record, ...), the model (cached in fn_extra) and
 * the record's features in model order (NaN = missing), with predict's errors for bad input.
 */
const cm_model *cm_pg_model_and_record(FunctionCallInfo fcinfo, const double **x,
									   const char **model_name);

#endif
