/*
 * model.c - the model store: campaign.models rows, export/import, the row trigger that keeps
 * every row consistent with its bytes and the store's rules, and the cache generation that
 * tells predict's per-call-site caches a model may have changed.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include <math.h>

#include "model.h"
#include "campaign.h"
#include "features.h"
#include "status.h"
#include "utils.h"
#include "../core/buffer.h"

/* The last version number a model name can take: far from int4's end, so "next" always exists. */
#define MODEL_MAX_VERSION 1000000000

uint64		cm_pg_model_store_generation = 1;

/*
 * The OID of campaign.models while it is known, else InvalidOid.  It is forgotten at every
 * invalidation of that relation (DROP EXTENSION sends one), and learnt again by the next model
 * lookup: a pooled backend that sees the extension dropped and created again then follows the
 * new table instead of watching the dropped OID forever.
 */
static Oid	models_relid = InvalidOid;

/*
 * Any relcache invalidation of campaign.models (or of everything) bumps the generation; so does
 * any invalidation while the table's OID is not known.  No catalog lookup here: invalidation
 * callbacks should not read catalogs.
 */
static void
model_store_relcache_callback(Datum arg pg_attribute_unused(), Oid relid)
{
	if (OidIsValid(relid) && OidIsValid(models_relid) && relid != models_relid)
		return;
	cm_pg_model_store_generation++;
	models_relid = InvalidOid;
}

/* Learn the OID of campaign.models again after an invalidation (in a transaction). */
static void
remember_models_relid(void)
{
	Oid			nsp;

	if (OidIsValid(models_relid))
		return;
	nsp = get_namespace_oid("campaign", true);
	if (OidIsValid(nsp))
		models_relid = get_relname_relid("models", nsp);
}

void
cm_pg_model_store_init(void)
{
	CacheRegisterRelcacheCallback(model_store_relcache_callback, (Datum) 0);
}

PG_FUNCTION_INFO_V1(models_changed);

/* Statement trigger on campaign.models: tell every backend's caches that models changed. */
Datum
models_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("campaign.models_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}

void
cm_pg_check_model_name(const char *name)
{
	size_t		len = strlen(name);

	if (len == 0 || len > CM_MODEL_MAX_NAME)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model name must have 1 to %d bytes", CM_MODEL_MAX_NAME)));
}

static void
report_invalid_text(const char *what, const char *which) pg_attribute_noreturn();

static void
report_invalid_text(const char *what, const char *which)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
			 errmsg("%s: %s is not valid %s", what, which, GetDatabaseEncodingName()),
			 errdetail("Every text in a model must be valid in the database encoding.")));
	pg_unreachable();
}

static bool
valid_text(const char *s, size_t len)
{
	return pg_verify_mbstr(GetDatabaseEncoding(), s, (int) len, true);
}

/*
 * Every text of a decoded model in the database encoding: feature names and metadata land in
 * campaign.models' text columns and in messages, and one invalid byte in that table makes the
 * COPY of a pg_dump of it fail at restore, losing every model.
 */
static void
check_model_texts(const cm_model *model, const char *what)
{
	for (uint32 i = 0; i < model->n_features; i++)
		if (!valid_text(model->feature_names[i], strlen(model->feature_names[i])))
			report_invalid_text(what, psprintf("the name of feature %u", i + 1));
	for (uint32 i = 0; i < model->n_features; i++)
		for (uint32 k = 0; k < model->categories[i].n; k++)
			if (!valid_text(model->categories[i].values[k], model->categories[i].lengths[k]))
				report_invalid_text(what, psprintf("category %u of feature \"%s\"", k + 1,
												   model->feature_names[i]));
	if (!valid_text(model->metadata, strlen(model->metadata)))
		report_invalid_text(what, "the metadata (label, params, metrics)");
}

cm_model *
cm_pg_decode_model(const void *bytes, size_t len, const char *what)
{
	cm_model   *model;

	CM_PG_CHECK(cm_model_decode(bytes, len, &model), what);
	check_model_texts(model, what);
	return model;
}

/* Decode the bytea of a stored model into the caller's memory context. */
static cm_model *
decode_stored(bytea *bytes, const char *what)
{
	return cm_pg_decode_model(VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes), what);
}

/*
 * Whether this database has Citus: then models live in the coordinator's store and scoring
 * calls carry them to the shards (scale_out.c).
 */
bool
cm_pg_citus_installed(void)
{
	return OidIsValid(get_extension_oid("citus", true));
}

const char *
cm_pg_missing_model_hint(void)
{
	if (cm_pg_citus_installed())
		return "On Citus, models live in the coordinator's campaign.models: score from the coordinator, "
			"with campaign in its shared_preload_libraries and the model named by a constant, "
			"and it carries the model to the shards (docs/scale-out.md).";
	return "Train one with campaign.train() or list them in campaign.model_catalog.";
}

/*
 * Run a read-only lookup of one model row (id, version, model, name) into the caller's context:
 * the model decoded, or (decode false) its bytes as stored.  Read-only SPI uses the caller's
 * snapshot, so one query sees one model version.
 */
static bool
load_model(const char *sql, Oid argtype, Datum arg, cm_pg_stored_model *out, const char *what,
		   bool decode)
{
	MemoryContext caller = CurrentMemoryContext;
	bool		found;

	remember_models_relid();
	SPI_connect();
	if (SPI_execute_with_args(sql, 1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "model lookup failed");
	found = SPI_processed > 0;
	if (found)
	{
		HeapTuple	tuple = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext spi = MemoryContextSwitchTo(caller);
		bytea	   *bytes = DatumGetByteaPP(SPI_getbinval(tuple, desc, 3, &isnull));

		out->id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		out->version = DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull));
		out->name = TextDatumGetCString(SPI_getbinval(tuple, desc, 4, &isnull));
		out->model = decode ? decode_stored(bytes, what) : NULL;
		out->bytes = decode ? NULL : DatumGetByteaPCopy(PointerGetDatum(bytes));
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	return found;
}

/* The model predict uses for name: the deployed version, else the newest. */
static void
lookup_by_name(const char *name, cm_pg_stored_model *out, bool decode)
{
	char	   *what = psprintf("model \"%s\"", name);

	if (!load_model("SELECT id, version, model, name FROM campaign.models"
					" WHERE name OPERATOR(pg_catalog.=) $1"
					" ORDER BY deployed DESC, version DESC LIMIT 1",
					TEXTOID, CStringGetTextDatum(name), out, what, decode))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name),
				 errhint("%s", cm_pg_missing_model_hint())));
	pfree(what);
}

static void
lookup_by_id(int64 id, cm_pg_stored_model *out, bool decode)
{
	char	   *what = psprintf("model id " INT64_FORMAT, id);

	if (!load_model("SELECT id, version, model, name FROM campaign.models"
					" WHERE id OPERATOR(pg_catalog.=) $1",
					INT8OID, Int64GetDatum(id), out, what, decode))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model id " INT64_FORMAT " does not exist", id),
				 errhint("%s", cm_pg_missing_model_hint())));
	pfree(what);
}

void
cm_pg_load_model_by_name(const char *name, cm_pg_stored_model *out)
{
	lookup_by_name(name, out, true);
}

void
cm_pg_load_model_by_id(int64 id, cm_pg_stored_model *out)
{
	lookup_by_id(id, out, true);
}

void
cm_pg_fetch_model_bytes_by_name(const char *name, cm_pg_stored_model *out)
{
	lookup_by_name(name, out, false);
}

void
cm_pg_fetch_model_bytes_by_id(int64 id, cm_pg_stored_model *out)
{
	lookup_by_id(id, out, false);
}

/* Text array datum of the model's feature names, or of their type names. */
static Datum
feature_array(const cm_model *model, bool types)
{
	Datum	   *items = palloc(sizeof(Datum) * model->n_features);

	for (uint32 i = 0; i < model->n_features; i++)
		items[i] = CStringGetTextDatum(types ?
									   cm_pg_feature_type_name(model->feature_types[i]) :
									   model->feature_names[i]);
	return PointerGetDatum(construct_array(items, (int) model->n_features, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/*
 * Serialize a model into a new bytea.  A number that is not finite (a fit that overflowed) is
 * refused here: its bytes would be stored, become the active version and fail every load.
 */
static bytea *
encode_model(const cm_model *model, const char *name)
{
	cm_writer	w;

	cm_writer_init(&w);
	cm_model_encode(model, &w);
	if (w.status == CM_ERR_NONFINITE)
		cm_pg_raise_hint(w.status, psprintf("could not store model \"%s\"", name),
						 "The fit overflowed double precision: scale very large features down "
						 "(divide them by a constant) and train again.");
	CM_PG_CHECK(w.status, "could not serialize the model");
	if (w.len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("serialized model of %zu bytes is too large", w.len)));
	return cm_pg_writer_to_bytea(&w);
}

static void
report_no_version_left(const char *name, int64 last) pg_attribute_noreturn();

static void
report_no_version_left(const char *name, int64 last)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("model \"%s\" has no version number left", name),
			 errdetail("Its newest version is " INT64_FORMAT "; versions end at %d.", last,
					   MODEL_MAX_VERSION),
			 errhint("Delete its versions above %d, or store the model under another name.",
					 MODEL_MAX_VERSION - 1)));
	pg_unreachable();
}

/*
 * The newest version of a model name, 0 if none.  read_only: in the caller's snapshot;
 * otherwise, under READ COMMITTED, in a fresh one.
 */
static int64
last_version(const char *name, bool read_only)
{
	Oid			argtype = TEXTOID;
	Datum		arg = CStringGetTextDatum(name);
	bool		isnull;
	int64		last;

	SPI_connect();
	if (SPI_execute_with_args("SELECT COALESCE(pg_catalog.max(version), 0)::pg_catalog.int8"
							  " FROM campaign.models WHERE name OPERATOR(pg_catalog.=) $1",
							  1, &argtype, &arg, NULL, read_only, 1) != SPI_OK_SELECT)
		elog(ERROR, "model version lookup failed");
	last = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return last;
}

/*
 * One try at inserting the row as the next version of its name; whether a row was inserted.
 * The number is computed in the insert's own snapshot, which the row trigger checks it
 * against.  Under REPEATABLE READ or SERIALIZABLE the snapshot may predate a version committed
 * by a concurrent transaction, and the number computed from it collides on UNIQUE (name,
 * version): that is reported as the serialization failure it is, which clients know to retry.
 */
static bool
insert_once(const char *sql, const char *name, Oid *types, Datum *values, const char *nulls)
{
	MemoryContext caller = CurrentMemoryContext;

	PG_TRY();
	{
		if (SPI_execute_with_args(sql, 8, types, values, nulls, false, 0) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "could not store the model");
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		/* only a concurrent version of this name, never another constraint, is a retry */
		if (edata->sqlerrcode != ERRCODE_UNIQUE_VIOLATION || !IsolationUsesXactSnapshot() ||
			edata->constraint_name == NULL ||
			strcmp(edata->constraint_name, "models_name_version_key") != 0)
			PG_RE_THROW();
		FlushErrorState();
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access: model \"%s\" got a new version in a concurrent transaction",
						name),
				 errhint("Retry the transaction.")));
	}
	PG_END_TRY();
	return SPI_processed > 0;
}

/*
 * Insert the row as the next version of its name.  No lock is taken first, so no role can
 * block trainings by holding one: the unique key (name, version) orders them.  A concurrent
 * transaction storing the same number makes the insert wait for it; when it commits, READ
 * COMMITTED skips the conflict (ON CONFLICT DO NOTHING) and tries again in a fresh snapshot,
 * which sees that version and takes the next number.  Only a role that may insert into
 * campaign.models can make a training wait.
 */
static void
insert_next_version(const char *name, Oid *types, Datum *values, const char *nulls)
{
	bool		retry = !IsolationUsesXactSnapshot();
	char	   *sql = psprintf("INSERT INTO campaign.models"
							   " (name, version, algorithm, label, features, feature_types, params, metrics, model)"
							   " SELECT $1, n.last OPERATOR(pg_catalog.+) 1, $2, $3, $4, $5, $6, $7, $8"
							   " FROM (SELECT COALESCE(pg_catalog.max(version), 0) AS last"
							   "       FROM campaign.models WHERE name OPERATOR(pg_catalog.=) $1) n"
							   " WHERE n.last OPERATOR(pg_catalog.<) %d%s RETURNING id",
							   MODEL_MAX_VERSION,
							   retry ? " ON CONFLICT ON CONSTRAINT models_name_version_key DO NOTHING" : "");

	int64		seen = -1;

	while (!insert_once(sql, name, types, values, nulls))
	{
		int64		last = last_version(name, false);

		if (last >= MODEL_MAX_VERSION)
			report_no_version_left(name, last);
		if (!retry)
			elog(ERROR, "could not store model \"%s\"", name);
		/* a conflict with a version this role cannot see (row security) would never end */
		if (last == seen)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("model \"%s\" has a version " INT64_FORMAT " this role cannot see", name,
							last + 1),
					 errdetail("Row-level security on campaign.models hides versions of this name.")));
		seen = last;
		CHECK_FOR_INTERRUPTS();
	}
}

int64
cm_pg_store_model(const char *name, const cm_model *model, const char *label,
				  const char *params_json, const char *metrics_json)
{
	Oid			types[8] = {TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID,
	JSONBOID, JSONBOID, BYTEAOID};
	Datum		values[8];
	char		nulls[8] = "        ";
	bool		isnull;
	int64		id;

	cm_pg_check_model_name(name);
	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(cm_algorithm_by_id(model->algorithm)->name);
	values[2] = label ? CStringGetTextDatum(label) : (Datum) 0;
	nulls[2] = label ? ' ' : 'n';
	values[3] = feature_array(model, false);
	values[4] = feature_array(model, true);
	values[5] = DirectFunctionCall1(jsonb_in, CStringGetDatum(params_json));
	values[6] = DirectFunctionCall1(jsonb_in, CStringGetDatum(metrics_json));
	values[7] = PointerGetDatum(encode_model(model, name));

	SPI_connect();
	insert_next_version(name, types, values, nulls);
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return id;
}

PG_FUNCTION_INFO_V1(export_model);

/* campaign.export_model(model text, version int default null) returns bytea */
Datum
export_model(PG_FUNCTION_ARGS)
{
	text	   *name;
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2];
	char		nulls[2] = "  ";
	bool		isnull;
	bytea	   *result = NULL;
	MemoryContext caller = CurrentMemoryContext;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model name must not be null")));
	name = PG_GETARG_TEXT_PP(0);
	values[0] = PointerGetDatum(name);
	values[1] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	nulls[1] = PG_ARGISNULL(1) ? 'n' : ' ';
	SPI_connect();
	if (SPI_execute_with_args("SELECT model FROM campaign.models"
							  " WHERE name OPERATOR(pg_catalog.=) $1"
							  " AND ($2 IS NULL OR version OPERATOR(pg_catalog.=) $2)"
							  " ORDER BY deployed DESC, version DESC LIMIT 1",
							  2, types, values, nulls, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "model lookup failed");
	if (SPI_processed > 0)
	{
		MemoryContext spi = MemoryContextSwitchTo(caller);

		result = DatumGetByteaPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
												  1, &isnull));
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	if (result == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\"%s does not exist", text_to_cstring(name),
						PG_ARGISNULL(1) ? "" : psprintf(" version %d", PG_GETARG_INT32(1)))));
	PG_RETURN_BYTEA_P(result);
}

/* Parse the metadata JSON text of a model's bytes; bad JSON is corruption, not 22P02. */
static Jsonb *
parse_metadata(const char *text)
{
	MemoryContext caller = CurrentMemoryContext;
	Jsonb	   *result = NULL;

	PG_TRY();
	{
		result = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(caller);
		FlushErrorState();
		result = NULL;
	}
	PG_END_TRY();
	if (result == NULL || !JB_ROOT_IS_OBJECT(result))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("imported model has invalid metadata"),
				 errdetail("The metadata must be a JSON object.")));
	return result;
}

static JsonbValue *
find_key(Jsonb *object, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = (int) strlen(key);
	return findJsonbValueFromContainer(&object->root, JB_FOBJECT, &k);
}

/* The JSON object under key ({} when absent). */
static Jsonb *
metadata_object(Jsonb *metadata, const char *key)
{
	JsonbValue *v = find_key(metadata, key);

	if (v == NULL)
		return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("model metadata field \"%s\" is not a JSON object", key)));
	return JsonbValueToJsonb(v);
}

/* The metrics campaign.model_catalog shows as columns; rows: a bigint column of row counts. */
static const struct catalog_metric
{
	const char *key;
	bool		rows;
}			catalog_metrics[] = {
	{"auc", false}, {"logloss", false}, {"brier", false}, {"base_rate", false},
	{"rows_train", true}, {"rows_holdout", true}, {"training_seconds", false},
};

/* Row counts up to 2^53, where every whole double is exact. */
#define MAX_METRIC_ROWS 9007199254740992.0

/* Whether a metric's value fits its catalog column: a finite double, or a whole row count. */
static bool
metric_fits(const JsonbValue *v, bool rows)
{
	char	   *text;
	bool		error = false;
	double		d;

	if (v->type != jbvNumeric)
		return false;
	text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	d = float8in_internal_opt_error(text, NULL, "double precision", text, &error);
	if (error || !isfinite(d))
		return false;
	return !rows || (d >= 0 && d <= MAX_METRIC_ROWS && d == floor(d));
}

/*
 * Each metric the catalog shows fits its column, or is null or absent: one imported model with
 * {"auc": "not a number"} used to make campaign.model_catalog fail for every role.
 */
static void
check_catalog_metrics(Jsonb *metrics)
{
	for (size_t i = 0; i < lengthof(catalog_metrics); i++)
	{
		JsonbValue *v = find_key(metrics, catalog_metrics[i].key);

		if (v != NULL && v->type != jbvNull && !metric_fits(v, catalog_metrics[i].rows))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("model metric \"%s\" must be %s or null", catalog_metrics[i].key,
							catalog_metrics[i].rows ? "a whole number of rows" : "a finite number"),
					 errdetail("campaign.model_catalog shows it as a column of type %s.",
							   catalog_metrics[i].rows ? "bigint" : "double precision")));
	}
}

/* What the metadata of a model puts in its row of campaign.models. */
typedef struct model_metadata
{
	char	   *label;			/* NULL when none */
	Jsonb	   *params;
	Jsonb	   *metrics;
} model_metadata;

/* Read and check the metadata of decoded bytes (import, and rows the trigger checks). */
static void
read_metadata(const cm_model *model, model_metadata *out)
{
	Jsonb	   *metadata = parse_metadata(model->metadata);
	JsonbValue *label = find_key(metadata, "label");

	out->label = label && label->type == jbvString ?
		pnstrdup(label->val.string.val, label->val.string.len) : NULL;
	out->params = metadata_object(metadata, "params");
	out->metrics = metadata_object(metadata, "metrics");
	check_catalog_metrics(out->metrics);
}

static char *
jsonb_text(Jsonb *j)
{
	return JsonbToCString(NULL, &j->root, VARSIZE(j));
}

PG_FUNCTION_INFO_V1(import_model);

/* campaign.import_model(model text, bytes bytea) returns bigint */
Datum
import_model(PG_FUNCTION_ARGS)
{
	char	   *name;
	cm_model   *model;
	model_metadata metadata;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model name and bytes must not be null")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	cm_pg_check_model_name(name);
	model = decode_stored(PG_GETARG_BYTEA_PP(1), "invalid model bytes");
	read_metadata(model, &metadata);
	PG_RETURN_INT64(cm_pg_store_model(name, model, metadata.label, jsonb_text(metadata.params),
									  jsonb_text(metadata.metrics)));
}

/* ---- models_check: each row agrees with its bytes and the store's rules ------------------ */

/* The columns of campaign.models the row trigger reads or sets. */
typedef enum models_column
{
	COL_ID, COL_NAME, COL_VERSION, COL_ALGORITHM, COL_LABEL, COL_FEATURES, COL_FEATURE_TYPES,
	COL_PARAMS, COL_METRICS, COL_MODEL, COL_CREATED_AT, COL_CREATED_BY, COL_DEPLOYED,
	N_MODELS_COLUMNS
} models_column;

static const char *const models_column_names[N_MODELS_COLUMNS] = {
	"id", "name", "version", "algorithm", "label", "features", "feature_types",
	"params", "metrics", "model", "created_at", "created_by", "deployed"
};

/* The row being checked, and the columns the trigger sets in it. */
typedef struct checked_row
{
	TriggerData *td;
	TupleDesc	desc;
	AttrNumber	att[N_MODELS_COLUMNS];
	HeapTuple	old;			/* NULL on INSERT */
	HeapTuple	new;
	int			n_set;
	int			set_att[N_MODELS_COLUMNS];
	Datum		set_value[N_MODELS_COLUMNS];
	bool		set_null[N_MODELS_COLUMNS];
} checked_row;

static Datum
column(const checked_row *r, HeapTuple tuple, models_column c, bool *isnull)
{
	return heap_getattr(tuple, r->att[c], r->desc, isnull);
}

static void
set_column(checked_row *r, models_column c, Datum value, bool isnull)
{
	r->set_att[r->n_set] = r->att[c];
	r->set_value[r->n_set] = value;
	r->set_null[r->n_set] = isnull;
	r->n_set++;
}

static void
keep_old(checked_row *r, models_column c)
{
	bool		isnull;
	Datum		value = column(r, r->old, c, &isnull);

	set_column(r, c, value, isnull);
}

/* Whether the UPDATE's SET list names column c (always on INSERT). */
static bool
assigned(const checked_row *r, models_column c)
{
	return r->old == NULL ||
		bms_is_member(r->att[c] - FirstLowInvalidHeapAttributeNumber, r->td->tg_updatedcols);
}

/* Whether the row is new or its name or version changed: a version it must be next for. */
static bool
moved(const checked_row *r)
{
	bool		n1,
				n2;
	text	   *a,
			   *b;

	if (r->old == NULL)
		return true;
	if (DatumGetInt32(column(r, r->old, COL_VERSION, &n1)) !=
		DatumGetInt32(column(r, r->new, COL_VERSION, &n2)))
		return true;
	a = DatumGetTextPP(column(r, r->old, COL_NAME, &n1));
	b = DatumGetTextPP(column(r, r->new, COL_NAME, &n2));
	return VARSIZE_ANY_EXHDR(a) != VARSIZE_ANY_EXHDR(b) ||
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) != 0;
}

static char *
row_name(const checked_row *r)
{
	bool		isnull;

	return TextDatumGetCString(column(r, r->new, COL_NAME, &isnull));
}

/*
 * An id is one campaign.models_id_seq has handed out: an id chosen ahead of the sequence
 * would make a later training fail on the primary key when the sequence reaches it.
 */
static void
check_id(const checked_row *r)
{
	bool		isnull;
	int64		id = DatumGetInt64(column(r, r->new, COL_ID, &isnull));
	int64		last = 0;
	Datum		value;

	SPI_connect();
	if (SPI_execute("SELECT pg_catalog.pg_sequence_last_value('campaign.models_id_seq'::pg_catalog.regclass)",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "model id lookup failed");
	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		last = DatumGetInt64(value);
	SPI_finish();
	if (id > last)
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("model id " INT64_FORMAT " was not handed out by campaign.models_id_seq", id),
				 errdetail("An id ahead of the sequence would make a later training fail when the sequence reaches it."),
				 errhint("Leave id to its default.")));
}

/*
 * The version is the next one of its name, in the statement's snapshot (the one
 * insert_next_version numbers in): no gap, so no role can leave a name without a number.
 */
static void
check_next_version(const checked_row *r)
{
	bool		isnull;
	char	   *name = row_name(r);
	int32		version = DatumGetInt32(column(r, r->new, COL_VERSION, &isnull));
	int64		next = last_version(name, true) + 1;

	if (next > MODEL_MAX_VERSION)
		report_no_version_left(name, next - 1);
	if (version != next)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("version %d of model \"%s\" is not its next version", version, name),
				 errdetail("The next version of model \"%s\" is " INT64_FORMAT ".", name, next),
				 errhint("Leave numbering to campaign.train and campaign.import_model, or insert the next version.")));
}

/* Every metadata column from the bytes, which are decoded and checked as an import's. */
static void
derive_metadata(checked_row *r)
{
	bool		isnull;
	bytea	   *bytes = DatumGetByteaPP(column(r, r->new, COL_MODEL, &isnull));
	cm_model   *model = decode_stored(bytes, "invalid model bytes");
	model_metadata metadata;

	read_metadata(model, &metadata);
	set_column(r, COL_ALGORITHM, CStringGetTextDatum(cm_algorithm_by_id(model->algorithm)->name),
			   false);
	set_column(r, COL_LABEL, metadata.label ? CStringGetTextDatum(metadata.label) : (Datum) 0,
			   metadata.label == NULL);
	set_column(r, COL_FEATURES, feature_array(model, false), false);
	set_column(r, COL_FEATURE_TYPES, feature_array(model, true), false);
	set_column(r, COL_PARAMS, JsonbPGetDatum(metadata.params), false);
	set_column(r, COL_METRICS, JsonbPGetDatum(metadata.metrics), false);
	cm_model_free(model);
}

/* Who stored a version and when: the session's on INSERT, kept on UPDATE. */
static void
set_provenance(checked_row *r)
{
	if (r->old != NULL)
	{
		keep_old(r, COL_CREATED_BY);
		keep_old(r, COL_CREATED_AT);
		return;
	}
	set_column(r, COL_CREATED_BY,
			   DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false))),
			   false);
	set_column(r, COL_CREATED_AT, TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()), false);
}

/*
 * Whether the change deploys a model: a deployed row that is new, was not deployed, moved to
 * another name or version, or got other bytes.
 */
static bool
deploys(const checked_row *r, bool is_moved)
{
	bool		isnull;

	if (!DatumGetBool(column(r, r->new, COL_DEPLOYED, &isnull)))
		return false;
	return r->old == NULL || is_moved || assigned(r, COL_MODEL) ||
		!DatumGetBool(column(r, r->old, COL_DEPLOYED, &isnull));
}

/*
 * A role may deploy when it may update the deployed column, which campaign.deploy() does: a
 * trainer's INSERT cannot deploy what it may not.
 */
static void
check_may_deploy(const checked_row *r)
{
	Oid			relid = RelationGetRelid(r->td->tg_relation);

	if (pg_class_aclcheck(relid, GetUserId(), ACL_UPDATE) == ACLCHECK_OK ||
		pg_attribute_aclcheck(relid, r->att[COL_DEPLOYED], GetUserId(), ACL_UPDATE) == ACLCHECK_OK)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to deploy model \"%s\"", row_name(r)),
			 errdetail("Deploying needs UPDATE on column deployed of campaign.models, as campaign.deploy() does."),
			 errhint("Store it with deployed = false, and have a role that may deploy run campaign.deploy().")));
}

static HeapTuple
check_row(TriggerData *td)
{
	checked_row r = {0};
	bool		is_moved;

	r.td = td;
	r.desc = RelationGetDescr(td->tg_relation);
	r.old = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_trigtuple : NULL;
	r.new = r.old ? td->tg_newtuple : td->tg_trigtuple;
	for (int c = 0; c < N_MODELS_COLUMNS; c++)
		if ((r.att[c] = SPI_fnumber(r.desc, models_column_names[c])) <= 0)
			elog(ERROR, "campaign.models has no column \"%s\"", models_column_names[c]);
	if (assigned(&r, COL_ID))
		check_id(&r);
	is_moved = moved(&r);
	if (is_moved)
		check_next_version(&r);
	if (assigned(&r, COL_MODEL) || assigned(&r, COL_ALGORITHM) || assigned(&r, COL_LABEL) ||
		assigned(&r, COL_FEATURES) || assigned(&r, COL_FEATURE_TYPES) ||
		assigned(&r, COL_PARAMS) || assigned(&r, COL_METRICS))
		derive_metadata(&r);
	set_provenance(&r);
	if (deploys(&r, is_moved))
		check_may_deploy(&r);
	return heap_modify_tuple_by_cols(r.new, r.desc, r.n_set, r.set_att, r.set_value, r.set_null);
}

PG_FUNCTION_INFO_V1(models_check);

/*
 * BEFORE INSERT OR UPDATE row trigger on campaign.models: whoever writes a row, it agrees with
 * its bytes (valid, every metadata column derived from them), gets the next version of its
 * name and an id from the sequence, records who stored it, and is deployed only by a role
 * that may deploy.  Superusers are outside the threat model, and pg_restore runs as one: a
 * restore must take every dumped row as it is, rows older releases let in included.
 */
Datum
models_check(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("campaign.models_check() must be called as a BEFORE INSERT OR UPDATE row trigger")));
	if (superuser())
		return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple :
							   td->tg_trigtuple);
	return PointerGetDatum(check_row(td));
}
