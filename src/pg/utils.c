/*
 * utils.c - small helpers every kind of glue function uses: the materialized result set of a
 * set-returning function, the memory context of an aggregate, the values of a float8[] state
 * and new or grown ones,
 * serialized bytes as a bytea.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "utils.h"

Tuplestorestate *
cm_pg_begin_rows(FunctionCallInfo fcinfo, TupleDesc *desc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old;
	TupleDesc	result;
	Tuplestorestate *store;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &result) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	*desc = CreateTupleDescCopy(result);
	store = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0,
								  false, work_mem);
	MemoryContextSwitchTo(old);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = *desc;
	return store;
}

MemoryContext
cm_pg_aggregate_context(FunctionCallInfo fcinfo, const char *function_name)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", function_name)));
	return aggcontext;
}

double *
cm_pg_float8_state(ArrayType *state, size_t *len)
{
	if (ARR_NDIM(state) != 1 || ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID)
		return NULL;
	*len = (size_t) ARR_DIMS(state)[0];
	return cm_pg_float8_data(state);
}

ArrayType *
cm_pg_float8_array(size_t len, const char *what)
{
	Size		bytes;
	ArrayType  *a;

	if (len > MaxArraySize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s of %zu entries is too large", what, len)));
	bytes = ARR_OVERHEAD_NONULLS(1) + len * sizeof(float8);
	a = palloc0(bytes);
	SET_VARSIZE(a, bytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = (int) len;
	ARR_LBOUND(a)[0] = 1;
	return a;
}

/*
 * The capacity doubles, to amortize the copies, and is chosen so the array fills a
 * power-of-two allocation exactly: palloc rounds chunks up to powers of two, so any other
 * size wastes memory, and memory (cache misses on a large hash table) is what a GROUP BY over
 * many groups pays for.
 */
ArrayType *
cm_pg_float8_grow(const double *s, size_t len, size_t need, size_t cap, const char *what)
{
	Size		bytes = ARR_OVERHEAD_NONULLS(1) + Max(need, len) * sizeof(float8);
	Size		chunk = 64;
	size_t		entries;
	ArrayType  *grown;

	while (chunk < bytes && chunk < MaxAllocSize / 2)
		chunk *= 2;
	entries = (chunk - ARR_OVERHEAD_NONULLS(1)) / sizeof(float8);
	entries = Min(entries, cap);
	entries = Max(entries, need);
	grown = cm_pg_float8_array(entries, what);
	memcpy(cm_pg_float8_data(grown), s, Min(need, len) * sizeof(float8));
	return grown;
}

bytea *
cm_pg_writer_to_bytea(cm_writer *w)
{
	bytea	   *out;

	if (w->len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("serialized value of %zu bytes is too large", w->len)));
	out = palloc(VARHDRSZ + w->len);
	SET_VARSIZE(out, VARHDRSZ + w->len);
	memcpy(VARDATA(out), w->data, w->len);
	cm_writer_free(w);
	return out;
}

/*
 * The blessed row type a final function returns, cached per call site (what names the
 * function in the error when it is declared with another return type).
 */
TupleDesc
cm_pg_composite_result(FunctionCallInfo fcinfo, const char *what)
{
	TupleDesc	desc = fcinfo->flinfo->fn_extra;

	if (desc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "%s must return a composite type", what);
		desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = desc;
	}
	return desc;
}
