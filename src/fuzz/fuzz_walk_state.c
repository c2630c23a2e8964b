/*
 * fuzz_walk_state.c - libFuzzer target for the walk_route / walk_path aggregate state
 * (cm_walk_state_decode, their DESERIALFUNC): any bytes must be refused or decode to a state
 * whose doors are finite and that re-encodes to the same bytes; a decoded state of a few
 * doors is routed.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "memory.h"
#include "turf.h"
#include "walk_state.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_DOORS 4096		/* campaign.max_route_points stands lower in the fuzzer */

static void
check_turfs(const cm_walk_state *s)
{
	int32_t    *turf;

	if (s->n == 0 || s->n > 256)
		return;
	if (cm_alloc_array((size_t) s->n, sizeof(int32_t), (void **) &turf) != CM_OK)
		abort();
	if (cm_walk_turfs(s->x, s->y, (size_t) s->n, 7, turf) == CM_OK)
		for (int64_t i = 0; i < s->n; i++)
			if (turf[i] < 1 || turf[i] > (s->n + 6) / 7)
				abort();
	cm_free(turf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cm_walk_state s;
	cm_writer	w;

	if (cm_walk_state_decode(data, size, FUZZ_MAX_DOORS, &s) != CM_OK)
	{
		cm_walk_state_free(&s);
		return 0;
	}
	for (int64_t i = 0; i < s.n; i++)
		if (!isfinite(s.x[i]) || !isfinite(s.y[i]))
			abort();
	cm_writer_init(&w);
	cm_walk_state_encode(&s, &w);
	if (w.status != CM_OK || w.len != size || memcmp(w.data, data, size) != 0)
		abort();				/* the encoding is canonical: decode then encode is the identity */
	cm_writer_free(&w);
	check_turfs(&s);
	cm_walk_state_free(&s);
	return 0;
}
