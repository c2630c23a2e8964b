/*
 * train_params.c - campaign.train's params jsonb.  The algorithm's tunables are those of its
 * core table (params.h: names, defaults, ranges, where each goes in the core's params
 * struct), walked here without code of their own; gbt also takes two parameters about the
 * source's columns, weight and categorical.  And the JSON text of the parameters a model was
 * trained with.  And the training settings, which bound what any params may ask for.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include <limits.h>
#include <math.h>

#include "campaign.h"
#include "train.h"

int			campaign_train_memory_limit_kb = 1024 * 1024;
int			campaign_max_train_threads = 8;

/*
 * Both protect the server (memory, cores), so only a superuser sets them: in postgresql.conf,
 * ALTER SYSTEM, or ALTER ROLE/DATABASE ... SET for the roles that may use more.
 */
void
cm_pg_train_init(void)
{
	DefineCustomIntVariable("campaign.train_memory_limit",
							"Largest training set campaign.train may hold in memory.",
							"Training that would need more is refused with an error; a model's trees are bounded by it as they grow.",
							&campaign_train_memory_limit_kb,
							1024 * 1024, 1024, INT_MAX,
							PGC_SUSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("campaign.max_train_threads",
							"Most threads one campaign.train may use to grow trees.",
							"Caps the threads parameter of algorithm gbt; results do not depend on it.",
							&campaign_max_train_threads,
							8, 1, 64,
							PGC_SUSET, 0, NULL, NULL, NULL);
}

/* gbt reads a weight column and forced-categorical columns from the source; logistic neither */
static bool
takes_columns(const train_params *params)
{
	return params->algorithm->id == CM_ALGORITHM_GBT;
}

static char *
valid_param_list(const train_params *params)
{
	const cm_param_table *table = params->algorithm->params;
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < table->n_params; i++)
		appendStringInfo(&s, "%s%s", i ? ", " : "", table->params[i].name);
	if (takes_columns(params))
		appendStringInfoString(&s, ", weight, categorical");
	appendStringInfoString(&s, ", sample");
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

/* Set one of the algorithm's tunables from its JSON value; false if key is none of them. */
static bool
set_core_param(train_params *params, const char *key, JsonbValue *v)
{
	const cm_param *param = cm_param_find(params->algorithm->params, key);
	double		x;

	if (param == NULL)
		return false;
	if (param->type == CM_PARAM_CHOICE)
	{
		/* a value that is not a string is none of the choices either */
		CM_PG_CHECK(v->type == jbvString ?
					cm_param_set_choice(param, &params->core, v->val.string.val, v->val.string.len) :
					cm_param_set_choice(param, &params->core, "", 0), NULL);
		return true;
	}
	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" must be a number", key)));
	x = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
	CM_PG_CHECK(cm_param_set_number(param, &params->core, x), NULL);
	return true;
}

/* "sample": a share of the rows in (0, 1), or a row count of 1 or more. */
static void
set_sample_param(train_params *params, JsonbValue *v)
{
	double		x = v->type == jbvNumeric ?
		DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric))) : NAN;

	if (x > 0 && x < 1)
		params->sample_share = x;
	else if (x >= 1 && x <= 1e15 && x == floor(x))
		params->sample_rows = (int64) x;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"sample\" must be a share of the rows between 0 and 1 or a whole number of rows"),
				 errhint("For example {\"sample\": 0.1} for a tenth of the rows, {\"sample\": 100000} for 100,000 of them.")));
}

uint64
cm_pg_train_seed(const train_params *params)
{
	return params->algorithm->id == CM_ALGORITHM_GBT ? params->core.gbt.seed :
		params->core.logistic.seed;
}

static void
set_param(train_params *params, const char *key, JsonbValue *v)
{
	if (set_core_param(params, key, v))
		return;
	if (strcmp(key, "sample") == 0)
	{
		set_sample_param(params, v);
		return;
	}
	if (takes_columns(params) && strcmp(key, "weight") == 0)
	{
		if (v->type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"weight\" must be the name of a column")));
		params->weight = pnstrdup(v->val.string.val, v->val.string.len);
		return;
	}
	if (takes_columns(params) && strcmp(key, "categorical") == 0)
	{
		set_categorical_param(params, v);
		return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown parameter \"%s\" for algorithm \"%s\"", key, params->algorithm->name),
			 errhint("Valid parameters: %s.", valid_param_list(params))));
}

void
cm_pg_train_parse_params(Jsonb *jb, const cm_algorithm_ops *algorithm, train_params *params)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	memset(params, 0, sizeof(*params));
	params->algorithm = algorithm;
	cm_params_default(algorithm->params, &params->core, sizeof(params->core));
	/* the trees are bounded as they grow by the limit of the training set (not a tunable) */
	if (algorithm->id == CM_ALGORITHM_GBT)
		params->core.gbt.max_model_bytes = (size_t) campaign_train_memory_limit_kb * 1024;
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
			set_param(params, key, &v);
	}
	if (algorithm->id == CM_ALGORITHM_GBT && params->core.gbt.early_stopping_rounds > 0 &&
		params->core.gbt.holdout == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("early_stopping_rounds needs a holdout to stop on, and holdout is 0"),
				 errhint("Set holdout above 0 (0.2 by default), or leave early_stopping_rounds out.")));
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

/* "categorical": ["a", "b"] */
static void
append_column_list(StringInfo s, const char *key, List *names)
{
	ListCell   *lc;

	appendStringInfoString(s, ", ");
	escape_json(s, key);
	appendStringInfoString(s, ": [");
	foreach(lc, names)
	{
		appendStringInfoString(s, foreach_current_index(lc) ? ", " : "");
		escape_json(s, lfirst(lc));
	}
	appendStringInfoChar(s, ']');
}

char *
cm_pg_train_params_json(const train_params *params)
{
	const cm_param_table *table = params->algorithm->params;
	StringInfoData s;
	bool		first = true;

	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	for (int i = 0; i < table->n_params; i++)
	{
		const cm_param *param = &table->params[i];

		if (param->type != CM_PARAM_CHOICE)
		{
			cm_pg_append_json_number(&s, param->name, cm_param_number(param, &params->core),
									 &first);
			continue;
		}
		appendStringInfoString(&s, first ? "" : ", ");
		escape_json(&s, param->name);
		appendStringInfoString(&s, ": ");
		escape_json(&s, cm_param_choice_name(param, &params->core));
		first = false;
	}
	if (params->weight)
	{
		appendStringInfoString(&s, ", \"weight\": ");
		escape_json(&s, params->weight);
	}
	if (params->categorical != NIL)
		append_column_list(&s, "categorical", params->categorical);
	if (params->sample_share > 0 || params->sample_rows > 0)
	{
		bool		first_sample = false;

		cm_pg_append_json_number(&s, "sample", params->sample_rows > 0 ?
								 (double) params->sample_rows : params->sample_share,
								 &first_sample);
	}
	appendStringInfoChar(&s, '}');
	return s.data;
}
