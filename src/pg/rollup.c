/*
 * rollup.c - campaign.rollup(p), GEOID levels, empirical-Bayes window functions and
 * differential-privacy noise (core: src/core/rollup.c, src/core/geoid.c).
 *
 * The rollup state is a plain float8[] (layout in core/rollup.h), so parallel plans and
 * distributed engines can ship it without serial functions.  Inside an aggregate the
 * transition function appends in place and grows the state by doubling; anywhere else (a user
 * calling the support function directly) it works on a copy.  Every state is validated by
 * the core before use, since a user can hand any array to the support functions.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "windowapi.h"

#include <math.h>

#include "status.h"
#include "utils.h"
#include "../core/geoid.h"
#include "../core/memory.h"
#include "../core/rollup.h"

PG_FUNCTION_INFO_V1(rollup_transfn);
PG_FUNCTION_INFO_V1(rollup_combinefn);
PG_FUNCTION_INFO_V1(rollup_finalfn);
PG_FUNCTION_INFO_V1(geoid_level);
PG_FUNCTION_INFO_V1(geoid_parent);
PG_FUNCTION_INFO_V1(eb_rate);
PG_FUNCTION_INFO_V1(eb_interval);
PG_FUNCTION_INFO_V1(dp_count);
PG_FUNCTION_INFO_V1(dp_sum);

/* The level of the credible interval of campaign.eb_interval. */
#define EB_LEVEL 0.9

/* ---- float8[] states ------------------------------------------------------------------ */

/* The elements of a state array, checked as a state; raises on anything forged. */
static double *
state_values(ArrayType *a, size_t *len)
{
	double	   *s = cm_pg_float8_state(a, len);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid rollup state: expected a one-dimensional float8[] without nulls")));
	CM_PG_CHECK(cm_rollup_state_check(s, *len), "invalid rollup state");
	return s;
}

Datum
rollup_transfn(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	float8		p = PG_GETARG_FLOAT8(1);
	size_t		len,
				need;
	double	   *s = state_values(state, &len);

	CM_PG_CHECK_HINT(cm_rollup_check_p(p), NULL,
					 "Pass NULL for voters without a score; NULL is left out of the rollup.");
	need = cm_rollup_len_after_add(s);
	if (need > len || !AggCheckCallContext(fcinfo, NULL))
	{
		/* the aggregate machinery copies a new state into its own context */
		state = cm_pg_float8_grow(s, len, Max(need, len),
								  (size_t) CM_ROLLUP_HEADER + CM_ROLLUP_EXACT_MAX, "rollup state");
		s = cm_pg_float8_data(state);
		len = (size_t) ARR_DIMS(state)[0];
	}
	cm_rollup_add(s, len, p);
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
rollup_combinefn(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);
	size_t		alen,
				blen,
				olen;
	double	   *sa = state_values(a, &alen);
	double	   *sb = state_values(b, &blen);
	ArrayType  *out;

	CHECK_FOR_INTERRUPTS();
	olen = cm_rollup_len_after_combine(sa, sb);
	out = cm_pg_float8_array(olen, "rollup state");
	CM_PG_CHECK(cm_rollup_combine(sa, sb, cm_pg_float8_data(out), olen),
				"cannot combine rollup states");
	PG_RETURN_ARRAYTYPE_P(out);
}

Datum
rollup_finalfn(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	size_t		len;
	double	   *s = state_values(state, &len);
	cm_propensity r;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	CM_PG_CHECK(cm_rollup_final(s, len, &r), "invalid rollup state");
	values[0] = Int64GetDatum((int64) r.n);
	values[1] = Float8GetDatum(r.expected);
	values[2] = Float8GetDatum(r.sd);
	values[3] = Int64GetDatum((int64) r.lo);
	values[4] = Int64GetDatum((int64) r.hi);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(cm_pg_composite_result(fcinfo, "rollup final function"), values, nulls)));
}

/* ---- GEOIDs --------------------------------------------------------------------------- */

Datum
geoid_level(PG_FUNCTION_ARGS)
{
	text	   *geoid = PG_GETARG_TEXT_PP(0);
	const char *level;

	CM_PG_CHECK(cm_geoid_level(VARDATA_ANY(geoid), VARSIZE_ANY_EXHDR(geoid), &level),
				"invalid geoid");
	PG_RETURN_TEXT_P(cstring_to_text(level));
}

Datum
geoid_parent(PG_FUNCTION_ARGS)
{
	text	   *geoid = PG_GETARG_TEXT_PP(0);
	char	   *level = text_to_cstring(PG_GETARG_TEXT_PP(1));
	size_t		parent_len;

	CM_PG_CHECK(cm_geoid_parent(VARDATA_ANY(geoid), VARSIZE_ANY_EXHDR(geoid), level, &parent_len),
				"invalid geoid_parent argument");
	PG_RETURN_TEXT_P(cstring_to_text_with_len(VARDATA_ANY(geoid), (int) parent_len));
}

/* ---- empirical Bayes window functions ------------------------------------------------- */

typedef struct eb_partition
{
	bool		fitted;
	double		alpha;
	double		beta;
} eb_partition;

/* Argument argno of row pos (or of the current row when pos < 0); false if NULL. */
static bool
eb_arg(WindowObject win, int argno, int64 pos, double *out)
{
	bool		isnull,
				isout = false;
	Datum		d;

	if (pos < 0)
		d = WinGetFuncArgCurrent(win, argno, &isnull);
	else
		d = WinGetFuncArgInPartition(win, argno, pos, WINDOW_SEEK_HEAD, false, &isnull, &isout);
	if (isout || isnull)
		return false;
	*out = DatumGetFloat8(d);
	return true;
}

static void
eb_check(double successes, double trials)
{
	CM_PG_CHECK(cm_eb_check(successes, trials), "invalid empirical-Bayes input");
}

/* Fit the partition's beta prior once, on its first row (whatever the frame). */
static eb_partition *
eb_fit_partition(WindowObject win)
{
	eb_partition *part = WinGetPartitionLocalMemory(win, sizeof(eb_partition));
	cm_eb_stats st = {0};
	int64		rows = WinGetPartitionRowCount(win);

	if (part->fitted)
		return part;
	for (int64 pos = 0; pos < rows; pos++)
	{
		double		s,
					t;

		if ((pos & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (!eb_arg(win, 0, pos, &s) || !eb_arg(win, 1, pos, &t))
			continue;
		eb_check(s, t);
		cm_eb_add(&st, s, t);
	}
	CM_PG_CHECK(cm_eb_fit(&st, &part->alpha, &part->beta), "could not fit the prior of the partition");
	part->fitted = true;
	return part;
}

/* The current row's posterior; false (NULL result) for NULL input or an empty partition. */
static bool
eb_current(FunctionCallInfo fcinfo, double *mean, double *lo, double *hi)
{
	WindowObject win = PG_WINDOW_OBJECT();
	eb_partition *part = eb_fit_partition(win);
	double		s,
				t;

	if (!eb_arg(win, 0, -1, &s) || !eb_arg(win, 1, -1, &t))
		return false;
	if (part->alpha + part->beta <= 0.0)
		return false;
	CM_PG_CHECK(cm_eb_posterior(part->alpha, part->beta, s, t, EB_LEVEL, mean, lo, hi),
				"could not compute the rate of the row");
	return true;
}

Datum
eb_rate(PG_FUNCTION_ARGS)
{
	double		mean,
				lo,
				hi;

	if (!eb_current(fcinfo, &mean, &lo, &hi))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(mean);
}

Datum
eb_interval(PG_FUNCTION_ARGS)
{
	double		mean,
				lo,
				hi;
	ArrayType  *out;

	if (!eb_current(fcinfo, &mean, &lo, &hi))
		PG_RETURN_NULL();
	out = cm_pg_float8_array(2, "rollup interval");
	(cm_pg_float8_data(out))[0] = lo;
	(cm_pg_float8_data(out))[1] = hi;
	PG_RETURN_ARRAYTYPE_P(out);
}

/* ---- differential privacy ------------------------------------------------------------- */

/* Seeded from the OS once per backend: noise must not be predictable from a seed. */
static cm_rng noise_rng;
static bool noise_rng_seeded = false;

static cm_rng *
get_noise_rng(void)
{
	if (!noise_rng_seeded)
	{
		uint64		seed;

		if (!pg_strong_random(&seed, sizeof(seed)))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not seed the privacy noise generator")));
		cm_rng_seed(&noise_rng, seed);
		noise_rng_seeded = true;
	}
	return &noise_rng;
}

static void
check_positive(double v, const char *name)
{
	if (!isfinite(v) || v <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a positive finite number, got %g", name, v),
				 errhint("Smaller epsilon means more noise and more privacy; 1 is a common choice.")));
}

Datum
dp_count(PG_FUNCTION_ARGS)
{
	float8		n = PG_GETARG_FLOAT8(0);
	float8		epsilon = PG_GETARG_FLOAT8(1);
	double		noisy;

	if (!isfinite(n) || n < 0.0 || n != floor(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must be a non-negative whole count, got %g", n),
				 errhint("Use campaign.dp_sum for sums of probabilities.")));
	check_positive(epsilon, "epsilon");
	/* clamping at zero is post-processing: it costs no privacy */
	CM_PG_CHECK(cm_dp_count(get_noise_rng(), n, epsilon, &noisy), "could not add noise");
	PG_RETURN_FLOAT8(noisy);
}

Datum
dp_sum(PG_FUNCTION_ARGS)
{
	float8		x = PG_GETARG_FLOAT8(0);
	float8		epsilon = PG_GETARG_FLOAT8(1);
	float8		sensitivity = PG_GETARG_FLOAT8(2);
	double		noisy;

	if (!isfinite(x))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("sum must be finite")));
	check_positive(epsilon, "epsilon");
	check_positive(sensitivity, "sensitivity");
	CM_PG_CHECK(cm_dp_sum(get_noise_rng(), x, epsilon, sensitivity, &noisy), "could not add noise");
	PG_RETURN_FLOAT8(noisy);
}
