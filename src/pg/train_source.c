/*
 * train_source.c - reading campaign.train's source: resolve the label, weight and feature
 * columns, then take every row from the executor (a DestReceiver; an SPI cursor on 13),
 * validate it and append it to the dataset, quantizing gbt rows once the bin edges are placed.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include <math.h>

#include "train.h"
#include "../core/logistic.h"
#include "../core/memory.h"

#define FETCH_BATCH 10000
/* rows buffered as doubles to place the bin edges: 200k, or fewer for wide sources (32 MB) */
#define GBT_SAMPLE_ROWS(n_features) Max(1000, Min(200000, (4 * 1024 * 1024) / (n_features)))

/*
 * The source as a FROM item named campaign_source: a table or view, or a query in
 * parentheses; the query that reads it narrows it to the params' sample.
 */
/* Whether p starts with the keyword kw as a whole word ("table", not "tablet"). */
static bool
starts_with_keyword(const char *p, const char *kw)
{
	size_t		len = strlen(kw);

	return pg_strncasecmp(p, kw, len) == 0 &&
		!(isalnum((unsigned char) p[len]) || p[len] == '_' || p[len] == '$' ||
		  IS_HIGHBIT_SET(p[len]));
}

/*
 * A query source must be one statement: checked on its own text, so a syntax error points
 * into what the caller wrote rather than into the wrapper around it.
 */
static void
check_one_statement(const char *query)
{
#if PG_VERSION_NUM >= 140000
	List	   *statements = raw_parser(query, RAW_PARSE_DEFAULT);
#else
	List	   *statements = raw_parser(query);
#endif

	if (list_length(statements) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("the training source must be one query, not %d statements",
						list_length(statements)),
				 errhint("Give one SELECT (a WITH query can combine several steps).")));
}

/*
 * The source as a FROM item named campaign_source: a table or view, or a query in
 * parentheses; the query that reads it narrows it to the params' sample.
 */
static char *
source_query(const char *source, const char *label, const train_params *params)
{
	const char *p = source;
	size_t		len;
	Oid			relid;
	char	   *from;

	while (isspace((unsigned char) *p) || *p == '(')
		p++;
	if (starts_with_keyword(p, "select") || starts_with_keyword(p, "with") ||
		starts_with_keyword(p, "values") || starts_with_keyword(p, "table"))
	{
		len = strlen(source);
		while (len > 0 && (isspace((unsigned char) source[len - 1]) || source[len - 1] == ';'))
			len--;
		from = pnstrdup(source, len);
		check_one_statement(from);
		from = psprintf("(%s\n) AS campaign_source", from);
	}
	else
	{
		relid = RangeVarGetRelid(makeRangeVarFromNameList(textToQualifiedNameList(cstring_to_text(source))),
								 NoLock, false);
		from = psprintf("%s AS campaign_source",
						quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												   get_rel_name(relid)));
	}
	return cm_pg_train_sample_query(from, label, params);
}

/*
 * The attno of column name (0: none).  Two columns of that name are an error: which one
 * training used would be a guess (a source "SELECT age, turnout, turnout" trained on its label).
 */
static int
column_of(TupleDesc desc, const char *name)
{
	int			found = 0;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), name) != 0)
			continue;
		if (found)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("the training source has two columns named \"%s\"", name),
					 errhint("Name each column once, e.g. with AS in the source query.")));
		found = i + 1;
	}
	return found;
}

/* A hint for a name not in the source: the column that differs only in case, if any. */
static int
case_hint(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && pg_strcasecmp(NameStr(att->attname), name) == 0)
			return errhint("The source has a column \"%s\"; names are case-sensitive here: write it as the source spells it.",
						   NameStr(att->attname));
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
	(void) column_of(desc, NameStr(att->attname));	/* two columns of its name: an error */
	in->categorical[in->n_features] = kind == CM_FEATURE_CATEGORICAL;
	in->feature_names[in->n_features] = pstrdup(NameStr(att->attname));
	in->feature_attnos[in->n_features] = attno;
	in->feature_types[in->n_features++] = type;
}

/*
 * features NULL takes every column: say so when one is named like a row identifier (id,
 * voter_id), which fits the rows it saw and says nothing of new voters.
 */
static void
warn_if_identifier(const char *name)
{
	size_t		len = strlen(name);

	if (pg_strcasecmp(name, "id") == 0 ||
		(len > 3 && pg_strcasecmp(name + len - 3, "_id") == 0))
		ereport(WARNING,
				(errmsg("feature \"%s\" looks like a row identifier", name),
				 errhint("With features NULL every column but the label is a feature; list the features to leave it out.")));
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
				 errmsg("weight column \"%s\" is not in the source", in->weight),
				 case_hint(desc, in->weight)));
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
				 errmsg("label column \"%s\" is not in the source", in->label),
				 case_hint(desc, in->label)));
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
						 errmsg("feature column \"%s\" is not in the source", name),
						 case_hint(desc, name)));
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
			{
				add_feature(in, desc, i + 1);
				warn_if_identifier(NameStr(TupleDescAttr(desc, i)->attname));
			}
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
 * gbt: place the bin edges on a sample (n rows of doubles, the rows of the smallest keys) and
 * get the binned rows ready.
 */
static void
place_bin_edges(train_input *in, const double *sample, size_t n)
{
	size_t		max_bytes = (size_t) campaign_train_memory_limit_kb * 1024;

	CM_PG_CHECK(cm_bins_fit(sample, n, in->data.n_features, in->max_bins, &in->bins),
				"could not place the bin edges");
	/* category numbers are their own bins until the categories are ordered */
	for (int j = 0; j < in->n_features; j++)
		if (in->categorical[j])
			cm_bins_set_identity(&in->bins, (uint32) j);
	cm_binned_init(&in->binned, in->data.n_features, max_bytes);
	if (in->weight_attno)
		CM_PG_CHECK(cm_binned_use_weights(&in->binned), "could not hold the row weights");
}

/* Set (*array)[n - 1] = v, growing the array (*cap items) geometrically. */
static void
append_double(double **array, size_t *cap, size_t n, double v)
{
	if (n > *cap)
	{
		size_t		new_cap = Max(*cap * 2, 1024);

		CM_PG_CHECK(cm_grow_array((void **) array, *cap, new_cap, sizeof(double)),
					"could not hold the training rows");
		*cap = new_cap;
	}
	(*array)[n - 1] = v;
}

/* A row kept as doubles (logistic, and gbt until the bin edges are placed), with its key. */
static void
buffer_row(train_input *in, const double *x, double y, double w, double key)
{
	CM_PG_CHECK(cm_dataset_add_row(&in->data, x, y), "could not hold the training rows");
	append_double(&in->keys, &in->cap_keys, in->data.n_rows, key);
	if (in->weight_attno)
		append_double(&in->row_weights, &in->cap_weights, in->data.n_rows, w);
}

static void
append_binned_row(train_input *in, const double *x, double y, double w, double key)
{
	CM_PG_CHECK(cm_binned_add_row(&in->binned, &in->bins, x, y),
				"could not hold the training rows");
	if (in->binned.w)
		in->binned.w[in->binned.n_rows - 1] = (float) w;
	append_double(&in->keys, &in->cap_keys, in->binned.n_rows, key);
}

/*
 * gbt: rows buffered as doubles before only the bin sample is kept and the source is read a
 * second time: half of campaign.train_memory_limit, and at least the bin sample.
 */
static size_t
rows_to_buffer(const train_input *in)
{
	size_t		row_bytes = sizeof(double) * ((size_t) in->n_features + 3);	/* x, y, key, weight */
	size_t		budget = (size_t) campaign_train_memory_limit_kb * 1024 / 2;

	return Max(budget / row_bytes, (size_t) GBT_SAMPLE_ROWS(in->n_features));
}

/* The permutation that sorts the keys of the n buffered rows. */
static size_t *
key_order(const train_input *in, size_t n)
{
	size_t	   *order = palloc_extended(sizeof(size_t) * Max(n, 1), MCXT_ALLOC_HUGE);

	CM_PG_CHECK(cm_key_order(in->keys, n, order), "could not sort the row keys");
	return order;
}

/*
 * gbt: the buffer is full, so from now on keep only the sample of the smallest keys (the
 * buffered rows of the smallest keys first), and read the source again afterwards.
 */
static void
start_bin_sample(train_input *in)
{
	size_t		n = in->data.n_rows,
				k = GBT_SAMPLE_ROWS(in->n_features);
	size_t	   *order = key_order(in, n);
	cm_dataset	sample;
	double	   *weights = in->weight_attno ? palloc(sizeof(double) * k) : NULL;

	cm_dataset_init(&sample, in->data.n_features, 0);
	CM_PG_CHECK(cm_smallest_keys_init(&in->bin_sample, k), "could not hold the training rows");
	for (size_t i = 0; i < k; i++)
	{
		size_t		r = order[i];

		(void) cm_smallest_keys_offer(&in->bin_sample, in->keys[r]);	/* slot i */
		CM_PG_CHECK(cm_dataset_add_row(&sample, in->data.x + r * in->data.n_features, in->data.y[r]),
					"could not hold the training rows");
		if (weights)
			weights[i] = in->row_weights[r];
	}
	in->bin_sample.offered = n;
	cm_dataset_free(&in->data);
	in->data = sample;
	if (in->row_weights)
		cm_free(in->row_weights);
	in->row_weights = weights;
	in->cap_weights = weights ? k : 0;
	pfree(order);
	in->sampling = true;
}

/* gbt, first reading once sampling: a row of the sample, in the slot it was given. */
static void
store_in_bin_sample(train_input *in, size_t slot, const double *x, double y, double w)
{
	if (slot == in->data.n_rows)
		CM_PG_CHECK(cm_dataset_add_row(&in->data, x, y), "could not hold the training rows");
	else
		cm_dataset_set_row(&in->data, slot, x, y);
	if (in->row_weights)
		in->row_weights[slot] = w;
}

/*
 * gbt: every row is buffered: place the bin edges on the rows of the smallest keys (all of
 * them when they are few), then quantize every row and drop the doubles.
 */
static void
bin_the_buffer(train_input *in)
{
	size_t		n = in->data.n_rows,
				k = Min(n, (size_t) GBT_SAMPLE_ROWS(in->n_features)),
				nf = in->data.n_features;

	if (k == n)
		place_bin_edges(in, in->data.x, n);
	else
	{
		size_t	   *order = key_order(in, n);
		double	   *sample = palloc_extended(sizeof(double) * k * nf, MCXT_ALLOC_HUGE);

		for (size_t i = 0; i < k; i++)
			memcpy(sample + i * nf, in->data.x + order[i] * nf, sizeof(double) * nf);
		place_bin_edges(in, sample, k);
		pfree(sample);
		pfree(order);
	}
	/* in the order read (sequential); cm_pg_train_canonical_order puts them in key order */
	for (size_t i = 0; i < n; i++)
		append_binned_row(in, in->data.x + i * nf, in->data.y[i],
						  in->row_weights ? in->row_weights[i] : 1, in->keys[i]);
	cm_dataset_free(&in->data);
}

/* A value of categorical feature j (len bytes) the core refused to add to its categories. */
static void
raise_category_failure(const train_input *in, int j, size_t len, cm_status st)
{
	const char *name = in->feature_names[j];
	const cm_pg_wording wordings[] = {
		{CM_ERR_LIMIT,
			psprintf("categorical feature \"%s\" has more than %d distinct values", name,
					 CM_CATEGORIES_MAX),
		"Group the rare values into one (e.g. 'other') in the source query, or leave the feature out."},
		{CM_ERR_INVALID,
			psprintf("categorical feature \"%s\" has a value of %zu bytes; a category has at most %d",
					 name, len, CM_CATEGORY_MAX_LEN), NULL},
	};

	cm_pg_raise_worded(st, psprintf("could not hold a category of feature \"%s\"", name),
					   wordings, lengthof(wordings));
}

/*
 * The category number (1-based, first-seen order) of a categorical feature's value; its text
 * goes into the row's key (the number depends on the order rows come in, the text does not).
 */
static double
category_number(train_input *in, int j, Datum value, MemoryContext data_cxt, cm_row_key *key)
{
	size_t		len;
	MemoryContext old = MemoryContextSwitchTo(in->scratch_cxt);
	const char *s = cm_pg_category_text(&in->readers[j], value, &len);
	uint32_t	index;
	cm_status	st;

	cm_row_key_bytes(key, s, len);
	/* detoasted or output text lives in the scratch context, the category in data_cxt */
	MemoryContextSwitchTo(data_cxt);
	st = cm_categories_add(&in->categories[j], s, len, &index);
	MemoryContextSwitchTo(old);
	MemoryContextReset(in->scratch_cxt);
	if (st != CM_OK)
		raise_category_failure(in, j, len, st);
	return (double) index + 1;
}

/* The bits of a double, which the row key hashes. */
static inline uint64
double_bits(double d)
{
	uint64		u;

	memcpy(&u, &d, sizeof(u));
	return u;
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
				w = 1,
				key;
	cm_row_key	k;
	size_t		slot = 0;
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
	/* the key: what training reads of the row, label, weight and features, in that order */
	cm_row_key_begin(&k, in->seed);
	cm_row_key_small(&k, double_bits(y), sizeof(double));
	if (in->weight_attno)
		cm_row_key_small(&k, double_bits(w), sizeof(double));
	for (int j = 0; j < in->n_features; j++)
	{
		int			a = in->feature_attnos[j] - 1;

		if (in->nulls[a])
		{
			x[j] = NAN;
			cm_row_key_null(&k);
		}
		else if (in->categorical[j])
			x[j] = category_number(in, j, in->values[a], data_cxt, &k);
		else
		{
			x[j] = cm_pg_datum_to_double(in->values[a], in->feature_types[j]);
			cm_row_key_small(&k, double_bits(x[j]), sizeof(double));
		}
		in->present[j] += !isnan(x[j]);
		if (isinf(x[j]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("feature \"%s\" is infinite", in->feature_names[j]),
					 errhint("Use NULL for a missing value.")));
	}
	key = cm_row_key_end(&k);
	old = MemoryContextSwitchTo(data_cxt);
	if (in->gbt && !in->second_pass && !in->sampling && in->data.n_rows >= in->max_buffered)
		start_bin_sample(in);
	if (in->sampling && !in->second_pass)
	{
		slot = cm_smallest_keys_offer(&in->bin_sample, key);
		if (slot == CM_SMALLEST_KEYS_DROP)
		{
			MemoryContextSwitchTo(old);
			return;				/* not in the bin sample: quantized in the second reading */
		}
	}
	if (in->second_pass)
		append_binned_row(in, x, y, w, key);
	else if (in->sampling)
		store_in_bin_sample(in, slot, x, y, w);
	else
		buffer_row(in, x, y, w, key);
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
	if (in->columns_ready)
		return;					/* gbt's second reading */
	in->columns_ready = true;
	resolve_columns(in, desc, features);
	cm_dataset_init(&in->data, (uint32) in->n_features,
					(size_t) campaign_train_memory_limit_kb * 1024);
	if (in->gbt)
		in->max_buffered = rows_to_buffer(in);
	in->x = palloc(sizeof(double) * in->n_features);
	in->present = palloc0(sizeof(int64) * in->n_features);
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

/* Whether s is a number as text ("12", "-0.5", "1e3"). */
static bool
is_number_text(const char *s)
{
	char	   *end;

	if (*s == '\0' || strchr("+-.0123456789", *s) == NULL)
		return false;			/* not "nan", "inf" or " 1" */
	(void) strtod(s, &end);
	return *end == '\0';
}

/*
 * A text column whose values are all numbers is trained on as categories (every value its
 * own, no order): usually a number stored as text (on a real turnout file: AUC 0.689 against
 * 0.749 as a number).
 */
static void
warn_if_all_numbers(const train_input *in, int j)
{
	const cm_categories *c = &in->categories[j];

	if (c->n < 2)
		return;
	for (uint32_t k = 0; k < c->n; k++)
		if (!is_number_text(c->values[k]))
			return;
	ereport(WARNING,
			(errmsg("categorical feature \"%s\" holds only numbers, used as %u unordered categories",
					in->feature_names[j], c->n),
			 errhint("Cast it to a number in the source (%s::numeric) to use its order; list it in the categorical param to keep it a category.",
					 quote_identifier(in->feature_names[j]))));
}

/* Run the source query and load every row into in->data (allocated in data_cxt). */
/*
 * gbt, after the first reading: bin the buffered rows, or, when only the bin sample was kept,
 * place the bin edges on it and read the source again, quantizing every row.
 */
static void
bin_the_rows(train_input *in, SPIPlanPtr plan, ArrayType *features, MemoryContext data_cxt)
{
	MemoryContext old = MemoryContextSwitchTo(data_cxt);

	if (!in->sampling)
	{
		bin_the_buffer(in);
		MemoryContextSwitchTo(old);
		return;
	}
	place_bin_edges(in, in->data.x, in->data.n_rows);
	cm_dataset_free(&in->data);
	cm_smallest_keys_free(&in->bin_sample);
	MemoryContextSwitchTo(old);
	/* the counts of the first reading would count every row twice */
	in->rows_skipped = 0;
	memset(in->present, 0, sizeof(int64) * in->n_features);
	in->second_pass = true;
	read_rows(in, plan, features, data_cxt);
}

void
cm_pg_train_read_source(train_input *in, const char *source, ArrayType *features,
						const train_params *params, MemoryContext data_cxt)
{
	ErrorContextCallback callback = {error_context_stack, read_source_context,
	(void *) in->model_name};
	SPIPlanPtr	plan;

	error_context_stack = &callback;
	SPI_connect();
	plan = SPI_prepare(source_query(source, in->label, params), 0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not prepare the training source: %s", SPI_result_code_string(SPI_result));
	in->seed = cm_pg_train_seed(params);
	read_rows(in, plan, features, data_cxt);
	if (in->gbt && in->data.n_rows > 0)
		bin_the_rows(in, plan, features, data_cxt);
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
	if ((in->gbt ? in->binned.n_rows : in->data.n_rows) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the source of model \"%s\" has no rows with a non-NULL label",
						in->model_name),
				 params->sample_share > 0 ?
				 errhint("The sample of %g of the rows left none; take a larger share.",
						 params->sample_share) : 0));
	for (int j = 0; j < in->n_features; j++)
		if (in->categorical[j] && !name_in_list(in->force_categorical, in->feature_names[j]))
			warn_if_all_numbers(in, j);
	for (int j = 0; j < in->n_features; j++)
		if (in->present[j] == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("feature \"%s\" is NULL in every row of the source", in->feature_names[j]),
					 errhint("Leave it out of features.")));
	SPI_finish();
}
