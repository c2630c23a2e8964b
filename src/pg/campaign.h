/*
 * campaign.h - the module's entry: each capability's Init, which _PG_init (campaign.c) calls
 * and nothing else does.  A capability defines its own settings and callbacks in its Init.
 */
#ifndef CAMPAIGN_PG_H
#define CAMPAIGN_PG_H

void		cm_pg_model_store_init(void);	/* model.c: the store's invalidation callback */
void		cm_pg_progress_init(void);	/* progress.c: shared memory when preloaded */
void		cm_pg_scale_out_init(void);	/* scale_out.c: the planner hook carrying models to shards */
void		cm_pg_train_init(void);		/* train.c: the training settings */
void		cm_pg_walk_init(void);		/* walk.c: the walk list settings */

#endif
