/*
 * evaluate.c - evaluation aggregates: campaign.auc, calibration and lift over an exact score
 * distribution (internal state, serialized for parallel plans), and campaign.logloss and
 * brier as means of a per-row term (float8[] states merged by PostgreSQL's float8_combine).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"

#include <math.h>

#include "status.h"
#include "utils.h"
#include "../core/buffer.h"
#include "../core/evaluate.h"

/* A clear error for a score that is not a probability (the core would only say "invalid"). */
static void
check_probability(double p)
{
	if (isnan(p) || p < 0.0 || p > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("probability must be between 0 and 1, not %s", float8out_internal(p)),
				 errhint("Pass scores such as campaign.predict() returns, with the outcome as a boolean.")));
}

static cm_score_dist *
new_state(MemoryContext aggcontext, uint32 bins)
{
	cm_score_dist *dist = MemoryContextAlloc(aggcontext, sizeof(cm_score_dist));

	cm_score_dist_init(dist, bins);
	return dist;
}

/* The bins argument of calibration and lift: the same positive number on every row. */
static uint32
bins_argument(FunctionCallInfo fcinfo, cm_score_dist *dist)
{
	int32		bins;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("bins must not be null")));
	bins = PG_GETARG_INT32(3);
	if (bins < 1 || bins > CM_EVAL_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bins must be between 1 and %d, not %d", CM_EVAL_MAX_BINS, bins),
				 errhint("Use 10 for deciles.")));
	if (dist != NULL && dist->bins != (uint32) bins)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bins must be the same on every row")));
	return (uint32) bins;
}

/*
 * Transition of auc(p, y), calibration(p, y, bins) and lift(p, y, bins).  Not strict so that
 * it can create the state; rows with a NULL score or outcome are skipped.
 */
PG_FUNCTION_INFO_V1(score_dist_accum);

Datum
score_dist_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = cm_pg_aggregate_context(fcinfo, "score_dist_accum");
	cm_score_dist *dist = PG_ARGISNULL(0) ? NULL : (cm_score_dist *) PG_GETARG_POINTER(0);
	uint32		bins = PG_NARGS() > 3 ? bins_argument(fcinfo, dist) : 0;
	MemoryContext old;
	double		p;

	if (dist == NULL)
		dist = new_state(aggcontext, bins);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(dist);
	p = PG_GETARG_FLOAT8(1);
	check_probability(p);
	old = MemoryContextSwitchTo(aggcontext);
	CM_PG_CHECK(cm_score_dist_add(dist, p, PG_GETARG_BOOL(2)), "could not count a score");
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(dist);
}

PG_FUNCTION_INFO_V1(score_dist_combine);

Datum
score_dist_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = cm_pg_aggregate_context(fcinfo, "score_dist_combine");
	cm_score_dist *dist = PG_ARGISNULL(0) ? NULL : (cm_score_dist *) PG_GETARG_POINTER(0);
	cm_score_dist *other = PG_ARGISNULL(1) ? NULL : (cm_score_dist *) PG_GETARG_POINTER(1);
	MemoryContext old;

	if (other == NULL)
		PG_RETURN_POINTER(dist);
	if (dist == NULL)
		dist = new_state(aggcontext, other->bins);
	old = MemoryContextSwitchTo(aggcontext);
	CM_PG_CHECK(cm_score_dist_merge(dist, other), "could not combine score states");
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(dist);
}

PG_FUNCTION_INFO_V1(score_dist_serialize);

Datum
score_dist_serialize(PG_FUNCTION_ARGS)
{
	cm_score_dist *dist;
	cm_writer	w;

	(void) cm_pg_aggregate_context(fcinfo, "score_dist_serialize");
	dist = (cm_score_dist *) PG_GETARG_POINTER(0);
	cm_writer_init(&w);
	cm_score_dist_serialize(dist, &w);
	CM_PG_CHECK(w.status, "could not serialize a score state");
	if (w.len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct scores for a parallel aggregate state"),
				 errhint("Round the scores, or SET max_parallel_workers_per_gather = 0.")));
	PG_RETURN_BYTEA_P(cm_pg_writer_to_bytea(&w));
}

/* Validates every byte (cm_reader): a forged state is an error, never a crash. */
PG_FUNCTION_INFO_V1(score_dist_deserialize);

Datum
score_dist_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = cm_pg_aggregate_context(fcinfo, "score_dist_deserialize");
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	cm_score_dist *dist = new_state(aggcontext, 0);
	cm_reader	r;
	MemoryContext old;

	cm_reader_init(&r, VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
	old = MemoryContextSwitchTo(aggcontext);
	CM_PG_CHECK(cm_score_dist_deserialize(&r, dist), "invalid score state");
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(dist);
}

/* Final functions only compact the state (sort and merge ties), which keeps its meaning. */
PG_FUNCTION_INFO_V1(auc_final);

Datum
auc_final(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = cm_pg_aggregate_context(fcinfo, "auc_final");
	cm_score_dist *dist;
	MemoryContext old;
	double		auc;
	bool		defined;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	dist = (cm_score_dist *) PG_GETARG_POINTER(0);
	old = MemoryContextSwitchTo(aggcontext);
	defined = cm_score_dist_auc(dist, &auc);
	MemoryContextSwitchTo(old);
	if (!defined)
		PG_RETURN_NULL();		/* one class only: the AUC is undefined */
	PG_RETURN_FLOAT8(auc);
}

static void
append_number(StringInfo buf, const char *key, double value)
{
	appendStringInfo(buf, ", \"%s\": %s", key, float8out_internal(value));
}

static void
append_ratio(StringInfo buf, const char *key, double num, double den)
{
	if (den > 0)
		append_number(buf, key, num / den);
	else
		appendStringInfo(buf, ", \"%s\": null", key);
}

static Datum
jsonb_of(StringInfo buf)
{
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf->data));
}

/* The bins of a final function's state, computed in the aggregate context. */
static cm_bin *
table_bins(FunctionCallInfo fcinfo, bool lift)
{
	MemoryContext aggcontext = cm_pg_aggregate_context(fcinfo, lift ? "lift_final" : "calibration_final");
	cm_score_dist *dist = (cm_score_dist *) PG_GETARG_POINTER(0);
	cm_bin	   *bins = palloc0(sizeof(cm_bin) * dist->bins);
	MemoryContext old = MemoryContextSwitchTo(aggcontext);

	if (lift)
		CM_PG_CHECK(cm_score_dist_lift(dist, dist->bins, bins), "could not compute the lift table");
	else
		CM_PG_CHECK(cm_score_dist_calibration(dist, dist->bins, bins),
					"could not compute the calibration table");
	MemoryContextSwitchTo(old);
	return bins;
}

PG_FUNCTION_INFO_V1(calibration_final);

Datum
calibration_final(PG_FUNCTION_ARGS)
{
	cm_score_dist *dist;
	StringInfoData buf;
	cm_bin	   *bins;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	dist = (cm_score_dist *) PG_GETARG_POINTER(0);
	if (dist->positives + dist->negatives == 0)
		PG_RETURN_NULL();
	bins = table_bins(fcinfo, false);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (uint32 b = 0; b < dist->bins; b++)
	{
		appendStringInfo(&buf, "%s{\"bin\": %u", b > 0 ? ", " : "", b + 1);
		append_number(&buf, "bin_lower", bins[b].lower);
		append_number(&buf, "bin_upper", bins[b].upper);
		appendStringInfo(&buf, ", \"count\": %.0f", bins[b].count);
		append_ratio(&buf, "mean_predicted", bins[b].sum_p, bins[b].count);
		append_ratio(&buf, "observed_rate", bins[b].positives, bins[b].count);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoChar(&buf, ']');
	PG_RETURN_DATUM(jsonb_of(&buf));
}

static void
append_lift_bin(StringInfo buf, const cm_bin *bin, uint32 b, double base_rate,
				double cum_count, double cum_positives, double positives)
{
	appendStringInfo(buf, "%s{\"bin\": %u", b > 0 ? ", " : "", b + 1);
	if (bin->count > 0)
	{
		append_number(buf, "min_score", bin->lower);
		append_number(buf, "max_score", bin->upper);
	}
	else
		appendStringInfoString(buf, ", \"min_score\": null, \"max_score\": null");
	appendStringInfo(buf, ", \"count\": %.0f", bin->count);
	append_ratio(buf, "mean_predicted", bin->sum_p, bin->count);
	append_ratio(buf, "observed_rate", bin->positives, bin->count);
	append_ratio(buf, "lift", bin->count > 0 ? bin->positives / bin->count : 0,
				 bin->count > 0 ? base_rate : 0);
	appendStringInfo(buf, ", \"cumulative_count\": %.0f", cum_count);
	append_ratio(buf, "cumulative_rate", cum_positives, cum_count);
	append_ratio(buf, "cumulative_lift", cum_count > 0 ? cum_positives / cum_count : 0,
				 cum_count > 0 ? base_rate : 0);
	append_ratio(buf, "gain", cum_positives, positives);
	appendStringInfoChar(buf, '}');
}

PG_FUNCTION_INFO_V1(lift_final);

Datum
lift_final(PG_FUNCTION_ARGS)
{
	cm_score_dist *dist;
	StringInfoData buf;
	cm_bin	   *bins;
	double		rows,
				positives,
				cum_count = 0,
				cum_positives = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	dist = (cm_score_dist *) PG_GETARG_POINTER(0);
	rows = (double) dist->positives + (double) dist->negatives;
	positives = (double) dist->positives;
	if (rows == 0)
		PG_RETURN_NULL();
	bins = table_bins(fcinfo, true);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (uint32 b = 0; b < dist->bins; b++)
	{
		cum_count += bins[b].count;
		cum_positives += bins[b].positives;
		append_lift_bin(&buf, &bins[b], b, positives / rows, cum_count, cum_positives, positives);
	}
	appendStringInfoChar(&buf, ']');
	PG_RETURN_DATUM(jsonb_of(&buf));
}

/*
 * logloss and brier: the state is PostgreSQL's float8 accumulator {N, sum, sum of squares},
 * so float8_combine merges partial states and float8_avg finishes.  The term is added by
 * float8_accum itself, called with our aggregate context so it updates the state in place.
 */
static Datum
accumulate_term(FunctionCallInfo fcinfo, double term)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);

	LOCAL_FCINFO(accum, 2);

	/* a state passed by hand gets a clear error rather than float8_accum's internal one */
	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] != 3 || ARR_HASNULL(state) ||
		ARR_ELEMTYPE(state) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid mean state: expected 3 float8 values")));

	InitFunctionCallInfoData(*accum, NULL, 2, InvalidOid, fcinfo->context, NULL);
	accum->args[0].value = PointerGetDatum(state);
	accum->args[0].isnull = false;
	accum->args[1].value = Float8GetDatum(term);
	accum->args[1].isnull = false;
	return float8_accum(accum);
}

/* The transition of logloss and brier: the row's (p, y) term of the chosen loss. */
static Datum
accumulate_loss(FunctionCallInfo fcinfo, double (*term) (double p, bool positive))
{
	double		p = PG_GETARG_FLOAT8(1);

	check_probability(p);
	return accumulate_term(fcinfo, term(p, PG_GETARG_BOOL(2)));
}

PG_FUNCTION_INFO_V1(logloss_accum);

Datum
logloss_accum(PG_FUNCTION_ARGS)
{
	return accumulate_loss(fcinfo, cm_logloss_term);
}

PG_FUNCTION_INFO_V1(brier_accum);

Datum
brier_accum(PG_FUNCTION_ARGS)
{
	return accumulate_loss(fcinfo, cm_brier_term);
}
