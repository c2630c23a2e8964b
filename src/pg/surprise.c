/*
 * surprise.c - campaign.turnout_surprise(p, voted): observed turnout of a group against the
 * Poisson-binomial count of its probabilities (core: src/core/surprise.c).
 *
 * The state is a plain float8[] (layout in core/surprise.h), so parallel plans and Citus
 * ship it without serial functions.  Inside an aggregate the transition function adds in
 * place and grows the state by doubling; anywhere else (a user calling the support function
 * directly) it works on a copy.  Every state is validated by the core before use, since a
 * user can hand any array to the support functions.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"

#include "status.h"
#include "utils.h"
#include "../core/memory.h"
#include "../core/rollup.h"
#include "../core/surprise.h"

PG_FUNCTION_INFO_V1(surprise_transfn);
PG_FUNCTION_INFO_V1(surprise_combinefn);
PG_FUNCTION_INFO_V1(surprise_finalfn);

/* The largest array a state needs: a sketch with every bin. */
#define SURPRISE_CAP ((size_t) CM_SURPRISE_HEADER + CM_SURPRISE_MAX_BINS * CM_SURPRISE_BIN_LEN)

/* The elements of a state array, checked as a state; raises on anything forged. */
static double *
state_values(ArrayType *a, size_t *len)
{
	double	   *s = cm_pg_float8_state(a, len);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid turnout_surprise state: expected a one-dimensional float8[] without nulls")));
	CM_PG_CHECK(cm_surprise_state_check(s, *len), "invalid turnout_surprise state");
	return s;
}

Datum
surprise_transfn(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	float8		p = PG_GETARG_FLOAT8(1);
	bool		voted = PG_GETARG_BOOL(2);
	size_t		len,
				need;
	double	   *s = state_values(state, &len);

	CM_PG_CHECK_HINT(cm_rollup_check_p(p), NULL,
					 "Pass NULL for voters without a score; NULL is left out of the group.");
	CM_PG_CHECK(cm_surprise_len_after_add(s, p, &need), "invalid turnout_surprise state");
	if (need > len || !AggCheckCallContext(fcinfo, NULL))
	{
		/* the aggregate machinery copies a new state into its own context */
		state = cm_pg_float8_grow(s, len, Max(need, len), SURPRISE_CAP, "turnout_surprise state");
		s = cm_pg_float8_data(state);
		len = (size_t) ARR_DIMS(state)[0];
	}
	CM_PG_CHECK(cm_surprise_add(s, len, p, voted), "invalid turnout_surprise state");
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
surprise_combinefn(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);
	size_t		alen,
				blen,
				olen;
	double	   *sa = state_values(a, &alen);
	double	   *sb = state_values(b, &blen);
	double	   *o;
	ArrayType  *out;

	CHECK_FOR_INTERRUPTS();
	CM_PG_CHECK(cm_surprise_combine(sa, alen, sb, blen, &o, &olen),
				"cannot combine turnout_surprise states");
	out = cm_pg_float8_array(olen, "turnout_surprise state");
	memcpy(cm_pg_float8_data(out), o, olen * sizeof(double));
	cm_free(o);
	PG_RETURN_ARRAYTYPE_P(out);
}

Datum
surprise_finalfn(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	size_t		len;
	double	   *s = state_values(state, &len);
	cm_surprise r;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};

	CM_PG_CHECK(cm_surprise_final(s, len, &r), "invalid turnout_surprise state");
	values[0] = Int64GetDatum((int64) r.n);
	values[1] = Float8GetDatum(r.expected);
	values[2] = Int64GetDatum((int64) r.observed);
	values[3] = Float8GetDatum(r.p_below);
	values[4] = Float8GetDatum(r.p_above);
	values[5] = BoolGetDatum(r.exact);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(cm_pg_composite_result(fcinfo, "turnout_surprise final function"), values, nulls)));
}
