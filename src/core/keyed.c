/*
 * keyed.c - sorting by a key with ties by index, nearest-first lists and bounding boxes
 * (see keyed.h).
 */
#include "keyed.h"

#include <math.h>
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

cm_box
cm_bounds(const double *x, const double *y, size_t n)
{
	cm_box		b = {INFINITY, -INFINITY, INFINITY, -INFINITY};

	for (size_t i = 0; i < n; i++)
	{
		b.minx = fmin(b.minx, x[i]);
		b.maxx = fmax(b.maxx, x[i]);
		b.miny = fmin(b.miny, y[i]);
		b.maxy = fmax(b.maxy, y[i]);
	}
	return b;
}
