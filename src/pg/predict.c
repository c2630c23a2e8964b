/*
 * predict.c - campaign.predict(): score one row with a stored model.
 *
 * Each call site caches, in fn_extra, the decoded model and the mapping from the model's
 * features to the record's attributes.  The model is looked up again when the name or id
 * changes or when the model store generation moves (any change to campaign.models); the
 * lookup runs in the caller's snapshot, so one query never mixes two versions, even when the
 * cache is refreshed mid-query (sql/isolation/deploy_during_scoring.spec).
 *
 * The carried forms (model text, model_bytes bytea, ...) take the model's bytes as an argument
 * instead: the coordinator of a Citus cluster rewrites the calls into them (scale_out.c), so the
 * shards score with the coordinator's model without a store of their own.  A constant argument
 * is decoded once per call site; any other is compared with the cached bytes row by row.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/tupdesc.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include <math.h>

#include "predict.h"
#include "features.h"
#include "model.h"
#include "status.h"

typedef struct predict_cache
{
	/* which model */
	uint64		generation;
	cm_pg_model_source source;
	int64		model_id;
	char	   *model_name;
	bytea	   *carried;		/* CM_PG_MODEL_CARRIED: the bytes decoded */
	cm_pg_stored_model stored;
	MemoryContext model_cxt;	/* holds stored.model and model_name */
	double	   *x;				/* one row of features in model order */
	/* how the current record type maps to the features */
	Oid			rec_type;
	int32		rec_typmod;
	TupleTableSlot *slot;		/* deforms records up to the last attribute used */
	int			last_attno;
	int		   *attno;			/* per feature: 0-based attribute index */
	Oid		   *atttype;		/* per feature: base type of the attribute */
	cm_pg_category_reader *readers;	/* per feature: text form of categorical values */
} predict_cache;

static predict_cache *
get_cache(FunctionCallInfo fcinfo)
{
	predict_cache *cache = fcinfo->flinfo->fn_extra;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(predict_cache));
		cache->model_cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "campaign predict model",
												 ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = cache;
	}
	return cache;
}

/* Whether the cached model is the one the call's arguments name. */
static bool
cached_model_matches(FunctionCallInfo fcinfo, const predict_cache *cache, cm_pg_model_source source,
					 const char *name, int64 id)
{
	bytea	   *bytes;

	if (cache->stored.model == NULL || cache->source != source)
		return false;
	if (source == CM_PG_MODEL_BY_ID)
		return cache->generation == cm_pg_model_store_generation && cache->model_id == id;
	if (strcmp(cache->model_name, name) != 0)
		return false;
	if (source == CM_PG_MODEL_BY_NAME)
		return cache->generation == cm_pg_model_store_generation;
	/* carried bytes do not depend on the store; a constant cannot change within the query */
	if (PG_ARGISNULL(1))
		return false;			/* decode_carried refuses it */
	if (get_fn_expr_arg_stable(fcinfo->flinfo, 1))
		return true;
	bytes = PG_GETARG_BYTEA_PP(1);
	return VARSIZE_ANY_EXHDR(bytes) == VARSIZE_ANY_EXHDR(cache->carried) &&
		memcmp(VARDATA_ANY(bytes), VARDATA_ANY(cache->carried), VARSIZE_ANY_EXHDR(bytes)) == 0;
}

/* Decode the bytes of argument 1 (the carried form) into cache->stored. */
static void
decode_carried(FunctionCallInfo fcinfo, predict_cache *cache, const char *name)
{
	bytea	   *bytes;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model_bytes must not be null")));
	bytes = PG_GETARG_BYTEA_P_COPY(1);
	cache->carried = bytes;
	cache->stored.name = pstrdup(name);
	cache->stored.model = cm_pg_decode_model(VARDATA(bytes), VARSIZE(bytes) - VARHDRSZ,
											 psprintf("model \"%s\"", name));
}

/* Make sure cache->stored is the model named by the call's first argument(s). */
static void
ensure_model(FunctionCallInfo fcinfo, predict_cache *cache, cm_pg_model_source source)
{
	MemoryContext old;
	char	   *name = NULL;
	int64		id = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be null")));
	if (source == CM_PG_MODEL_BY_ID)
		id = PG_GETARG_INT64(0);
	else
		name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (cached_model_matches(fcinfo, cache, source, name, id))
		return;

	MemoryContextReset(cache->model_cxt);
	cache->stored.model = NULL;
	cache->rec_type = InvalidOid;	/* the mapping depends on the model's features */
	cache->generation = cm_pg_model_store_generation;
	old = MemoryContextSwitchTo(cache->model_cxt);
	cache->source = source;
	cache->model_id = id;
	cache->model_name = name ? pstrdup(name) : NULL;
	if (source == CM_PG_MODEL_BY_ID)
		cm_pg_load_model_by_id(id, &cache->stored);
	else if (source == CM_PG_MODEL_BY_NAME)
		cm_pg_load_model_by_name(name, &cache->stored);
	else
		decode_carried(fcinfo, cache, name);
	cache->x = palloc(sizeof(double) * cache->stored.model->n_features);
	MemoryContextSwitchTo(old);
}

static const char *
model_label(const predict_cache *cache)
{
	return cache->stored.name;
}

/* Find each model feature in the record type by name and check its type. */
static void
map_record(predict_cache *cache, Oid rec_type, int32 rec_typmod)
{
	const cm_model *model = cache->stored.model;
	TupleDesc	desc = lookup_rowtype_tupdesc(rec_type, rec_typmod);
	MemoryContext old = MemoryContextSwitchTo(cache->model_cxt);
	int			last = 0;

	cache->attno = palloc(sizeof(int) * model->n_features);
	cache->atttype = palloc(sizeof(Oid) * model->n_features);
	cache->readers = palloc0(sizeof(cm_pg_category_reader) * model->n_features);
	for (uint32 j = 0; j < model->n_features; j++)
	{
		int			found = -1;
		cm_feature_type kind;

		for (int i = 0; i < desc->natts && found < 0; i++)
			if (!TupleDescAttr(desc, i)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, i)->attname), model->feature_names[j]) == 0)
				found = i;
		if (found < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("model \"%s\" needs feature \"%s\", which the record lacks",
							model_label(cache), model->feature_names[j])));
		cache->atttype[j] = getBaseType(TupleDescAttr(desc, found)->atttypid);
		/* a categorical feature takes any type: its values are compared as text */
		if (model->feature_types[j] == CM_FEATURE_CATEGORICAL)
			cm_pg_category_reader_init(&cache->readers[j], cache->atttype[j], cache->model_cxt);
		else if (!cm_pg_feature_type_of(cache->atttype[j], &kind) ||
				 kind != model->feature_types[j])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("feature \"%s\" of model \"%s\" must be %s, not %s",
							model->feature_names[j], model_label(cache),
							cm_pg_feature_type_name(model->feature_types[j]),
							format_type_be(TupleDescAttr(desc, found)->atttypid))));
		cache->attno[j] = found;
		last = Max(last, found + 1);
	}
	cache->slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(desc), &TTSOpsHeapTuple);
	cache->last_attno = last;
	cache->rec_type = rec_type;
	cache->rec_typmod = rec_typmod;
	MemoryContextSwitchTo(old);
	ReleaseTupleDesc(desc);
}

static void
reject_nonfinite(const predict_cache *cache, uint32 j, double v)
{
	if (isnan(v) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("feature \"%s\" of model \"%s\" is %s",
						cache->stored.model->feature_names[j], model_label(cache),
						isnan(v) ? "NaN" : "infinite"),
				 errhint("Use NULL for a missing value.")));
}

/* The value of a categorical feature: its category's position, NaN (missing) when unseen. */
static double
category_value(const predict_cache *cache, uint32 j, Datum value)
{
	size_t		len;
	const char *s = cm_pg_category_text(&cache->readers[j], value, &len);
	int			k = cm_categories_find(&cache->stored.model->categories[j], s, len);

	return k < 0 ? NAN : (double) k;
}

/* Fill cache->x from record argument arg. */
static void
record_features(FunctionCallInfo fcinfo, predict_cache *cache, int arg)
{
	HeapTupleHeader rec;
	HeapTupleData tuple;
	const cm_model *model = cache->stored.model;

	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("features record must not be null"),
				 errhint("Pass a row, e.g. campaign.predict('model', v) FROM voters v.")));
	rec = PG_GETARG_HEAPTUPLEHEADER(arg);
	if (cache->rec_type != HeapTupleHeaderGetTypeId(rec) ||
		cache->rec_typmod != HeapTupleHeaderGetTypMod(rec))
		map_record(cache, HeapTupleHeaderGetTypeId(rec), HeapTupleHeaderGetTypMod(rec));
	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	/* deform only up to the last attribute a feature uses */
	ExecStoreHeapTuple(&tuple, cache->slot, false);
	slot_getsomeattrs(cache->slot, cache->last_attno);
	for (uint32 j = 0; j < model->n_features; j++)
	{
		int			a = cache->attno[j];
		bool		isnull = cache->slot->tts_isnull[a];

		if (isnull)
			cache->x[j] = NAN;
		else if (model->feature_types[j] == CM_FEATURE_CATEGORICAL)
			cache->x[j] = category_value(cache, j, cache->slot->tts_values[a]);
		else
		{
			cache->x[j] = cm_pg_datum_to_double(cache->slot->tts_values[a], cache->atttype[j]);
			reject_nonfinite(cache, j, cache->x[j]);
		}
	}
	ExecClearTuple(cache->slot);
}

/* Fill cache->x from float8[] argument arg, in the model's feature order. */
static void
array_features(FunctionCallInfo fcinfo, predict_cache *cache, int arg)
{
	ArrayType  *arr;
	Datum	   *items;
	bool	   *nulls;
	int			n;
	const cm_model *model = cache->stored.model;

	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("features array must not be null")));
	arr = PG_GETARG_ARRAYTYPE_P(arg);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("features must be a one-dimensional array")));
	deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &items, &nulls, &n);
	if (n != (int) model->n_features)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model \"%s\" has %u features, the array has %d values",
						model_label(cache), model->n_features, n)));
	for (uint32 j = 0; j < model->n_features; j++)
		if (model->feature_types[j] == CM_FEATURE_CATEGORICAL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("feature \"%s\" of model \"%s\" is categorical: an array of numbers cannot hold it",
							model->feature_names[j], model_label(cache)),
					 errhint("Pass a row, e.g. campaign.predict('model', v) FROM voters v.")));
	for (int j = 0; j < n; j++)
	{
		cache->x[j] = nulls[j] ? NAN : DatumGetFloat8(items[j]);
		if (!nulls[j])
			reject_nonfinite(cache, (uint32) j, cache->x[j]);
	}
	pfree(items);
	pfree(nulls);
}

/* The argument the features come in: after the model's name and, carried, its bytes. */
static int
features_arg(cm_pg_model_source source)
{
	return source == CM_PG_MODEL_CARRIED ? 2 : 1;
}

static Datum
predict_common(FunctionCallInfo fcinfo, cm_pg_model_source source, bool from_array)
{
	predict_cache *cache = get_cache(fcinfo);

	ensure_model(fcinfo, cache, source);
	if (from_array)
		array_features(fcinfo, cache, features_arg(source));
	else
		record_features(fcinfo, cache, features_arg(source));
	PG_RETURN_FLOAT8(cm_model_predict(cache->stored.model, cache->x));
}

/*
 * Shared with explain.c: the model of the call's first argument(s) and the features of the
 * record argument after them, with predict's caching and checks.  Uses fn_extra.
 */
const cm_model *
cm_pg_model_and_record(FunctionCallInfo fcinfo, cm_pg_model_source source, const double **x,
					   const char **model_name)
{
	predict_cache *cache = get_cache(fcinfo);

	ensure_model(fcinfo, cache, source);
	record_features(fcinfo, cache, features_arg(source));
	*x = cache->x;
	*model_name = model_label(cache);
	return cache->stored.model;
}

PG_FUNCTION_INFO_V1(predict_by_name);
PG_FUNCTION_INFO_V1(predict_by_id);
PG_FUNCTION_INFO_V1(predict_carried);
PG_FUNCTION_INFO_V1(predict_array_by_name);
PG_FUNCTION_INFO_V1(predict_array_by_id);
PG_FUNCTION_INFO_V1(predict_array_carried);

Datum
predict_by_name(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, CM_PG_MODEL_BY_NAME, false);
}

Datum
predict_by_id(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, CM_PG_MODEL_BY_ID, false);
}

Datum
predict_carried(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, CM_PG_MODEL_CARRIED, false);
}

Datum
predict_array_by_name(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, CM_PG_MODEL_BY_NAME, true);
}

Datum
predict_array_by_id(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, CM_PG_MODEL_BY_ID, true);
}

Datum
predict_array_carried(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, CM_PG_MODEL_CARRIED, true);
}
