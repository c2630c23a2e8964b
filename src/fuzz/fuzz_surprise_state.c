/*
 * fuzz_surprise_state.c - libFuzzer target for the turnout_surprise aggregate state
 * (core/surprise.h), the float8[] that campaign.turnout_surprise's support functions accept
 * from anyone: any vector of doubles must be refused by cm_surprise_state_check or be safe to
 * add to, combine and finalize, and a summary of a valid state must be a valid summary.
 *
 * Input: the first byte splits the rest into two states a and b (a gets byte0 * 8 doubles).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "memory.h"
#include "surprise.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_final(const double *s, size_t len)
{
	cm_surprise out;

	if (cm_surprise_final(s, len, &out) == CM_OK &&
		(!(out.n >= 0) || !(out.observed <= out.n) || !isfinite(out.expected) ||
		 !(out.p_below >= 0 && out.p_below <= 1) || !(out.p_above >= 0 && out.p_above <= 1)))
		abort();
}

/* Adding a voter keeps the state valid (or fails cleanly on a corrupt probability). */
static void
check_add(const double *s, size_t len, double p)
{
	size_t		need;
	double	   *grown;

	if (cm_surprise_len_after_add(s, p, &need) != CM_OK)
		return;
	if (need < len)
		need = len;
	if (cm_alloc_array(need, sizeof(double), (void **) &grown) != CM_OK)
		abort();
	memcpy(grown, s, len * sizeof(double));
	if (cm_surprise_add(grown, need, p, true) == CM_OK &&
		cm_surprise_state_check(grown, need) != CM_OK)
		abort();
	cm_free(grown);
}

static void
check_combine(const double *a, size_t alen, const double *b, size_t blen)
{
	double	   *out;
	size_t		len;

	if (cm_surprise_combine(a, alen, b, blen, &out, &len) == CM_OK)
	{
		if (cm_surprise_state_check(out, len) != CM_OK)
			abort();
		check_final(out, len);
		cm_free(out);
	}
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
	a_ok = cm_surprise_state_check(all, split) == CM_OK;
	b_ok = cm_surprise_state_check(all + split, n - split) == CM_OK;
	if (a_ok)
	{
		check_final(all, split);
		check_add(all, split, 0.25);
		check_add(all, split, 0.75);
		check_add(all, split, 1.0);
	}
	if (b_ok)
		check_final(all + split, n - split);
	if (a_ok && b_ok)
		check_combine(all, split, all + split, n - split);
	cm_free(all);
	return 0;
}
