/*
 * utils.h - small helpers every kind of glue function uses: result sets, aggregate contexts,
 * serialized bytes (utils.c).
 */
#ifndef CAMPAIGN_PG_UTILS_H
#define CAMPAIGN_PG_UTILS_H

#include "postgres.h"
#include "fmgr.h"
#include "access/tupdesc.h"
#include "utils/tuplestore.h"

#include "../core/buffer.h"

/* Set up materialize mode for a set-returning function; rows go to the returned store. */
Tuplestorestate *cm_pg_begin_rows(FunctionCallInfo fcinfo, TupleDesc *desc);

/* The aggregate memory context of a transition or final function; errors (0A000) outside one. */
MemoryContext cm_pg_aggregate_context(FunctionCallInfo fcinfo, const char *function_name);

/*
 * The bytes of a successful writer as a bytea in the current memory context; frees the
 * writer.  Callers check w->status first (with their own wording), and may refuse sizes
 * earlier with a message of their own: a size beyond a bytea's is 54000 here.
 */
bytea	   *cm_pg_writer_to_bytea(cm_writer *w);

#endif
