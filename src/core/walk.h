/*
 * walk.h - the geometry side of walk lists, free of PostgreSQL and PostGIS: reading points
 * from EWKB, a local metric projection for lon/lat, balanced turf cutting and the
 * orienteering problem (the best doors for a shift).
 */
#ifndef CM_WALK_H
#define CM_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buffer.h"
#include "status.h"

/* What an EWKB value holds, when it is not a usable point. */
typedef enum cm_ewkb_kind
{
	CM_EWKB_POINT = 0,			/* a point with finite x and y */
	CM_EWKB_NOT_POINT,			/* another geometry type */
	CM_EWKB_EMPTY,				/* POINT EMPTY (NaN coordinates in WKB) */
	CM_EWKB_NONFINITE			/* a point with one NaN or infinite coordinate */
} cm_ewkb_kind;

/*
 * Read a 2D point (Z and M ignored) from EWKB or ISO WKB bytes.  CM_ERR_CORRUPT when the bytes
 * are not WKB; otherwise CM_OK with *kind telling whether x/y are usable and *srid the SRID
 * (0 when none is embedded).
 */
cm_status	cm_ewkb_read_point(const uint8_t *bytes, size_t len, cm_ewkb_kind *kind,
							   double *x, double *y, int32_t *srid);

/* Most candidate doors walk_plan takes (its work grows with doors x route length). */
#define CM_WALK_MAX_PLAN_DOORS 100000

/* Size of the EWKB of a LineString with n points and an SRID (0: none written). */
cm_status	cm_ewkb_linestring_size(size_t n, int32_t srid, size_t *size);

/* Write that EWKB (little-endian) into out, which holds cm_ewkb_linestring_size bytes. */
void		cm_ewkb_write_linestring(uint8_t *out, const double *x, const double *y,
									 const size_t *order, size_t n, int32_t srid);

/*
 * Project lon/lat degrees (in place) to metres on a plane tangent at the centre of the points'
 * bounding box (equirectangular with the cosine of the centre latitude).  Rejects longitudes
 * outside [-180, 180] and latitudes outside [-90, 90].
 */
cm_status	cm_walk_project_lonlat(double *x, double *y, size_t n);

/*
 * Cut n points into k = ceil(n / doors) turfs whose sizes differ by at most one; turf[i]
 * receives 1..k.  Recursive balanced bisection across the longer side, pairwise re-splits,
 * then door moves between neighbouring turfs that shorten the summed tour length of the
 * turfs (see walk.c).  Deterministic: the same points in the same order give the same turfs.
 */
cm_status	cm_walk_turfs(const double *x, const double *y, size_t n, size_t doors,
						  int32_t *turf);

typedef struct cm_orienteering
{
	size_t		n;				/* candidate doors */
	const double *x;			/* n + 1 coordinates: the doors, then the start at index n */
	const double *y;
	const double *value;		/* n values, finite and >= 0 (0: never worth a detour) */
	double		budget;			/* longest loop from the start back to it */
	uint64_t	seed;
	size_t		rounds;			/* improvement rounds (0: greedy construction only) */
} cm_orienteering;

/*
 * Choose doors and their order: stop[i] = 1.. for visited doors (in visiting order from the
 * start), 0 for the others.  The loop start -> doors -> start is never longer than budget.
 */
cm_status	cm_walk_orienteer(const cm_orienteering *problem, int32_t *stop,
							  double *value_out, double *length_out);

/*
 * The state of the walk_route / walk_path aggregates: the doors collected so far and the
 * optional start.  Serialized for parallel plans; the bytes come back through the host's
 * deserial function, so the decoder trusts nothing.
 */
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
