/*
 * walk_state.c - the walk_route / walk_path aggregate state as bytes (see walk_state.h),
 * decoded with cm_reader so that a forged state is CM_ERR_CORRUPT, never a crash.
 */
#include "walk_state.h"

#include <string.h>

#include "memory.h"

#define WALK_STATE_MAGIC 0x574c4b31u	/* "WLK1" */
#define WALK_DOOR_BYTES 24		/* id, x, y */

void
cm_walk_state_encode(const cm_walk_state *s, cm_writer *w)
{
	cm_put_u32(w, WALK_STATE_MAGIC);
	cm_put_u32(w, s->geometry_type);
	cm_put_u8(w, (uint8_t) ((s->have_srid ? 1 : 0) | (s->has_start ? 2 : 0) | (s->round_trip ? 4 : 0)));
	cm_put_u32(w, (uint32_t) s->srid);
	cm_put_f64(w, s->sx);
	cm_put_f64(w, s->sy);
	cm_put_u32(w, (uint32_t) s->n);
	for (int64_t i = 0; i < s->n; i++)
	{
		cm_put_u64(w, (uint64_t) s->id[i]);
		cm_put_f64(w, s->x[i]);
		cm_put_f64(w, s->y[i]);
	}
}

static cm_status
walk_state_header(cm_reader *r, cm_walk_state *s)
{
	uint32_t	magic,
				srid;
	uint8_t		flags;

	CM_TRY(cm_get_u32(r, &magic));
	if (magic != WALK_STATE_MAGIC)
		return cm_fail(CM_ERR_CORRUPT, "not a walk list state");
	CM_TRY(cm_get_u32(r, &s->geometry_type));
	CM_TRY(cm_get_u8(r, &flags));
	if (flags > 7)
		return cm_fail(CM_ERR_CORRUPT, "bad flags");
	CM_TRY(cm_get_u32(r, &srid));
	CM_TRY(cm_get_f64_finite(r, &s->sx));
	CM_TRY(cm_get_f64_finite(r, &s->sy));
	s->have_srid = flags & 1;
	s->has_start = (flags & 2) != 0;
	s->round_trip = (flags & 4) != 0;
	s->srid = (int32_t) srid;
	return CM_OK;
}

cm_status
cm_walk_state_decode(const uint8_t *bytes, size_t len, uint32_t max_doors, cm_walk_state *s)
{
	cm_reader	r;
	uint32_t	count;

	memset(s, 0, sizeof(*s));
	cm_reader_init(&r, bytes, len);
	CM_TRY(walk_state_header(&r, s));
	CM_TRY(cm_get_count(&r, max_doors, WALK_DOOR_BYTES, &count));
	CM_TRY(cm_alloc_array((size_t) count + 1, sizeof(int64_t), (void **) &s->id));
	CM_TRY(cm_alloc_array((size_t) count + 1, sizeof(double), (void **) &s->x));
	CM_TRY(cm_alloc_array((size_t) count + 1, sizeof(double), (void **) &s->y));
	s->cap = count;
	for (uint32_t i = 0; i < count; i++)
	{
		uint64_t	id;

		CM_TRY(cm_get_u64(&r, &id));
		s->id[i] = (int64_t) id;
		CM_TRY(cm_get_f64_finite(&r, &s->x[i]));
		CM_TRY(cm_get_f64_finite(&r, &s->y[i]));
		s->n = i + 1;
	}
	return cm_reader_finish(&r);
}

void
cm_walk_state_free(cm_walk_state *s)
{
	cm_free(s->id);
	cm_free(s->x);
	cm_free(s->y);
	memset(s, 0, sizeof(*s));
}
