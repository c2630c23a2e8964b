/*
 * progress.h - what campaign.train publishes for campaign.training_progress (progress.c).
 */
#ifndef CAMPAIGN_PG_PROGRESS_H
#define CAMPAIGN_PG_PROGRESS_H

#include "postgres.h"

#include "../core/model.h"

/*
 * Every call is a no-op unless campaign is in shared_preload_libraries; begin and end must
 * pair (PG_FINALLY).
 */
typedef enum cm_pg_progress_phase
{
	CM_PG_PROGRESS_READING,
	CM_PG_PROGRESS_TRAINING,
	CM_PG_PROGRESS_EVALUATING,
	CM_PG_PROGRESS_STORING
} cm_pg_progress_phase;

void		cm_pg_progress_begin(const char *model, cm_algorithm algorithm, int total);
void		cm_pg_progress_set_phase(cm_pg_progress_phase phase);
void		cm_pg_progress_rows(uint64 rows);	/* more rows read */
void		cm_pg_progress_steps(int done, int total);	/* trees or iterations */
void		cm_pg_progress_end(void);

#endif
