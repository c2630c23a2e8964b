/*
 * turf.c - campaign.turf's cutting (see turf.h): recursive balanced bisection across the
 * longer side, then pairwise balanced re-splits of neighbouring turfs; turf_tours.c then
 * moves doors between turfs where that shortens their tours.
 */
#include "turf.h"

#include <math.h>
#include <stdbool.h>

#include "keyed.h"
#include "memory.h"
#include "tour.h"
#include "turf_tours.h"

#define TURF_MAX_DEPTH 64

typedef struct turf_cut
{
	const double *x,
			   *y;
	size_t		q;				/* every turf has q or q + 1 doors */
	cm_keyed   *scratch;
	int32_t    *turf;
} turf_cut;

/* Cut idx[0..m) (m = kk * q + big, big turfs of q + 1) into turfs first..first+kk-1. */
static cm_status
cut(turf_cut *c, size_t *idx, size_t m, size_t kk, size_t big, int32_t first, int depth)
{
	double		minx = INFINITY,
				maxx = -INFINITY,
				miny = INFINITY,
				maxy = -INFINITY;
	bool		by_x;
	size_t		k1,
				big1,
				m1;

	if (depth > TURF_MAX_DEPTH)
		return cm_fail(CM_ERR_INTERNAL, "turf cutting nested too deeply");
	CM_TRY(cm_check_interrupts());
	if (kk == 1)
	{
		for (size_t i = 0; i < m; i++)
			c->turf[idx[i]] = first;
		return CM_OK;
	}
	for (size_t i = 0; i < m; i++)
	{
		minx = fmin(minx, c->x[idx[i]]);
		maxx = fmax(maxx, c->x[idx[i]]);
		miny = fmin(miny, c->y[idx[i]]);
		maxy = fmax(maxy, c->y[idx[i]]);
	}
	by_x = maxx - minx >= maxy - miny;
	for (size_t i = 0; i < m; i++)
	{
		c->scratch[i].key = by_x ? c->x[idx[i]] : c->y[idx[i]];
		c->scratch[i].index = idx[i];
	}
	cm_keyed_sort(c->scratch, m);
	for (size_t i = 0; i < m; i++)
		idx[i] = c->scratch[i].index;
	/* split the turfs in two halves and share the bigger turfs in proportion */
	k1 = kk / 2;
	big1 = (big * k1 + kk / 2) / kk;
	if (big1 > k1)
		big1 = k1;
	if (big - big1 > kk - k1)
		big1 = big - (kk - k1);
	m1 = k1 * c->q + big1;
	CM_TRY(cut(c, idx, m1, k1, big1, first, depth + 1));
	return cut(c, idx + m1, m - m1, kk - k1, big - big1, first + (int32_t) k1, depth + 1);
}

#define REFINE_PASSES 6
#define REFINE_NEIGHBOURS 6
#define REFINE_MAX_TURFS 2000	/* the neighbour search is quadratic in turfs */

typedef struct turf_refine
{
	const double *x,
			   *y;
	size_t		k;
	size_t	   *start;			/* k + 1 offsets into items: turf t owns a fixed-size run */
	size_t	   *items;
	double	   *cx,
			   *cy;
	cm_keyed   *scratch;
} turf_refine;

static void
centroid(turf_refine *r, size_t t)
{
	double		sx = 0,
				sy = 0;
	size_t		m = r->start[t + 1] - r->start[t];

	for (size_t i = r->start[t]; i < r->start[t + 1]; i++)
	{
		sx += r->x[r->items[i]];
		sy += r->y[r->items[i]];
	}
	r->cx[t] = m ? sx / (double) m : 0;
	r->cy[t] = m ? sy / (double) m : 0;
}

/*
 * Re-split the doors of turfs a and b, sizes kept: sorting by the projection on the line
 * between their centroids gives each turf the doors nearer its centroid (a balanced
 * 2-means step), which straightens the boundary and shortens both tours.
 */
static void
resplit(turf_refine *r, size_t a, size_t b)
{
	double		dx = r->cx[b] - r->cx[a],
				dy = r->cy[b] - r->cy[a];
	size_t		na = r->start[a + 1] - r->start[a],
				nb = r->start[b + 1] - r->start[b],
				k = 0;

	for (size_t i = r->start[a]; i < r->start[a + 1]; i++, k++)
		r->scratch[k] = (cm_keyed) {r->x[r->items[i]] * dx + r->y[r->items[i]] * dy, r->items[i]};
	for (size_t i = r->start[b]; i < r->start[b + 1]; i++, k++)
		r->scratch[k] = (cm_keyed) {r->x[r->items[i]] * dx + r->y[r->items[i]] * dy, r->items[i]};
	cm_keyed_sort(r->scratch, na + nb);
	for (size_t i = 0; i < na; i++)
		r->items[r->start[a] + i] = r->scratch[i].index;
	for (size_t i = 0; i < nb; i++)
		r->items[r->start[b] + i] = r->scratch[na + i].index;
	centroid(r, a);
	centroid(r, b);
}

static cm_status
refine_passes(turf_refine *r)
{
	for (int pass = 0; pass < REFINE_PASSES; pass++)
		for (size_t a = 0; a < r->k; a++)
		{
			size_t		near[REFINE_NEIGHBOURS];
			double		nd[REFINE_NEIGHBOURS];
			uint8_t		found = 0;

			CM_TRY(cm_check_interrupts());
			for (size_t b = 0; b < r->k; b++)
				if (b != a)
					cm_keep_nearest(near, nd, &found, REFINE_NEIGHBOURS, b,
								 hypot(r->cx[b] - r->cx[a], r->cy[b] - r->cy[a]));
			for (size_t j = 0; j < found; j++)
				resplit(r, a, near[j]);
		}
	return CM_OK;
}

/* Improve the bisection's turfs by pairwise balanced re-splits; sizes never change. */
static cm_status
refine_turfs(const double *x, const double *y, size_t n, size_t k, int32_t *turf,
			 cm_keyed *scratch)
{
	turf_refine r = {x, y, k, NULL, NULL, NULL, NULL, scratch};
	cm_status	status;

	if (k < 2 || k > REFINE_MAX_TURFS)
		return CM_OK;
	status = cm_alloc_array(k + 1, sizeof(size_t), (void **) &r.start);
	if (status == CM_OK)
		status = cm_alloc_array(n, sizeof(size_t), (void **) &r.items);
	if (status == CM_OK)
		status = cm_alloc_array(k, sizeof(double), (void **) &r.cx);
	if (status == CM_OK)
		status = cm_alloc_array(k, sizeof(double), (void **) &r.cy);
	if (status == CM_OK)
	{
		for (size_t i = 0; i < n; i++)
			r.start[turf[i]]++;	/* turf numbers are 1..k: counts land at start[t] */
		for (size_t t = 0; t < k; t++)
			r.start[t + 1] += r.start[t];
		/* start[t] is where turf t + 1's run begins; fill advances it to the run's end */
		{
			for (size_t i = 0; i < n; i++)
				r.items[r.start[turf[i] - 1]++] = i;
			for (size_t t = k; t > 0; t--)
				r.start[t] = r.start[t - 1];
			r.start[0] = 0;
		}
		for (size_t t = 0; t < k; t++)
			centroid(&r, t);
		status = refine_passes(&r);
		if (status == CM_OK)
			for (size_t t = 0; t < k; t++)
				for (size_t i = r.start[t]; i < r.start[t + 1]; i++)
					turf[r.items[i]] = (int32_t) t + 1;
	}
	cm_free(r.start);
	cm_free(r.items);
	cm_free(r.cx);
	cm_free(r.cy);
	return status;
}


cm_status
cm_walk_turfs(const double *x, const double *y, size_t n, size_t doors, int32_t *turf)
{
	turf_cut	c = {x, y, 0, NULL, turf};
	size_t	   *idx;
	size_t		k;
	cm_status	status;

	if (doors == 0)
		return cm_fail(CM_ERR_INVALID, "doors per turf must be at least 1");
	if (n == 0)
		return CM_OK;
	CM_TRY(cm_tour_check_points(x, y, n));
	k = n / doors + (n % doors != 0);
	if (k > INT32_MAX)
		return cm_fail(CM_ERR_LIMIT, "too many turfs");
	c.q = n / k;
	CM_TRY(cm_alloc_array(n, sizeof(size_t), (void **) &idx));
	status = cm_alloc_array(n, sizeof(cm_keyed), (void **) &c.scratch);
	if (status == CM_OK)
	{
		for (size_t i = 0; i < n; i++)
			idx[i] = i;
		status = cut(&c, idx, n, k, n - k * c.q, 1, 0);
		if (status == CM_OK)
			status = refine_turfs(x, y, n, k, turf, c.scratch);
		if (status == CM_OK)
			status = cm_turf_shorten_tours(x, y, n, k, turf, c.scratch);
	}
	cm_free(c.scratch);
	cm_free(idx);
	return status;
}
