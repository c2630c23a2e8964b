/*
 * utils.h - small helpers every kind of glue function uses: result sets, aggregate contexts,
 * float8[] states, serialized bytes (utils.c).
 */
#ifndef CAMPAIGN_PG_UTILS_H
#define CAMPAIGN_PG_UTILS_H

#include "postgres.h"
#include "fmgr.h"
#include "access/tupdesc.h"
#include "utils/array.h"
#include "utils/tuplestore.h"

#include "../core/buffer.h"

/* Set up materialize mode for a set-returning function; rows go to the returned store. */
Tuplestorestate *cm_pg_begin_rows(FunctionCallInfo fcinfo, TupleDesc *desc);

/* The aggregate memory context of a transition or final function; errors (0A000) outside one. */
MemoryContext cm_pg_aggregate_context(FunctionCallInfo fcinfo, const char *function_name);

/*
 * The elements of a one-dimensional float8[] without nulls, such as an aggregate state the
 * caller has read with cm_pg_float8_state or built itself (ARR_DATA_PTR trips -Wsign-compare
 * in PostgreSQL's header).
 */
static inline double *
cm_pg_float8_data(ArrayType *a)
{
	return (double *) ((char *) a + ARR_OVERHEAD_NONULLS(1));
}

/*
 * The elements of a float8[] aggregate state and their number (*len), or NULL unless it is
 * one-dimensional float8 without nulls: a user can hand any array to a support function.
 * The caller words the refusal, and the core checks the values.
 */
double	   *cm_pg_float8_state(ArrayType *state, size_t *len);

/* A new one-dimensional float8[] of len zeroed entries; 54000 naming what past MaxArraySize. */
ArrayType  *cm_pg_float8_array(size_t len, const char *what);

/*
 * A copy of the state s[0, len) with room for at least need entries (at most cap unless need
 * is more), its capacity doubled so that appending one entry at a time costs O(1) amortized.
 */
ArrayType  *cm_pg_float8_grow(const double *s, size_t len, size_t need, size_t cap,
							  const char *what);

/*
 * The bytes of a successful writer as a bytea in the current memory context; frees the
 * writer.  Callers check w->status first (with their own wording), and may refuse sizes
 * earlier with a message of their own: a size beyond a bytea's is 54000 here.
 */
bytea	   *cm_pg_writer_to_bytea(cm_writer *w);

/* The blessed row type a final function returns, cached per call site. */
TupleDesc	cm_pg_composite_result(FunctionCallInfo fcinfo, const char *what);

#endif
