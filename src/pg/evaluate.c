/*
 * evaluate.c - evaluation aggregates: campaign.auc, calibration and lift over an exact score
 * distribution (the campaign.score_distribution state of evaluate_state.c, which
 * campaign.score_distribution() returns as it is), and campaign.logloss and brier as means of
 * a per-row term (float8[] states merged by PostgreSQL's float8_combine).
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

#include "evaluate_state.h"
#include "status.h"

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
 * Transition of auc(p, y), calibration(p, y, bins), lift(p, y, bins) and score_distribution.
 * Not strict so that it can create the state; rows with a NULL score or outcome are skipped.
 * In an aggregate the state is a read-write expanded object under the aggregate's context,
 * counted into in place: the same pointer comes back, so PostgreSQL (and Citus) keep it
 * without copying.  Called by hand, it counts into a copy.
 */
PG_FUNCTION_INFO_V1(score_dist_accum);

Datum
score_dist_accum(PG_FUNCTION_ARGS)
{
	cm_pg_score_state *state = PG_ARGISNULL(0) ? NULL : cm_pg_score_state_writable(fcinfo, 0);
	uint32		bins = PG_NARGS() > 3 ? bins_argument(fcinfo, state ? &state->dist : NULL) : 0;
	MemoryContext old;
	double		p;

	if (state == NULL)
		state = cm_pg_score_state_new(fcinfo, bins);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_DATUM(CM_PG_SCORE_STATE_DATUM(state));
	p = PG_GETARG_FLOAT8(1);
	check_probability(p);
	old = MemoryContextSwitchTo(state->hdr.eoh_context);
	CM_PG_CHECK(cm_score_dist_add(&state->dist, p, PG_GETARG_BOOL(2)), "could not count a score");
	MemoryContextSwitchTo(old);
	PG_RETURN_DATUM(CM_PG_SCORE_STATE_DATUM(state));
}

/*
 * Combine function (parallel plans, partitionwise aggregation, Citus' coordinator), also
 * callable on two states by hand: the rows of both.  Not strict, so that the first state it
 * keeps is its own copy under the aggregate's context.
 */
PG_FUNCTION_INFO_V1(score_dist_combine);

Datum
score_dist_combine(PG_FUNCTION_ARGS)
{
	cm_pg_score_state *state;
	cm_pg_score_state *other;
	bool		decoded;
	MemoryContext old;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(CM_PG_SCORE_STATE_DATUM(cm_pg_score_state_copy(fcinfo, 1)));
	state = cm_pg_score_state_writable(fcinfo, 0);
	other = cm_pg_score_state_readable(fcinfo, 1, &decoded);
	old = MemoryContextSwitchTo(state->hdr.eoh_context);
	CM_PG_CHECK(cm_score_dist_merge(&state->dist, &other->dist), "could not combine score states");
	MemoryContextSwitchTo(old);
	if (decoded)
		cm_pg_score_state_free(other);
	PG_RETURN_DATUM(CM_PG_SCORE_STATE_DATUM(state));
}

/*
 * Final functions (also callable on a state by hand) only read the state; compacting it
 * (sorting and merging equal scores) keeps its value.
 */
PG_FUNCTION_INFO_V1(auc_final);

Datum
auc_final(PG_FUNCTION_ARGS)
{
	cm_pg_score_state *state;
	bool		decoded;
	double		auc;
	bool		defined;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = cm_pg_score_state_readable(fcinfo, 0, &decoded);
	defined = cm_score_dist_auc(&state->dist, &auc);
	if (decoded)
		cm_pg_score_state_free(state);
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

/* The bins of a calibration or lift table of dist, as many as its state was built with. */
static cm_bin *
table_bins(cm_score_dist *dist, bool lift)
{
	cm_bin	   *bins = palloc0(sizeof(cm_bin) * dist->bins);

	if (lift)
		CM_PG_CHECK(cm_score_dist_lift(dist, dist->bins, bins), "could not compute the lift table");
	else
		CM_PG_CHECK(cm_score_dist_calibration(dist, dist->bins, bins),
					"could not compute the calibration table");
	return bins;
}

static Datum
calibration_json(const cm_score_dist *dist, const cm_bin *bins)
{
	StringInfoData buf;

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
	return jsonb_of(&buf);
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

static Datum
lift_json(const cm_score_dist *dist, const cm_bin *bins)
{
	double		rows = (double) dist->positives + (double) dist->negatives;
	double		positives = (double) dist->positives;
	double		cum_count = 0,
				cum_positives = 0;
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (uint32 b = 0; b < dist->bins; b++)
	{
		cum_count += bins[b].count;
		cum_positives += bins[b].positives;
		append_lift_bin(&buf, &bins[b], b, positives / rows, cum_count, cum_positives, positives);
	}
	appendStringInfoChar(&buf, ']');
	return jsonb_of(&buf);
}

/* calibration_final and lift_final: the table of the state, NULL when it counted no row. */
static Datum
table_final(FunctionCallInfo fcinfo, bool lift)
{
	cm_pg_score_state *state;
	bool		decoded;
	Datum		table = (Datum) 0;
	bool		counted;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = cm_pg_score_state_readable(fcinfo, 0, &decoded);
	counted = state->dist.positives + state->dist.negatives > 0;
	if (counted)
	{
		cm_bin	   *bins = table_bins(&state->dist, lift);

		table = lift ? lift_json(&state->dist, bins) : calibration_json(&state->dist, bins);
		pfree(bins);
	}
	if (decoded)
		cm_pg_score_state_free(state);
	if (!counted)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(table);
}

PG_FUNCTION_INFO_V1(calibration_final);

Datum
calibration_final(PG_FUNCTION_ARGS)
{
	return table_final(fcinfo, false);
}

PG_FUNCTION_INFO_V1(lift_final);

Datum
lift_final(PG_FUNCTION_ARGS)
{
	return table_final(fcinfo, true);
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
