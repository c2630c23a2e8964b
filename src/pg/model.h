/*
 * model.h - the model store campaign.models: loading, storing and naming models (model.c).
 */
#ifndef CAMPAIGN_PG_MODEL_H
#define CAMPAIGN_PG_MODEL_H

#include "postgres.h"

#include "../core/model.h"

typedef struct cm_pg_stored_model
{
	int64		id;
	int32		version;
	char	   *name;
	cm_model   *model;			/* decoded, allocated in the caller's memory context */
} cm_pg_stored_model;

/* Load the model predict uses for name (deployed version, else newest); errors if none. */
void		cm_pg_load_model_by_name(const char *name, cm_pg_stored_model *out);
void		cm_pg_load_model_by_id(int64 id, cm_pg_stored_model *out);

/* Bumped whenever campaign.models changes (relcache callback); caches compare it. */
extern uint64 cm_pg_model_store_generation;

/*
 * Insert a new version of model name; returns the new id.  params_json and metrics_json are
 * JSON object texts.
 */
int64		cm_pg_store_model(const char *name, const cm_model *model, const char *label,
							  const char *params_json, const char *metrics_json);

/* Check a model name given by a user (non-empty, at most 63 bytes). */
void		cm_pg_check_model_name(const char *name);

#endif
