/* keyed.c - sorting by a key with ties by index, and nearest-first lists (see keyed.h). */
#include "keyed.h"

#include <stdlib.h>

static int
keyed_cmp(const void *a, const void *b)
{
	const cm_keyed *ka = a,
			   *kb = b;

	if (ka->key != kb->key)
		return ka->key < kb->key ? -1 : 1;
	return ka->index < kb->index ? -1 : ka->index > kb->index;
}

void
cm_keyed_sort(cm_keyed *items, size_t n)
{
	qsort(items, n, sizeof(cm_keyed), keyed_cmp);
}

void
cm_keep_nearest(size_t *list, double *dist, uint8_t *count, uint8_t cap, size_t j, double d)
{
	size_t		m = *count;

	if (m == cap && d >= dist[m - 1])
		return;
	if (m < cap)
		(*count)++;
	else
		m--;
	while (m > 0 && dist[m - 1] > d)
	{
		dist[m] = dist[m - 1];
		list[m] = list[m - 1];
		m--;
	}
	dist[m] = d;
	list[m] = j;
}
