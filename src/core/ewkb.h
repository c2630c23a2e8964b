/*
 * ewkb.h - the geometry bytes of walk lists, free of PostgreSQL and PostGIS: 2D points read
 * from EWKB (what ST_AsEWKB gives every walk list function) and the EWKB LineString that
 * walk_path hands to ST_GeomFromEWKB.
 */
#ifndef CM_EWKB_H
#define CM_EWKB_H

#include <stddef.h>
#include <stdint.h>

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

/* Size of the EWKB of a LineString with n points and an SRID (0: none written). */
cm_status	cm_ewkb_linestring_size(size_t n, int32_t srid, size_t *size);

/* Write that EWKB (little-endian) into out, which holds cm_ewkb_linestring_size bytes. */
void		cm_ewkb_write_linestring(uint8_t *out, const double *x, const double *y,
									 const size_t *order, size_t n, int32_t srid);

#endif
