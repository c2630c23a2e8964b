/*
 * campaign.h - declarations shared by the glue files of src/pg.
 */
#ifndef CAMPAIGN_PG_H
#define CAMPAIGN_PG_H

#include "postgres.h"
#include "fmgr.h"
#include "utils/tuplestore.h"

#include "../core/model.h"
#include "../core/status.h"

/* GUC values (campaign.c) */
extern int	campaign_train_memory_limit_kb;
extern int	campaign_max_train_threads;
extern int	campaign_max_route_points;

/* walk.c: define the walk list settings (called from _PG_init). */
void		cm_pg_walk_init(void);

/*
 * status.c: raise a core failure as an ERROR with the SQLSTATE of its status (status.c is the
 * only map from statuses to SQLSTATEs).  The message is "what: <the core's message>", or the
 * core's message alone when what is NULL; hint, unless NULL, is the errhint: a sentence
 * telling the user what to do.
 */
void		cm_pg_raise(cm_status status, const char *what) pg_attribute_noreturn();
void		cm_pg_raise_hint(cm_status status, const char *what, const char *hint)
			pg_attribute_noreturn();

/* The glue's own message (and hint, or NULL) for a failure of a given status. */
typedef struct cm_pg_wording
{
	cm_status	status;
	const char *message;
	const char *hint;
} cm_pg_wording;

/*
 * Raise a failure in the wording listed for its status, or as cm_pg_raise(status, what) when
 * none is: for calls whose expected failures have messages of their own.  The SQLSTATE is
 * still the status's.
 */
void		cm_pg_raise_worded(cm_status status, const char *what, const cm_pg_wording *wordings,
							   int n_wordings) pg_attribute_noreturn();

/* Raise unless the core call succeeded; the _HINT form adds a hint. */
#define CM_PG_CHECK(call, what) CM_PG_CHECK_HINT(call, what, NULL)
#define CM_PG_CHECK_HINT(call, what, hint) \
	do { \
		cm_status cm_pg_status_ = (call); \
		if (cm_pg_status_ != CM_OK) \
			cm_pg_raise_hint(cm_pg_status_, (what), (hint)); \
	} while (0)

/* features.c: the SQL types a model feature may have. */
bool		cm_pg_feature_type_of(Oid typid, cm_feature_type *type);
const char *cm_pg_feature_type_name(cm_feature_type type);
/* A non-NULL Datum of a supported type as a double. */
double		cm_pg_datum_to_double(Datum value, Oid typid);

/*
 * The category string of a value of a categorical feature: the bytes of text, varchar and
 * char (trailing spaces dropped), else the type's output text (enum labels, integers, ...).
 */
typedef struct cm_pg_category_reader
{
	Oid			typid;
	bool		is_text;
	FmgrInfo	output;			/* the type's output function unless is_text */
} cm_pg_category_reader;

void		cm_pg_category_reader_init(cm_pg_category_reader *reader, Oid typid,
									   MemoryContext cxt);
/* Not NUL-terminated: *len bytes; valid until the value or the call's memory goes. */
const char *cm_pg_category_text(const cm_pg_category_reader *reader, Datum value, size_t *len);

/* model.c: the model store. */
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

/*
 * predict.c: for a call (model text, features record, ...), the model (cached in fn_extra) and
 * the record's features in model order (NaN = missing), with predict's errors for bad input.
 */
const cm_model *cm_pg_model_and_record(FunctionCallInfo fcinfo, const double **x,
									   const char **model_name);

/* Bumped whenever campaign.models changes (relcache callback); caches compare it. */
extern uint64 cm_pg_model_store_generation;
void		cm_pg_model_store_init(void);

/*
 * Insert a new version of model name; returns the new id.  params_json and metrics_json are
 * JSON object texts.
 */
int64		cm_pg_store_model(const char *name, const cm_model *model, const char *label,
							  const char *params_json, const char *metrics_json);

/* Check a model name given by a user (non-empty, at most 63 bytes). */
void		cm_pg_check_model_name(const char *name);

/* explain.c: set up materialize mode for a set-returning function; rows go to the store. */
Tuplestorestate *cm_pg_begin_rows(FunctionCallInfo fcinfo, TupleDesc *desc);

/*
 * progress.c: what campaign.train publishes for campaign.training_progress.  Every call is a
 * no-op unless campaign is in shared_preload_libraries; begin and end must pair (PG_FINALLY).
 */
typedef enum cm_pg_progress_phase
{
	CM_PG_PROGRESS_READING,
	CM_PG_PROGRESS_TRAINING,
	CM_PG_PROGRESS_EVALUATING,
	CM_PG_PROGRESS_STORING
} cm_pg_progress_phase;

void		cm_pg_progress_init(void);	/* from _PG_init */
void		cm_pg_progress_begin(const char *model, cm_algorithm algorithm, int total);
void		cm_pg_progress_set_phase(cm_pg_progress_phase phase);
void		cm_pg_progress_rows(uint64 rows);	/* more rows read */
void		cm_pg_progress_steps(int done, int total);	/* trees or iterations */
void		cm_pg_progress_end(void);

#endif
