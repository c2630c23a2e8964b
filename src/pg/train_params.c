/*
 * train_params.c - campaign.train's params jsonb: each algorithm's parameters, their defaults
 * and ranges, and the JSON text of the parameters a model was trained with.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include <math.h>

#include "train.h"
#include "../core/gbt.h"

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

StaticAssertDecl(MAX_PARAMS <= TRAIN_MAX_PARAMS, "train_params holds too few parameters");

double
cm_pg_train_param(const train_params *params, const char *name)
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

void
cm_pg_train_parse_params(Jsonb *jb, const char *algorithm, train_params *params)
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

void
cm_pg_append_json_number(StringInfo s, const char *key, double value, bool *first)
{
	appendStringInfoString(s, *first ? "" : ", ");
	escape_json(s, key);
	if (isfinite(value))
		appendStringInfo(s, ": %s", float8out_internal(value));
	else
		appendStringInfoString(s, ": null");
	*first = false;
}

char *
cm_pg_train_params_json(const train_params *params)
{
	StringInfoData s;
	bool		first = true;

	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	for (int i = 0; i < params->n; i++)
		cm_pg_append_json_number(&s, params->spec[i]->name, params->value[i], &first);
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
