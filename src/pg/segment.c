/*
 * segment.c - campaign.tier() and campaign.score100(): turning probabilities into the
 * segments and 0-100 scores that field tools and dashboards use.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include <math.h>

#include "status.h"
#include "../core/segment.h"

static const char *const default_labels[] = {"low", "medium", "high"};

static void
check_score(double p)
{
	if (isnan(p) || p < 0.0 || p > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("probability must be between 0 and 1, not %s", float8out_internal(p))));
}

static void
check_one_dimension(ArrayType *array, const char *what)
{
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain nulls", what)));
}

/*
 * The parsed cuts and labels of a call site.  They are nearly always constants, so they are
 * parsed and validated once and reused while the bytes of the arrays stay the same.
 */
typedef struct tier_cache
{
	bytea	   *cuts_bytes;		/* copy of the cuts array, to recognize it */
	double	   *cuts;
	int			n_cuts;
	bytea	   *labels_bytes;	/* copy of the labels array (NULL for the default labels) */
	text	  **labels;
} tier_cache;

static bool
same_bytes(const bytea *copy, const ArrayType *array)
{
	return copy != NULL && VARSIZE(copy) == VARSIZE(array) &&
		memcmp(copy, array, VARSIZE(array)) == 0;
}

static bytea *
copy_bytes(MemoryContext cxt, const ArrayType *array)
{
	bytea	   *copy = MemoryContextAlloc(cxt, VARSIZE(array));

	memcpy(copy, array, VARSIZE(array));
	return copy;
}

/* Parse and validate the cuts: strictly ascending probabilities. */
static void
parse_cuts(tier_cache *cache, ArrayType *array, MemoryContext cxt)
{
	Datum	   *values;
	int			n;
	double	   *cuts;

	check_one_dimension(array, "cuts");
	deconstruct_array(array, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &values, NULL, &n);
	cuts = MemoryContextAlloc(cxt, sizeof(double) * (n > 0 ? n : 1));
	for (int i = 0; i < n; i++)
		cuts[i] = DatumGetFloat8(values[i]);
	CM_PG_CHECK_HINT(cm_check_cuts(cuts, (size_t) n), "invalid cuts",
					 "Give ascending probabilities between 0 and 1, e.g. '{0.3,0.7}'.");
	cache->cuts = cuts;
	cache->n_cuts = n;
	cache->cuts_bytes = copy_bytes(cxt, array);
	cache->labels_bytes = NULL;		/* labels are checked against the cuts again */
}

static void
parse_labels(tier_cache *cache, ArrayType *array, MemoryContext cxt)
{
	Datum	   *values;
	int			n;
	MemoryContext old;

	check_one_dimension(array, "labels");
	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &values, NULL, &n);
	if (n != cache->n_cuts + 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d cuts need %d labels, not %d", cache->n_cuts, cache->n_cuts + 1, n),
				 errhint("The labels name the tiers from the lowest scores to the highest.")));
	old = MemoryContextSwitchTo(cxt);
	cache->labels = palloc(sizeof(text *) * n);
	for (int i = 0; i < n; i++)
		cache->labels[i] = DatumGetTextPCopy(values[i]);	/* plain 4-byte header */
	MemoryContextSwitchTo(old);
	cache->labels_bytes = copy_bytes(cxt, array);
}

/* The call site's cache, with cuts (and labels, when given) matching the arguments. */
static tier_cache *
current_cache(FunctionCallInfo fcinfo, bool with_labels)
{
	tier_cache *cache = fcinfo->flinfo->fn_extra;
	ArrayType  *cuts = PG_GETARG_ARRAYTYPE_P(1);

	if (cache == NULL)
		cache = fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(tier_cache));
	if (!same_bytes(cache->cuts_bytes, cuts))
	{
		cache->cuts_bytes = NULL;	/* stays invalid if parsing fails */
		parse_cuts(cache, cuts, fcinfo->flinfo->fn_mcxt);
	}
	if (with_labels && !same_bytes(cache->labels_bytes, PG_GETARG_ARRAYTYPE_P(2)))
		parse_labels(cache, PG_GETARG_ARRAYTYPE_P(2), fcinfo->flinfo->fn_mcxt);
	return cache;
}

PG_FUNCTION_INFO_V1(tier_default_labels);

Datum
tier_default_labels(PG_FUNCTION_ARGS)
{
	double		p = PG_GETARG_FLOAT8(0);
	tier_cache *cache = current_cache(fcinfo, false);

	check_score(p);
	if (cache->n_cuts != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the default labels low, medium and high need 2 cuts, not %d", cache->n_cuts),
				 errhint("Pass labels too: campaign.tier(p, cuts, labels) with one label more than cuts.")));
	PG_RETURN_TEXT_P(cstring_to_text(default_labels[cm_tier_index(p, cache->cuts, 2)]));
}

PG_FUNCTION_INFO_V1(tier_labels);

Datum
tier_labels(PG_FUNCTION_ARGS)
{
	double		p = PG_GETARG_FLOAT8(0);
	tier_cache *cache = current_cache(fcinfo, true);
	text	   *label;
	text	   *result;

	check_score(p);
	label = cache->labels[cm_tier_index(p, cache->cuts, (size_t) cache->n_cuts)];
	result = palloc(VARSIZE(label));
	memcpy(result, label, VARSIZE(label));
	PG_RETURN_TEXT_P(result);
}

PG_FUNCTION_INFO_V1(score100);

Datum
score100(PG_FUNCTION_ARGS)
{
	double		p = PG_GETARG_FLOAT8(0);

	check_score(p);
	PG_RETURN_INT32(cm_score100(p));
}
