/* params.c - defaults, checks and setting of an algorithm's tunables from its table. */
#include "params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void *
member(const cm_param *param, void *params)
{
	return (char *) params + param->offset;
}

static const void *
const_member(const cm_param *param, const void *params)
{
	return (const char *) params + param->offset;
}

/* Store a number known to fit the member (range and whole-ness checked). */
static void
store(const cm_param *param, void *params, double value)
{
	int			i = (int) value;
	uint64_t	u = (uint64_t) value;

	/* memcpy: a choice's member is an enum, int-sized but not declared int */
	if (param->type == CM_PARAM_REAL)
		memcpy(member(param, params), &value, sizeof(value));
	else if (param->type == CM_PARAM_SEED)
		memcpy(member(param, params), &u, sizeof(u));
	else
		memcpy(member(param, params), &i, sizeof(i));
}

double
cm_param_number(const cm_param *param, const void *params)
{
	double		d;
	uint64_t	u;
	int			i;

	if (param->type == CM_PARAM_REAL)
	{
		memcpy(&d, const_member(param, params), sizeof(d));
		return d;
	}
	if (param->type == CM_PARAM_SEED)
	{
		memcpy(&u, const_member(param, params), sizeof(u));
		return (double) u;
	}
	memcpy(&i, const_member(param, params), sizeof(i));
	return i;
}

static bool
is_integer_type(cm_param_type type)
{
	return type == CM_PARAM_INT || type == CM_PARAM_SEED;
}

static cm_status
check_number(const cm_param *param, double value)
{
	/* written so that NaN fails too */
	if (!(value >= param->min && value <= param->max) ||
		(is_integer_type(param->type) && value != floor(value)))
		return cm_fail(CM_ERR_INVALID, "parameter \"%s\" must be %s between %.15g and %.15g, not %.15g",
					   param->name, is_integer_type(param->type) ? "an integer" : "a number",
					   param->min, param->max, value);
	return CM_OK;
}

static const cm_param_choice *
choice_by_value(const cm_param *param, int value)
{
	for (int k = 0; k < param->n_choices; k++)
		if (param->choices[k].value == value)
			return &param->choices[k];
	return NULL;
}

/* 'parameter "objective" must be "binary" or "regression"' */
static cm_status
fail_choice(const cm_param *param)
{
	char		list[256] = "";
	size_t		used = 0;

	for (int k = 0; k < param->n_choices && used < sizeof(list); k++)
		used += (size_t) snprintf(list + used, sizeof(list) - used, "%s\"%s\"",
								  k == 0 ? "" : k == param->n_choices - 1 ? " or " : ", ",
								  param->choices[k].name);
	return cm_fail(CM_ERR_INVALID, "parameter \"%s\" must be %s", param->name, list);
}

void
cm_params_default(const cm_param_table *table, void *params, size_t size)
{
	memset(params, 0, size);
	for (int i = 0; i < table->n_params; i++)
		store(&table->params[i], params, table->params[i].default_value);
}

cm_status
cm_params_check(const cm_param_table *table, const void *params)
{
	for (int i = 0; i < table->n_params; i++)
	{
		const cm_param *param = &table->params[i];
		double		value = cm_param_number(param, params);

		if (param->type != CM_PARAM_CHOICE)
			CM_TRY(check_number(param, value));
		else if (choice_by_value(param, (int) value) == NULL)
			return fail_choice(param);
	}
	return CM_OK;
}

const cm_param *
cm_param_find(const cm_param_table *table, const char *name)
{
	for (int i = 0; i < table->n_params; i++)
		if (strcmp(table->params[i].name, name) == 0)
			return &table->params[i];
	return NULL;
}

cm_status
cm_param_set_number(const cm_param *param, void *params, double value)
{
	if (param->type == CM_PARAM_CHOICE)
		return fail_choice(param);
	CM_TRY(check_number(param, value));
	store(param, params, value);
	return CM_OK;
}

cm_status
cm_param_set_choice(const cm_param *param, void *params, const char *name, size_t len)
{
	for (int k = 0; param->type == CM_PARAM_CHOICE && k < param->n_choices; k++)
		if (strlen(param->choices[k].name) == len && memcmp(param->choices[k].name, name, len) == 0)
		{
			store(param, params, param->choices[k].value);
			return CM_OK;
		}
	return fail_choice(param);
}

const char *
cm_param_choice_name(const cm_param *param, const void *params)
{
	const cm_param_choice *c = choice_by_value(param, (int) cm_param_number(param, params));

	return c ? c->name : NULL;
}
