/*
 * explain.c - campaign.explain() and campaign.explain_top(): why a model scored a row so.
 *
 * The model and the record's features come from predict.c (same cache, same checks); the
 * contributions from src/core/explain.c.  explain() returns its rows in materialize mode so
 * fn_extra stays free for the model cache.  Each has a carried form (the model's bytes as an
 * argument after its name) that Citus shards run (scale_out.c).
 */
#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

#include "predict.h"
#include "status.h"
#include "utils.h"
#include "../core/explain.h"

#define BASE_LABEL "(base)"

typedef struct explanation
{
	const cm_model *model;
	const char *model_name;
	double		base;
	double	   *contrib;		/* n_features, model order */
} explanation;

static void
explain_row(FunctionCallInfo fcinfo, cm_pg_model_source source, explanation *e)
{
	const double *x;

	e->model = cm_pg_model_and_record(fcinfo, source, &x, &e->model_name);
	if (!cm_explain_supported(e->model))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model \"%s\" is a %s model, which cannot be explained yet",
						e->model_name, cm_algorithm_by_id(e->model->algorithm)->name),
				 errhint("Explanations are available for logistic and gbt models.")));
	e->contrib = palloc(sizeof(double) * e->model->n_features);
	CM_PG_CHECK(cm_explain(e->model, x, e->contrib, &e->base), "explain");
}

static void
put_row(Tuplestorestate *store, TupleDesc desc, const char *feature, double contribution)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = CStringGetTextDatum(feature);
	values[1] = Float8GetDatum(contribution);
	tuplestore_putvalues(store, desc, values, nulls);
}

static Datum
explain_common(FunctionCallInfo fcinfo, cm_pg_model_source source)
{
	explanation e;
	TupleDesc	desc;
	Tuplestorestate *store;

	explain_row(fcinfo, source, &e);
	store = cm_pg_begin_rows(fcinfo, &desc);
	put_row(store, desc, BASE_LABEL, e.base);
	for (uint32 j = 0; j < e.model->n_features; j++)
		put_row(store, desc, e.model->feature_names[j], e.contrib[j]);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(explain_by_name);
PG_FUNCTION_INFO_V1(explain_carried);

Datum
explain_by_name(PG_FUNCTION_ARGS)
{
	return explain_common(fcinfo, CM_PG_MODEL_BY_NAME);
}

Datum
explain_carried(PG_FUNCTION_ARGS)
{
	return explain_common(fcinfo, CM_PG_MODEL_CARRIED);
}

static void
append_number(StringInfo buf, double v)
{
	appendStringInfoString(buf, float8out_internal(v));
}

/* {"base": b, "output": raw, "top": [{"feature": f, "contribution": c}, ...]} */
static Datum
explain_top_common(FunctionCallInfo fcinfo, cm_pg_model_source source, int k_arg)
{
	explanation e;
	StringInfoData buf;
	uint32	   *order;
	double		output;
	int32		k;

	if (PG_ARGISNULL(k_arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("k must not be null")));
	k = PG_GETARG_INT32(k_arg);
	if (k <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be positive, not %d", k)));
	explain_row(fcinfo, source, &e);
	order = palloc(sizeof(uint32) * e.model->n_features);
	cm_explain_rank(e.contrib, e.model->n_features, order);
	output = e.base;
	for (uint32 j = 0; j < e.model->n_features; j++)
		output += e.contrib[j];
	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"base\": ");
	append_number(&buf, e.base);
	appendStringInfoString(&buf, ", \"output\": ");
	append_number(&buf, output);
	appendStringInfoString(&buf, ", \"top\": [");
	for (uint32 i = 0; i < e.model->n_features && i < (uint32) k; i++)
	{
		appendStringInfoString(&buf, i ? ", {\"feature\": " : "{\"feature\": ");
		escape_json(&buf, e.model->feature_names[order[i]]);
		appendStringInfoString(&buf, ", \"contribution\": ");
		append_number(&buf, e.contrib[order[i]]);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

PG_FUNCTION_INFO_V1(explain_top_by_name);
PG_FUNCTION_INFO_V1(explain_top_carried);

Datum
explain_top_by_name(PG_FUNCTION_ARGS)
{
	return explain_top_common(fcinfo, CM_PG_MODEL_BY_NAME, 2);
}

Datum
explain_top_carried(PG_FUNCTION_ARGS)
{
	return explain_top_common(fcinfo, CM_PG_MODEL_CARRIED, 3);
}
