/*
 * walk_state.h - the state of the walk_route / walk_path aggregates: the doors collected so
 * far and the optional start.  Serialized for parallel plans; the bytes come back through the
 * host's deserial function, so the decoder trusts nothing.
 */
#ifndef CM_WALK_STATE_H
#define CM_WALK_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buffer.h"
#include "status.h"

typedef struct cm_walk_state
{
	uint32_t	geometry_type;	/* the host's id of the geometry type (an Oid) */
	int32_t		srid;
	bool		have_srid;
	bool		has_start;
	bool		round_trip;
	double		sx,
				sy;
	int64_t		n,				/* doors */
				cap;			/* room in id, x and y */
	int64_t    *id;
	double	   *x;
	double	   *y;
} cm_walk_state;

void		cm_walk_state_encode(const cm_walk_state *s, cm_writer *w);

/*
 * Decode a state of at most max_doors doors into *s (arrays from cm_alloc, one spare entry;
 * free with cm_walk_state_free, also after a failure).  Every byte is validated: CM_ERR_CORRUPT.
 */
cm_status	cm_walk_state_decode(const uint8_t *bytes, size_t len, uint32_t max_doors,
								 cm_walk_state *s);

void		cm_walk_state_free(cm_walk_state *s);

#endif
