/*
 * fuzz_rollup_state.c - libFuzzer target for the rollup aggregate state (core/rollup.h), the
 * float8[] that campaign.rollup's support functions accept from anyone: any vector of doubles
 * must be refused by cm_rollup_state_check or be safe to add to, combine and finalize.
 *
 * Input: the first byte splits the rest into two states a and b (a gets byte0 * 8 doubles).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "memory.h"
#include "rollup.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_final(const double *s, size_t len)
{
	cm_propensity out;

	if (cm_rollup_final(s, len, &out) == CM_OK &&
		(!(out.n >= 0) || !(out.sd >= 0) || !(out.lo <= out.hi) || !isfinite(out.expected)))
		abort();				/* a summary of a valid state is a valid summary */
}

/* Adding one voter keeps the state valid. */
static void
check_add(const double *s, size_t len)
{
	size_t		need = cm_rollup_len_after_add(s);
	double	   *grown;

	if (cm_alloc_array(need > len ? need : len, sizeof(double), (void **) &grown) != CM_OK)
		abort();
	memcpy(grown, s, len * sizeof(double));
	cm_rollup_add(grown, need > len ? need : len, 0.25);
	if (cm_rollup_state_check(grown, need > len ? need : len) != CM_OK)
		abort();
	cm_free(grown);
}

static void
check_combine(const double *a, const double *b)
{
	size_t		len = cm_rollup_len_after_combine(a, b);
	double	   *out;

	if (cm_alloc_array(len, sizeof(double), (void **) &out) != CM_OK)
		abort();
	if (cm_rollup_combine(a, b, out, len) == CM_OK)
		check_final(out, len);
	cm_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		n,
				split;
	double	   *all;
	bool		a_ok,
				b_ok;

	if (size < 1)
		return 0;
	all = fuzz_doubles(data + 1, size - 1, &n);
	split = (size_t) data[0] * 8 < n ? (size_t) data[0] * 8 : n;
	a_ok = cm_rollup_state_check(all, split) == CM_OK;
	b_ok = cm_rollup_state_check(all + split, n - split) == CM_OK;
	if (a_ok)
	{
		check_final(all, split);
		check_add(all, split);
	}
	if (b_ok)
		check_final(all + split, n - split);
	if (a_ok && b_ok)
		check_combine(all, all + split);
	cm_free(all);
	return 0;
}
