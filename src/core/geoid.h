/*
 * geoid.h - census GEOIDs: the digit prefixes of the 2020 census geography.
 *
 * A block GEOID has 15 digits: state (2) + county (3) + tract (6) + block group (1) +
 * block (3, of which the first is the block group).  A GEOID of a coarser level is its
 * prefix, so the parent of a GEOID at a level is the prefix of that level's length.
 */
#ifndef CM_GEOID_H
#define CM_GEOID_H

#include <stddef.h>

#include "status.h"

/* The level named by a GEOID of len digits ("state", ..., "block"); CM_ERR_INVALID if malformed. */
cm_status	cm_geoid_level(const char *geoid, size_t len, const char **level);

/* Length of the GEOIDs of a level name; CM_ERR_INVALID for an unknown name. */
cm_status	cm_geoid_level_length(const char *level, size_t *len);

/* Length of the prefix of geoid that is its parent at level (coarser or equal). */
cm_status	cm_geoid_parent(const char *geoid, size_t len, const char *level, size_t *parent_len);

#endif
