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

#include "campaign.h"
#include "../core/evaluate.h"

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

/* The cuts, validated: strictly ascending probabilities. */
static double *
cuts_argument(ArrayType *array, int *n)
{
	Datum	   *values;
	double	   *cuts;

	check_one_dimension(array, "cuts");
	deconstruct_array(array, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &values, NULL, n);
	cuts = palloc(sizeof(double) * (*n > 0 ? *n : 1));
	for (int i = 0; i < *n; i++)
		cuts[i] = DatumGetFloat8(values[i]);
	if (cm_check_cuts(cuts, (size_t) *n) != CM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid cuts: %s", cm_last_error()),
				 errhint("Give ascending probabilities between 0 and 1, e.g. '{0.3,0.7}'.")));
	return cuts;
}

static size_t
tier_of(FunctionCallInfo fcinfo, int *n_cuts)
{
	double		p = PG_GETARG_FLOAT8(0);
	double	   *cuts = cuts_argument(PG_GETARG_ARRAYTYPE_P(1), n_cuts);

	check_score(p);
	return cm_tier_index(p, cuts, (size_t) *n_cuts);
}

PG_FUNCTION_INFO_V1(tier_default_labels);

Datum
tier_default_labels(PG_FUNCTION_ARGS)
{
	int			n_cuts;
	size_t		tier = tier_of(fcinfo, &n_cuts);

	if (n_cuts != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the default labels low, medium and high need 2 cuts, not %d", n_cuts),
				 errhint("Pass labels too: campaign.tier(p, cuts, labels) with one label more than cuts.")));
	PG_RETURN_TEXT_P(cstring_to_text(default_labels[tier]));
}

PG_FUNCTION_INFO_V1(tier_labels);

Datum
tier_labels(PG_FUNCTION_ARGS)
{
	ArrayType  *labels = PG_GETARG_ARRAYTYPE_P(2);
	int			n_cuts;
	size_t		tier = tier_of(fcinfo, &n_cuts);
	Datum	   *values;
	int			n_labels;

	check_one_dimension(labels, "labels");
	deconstruct_array(labels, TEXTOID, -1, false, TYPALIGN_INT, &values, NULL, &n_labels);
	if (n_labels != n_cuts + 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d cuts need %d labels, not %d", n_cuts, n_cuts + 1, n_labels),
				 errhint("The labels name the tiers from the lowest scores to the highest.")));
	PG_RETURN_TEXT_P(DatumGetTextPCopy(values[tier]));
}

PG_FUNCTION_INFO_V1(score100);

Datum
score100(PG_FUNCTION_ARGS)
{
	double		p = PG_GETARG_FLOAT8(0);

	check_score(p);
	PG_RETURN_INT32(cm_score100(p));
}
