/*
 * ewkb.c - points read from EWKB / ISO WKB and the LineString of walk_path written as EWKB
 * (see ewkb.h).  Bounds-checked: the bytes come from PostGIS but are never trusted.
 */
#include "ewkb.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "memory.h"

#define WKB_POINT 1
#define WKB_LINESTRING 2
#define EWKB_Z 0x80000000u
#define EWKB_M 0x40000000u
#define EWKB_SRID 0x20000000u

typedef struct wkb_in
{
	const uint8_t *p;
	size_t		len,
				pos;
	bool		big_endian;
} wkb_in;

static cm_status
wkb_u32(wkb_in *in, uint32_t *v)
{
	const uint8_t *b;

	if (in->len - in->pos < 4)
		return cm_fail(CM_ERR_CORRUPT, "truncated WKB");
	b = in->p + in->pos;
	in->pos += 4;
	if (in->big_endian)
		*v = (uint32_t) b[0] << 24 | (uint32_t) b[1] << 16 | (uint32_t) b[2] << 8 | b[3];
	else
		*v = (uint32_t) b[3] << 24 | (uint32_t) b[2] << 16 | (uint32_t) b[1] << 8 | b[0];
	return CM_OK;
}

static cm_status
wkb_f64(wkb_in *in, double *v)
{
	uint64_t	bits = 0;

	if (in->len - in->pos < 8)
		return cm_fail(CM_ERR_CORRUPT, "truncated WKB");
	for (int i = 0; i < 8; i++)
	{
		uint8_t		byte = in->p[in->pos + (in->big_endian ? (size_t) i : (size_t) (7 - i))];

		bits = bits << 8 | byte;
	}
	in->pos += 8;
	memcpy(v, &bits, sizeof(*v));
	return CM_OK;
}

cm_status
cm_ewkb_read_point(const uint8_t *bytes, size_t len, cm_ewkb_kind *kind,
				   double *x, double *y, int32_t *srid)
{
	wkb_in		in = {bytes, len, 1, false};
	uint32_t	type,
				base,
				dims = 2,
				s = 0;
	double		ignored;

	if (len < 5 || bytes[0] > 1)
		return cm_fail(CM_ERR_CORRUPT, "not WKB");
	in.big_endian = bytes[0] == 0;
	CM_TRY(wkb_u32(&in, &type));
	base = (type & 0x0FFFFFFFu) % 1000;
	dims += ((type & EWKB_Z) != 0) + ((type & EWKB_M) != 0);
	switch ((type & 0x0FFFFFFFu) / 1000)	/* ISO WKB: 1000 Z, 2000 M, 3000 ZM */
	{
		case 1:
		case 2:
			dims++;
			break;
		case 3:
			dims += 2;
			break;
		default:
			break;
	}
	if (type & EWKB_SRID)
		CM_TRY(wkb_u32(&in, &s));
	*srid = (int32_t) s;
	if (base != WKB_POINT)
	{
		*kind = CM_EWKB_NOT_POINT;
		return CM_OK;
	}
	CM_TRY(wkb_f64(&in, x));
	CM_TRY(wkb_f64(&in, y));
	for (uint32_t d = 2; d < dims; d++)
		CM_TRY(wkb_f64(&in, &ignored));
	if (in.pos != len)
		return cm_fail(CM_ERR_CORRUPT, "trailing bytes after a WKB point");
	if (isnan(*x) && isnan(*y))
		*kind = CM_EWKB_EMPTY;
	else if (!isfinite(*x) || !isfinite(*y))
		*kind = CM_EWKB_NONFINITE;
	else
		*kind = CM_EWKB_POINT;
	return CM_OK;
}

cm_status
cm_ewkb_linestring_size(size_t n, int32_t srid, size_t *size)
{
	size_t		coords;

	if (!cm_mul_size(n, 16, &coords) || !cm_add_size(coords, 9 + (srid ? 4 : 0), size))
		return cm_fail(CM_ERR_LIMIT, "line of %zu points too large", n);
	if (n > UINT32_MAX)
		return cm_fail(CM_ERR_LIMIT, "line of %zu points too large", n);
	return CM_OK;
}

static uint8_t *
put_u32le(uint8_t *out, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		*out++ = (uint8_t) (v >> (8 * i));
	return out;
}

static uint8_t *
put_f64le(uint8_t *out, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	for (int i = 0; i < 8; i++)
		*out++ = (uint8_t) (bits >> (8 * i));
	return out;
}

void
cm_ewkb_write_linestring(uint8_t *out, const double *x, const double *y,
						 const size_t *order, size_t n, int32_t srid)
{
	*out++ = 1;
	out = put_u32le(out, WKB_LINESTRING | (srid ? EWKB_SRID : 0));
	if (srid)
		out = put_u32le(out, (uint32_t) srid);
	out = put_u32le(out, (uint32_t) n);
	for (size_t i = 0; i < n; i++)
	{
		out = put_f64le(out, x[order[i]]);
		out = put_f64le(out, y[order[i]]);
	}
}
