/*
 * predict.c - campaign.predict(): score one row with a stored model.
 *
 * Each call site caches, in fn_extra, the decoded model and the mapping from the model's
 * features to the record's attributes.  The model is looked up again when the name or id
 * changes or when the model store generation moves (any change to campaign.models); the
 * lookup runs in the caller's snapshot, so one query never mixes two versions, even when the
 * cache is refreshed mid-query (sql/isolation/deploy_during_scoring.spec).
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

typedef struct predict_cache
{
	/* which model */
	uint64		generation;
	bool		by_id;
	int64		model_id;
	char	   *model_name;
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

/* Make sure cache->stored is the model named by the call's first argument. */
static void
ensure_model(FunctionCallInfo fcinfo, predict_cache *cache, bool by_id)
{
	MemoryContext old;
	char	   *name = NULL;
	int64		id = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be null")));
	if (by_id)
		id = PG_GETARG_INT64(0);
	else
		name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (cache->stored.model != NULL && cache->generation == cm_pg_model_store_generation &&
		cache->by_id == by_id &&
		(by_id ? cache->model_id == id : strcmp(cache->model_name, name) == 0))
		return;

	MemoryContextReset(cache->model_cxt);
	cache->stored.model = NULL;
	cache->rec_type = InvalidOid;	/* the mapping depends on the model's features */
	cache->generation = cm_pg_model_store_generation;
	old = MemoryContextSwitchTo(cache->model_cxt);
	cache->by_id = by_id;
	cache->model_id = id;
	cache->model_name = name ? pstrdup(name) : NULL;
	if (by_id)
		cm_pg_load_model_by_id(id, &cache->stored);
	else
		cm_pg_load_model_by_name(name, &cache->stored);
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

/* Fill cache->x from a record argument. */
static void
record_features(FunctionCallInfo fcinfo, predict_cache *cache)
{
	HeapTupleHeader rec;
	HeapTupleData tuple;
	const cm_model *model = cache->stored.model;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("features record must not be null"),
				 errhint("Pass a row, e.g. campaign.predict('model', v) FROM voters v.")));
	rec = PG_GETARG_HEAPTUPLEHEADER(1);
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

/* Fill cache->x from a float8[] argument in the model's feature order. */
static void
array_features(FunctionCallInfo fcinfo, predict_cache *cache)
{
	ArrayType  *arr;
	Datum	   *items;
	bool	   *nulls;
	int			n;
	const cm_model *model = cache->stored.model;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("features array must not be null")));
	arr = PG_GETARG_ARRAYTYPE_P(1);
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

static Datum
predict_common(FunctionCallInfo fcinfo, bool by_id, bool from_array)
{
	predict_cache *cache = get_cache(fcinfo);

	ensure_model(fcinfo, cache, by_id);
	if (from_array)
		array_features(fcinfo, cache);
	else
		record_features(fcinfo, cache);
	PG_RETURN_FLOAT8(cm_model_predict(cache->stored.model, cache->x));
}

/*
 * Shared with explain.c: the model named by text argument 0 and the features of record
 * argument 1, with predict's caching and checks.  Uses fn_extra.
 */
const cm_model *
cm_pg_model_and_record(FunctionCallInfo fcinfo, const double **x, const char **model_name)
{
	predict_cache *cache = get_cache(fcinfo);

	ensure_model(fcinfo, cache, false);
	record_features(fcinfo, cache);
	*x = cache->x;
	*model_name = model_label(cache);
	return cache->stored.model;
}

PG_FUNCTION_INFO_V1(predict_by_name);
PG_FUNCTION_INFO_V1(predict_by_id);
PG_FUNCTION_INFO_V1(predict_array_by_name);
PG_FUNCTION_INFO_V1(predict_array_by_id);

Datum
predict_by_name(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, false, false);
}

Datum
predict_by_id(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, true, false);
}

Datum
predict_array_by_name(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, false, true);
}

Datum
predict_array_by_id(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, true, true);
}
