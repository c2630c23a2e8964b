/*
 * params.h - the table of an algorithm's tunables, one entry per parameter (as PostgreSQL's
 * relopts tables, e.g. pgvector's {"m", RELOPT_TYPE_INT, offsetof(HnswOptions, m)}): its name,
 * type, place in the algorithm's params struct, default and inclusive range.
 *
 * The one table gives the defaults (cm_params_default), the core's checks (cm_params_check)
 * and the host's parser (cm_param_find, cm_param_set_number, cm_param_set_choice), so they
 * cannot disagree; src/core/test/test_params.c holds the docs' parameter tables against it.
 */
#ifndef CM_PARAMS_H
#define CM_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum cm_param_type
{
	CM_PARAM_INT,				/* an int member: a whole number in [min, max] */
	CM_PARAM_SEED,				/* a uint64_t member: a whole number in [min, max] */
	CM_PARAM_REAL,				/* a double member in [min, max] */
	CM_PARAM_CHOICE				/* an int-sized enum member: one of choices, by name */
} cm_param_type;

typedef struct cm_param_choice
{
	const char *name;
	int			value;
} cm_param_choice;

typedef struct cm_param
{
	const char *name;
	cm_param_type type;
	size_t		offset;			/* offsetof the member in the params struct */
	double		default_value;	/* a choice: the value of the default choice */
	double		min;			/* inclusive; unused for a choice */
	double		max;			/* inclusive; unused for a choice */
	const cm_param_choice *choices; /* a choice: n_choices of them */
	int			n_choices;
} cm_param;

typedef struct cm_param_table
{
	const cm_param *params;
	int			n_params;
} cm_param_table;

/* Every tunable of params at its default; the other members zero (no progress callback). */
void		cm_params_default(const cm_param_table *table, void *params, size_t size);

/* Each tunable within its range (or one of its choices); CM_ERR_INVALID naming the first not. */
cm_status	cm_params_check(const cm_param_table *table, const void *params);

/* The entry called name, or NULL. */
const cm_param *cm_param_find(const cm_param_table *table, const char *name);

/*
 * Set a number tunable (not a choice) to value: CM_ERR_INVALID with the message the user
 * reads, e.g. 'parameter "trees" must be an integer between 1 and 100000, not 2.5'.
 */
cm_status	cm_param_set_number(const cm_param *param, void *params, double value);

/* Set a choice to the one called name (len bytes); CM_ERR_INVALID listing them if none is. */
cm_status	cm_param_set_choice(const cm_param *param, void *params, const char *name,
								size_t len);

/* The value of a tunable as a number (a choice: its value). */
double		cm_param_number(const cm_param *param, const void *params);

/* The name of a choice's current value (NULL if it is none of them). */
const char *cm_param_choice_name(const cm_param *param, const void *params);

#endif
