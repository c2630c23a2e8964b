/*
 * geoid.c - census GEOID levels and parents.
 */
#include "geoid.h"

#include <string.h>

static const struct
{
	const char *name;
	size_t		len;
}			levels[] = {
	{"state", 2}, {"county", 5}, {"tract", 11}, {"block_group", 12}, {"block", 15},
};

#define N_LEVELS (sizeof(levels) / sizeof(levels[0]))

cm_status
cm_geoid_level(const char *geoid, size_t len, const char **level)
{
	for (size_t i = 0; i < len; i++)
		if (geoid[i] < '0' || geoid[i] > '9')
			return cm_fail(CM_ERR_INVALID, "geoid must contain digits only");
	for (size_t i = 0; i < N_LEVELS; i++)
		if (levels[i].len == len)
		{
			*level = levels[i].name;
			return CM_OK;
		}
	return cm_fail(CM_ERR_INVALID, "geoid has %zu digits, a census geoid has 2, 5, 11, 12 or 15",
				   len);
}

cm_status
cm_geoid_level_length(const char *level, size_t *len)
{
	for (size_t i = 0; i < N_LEVELS; i++)
		if (strcmp(levels[i].name, level) == 0)
		{
			*len = levels[i].len;
			return CM_OK;
		}
	return cm_fail(CM_ERR_INVALID,
				   "unknown geography level \"%.40s\", expected state, county, tract, block_group or block",
				   level);
}

cm_status
cm_geoid_parent(const char *geoid, size_t len, const char *level, size_t *parent_len)
{
	const char *own;
	size_t		want;

	CM_TRY(cm_geoid_level(geoid, len, &own));
	CM_TRY(cm_geoid_level_length(level, &want));
	if (want > len)
		return cm_fail(CM_ERR_INVALID, "a %s geoid has no %s parent: %s is finer", own, level, level);
	*parent_len = want;
	return CM_OK;
}
