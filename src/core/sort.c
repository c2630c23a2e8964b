/* sort.c - LSD radix sorts keyed by doubles (see sort.h). */
#include "sort.h"
#include "memory.h"

#include <stdint.h>
#include <string.h>

#define DIGITS 8				/* one byte each */

typedef struct keyed
{
	uint64_t	key;
	size_t		index;
} keyed;

/* An unsigned key with the order of the double: flip every bit of negatives, the sign of others. */
static inline uint64_t
to_key(double d)
{
	uint64_t	u;

	memcpy(&u, &d, sizeof(u));
	return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

static inline double
from_key(uint64_t k)
{
	uint64_t	u = (k >> 63) ? k & ~(UINT64_C(1) << 63) : ~k;
	double		d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/*
 * Sort items[0, n) by key, stably, with other[0, n) as scratch; returns the array holding the
 * result (items or other).
 */
static keyed *
radix_sort(keyed *items, keyed *other, size_t n, size_t (*counts)[256])
{
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < DIGITS; d++)
			counts[d][(items[i].key >> (8 * d)) & 0xFF]++;
	for (int d = 0; d < DIGITS && n > 0; d++)
	{
		size_t		at = 0;
		keyed	   *swap;

		if (counts[d][(items[0].key >> (8 * d)) & 0xFF] == n)
			continue;			/* every key has the same byte here */
		for (int b = 0; b < 256; b++)
		{
			size_t		c = counts[d][b];

			counts[d][b] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			other[counts[d][(items[i].key >> (8 * d)) & 0xFF]++] = items[i];
		swap = items;
		items = other;
		other = swap;
	}
	return items;
}

/* Keys of v in an allocation of 2n items (the second half scratch), sorted. */
static cm_status
sorted_keys(const double *v, size_t n, keyed **base, keyed **sorted)
{
	size_t		(*counts)[256];

	CM_TRY(cm_alloc_array(n ? n : 1, 2 * sizeof(keyed), (void **) base));
	if (cm_alloc_array(DIGITS, sizeof(*counts), (void **) &counts) != CM_OK)
	{
		cm_free(*base);
		return CM_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		(*base)[i] = (keyed) {to_key(v[i]), i};
	*sorted = radix_sort(*base, *base + n, n, counts);
	cm_free(counts);
	return CM_OK;
}

cm_status
cm_sort_doubles(double *v, size_t n)
{
	keyed	   *base,
			   *sorted;

	CM_TRY(sorted_keys(v, n, &base, &sorted));
	for (size_t i = 0; i < n; i++)
		v[i] = from_key(sorted[i].key);
	cm_free(base);
	return CM_OK;
}

cm_status
cm_sort_order(const double *v, size_t n, size_t *order)
{
	keyed	   *base,
			   *sorted;

	CM_TRY(sorted_keys(v, n, &base, &sorted));
	for (size_t i = 0; i < n; i++)
		order[i] = sorted[i].index;
	cm_free(base);
	return CM_OK;
}
