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
	bytea	   *bytes;			/* or the bytes as stored (the fetch functions) */
} cm_pg_stored_model;

/* Load the model predict uses for name (deployed version, else newest); errors if none. */
void		cm_pg_load_model_by_name(const char *name, cm_pg_stored_model *out);
void		cm_pg_load_model_by_id(int64 id, cm_pg_stored_model *out);

/* The same rows with their bytes as stored, not decoded (for carrying them to Citus shards). */
void		cm_pg_fetch_model_bytes_by_name(const char *name, cm_pg_stored_model *out);
void		cm_pg_fetch_model_bytes_by_id(int64 id, cm_pg_stored_model *out);

/*
 * Decode model bytes into the caller's memory context, or raise: what the bytes are (e.g.
 * "model \"x\"") starts the message.  Besides the core's checks, every text of the model
 * must be valid in the database encoding (22021).
 */
cm_model   *cm_pg_decode_model(const void *bytes, size_t len, const char *what);

/* Whether this database has the citus extension. */
bool		cm_pg_citus_installed(void);

/* The hint of "model ... does not exist": where models come from, and on Citus where they live. */
const char *cm_pg_missing_model_hint(void);

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
