/*
 * train.c - campaign.train(): read a table or query through SPI in batches, fit a model in
 * the core, evaluate it on a seeded holdout and store it in the model store.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include <math.h>
#include <unistd.h>

#include "campaign.h"
#include "../core/binning.h"
#include "../core/categories.h"
#include "../core/dataset.h"
#include "../core/gbt.h"
#include "../core/logistic.h"
#include "../core/memory.h"
#include "../core/metrics.h"

#define FETCH_BATCH 10000
/* rows buffered as doubles to place the bin edges: 200k, or fewer for wide sources (32 MB) */
#define GBT_SAMPLE_ROWS(n_features) Max(1000, Min(200000, (4 * 1024 * 1024) / (n_features)))
#define PROGRESS_EVERY_MS 5000

/* One tunable of an algorithm: its default and inclusive range. */
typedef struct param_spec
{
	const char *name;
	double		default_value;
	double		min;
	double		max;
	bool		integer;
} param_spec;

static const param_spec common_params[] = {
	{"holdout", 0.2, 0.0, 0.9, false},
	{"seed", 42, 0, 2147483647.0, true},
};

static const param_spec logistic_params[] = {
	{"l2", 1.0, 0.0, 1e6, false},
	{"max_iterations", 100, 1, 10000, true},
	{"tolerance", 1e-8, 1e-15, 1.0, false},
};

static const param_spec gbt_params[] = {
	{"trees", 100, 1, CM_GBT_MAX_TREES, true},
	{"depth", 6, 1, CM_GBT_MAX_DEPTH, true},
	{"learning_rate", 0.1, 1e-6, 1.0, false},
	{"bins", 256, 3, CM_BINS_MAX, true},
	{"min_child_weight", 1, 0, 1e12, false},
	{"lambda", 1, 0, 1e12, false},
	{"gamma", 0, 0, 1e12, false},
	{"subsample", 1, 1e-6, 1.0, false},
	{"colsample", 1, 1e-6, 1.0, false},
	{"scale_pos_weight", 1, 1e-6, 1e6, false},
	{"early_stopping_rounds", 0, 0, CM_GBT_MAX_TREES, true},
	{"threads", 0, 0, CM_GBT_MAX_THREADS, true},
};

#define N_COMMON lengthof(common_params)
#define N_LOGISTIC lengthof(logistic_params)
#define N_GBT lengthof(gbt_params)
#define MAX_PARAMS (N_COMMON + N_GBT)

typedef struct train_params
{
	const param_spec *spec[MAX_PARAMS];
	double		value[MAX_PARAMS];
	int			n;
	bool		gbt;
	bool		regression;		/* gbt objective "regression" (else "binary") */
	char	   *weight;			/* gbt: the weight column, NULL for none */
	List	   *categorical;	/* gbt: names of columns forced categorical (char *) */
} train_params;

/* The columns and rows of a training request. */
typedef struct train_input
{
	const char *model_name;
	const char *algorithm;
	bool		gbt;
	bool		regression;
	int			max_bins;
	char	   *label;
	int			label_attno;
	Oid			label_type;
	int			n_features;
	char	  **feature_names;
	int		   *feature_attnos;
	Oid		   *feature_types;
	int64	   *present;		/* per feature: rows where it is not NULL or NaN */
	List	   *force_categorical;	/* column names the params declare categorical */
	bool	   *categorical;	/* per feature */
	cm_pg_category_reader *readers;	/* per categorical feature: its text form */
	cm_categories *categories;	/* per categorical feature: the values seen, first-seen order */
	char	   *weight;			/* the weight column, NULL for none */
	int			weight_attno;
	Oid			weight_type;
	double	   *sample_weights; /* gbt with weights: the weights of the rows in data */
	MemoryContext scratch_cxt;	/* reset after each category value is read */
	cm_dataset	data;			/* logistic: every row; gbt: the sample that places bin edges */
	cm_bins		bins;			/* gbt: bin edges, once placed */
	bool		binned_ready;
	cm_binned	binned;			/* gbt: every row, one byte per cell */
	int64		rows_skipped;	/* rows whose label is NULL */
	Datum	   *values;			/* one deformed source row */
	bool	   *nulls;
	double	   *x;				/* its features as numbers */
} train_input;

static double
param_value(const train_params *params, const char *name)
{
	for (int i = 0; i < params->n; i++)
		if (strcmp(params->spec[i]->name, name) == 0)
			return params->value[i];
	elog(ERROR, "unknown parameter %s", name);
	return 0;
}

static void
add_specs(train_params *params, const param_spec *specs, int n)
{
	for (int i = 0; i < n; i++)
	{
		params->spec[params->n] = &specs[i];
		params->value[params->n++] = specs[i].default_value;
	}
}

static char *
valid_param_list(const train_params *params)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < params->n; i++)
		appendStringInfo(&s, "%s%s", i ? ", " : "", params->spec[i]->name);
	if (params->gbt)
		appendStringInfoString(&s, ", objective, weight, categorical");
	return s.data;
}

/* "categorical": a column name or an array of them. */
static void
set_categorical_param(train_params *params, JsonbValue *v)
{
	JsonbIterator *it;
	JsonbValue	item;
	JsonbIteratorToken tok;

	if (v->type == jbvString)
	{
		params->categorical = lappend(params->categorical,
									  pnstrdup(v->val.string.val, v->val.string.len));
		return;
	}
	if (v->type != jbvBinary)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"categorical\" must be an array of column names")));
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &item, true)) != WJB_DONE)
	{
		if (tok == WJB_BEGIN_OBJECT || tok == WJB_KEY ||
			(tok == WJB_ELEM && item.type != jbvString))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"categorical\" must be an array of column names")));
		if (tok == WJB_ELEM)
			params->categorical = lappend(params->categorical,
										  pnstrdup(item.val.string.val, item.val.string.len));
	}
}

static void
set_param(train_params *params, const char *key, JsonbValue *v, const char *algorithm)
{
	if (params->gbt && strcmp(key, "weight") == 0)
	{
		if (v->type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"weight\" must be the name of a column")));
		params->weight = pnstrdup(v->val.string.val, v->val.string.len);
		return;
	}
	if (params->gbt && strcmp(key, "categorical") == 0)
	{
		set_categorical_param(params, v);
		return;
	}
	if (params->gbt && strcmp(key, "objective") == 0)
	{
		char	   *o = v->type == jbvString ? pnstrdup(v->val.string.val, v->val.string.len) : "";

		if (strcmp(o, "binary") != 0 && strcmp(o, "regression") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"objective\" must be \"binary\" or \"regression\"")));
		params->regression = strcmp(o, "regression") == 0;
		return;
	}
	for (int i = 0; i < params->n; i++)
	{
		const param_spec *spec = params->spec[i];
		double		x;

		if (strcmp(spec->name, key) != 0)
			continue;
		if (v->type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"%s\" must be a number", key)));
		x = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
		if (!(x >= spec->min && x <= spec->max) || (spec->integer && x != floor(x)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"%s\" must be %s between %.15g and %.15g, not %.15g", key,
							spec->integer ? "an integer" : "a number", spec->min, spec->max, x)));
		params->value[i] = x;
		return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown parameter \"%s\" for algorithm \"%s\"", key, algorithm),
			 errhint("Valid parameters: %s.", valid_param_list(params))));
}

static void
parse_params(Jsonb *jb, const char *algorithm, train_params *params)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	params->n = 0;
	params->gbt = strcmp(algorithm, "gbt") == 0;
	params->regression = false;
	params->weight = NULL;
	params->categorical = NIL;
	add_specs(params, common_params, N_COMMON);
	if (params->gbt)
		add_specs(params, gbt_params, N_GBT);
	else
		add_specs(params, logistic_params, N_LOGISTIC);
	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("params must be a JSON object")));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
			set_param(params, key, &v, algorithm);
	}
}

static void
append_json_number(StringInfo s, const char *key, double value, bool *first)
{
	appendStringInfoString(s, *first ? "" : ", ");
	escape_json(s, key);
	if (isfinite(value))
		appendStringInfo(s, ": %s", float8out_internal(value));
	else
		appendStringInfoString(s, ": null");
	*first = false;
}

static char *
params_json(const train_params *params)
{
	StringInfoData s;
	bool		first = true;

	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	for (int i = 0; i < params->n; i++)
		append_json_number(&s, params->spec[i]->name, params->value[i], &first);
	if (params->gbt)
		appendStringInfo(&s, ", \"objective\": \"%s\"", params->regression ? "regression" : "binary");
	if (params->weight)
	{
		appendStringInfoString(&s, ", \"weight\": ");
		escape_json(&s, params->weight);
	}
	if (params->categorical != NIL)
	{
		ListCell   *lc;

		appendStringInfoString(&s, ", \"categorical\": [");
		foreach(lc, params->categorical)
		{
			appendStringInfoString(&s, foreach_current_index(lc) ? ", " : "");
			escape_json(&s, lfirst(lc));
		}
		appendStringInfoChar(&s, ']');
	}
	appendStringInfoChar(&s, '}');
	return s.data;
}

/* The SQL that reads the source: a query wrapped as a subquery, or a named relation. */
static char *
source_query(const char *source)
{
	const char *p = source;
	size_t		len;
	Oid			relid;

	while (isspace((unsigned char) *p) || *p == '(')
		p++;
	if (pg_strncasecmp(p, "select", 6) == 0 || pg_strncasecmp(p, "with", 4) == 0 ||
		pg_strncasecmp(p, "values", 6) == 0 || pg_strncasecmp(p, "table", 5) == 0)
	{
		len = strlen(source);
		while (len > 0 && (isspace((unsigned char) source[len - 1]) || source[len - 1] == ';'))
			len--;
		return psprintf("SELECT * FROM (%.*s\n) AS campaign_source", (int) len, source);
	}
	relid = RangeVarGetRelid(makeRangeVarFromNameList(textToQualifiedNameList(cstring_to_text(source))),
							 NoLock, false);
	return psprintf("SELECT * FROM %s",
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											   get_rel_name(relid)));
}

static int
column_of(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i + 1;
	}
	return 0;
}

static bool
name_in_list(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp(lfirst(lc), name) == 0)
			return true;
	return false;
}

static void
add_feature(train_input *in, TupleDesc desc, int attno)
{
	Form_pg_attribute att = TupleDescAttr(desc, attno - 1);
	Oid			type = getBaseType(att->atttypid);
	cm_feature_type kind;
	bool		forced = name_in_list(in->force_categorical, NameStr(att->attname));
	bool		usable = cm_pg_feature_type_of(type, &kind);

	if (forced)
		kind = CM_FEATURE_CATEGORICAL;
	if ((!usable && !forced) || (kind == CM_FEATURE_CATEGORICAL && !in->gbt))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("feature \"%s\" has type %s, which algorithm \"%s\" cannot use",
						NameStr(att->attname), format_type_be(att->atttypid), in->algorithm),
				 errhint("Features must be numeric, integer or boolean columns, or for gbt also text, varchar or enum columns; list the ones to use in features.")));
	for (int i = 0; i < in->n_features; i++)
		if (in->feature_attnos[i] == attno)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("feature \"%s\" is listed twice", NameStr(att->attname))));
	in->categorical[in->n_features] = kind == CM_FEATURE_CATEGORICAL;
	in->feature_names[in->n_features] = pstrdup(NameStr(att->attname));
	in->feature_attnos[in->n_features] = attno;
	in->feature_types[in->n_features++] = type;
}

/* The weight column: numeric, not the label.  Returns its attno (0: no weight). */
static int
resolve_weight(train_input *in, TupleDesc desc)
{
	int			attno;
	cm_feature_type kind;

	if (in->weight == NULL)
		return 0;
	attno = column_of(desc, in->weight);
	if (attno == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("weight column \"%s\" is not in the source", in->weight)));
	if (attno == in->label_attno)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the label \"%s\" cannot also be the weight", in->weight)));
	in->weight_type = getBaseType(TupleDescAttr(desc, attno - 1)->atttypid);
	if (!cm_pg_feature_type_of(in->weight_type, &kind) || kind != CM_FEATURE_NUMERIC)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("weight column \"%s\" has type %s; it must be a number",
						in->weight, format_type_be(in->weight_type))));
	return attno;
}

/* Per-feature state of the categorical features, once the features are known. */
static void
prepare_categorical(train_input *in)
{
	ListCell   *lc;

	foreach(lc, in->force_categorical)
	{
		bool		found = false;

		for (int j = 0; j < in->n_features; j++)
			found |= strcmp(in->feature_names[j], lfirst(lc)) == 0;
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("categorical column \"%s\" is not one of the features",
							(char *) lfirst(lc))));
	}
	in->readers = palloc0(sizeof(cm_pg_category_reader) * in->n_features);
	for (int j = 0; j < in->n_features; j++)
		if (in->categorical[j])
			cm_pg_category_reader_init(&in->readers[j], in->feature_types[j],
									   CurrentMemoryContext);
}

/* Resolve the label and feature columns of the source. */
static void
resolve_columns(train_input *in, TupleDesc desc, ArrayType *features)
{
	cm_feature_type kind;
	int			max = desc->natts;

	in->label_attno = column_of(desc, in->label);
	if (in->label_attno == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("label column \"%s\" is not in the source", in->label)));
	in->label_type = getBaseType(TupleDescAttr(desc, in->label_attno - 1)->atttypid);
	if (!cm_pg_feature_type_of(in->label_type, &kind) || kind == CM_FEATURE_CATEGORICAL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("label column \"%s\" has type %s; it must be %s",
						in->label, format_type_be(in->label_type),
						in->regression ? "a number" : "boolean or a number 0/1")));
	in->weight_attno = resolve_weight(in, desc);
	if (features)
	{
		Datum	   *names;
		bool	   *nulls;
		int			n;

		deconstruct_array(features, TEXTOID, -1, false, TYPALIGN_INT, &names, &nulls, &n);
		max = n;
		in->categorical = palloc0(sizeof(bool) * Max(max, 1));
		in->feature_names = palloc0(sizeof(char *) * Max(max, 1));
		in->feature_attnos = palloc0(sizeof(int) * Max(max, 1));
		in->feature_types = palloc0(sizeof(Oid) * Max(max, 1));
		for (int i = 0; i < n; i++)
		{
			char	   *name = nulls[i] ? NULL : TextDatumGetCString(names[i]);
			int			attno = name ? column_of(desc, name) : 0;

			if (name == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("features must not contain NULL")));
			if (attno == 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("feature column \"%s\" is not in the source", name)));
			if (attno == in->label_attno)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the label \"%s\" cannot also be a feature", name)));
			if (attno == in->weight_attno)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the weight \"%s\" cannot also be a feature", name)));
			add_feature(in, desc, attno);
		}
	}
	else
	{
		in->feature_names = palloc0(sizeof(char *) * Max(max, 1));
		in->feature_attnos = palloc0(sizeof(int) * Max(max, 1));
		in->feature_types = palloc0(sizeof(Oid) * Max(max, 1));
		in->categorical = palloc0(sizeof(bool) * Max(max, 1));
		for (int i = 0; i < desc->natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped && i + 1 != in->label_attno &&
				i + 1 != in->weight_attno)
				add_feature(in, desc, i + 1);
	}
	if (in->n_features == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no feature columns to train on")));
	if (!in->gbt && in->n_features > CM_LOGISTIC_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%d features is more than the %d logistic regression supports",
						in->n_features, CM_LOGISTIC_MAX_FEATURES)));
	prepare_categorical(in);
}

/*
 * gbt: place the bin edges on the rows buffered so far, quantize them and drop the doubles;
 * every later row is quantized as it is read.
 */
static void
quantize_sample(train_input *in)
{
	size_t		max_bytes = (size_t) campaign_train_memory_limit_kb * 1024;

	CM_PG_CHECK(cm_bins_fit(in->data.x, in->data.n_rows, in->data.n_features, in->max_bins,
							&in->bins), "could not place the bin edges");
	/* category numbers are their own bins until the categories are ordered */
	for (int j = 0; j < in->n_features; j++)
		if (in->categorical[j])
			cm_bins_set_identity(&in->bins, (uint32) j);
	cm_binned_init(&in->binned, in->data.n_features, max_bytes);
	if (in->sample_weights)
		CM_PG_CHECK(cm_binned_use_weights(&in->binned), "could not hold the row weights");
	for (size_t i = 0; i < in->data.n_rows; i++)
	{
		CM_PG_CHECK(cm_binned_add_row(&in->binned, &in->bins,
									  in->data.x + i * in->data.n_features, in->data.y[i]),
					"could not hold the training rows");
		if (in->sample_weights)
			in->binned.w[i] = (float) in->sample_weights[i];
	}
	cm_dataset_free(&in->data);
	in->binned_ready = true;
}

/* The category number (1-based, first-seen order) of a categorical feature's value. */
static double
category_number(train_input *in, int j, Datum value, MemoryContext data_cxt)
{
	size_t		len;
	MemoryContext old = MemoryContextSwitchTo(in->scratch_cxt);
	const char *s = cm_pg_category_text(&in->readers[j], value, &len);
	uint32_t	index;
	cm_status	st;

	/* detoasted or output text lives in the scratch context, the category in data_cxt */
	MemoryContextSwitchTo(data_cxt);
	st = cm_categories_add(&in->categories[j], s, len, &index);
	MemoryContextSwitchTo(old);
	MemoryContextReset(in->scratch_cxt);
	if (st == CM_ERR_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("categorical feature \"%s\" has more than %d distinct values",
						in->feature_names[j], CM_CATEGORIES_MAX),
				 errhint("Group the rare values into one (e.g. 'other') in the source query, or leave the feature out.")));
	if (st != CM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("categorical feature \"%s\" has a value of %zu bytes; a category has at most %d",
						in->feature_names[j], len, CM_CATEGORY_MAX_LEN)));
	return (double) index + 1;
}

/* The weight of a row: a finite number >= 0. */
static double
row_weight(const train_input *in)
{
	int			a = in->weight_attno - 1;
	double		w;

	if (in->nulls[a])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight \"%s\" is NULL in a row", in->weight),
				 errhint("Give every row a weight, e.g. coalesce(%s, 1), or filter the rows out.",
						 in->weight)));
	w = cm_pg_datum_to_double(in->values[a], in->weight_type);
	if (!(w >= 0) || !isfinite((float) w))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight \"%s\" is %g in a row; weights must be finite and >= 0",
						in->weight, w)));
	return w;
}

/* Append one source row (in->values, in->nulls) to the dataset, validating label and features. */
static void
add_row(train_input *in, double *x, MemoryContext data_cxt)
{
	double		y,
				w = 1;
	MemoryContext old;

	if (in->nulls[in->label_attno - 1])
	{
		in->rows_skipped++;
		return;
	}
	y = cm_pg_datum_to_double(in->values[in->label_attno - 1], in->label_type);
	if (in->regression && !isfinite(y))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("label \"%s\" is not a finite number", in->label)));
	if (!in->regression && y != 0.0 && y != 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("label \"%s\" has the value %g; a binary model needs 0/1 or boolean labels",
						in->label, y)));
	if (in->weight_attno)
		w = row_weight(in);
	for (int j = 0; j < in->n_features; j++)
	{
		int			a = in->feature_attnos[j] - 1;

		if (in->nulls[a])
			x[j] = NAN;
		else if (in->categorical[j])
			x[j] = category_number(in, j, in->values[a], data_cxt);
		else
			x[j] = cm_pg_datum_to_double(in->values[a], in->feature_types[j]);
		in->present[j] += !isnan(x[j]);
		if (isinf(x[j]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("feature \"%s\" is infinite", in->feature_names[j]),
					 errhint("Use NULL for a missing value.")));
	}
	old = MemoryContextSwitchTo(data_cxt);
	if (in->binned_ready)
	{
		CM_PG_CHECK(cm_binned_add_row(&in->binned, &in->bins, x, y),
					"could not hold the training rows");
		if (in->binned.w)
			in->binned.w[in->binned.n_rows - 1] = (float) w;
	}
	else
	{
		if (in->sample_weights)
			in->sample_weights[in->data.n_rows] = w;
		CM_PG_CHECK(cm_dataset_add_row(&in->data, x, y), "could not hold the training rows");
		if (in->gbt && in->data.n_rows >= (size_t) GBT_SAMPLE_ROWS(in->n_features))
			quantize_sample(in);
	}
	MemoryContextSwitchTo(old);
}

static void
read_source_context(void *arg)
{
	errcontext("reading the training rows of model \"%s\"", (const char *) arg);
}

/* Set up reading once the source's columns are known. */
static void
start_reading(train_input *in, TupleDesc desc, ArrayType *features, MemoryContext data_cxt)
{
	resolve_columns(in, desc, features);
	cm_dataset_init(&in->data, (uint32) in->n_features,
					(size_t) campaign_train_memory_limit_kb * 1024);
	in->x = palloc(sizeof(double) * in->n_features);
	in->present = palloc0(sizeof(int64) * in->n_features);
	if (in->weight_attno)
		in->sample_weights = MemoryContextAlloc(data_cxt, sizeof(double) *
												GBT_SAMPLE_ROWS(in->n_features));
	in->categories = MemoryContextAllocZero(data_cxt, sizeof(cm_categories) * in->n_features);
	in->scratch_cxt = AllocSetContextCreate(data_cxt, "campaign train categories",
											ALLOCSET_SMALL_SIZES);
}

#if PG_VERSION_NUM >= 140000
/*
 * The executor hands each row straight to this receiver: no copy of the row into an SPI
 * tuple table and no second deforming, about a third of the reading time.
 */
typedef struct row_receiver
{
	DestReceiver pub;
	train_input *in;
	ArrayType  *features;
	MemoryContext data_cxt;
	MemoryContext spi_cxt;		/* outlives the executor: the columns read */
	MemoryContext rows_cxt;		/* what converting values allocates; reset every batch */
	ErrorContextCallback *context;	/* ours, without SPI's "SQL statement" line */
	uint64		since_progress;
} row_receiver;

static void
receiver_startup(DestReceiver *self, int operation, TupleDesc desc)
{
	row_receiver *r = (row_receiver *) self;
	ErrorContextCallback *executor_context = error_context_stack;
	MemoryContext executor_cxt;

	(void) operation;
	/*
	 * The executor calls this in its own context, deleted before SPI returns: what reading
	 * needs after the last row (the columns, their names and types) goes in SPI's.
	 */
	executor_cxt = MemoryContextSwitchTo(r->spi_cxt);
	error_context_stack = r->context;
	start_reading(r->in, desc, r->features, r->data_cxt);
	error_context_stack = executor_context;
	MemoryContextSwitchTo(executor_cxt);
	r->rows_cxt = AllocSetContextCreate(CurrentMemoryContext, "campaign train rows",
										ALLOCSET_DEFAULT_SIZES);
}

static bool
receiver_row(TupleTableSlot *slot, DestReceiver *self)
{
	row_receiver *r = (row_receiver *) self;
	MemoryContext old = MemoryContextSwitchTo(r->rows_cxt);
	ErrorContextCallback *executor_context = error_context_stack;

	slot_getallattrs(slot);
	r->in->values = slot->tts_values;
	r->in->nulls = slot->tts_isnull;
	/* a bad label or feature is the data's fault, not the statement's: name the model only */
	error_context_stack = r->context;
	add_row(r->in, r->in->x, r->data_cxt);
	error_context_stack = executor_context;
	MemoryContextSwitchTo(old);
	if (++r->since_progress == FETCH_BATCH)
	{
		cm_pg_progress_rows(r->since_progress);
		r->since_progress = 0;
		MemoryContextReset(r->rows_cxt);
	}
	return true;
}

static void
receiver_shutdown(DestReceiver *self)
{
	row_receiver *r = (row_receiver *) self;

	cm_pg_progress_rows(r->since_progress);
	r->since_progress = 0;
}

static void
receiver_destroy(DestReceiver *self)
{
	(void) self;
}

static void
read_rows(train_input *in, SPIPlanPtr plan, ArrayType *features, MemoryContext data_cxt)
{
	row_receiver receiver = {{receiver_row, receiver_startup, receiver_shutdown,
	receiver_destroy, DestNone}, in, features, data_cxt, CurrentMemoryContext, NULL,
	error_context_stack, 0};
	SPIExecuteOptions options;
	int			rc;

	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = &receiver.pub;
	rc = SPI_execute_plan_extended(plan, &options);
	if (rc < 0)
		elog(ERROR, "could not read the training source: %s", SPI_result_code_string(rc));
}
#else
/* PostgreSQL 13: fetch batches through a cursor and deform each row. */
static void
read_rows(train_input *in, SPIPlanPtr plan, ArrayType *features, MemoryContext data_cxt)
{
	Portal		portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);

	start_reading(in, portal->tupDesc, features, data_cxt);
	in->values = palloc(sizeof(Datum) * portal->tupDesc->natts);
	in->nulls = palloc(sizeof(bool) * portal->tupDesc->natts);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, FETCH_BATCH);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			/* deform once: heap_getattr per column is quadratic in the width of NULL rows */
			heap_deform_tuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, in->values,
							  in->nulls);
			add_row(in, in->x, data_cxt);
		}
		cm_pg_progress_rows(SPI_processed);
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
}
#endif

/* Run the source query and load every row into in->data (allocated in data_cxt). */
static void
read_source(train_input *in, const char *source, ArrayType *features, MemoryContext data_cxt)
{
	ErrorContextCallback callback = {error_context_stack, read_source_context,
	(void *) in->model_name};
	SPIPlanPtr	plan;

	error_context_stack = &callback;
	SPI_connect();
	plan = SPI_prepare(source_query(source), 0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not prepare the training source: %s", SPI_result_code_string(SPI_result));
	read_rows(in, plan, features, data_cxt);
	if (in->gbt && !in->binned_ready && in->data.n_rows > 0)
	{
		MemoryContext old = MemoryContextSwitchTo(data_cxt);

		quantize_sample(in);
		MemoryContextSwitchTo(old);
	}
	/* names and types must outlive SPI: copy them into the data context */
	{
		MemoryContext old = MemoryContextSwitchTo(data_cxt);

		for (int j = 0; j < in->n_features; j++)
			in->feature_names[j] = pstrdup(in->feature_names[j]);
		in->feature_names = memcpy(palloc(sizeof(char *) * in->n_features), in->feature_names,
								   sizeof(char *) * in->n_features);
		in->feature_types = memcpy(palloc(sizeof(Oid) * in->n_features), in->feature_types,
								   sizeof(Oid) * in->n_features);
		in->categorical = memcpy(palloc(sizeof(bool) * in->n_features), in->categorical,
								 sizeof(bool) * in->n_features);
		MemoryContextSwitchTo(old);
	}
	error_context_stack = callback.previous;
	if ((in->binned_ready ? in->binned.n_rows : in->data.n_rows) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the source of model \"%s\" has no rows with a non-NULL label",
						in->model_name)));
	for (int j = 0; j < in->n_features; j++)
		if (in->present[j] == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("feature \"%s\" is NULL in every row of the source", in->feature_names[j]),
					 errhint("Leave it out of features.")));
	SPI_finish();
}

/* The stored kind of a feature column of a type cm_pg_feature_type_of accepts. */
static uint8_t
feature_kind(Oid type)
{
	cm_feature_type kind;

	cm_pg_feature_type_of(type, &kind);
	return (uint8_t) kind;
}

/* Metrics of the fitted model on the holdout rows (or the training rows if none). */
static char *
evaluate(const train_input *in, const cm_logistic *fit, const cm_logistic_info *info,
		 const uint8_t *is_holdout, size_t n_holdout, double seconds)
{
	size_t		n = 0;
	bool		on_holdout = n_holdout > 0;
	double	   *p = palloc(sizeof(double) * in->data.n_rows);
	double	   *y = palloc(sizeof(double) * in->data.n_rows);
	cm_binary_metrics m;
	StringInfoData s;
	bool		first = true;

	for (size_t i = 0; i < in->data.n_rows; i++)
		if (!on_holdout || is_holdout[i])
		{
			p[n] = cm_logistic_predict(fit, in->data.x + i * in->data.n_features);
			y[n++] = in->data.y[i];
		}
	CM_PG_CHECK(cm_binary_metrics_compute(p, y, n, &m), "could not evaluate the model");
	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	append_json_number(&s, "auc", m.auc, &first);
	append_json_number(&s, "logloss", m.logloss, &first);
	append_json_number(&s, "brier", m.brier, &first);
	append_json_number(&s, "base_rate", m.base_rate, &first);
	append_json_number(&s, "rows_train", (double) info->rows_used, &first);
	append_json_number(&s, "rows_holdout", (double) n_holdout, &first);
	append_json_number(&s, "rows_skipped", (double) in->rows_skipped, &first);
	append_json_number(&s, "iterations", info->iterations, &first);
	append_json_number(&s, "training_seconds", seconds, &first);
	appendStringInfo(&s, ", \"converged\": %s, \"evaluated_on\": \"%s\"}",
					 info->converged ? "true" : "false", on_holdout ? "holdout" : "training");
	return s.data;
}

static char *
metadata_json(const char *label, const char *params, const char *metrics)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoString(&s, "{\"label\": ");
	escape_json(&s, label);
	appendStringInfo(&s, ", \"params\": %s, \"metrics\": %s}", params, metrics);
	return s.data;
}

/* ---- progress ----------------------------------------------------------------------------- */

typedef struct progress_state
{
	const char *model_name;
	const char *unit;			/* "trees" or "iterations" */
	TimestampTz started;
	TimestampTz last;
} progress_state;

/*
 * Called by the core after each tree or iteration, on this backend's thread: published for
 * campaign.training_progress every time, a NOTICE every few seconds.
 */
static void
train_progress(void *arg, int done, int total)
{
	progress_state *ps = arg;
	TimestampTz now = GetCurrentTimestamp();
	double		elapsed;

	cm_pg_progress_steps(done, total);
	if (!TimestampDifferenceExceeds(ps->last, now, PROGRESS_EVERY_MS) || done == total)
		return;
	ps->last = now;
	elapsed = (double) (now - ps->started) / USECS_PER_SEC;
	ereport(NOTICE,
			(errmsg("training model \"%s\": %d of %d %s, %.1f s elapsed, about %.0f s left",
					ps->model_name, done, total, ps->unit, elapsed, elapsed / done * (total - done))));
}

/* Fit, evaluate and store; returns the new model id. */
static int64
fit_and_store(train_input *in, const train_params *params, TimestampTz started)
{
	cm_logistic_params lp;
	cm_logistic_info info;
	cm_logistic *fit;
	uint8_t    *is_holdout = palloc(in->data.n_rows);
	size_t		n_holdout;
	long		secs;
	int			usecs;
	char	   *metrics,
			   *pj = params_json(params);
	uint8_t    *kinds = palloc(in->n_features);
	cm_model   *model;
	progress_state ps = {in->model_name, "iterations", started, started};

	cm_dataset_split(in->data.n_rows, param_value(params, "holdout"),
					 (uint64) param_value(params, "seed"), is_holdout, &n_holdout);
	cm_logistic_default_params(&lp);
	lp.l2 = param_value(params, "l2");
	lp.max_iterations = (int) param_value(params, "max_iterations");
	lp.tolerance = param_value(params, "tolerance");
	lp.progress = train_progress;
	lp.progress_arg = &ps;
	cm_pg_progress_set_phase(CM_PG_PROGRESS_TRAINING);
	CM_PG_CHECK(cm_logistic_fit(in->data.x, in->data.y, in->data.n_rows, in->data.n_features,
								is_holdout, &lp, &fit, &info),
				psprintf("could not train model \"%s\"", in->model_name));
	cm_pg_progress_set_phase(CM_PG_PROGRESS_EVALUATING);
	TimestampDifference(started, GetCurrentTimestamp(), &secs, &usecs);
	metrics = evaluate(in, fit, &info, is_holdout, n_holdout, secs + usecs / 1e6);
	for (int j = 0; j < in->n_features; j++)
		kinds[j] = feature_kind(in->feature_types[j]);
	CM_PG_CHECK(cm_model_create(CM_ALGORITHM_LOGISTIC, (uint32) in->n_features,
								(const char *const *) in->feature_names, kinds,
								metadata_json(in->label, pj, metrics), fit, &model),
				"could not build the model");
	cm_pg_progress_set_phase(CM_PG_PROGRESS_STORING);
	return cm_pg_store_model(in->model_name, model, in->label, pj, metrics);
}

/* ---- gbt ---------------------------------------------------------------------------------- */

static void
gbt_params_from(const train_params *params, cm_gbt_params *gp)
{
	cm_gbt_default_params(gp);
	gp->objective = params->regression ? CM_GBT_REGRESSION : CM_GBT_BINARY;
	gp->trees = (int) param_value(params, "trees");
	gp->depth = (int) param_value(params, "depth");
	gp->learning_rate = param_value(params, "learning_rate");
	gp->min_child_weight = param_value(params, "min_child_weight");
	gp->lambda = param_value(params, "lambda");
	gp->gamma = param_value(params, "gamma");
	gp->subsample = param_value(params, "subsample");
	gp->colsample = param_value(params, "colsample");
	gp->scale_pos_weight = param_value(params, "scale_pos_weight");
	gp->early_stopping_rounds = (int) param_value(params, "early_stopping_rounds");
	gp->seed = (uint64) param_value(params, "seed");
	gp->threads = (int) param_value(params, "threads");
	/* 0: as many as the machine has cores; always capped by campaign.max_train_threads */
	if (gp->threads == 0)
		gp->threads = (int) Max(1, sysconf(_SC_NPROCESSORS_ONLN));
	gp->threads = Min(gp->threads, campaign_max_train_threads);
}

/* Refuse up front when the rows plus the fit's working memory exceed the limit. */
static void
check_gbt_memory(const train_input *in, int depth, int threads)
{
	size_t		work,
				rows_bytes,
				total,
				limit = (size_t) campaign_train_memory_limit_kb * 1024;

	if (!cm_gbt_fit_memory(in->binned.n_rows, &in->bins, depth, threads, &work) ||
		!cm_mul_size(in->binned.cap_rows,
					 (size_t) in->n_features + sizeof(float) * (in->binned.w ? 2 : 1), &rows_bytes) ||
		!cm_add_size(work, rows_bytes, &total) || total > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("training model \"%s\" on %zu rows needs about %zu kB, over campaign.train_memory_limit (%d kB)",
						in->model_name, in->binned.n_rows, total / 1024, campaign_train_memory_limit_kb),
				 errhint("Raise campaign.train_memory_limit or train on fewer rows or features.")));
}

/* Weighted regression metrics: each row counts as w copies of itself. */
static void
regression_metrics(const double *p, const double *y, const double *w, size_t n, StringInfo s,
				   bool *first)
{
	double		se = 0,
				ae = 0,
				mean = 0,
				ss = 0,
				total = 0;

	for (size_t i = 0; i < n; i++)
		total += w[i];
	for (size_t i = 0; i < n; i++)
		mean += w[i] * y[i] / total;
	for (size_t i = 0; i < n; i++)
	{
		se += w[i] * (p[i] - y[i]) * (p[i] - y[i]);
		ae += w[i] * fabs(p[i] - y[i]);
		ss += w[i] * (y[i] - mean) * (y[i] - mean);
	}
	append_json_number(s, "rmse", sqrt(se / total), first);
	append_json_number(s, "mae", ae / total, first);
	append_json_number(s, "r2", ss > 0 ? 1 - se / ss : NAN, first);
	append_json_number(s, "mean", mean, first);
}

/* Holdout (or training) metrics from the margins the core returned, weighted by the rows. */
static void
gbt_metrics(const train_input *in, const double *margin, const uint8_t *is_holdout,
			size_t n_holdout, StringInfo s, bool *first)
{
	bool		on_holdout = n_holdout > 0;
	size_t		n = 0;
	double	   *p = palloc_extended(sizeof(double) * in->binned.n_rows, MCXT_ALLOC_HUGE);
	double	   *y = palloc_extended(sizeof(double) * in->binned.n_rows, MCXT_ALLOC_HUGE);
	double	   *w = palloc_extended(sizeof(double) * in->binned.n_rows, MCXT_ALLOC_HUGE);
	double		total = 0;

	for (size_t i = 0; i < in->binned.n_rows; i++)
		if (!on_holdout || is_holdout[i])
		{
			p[n] = in->regression ? margin[i] : 1 / (1 + exp(-margin[i]));
			w[n] = in->binned.w ? in->binned.w[i] : 1;
			total += w[n];
			y[n++] = in->binned.y[i];
		}
	if (!(total > 0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the %s rows of model \"%s\" all weigh 0: nothing to evaluate on",
						on_holdout ? "holdout" : "training", in->model_name)));
	if (in->regression)
		regression_metrics(p, y, w, n, s, first);
	else
	{
		cm_binary_metrics m;

		CM_PG_CHECK(cm_binary_metrics_weighted(p, y, in->binned.w ? w : NULL, n, &m),
					"could not evaluate the model");
		append_json_number(s, "auc", m.auc, first);
		append_json_number(s, "logloss", m.logloss, first);
		append_json_number(s, "brier", m.brier, first);
		append_json_number(s, "base_rate", m.base_rate, first);
	}
	appendStringInfo(s, ", \"evaluated_on\": \"%s\"", on_holdout ? "holdout" : "training");
}

/*
 * Order each categorical feature's categories by their training rows' labels (the codes and
 * the category lists follow), once the holdout is known.
 */
static void
order_categories(train_input *in, const uint8_t *is_holdout)
{
	uint32_t	order[CM_CATEGORIES_MAX];

	for (int j = 0; j < in->n_features; j++)
	{
		uint32_t	kept;

		if (!in->categorical[j])
			continue;
		CM_PG_CHECK(cm_binned_order_categories(&in->binned, &in->bins, (uint32) j,
											   in->categories[j].n, is_holdout, order, &kept),
					"could not order the categories");
		CM_PG_CHECK(cm_categories_reorder(&in->categories[j], order, kept),
					"could not order the categories");
	}
}

/* "feature_importance": [{"feature": ..., "gain": ..., "cover": ..., "splits": ...}, ...] */
static void
gbt_importance_json(const train_input *in, const cm_gbt *fit, StringInfo s)
{
	double	   *gain = palloc(sizeof(double) * in->n_features);
	double	   *cover = palloc(sizeof(double) * in->n_features);
	double	   *splits = palloc(sizeof(double) * in->n_features);

	cm_gbt_importance(fit, gain, cover, splits);
	appendStringInfoString(s, ", \"feature_importance\": [");
	for (int j = 0; j < in->n_features; j++)
	{
		bool		first = true;

		appendStringInfoString(s, j ? ", {\"feature\": " : "{\"feature\": ");
		escape_json(s, in->feature_names[j]);
		first = false;
		append_json_number(s, "gain", gain[j], &first);
		append_json_number(s, "cover", cover[j], &first);
		append_json_number(s, "splits", splits[j], &first);
		appendStringInfoChar(s, '}');
	}
	appendStringInfoChar(s, ']');
}

static int64
gbt_fit_and_store(train_input *in, const train_params *params, TimestampTz started)
{
	cm_gbt_params gp;
	cm_gbt_info info;
	cm_gbt	   *fit;
	size_t		n_rows = in->binned.n_rows,
				n_holdout;
	uint8_t    *is_holdout = palloc(n_rows);
	double	   *margin;
	progress_state ps = {in->model_name, "trees", started, started};
	char	   *pj = params_json(params);
	uint8_t    *kinds = palloc(in->n_features);
	StringInfoData s;
	bool		first = true;
	long		secs;
	int			usecs;
	cm_model   *model;

	double		reading_seconds = (double) (GetCurrentTimestamp() - started) / USECS_PER_SEC;

	gbt_params_from(params, &gp);
	gp.progress = train_progress;
	gp.progress_arg = &ps;
	check_gbt_memory(in, gp.depth, gp.threads);
	margin = palloc_extended(sizeof(double) * n_rows, MCXT_ALLOC_HUGE);
	cm_dataset_split(n_rows, param_value(params, "holdout"), gp.seed, is_holdout, &n_holdout);
	order_categories(in, is_holdout);
	cm_pg_progress_set_phase(CM_PG_PROGRESS_TRAINING);
	CM_PG_CHECK(cm_gbt_fit(&in->binned, &in->bins, is_holdout, &gp, &fit, &info, margin),
				psprintf("could not train model \"%s\"", in->model_name));
	cm_pg_progress_set_phase(CM_PG_PROGRESS_EVALUATING);
	TimestampDifference(started, GetCurrentTimestamp(), &secs, &usecs);
	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	append_json_number(&s, "rows", (double) n_rows, &first);
	append_json_number(&s, "rows_train", (double) info.rows_train, &first);
	append_json_number(&s, "rows_holdout", (double) n_holdout, &first);
	append_json_number(&s, "rows_skipped", (double) in->rows_skipped, &first);
	append_json_number(&s, "trees", info.trees_kept, &first);
	append_json_number(&s, "trees_built", info.trees_built, &first);
	append_json_number(&s, "training_seconds", secs + usecs / 1e6, &first);
	append_json_number(&s, "reading_seconds", reading_seconds, &first);
	gbt_metrics(in, margin, is_holdout, n_holdout, &s, &first);
	gbt_importance_json(in, fit, &s);
	appendStringInfoChar(&s, '}');
	for (int j = 0; j < in->n_features; j++)
		kinds[j] = in->categorical[j] ? CM_FEATURE_CATEGORICAL : feature_kind(in->feature_types[j]);
	CM_PG_CHECK(cm_model_create(CM_ALGORITHM_GBT, (uint32) in->n_features,
								(const char *const *) in->feature_names, kinds,
								metadata_json(in->label, pj, s.data), fit, &model),
				"could not build the model");
	for (int j = 0; j < in->n_features; j++)
		if (in->categorical[j])
			CM_PG_CHECK(cm_model_set_categories(model, (uint32) j, &in->categories[j]),
						"could not build the model");
	cm_pg_progress_set_phase(CM_PG_PROGRESS_STORING);
	return cm_pg_store_model(in->model_name, model, in->label, pj, s.data);
}

static char *
required_text(FunctionCallInfo fcinfo, int arg, const char *name)
{
	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(arg));
}

PG_FUNCTION_INFO_V1(train);

/*
 * campaign.train(model text, source text, label text, features text[], algorithm text,
 * params jsonb) returns bigint
 */
Datum
train(PG_FUNCTION_ARGS)
{
	train_input in = {0};
	train_params params;
	char	   *source = required_text(fcinfo, 1, "source");
	char	   *algorithm = required_text(fcinfo, 4, "algorithm");
	TimestampTz started = GetCurrentTimestamp();
	MemoryContext data_cxt;
	volatile int64 id = 0;		/* set inside PG_TRY */

	in.model_name = required_text(fcinfo, 0, "model name");
	in.label = required_text(fcinfo, 2, "label");
	cm_pg_check_model_name(in.model_name);
	if (strcmp(algorithm, "logistic") != 0 && strcmp(algorithm, "gbt") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown algorithm \"%s\"", algorithm),
				 errhint("Valid algorithms: gbt, logistic.")));
	parse_params(PG_ARGISNULL(5) ? DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"))) :
				 PG_GETARG_JSONB_P(5), algorithm, &params);
	in.algorithm = algorithm;
	in.gbt = params.gbt;
	in.regression = params.regression;
	in.max_bins = in.gbt ? (int) param_value(&params, "bins") : 0;
	in.weight = params.weight;
	in.force_categorical = params.categorical;
	data_cxt = AllocSetContextCreate(CurrentMemoryContext, "campaign train", ALLOCSET_DEFAULT_SIZES);
	/* shown by campaign.training_progress until the call ends, however it ends */
	cm_pg_progress_begin(in.model_name, in.gbt,
						 (int) param_value(&params, in.gbt ? "trees" : "max_iterations"));
	PG_TRY();
	{
		read_source(&in, source, PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3), data_cxt);
		{
			MemoryContext old = MemoryContextSwitchTo(data_cxt);

			id = in.gbt ? gbt_fit_and_store(&in, &params, started) :
				fit_and_store(&in, &params, started);
			MemoryContextSwitchTo(old);
		}
	}
	PG_FINALLY();
	{
		cm_pg_progress_end();
	}
	PG_END_TRY();
	MemoryContextDelete(data_cxt);
	PG_RETURN_INT64(id);
}
