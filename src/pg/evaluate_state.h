/*
 * evaluate_state.h - campaign.score_distribution, the state of campaign.auc, calibration and
 * lift, as the aggregates' glue uses it (evaluate_state.c): a value is either flat (a varlena
 * holding cm_score_dist_serialize's bytes) or expanded (a cm_score_dist in memory, which the
 * transition function updates in place).
 */
#ifndef CAMPAIGN_PG_EVALUATE_STATE_H
#define CAMPAIGN_PG_EVALUATE_STATE_H

#include "postgres.h"
#include "fmgr.h"
#include "utils/expandeddatum.h"

#include "../core/evaluate.h"

typedef struct cm_pg_score_state
{
	ExpandedObjectHeader hdr;	/* first: the state is an expanded object */
	cm_score_dist dist;
} cm_pg_score_state;

/*
 * A new empty state: in an aggregate, where the aggregate keeps it without copying (a child of
 * its aggregate context that all its states share); else in a memory context of its own under
 * the current one.  Allocations for the state go to state->hdr.eoh_context.
 */
cm_pg_score_state *cm_pg_score_state_new(FunctionCallInfo fcinfo, uint32 bins);

/* A new state (placed like cm_pg_score_state_new) with the rows of argument argno. */
cm_pg_score_state *cm_pg_score_state_copy(FunctionCallInfo fcinfo, int argno);

/*
 * The state of argument argno, to update: the state itself when the argument is a read-write
 * pointer to an expanded one (an aggregate's running state), else a copy.
 */
cm_pg_score_state *cm_pg_score_state_writable(FunctionCallInfo fcinfo, int argno);

/*
 * The state of argument argno, to read: an expanded state as it is (*decoded = false), or a
 * flat one decoded into a new state in the current memory context (*decoded = true), which the
 * caller releases with cm_pg_score_state_free.  Reading may compact the state (sort and merge
 * equal scores), which keeps its value.
 */
cm_pg_score_state *cm_pg_score_state_readable(FunctionCallInfo fcinfo, int argno,
											  bool *decoded);

/* Free a state cm_pg_score_state_readable decoded. */
void		cm_pg_score_state_free(cm_pg_score_state *state);

/* The datum of a state: a read-write pointer, which an aggregate keeps without copying. */
#define CM_PG_SCORE_STATE_DATUM(state) EOHPGetRWDatum(&(state)->hdr)

#endif
