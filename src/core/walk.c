/*
 * walk.c - points from EWKB, lon/lat projection, balanced turfs and orienteering (walk.h).
 */
#include "walk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"
#include "rng.h"
#include "tour.h"

#define WKB_POINT 1
#define WKB_LINESTRING 2
#define EWKB_Z 0x80000000u
#define EWKB_M 0x40000000u
#define EWKB_SRID 0x20000000u
#define EARTH_RADIUS_M 6371008.8	/* mean radius (IUGG) */
#define TURF_MAX_DEPTH 64

/* ---- EWKB ------------------------------------------------------------------------------- */

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

/* ---- lon/lat -------------------------------------------------------------------------- */

cm_status
cm_walk_project_lonlat(double *x, double *y, size_t n)
{
	double		minx = INFINITY,
				maxx = -INFINITY,
				miny = INFINITY,
				maxy = -INFINITY,
				lon0,
				lat0,
				kx,
				ky;

	for (size_t i = 0; i < n; i++)
	{
		if (!(fabs(x[i]) <= 180.0) || !(fabs(y[i]) <= 90.0))
			return cm_fail(CM_ERR_INVALID, "point (%g %g) is not a longitude/latitude in degrees",
						   x[i], y[i]);
		minx = fmin(minx, x[i]);
		maxx = fmax(maxx, x[i]);
		miny = fmin(miny, y[i]);
		maxy = fmax(maxy, y[i]);
	}
	lon0 = (minx + maxx) / 2;
	lat0 = (miny + maxy) / 2;
	ky = EARTH_RADIUS_M * M_PI / 180.0;
	kx = ky * cos(lat0 * M_PI / 180.0);
	for (size_t i = 0; i < n; i++)
	{
		x[i] = (x[i] - lon0) * kx;
		y[i] = (y[i] - lat0) * ky;
	}
	return CM_OK;
}

/* ---- turfs ------------------------------------------------------------------------------ */

typedef struct keyed
{
	double		key;
	size_t		index;
} keyed;

static int
keyed_cmp(const void *a, const void *b)
{
	const keyed *ka = a,
			   *kb = b;

	if (ka->key != kb->key)
		return ka->key < kb->key ? -1 : 1;
	return ka->index < kb->index ? -1 : ka->index > kb->index;
}

typedef struct turf_cut
{
	const double *x,
			   *y;
	size_t		q;				/* every turf has q or q + 1 doors */
	keyed	   *scratch;
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
	qsort(c->scratch, m, sizeof(keyed), keyed_cmp);
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
	keyed	   *scratch;
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
		r->scratch[k] = (keyed) {r->x[r->items[i]] * dx + r->y[r->items[i]] * dy, r->items[i]};
	for (size_t i = r->start[b]; i < r->start[b + 1]; i++, k++)
		r->scratch[k] = (keyed) {r->x[r->items[i]] * dx + r->y[r->items[i]] * dy, r->items[i]};
	qsort(r->scratch, na + nb, sizeof(keyed), keyed_cmp);
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
			size_t		found = 0;

			CM_TRY(cm_check_interrupts());
			for (size_t b = 0; b < r->k; b++)
			{
				double		d = hypot(r->cx[b] - r->cx[a], r->cy[b] - r->cy[a]);
				size_t		j;

				if (b == a || (found == REFINE_NEIGHBOURS && d >= nd[found - 1]))
					continue;
				j = found < REFINE_NEIGHBOURS ? found++ : found - 1;
				while (j > 0 && nd[j - 1] > d)
				{
					nd[j] = nd[j - 1];
					near[j] = near[j - 1];
					j--;
				}
				nd[j] = d;
				near[j] = b;
			}
			for (size_t j = 0; j < found; j++)
				resplit(r, a, near[j]);
		}
	return CM_OK;
}

/* Improve the bisection's turfs by pairwise balanced re-splits; sizes never change. */
static cm_status
refine_turfs(const double *x, const double *y, size_t n, size_t k, int32_t *turf, keyed *scratch)
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
	k = n / doors + (n % doors != 0);
	if (k > INT32_MAX)
		return cm_fail(CM_ERR_LIMIT, "too many turfs");
	c.q = n / k;
	CM_TRY(cm_alloc_array(n, sizeof(size_t), (void **) &idx));
	status = cm_alloc_array(n, sizeof(keyed), (void **) &c.scratch);
	if (status == CM_OK)
	{
		for (size_t i = 0; i < n; i++)
			idx[i] = i;
		status = cut(&c, idx, n, k, n - k * c.q, 1, 0);
		if (status == CM_OK)
			status = refine_turfs(x, y, n, k, turf, c.scratch);
	}
	cm_free(c.scratch);
	cm_free(idx);
	return status;
}

/* ---- orienteering ----------------------------------------------------------------------- */

typedef struct plan
{
	const cm_orienteering *p;
	size_t		start;			/* index of the start in x/y (= n) */
	size_t	   *route;			/* route[0] = start, then the doors; closed back to start */
	size_t		m;				/* entries used in route (start included) */
	uint8_t    *in_route;
	double		length;
	double		value;
	cm_rng		rng;
	unsigned	polls;
} plan;

static inline double
pdist(const plan *s, size_t i, size_t j)
{
	double		dx = s->p->x[i] - s->p->x[j],
				dy = s->p->y[i] - s->p->y[j];

	return sqrt(dx * dx + dy * dy);
}

static double
route_length(const plan *s)
{
	double		len = 0;

	for (size_t i = 0; i < s->m; i++)
		len += pdist(s, s->route[i], s->route[(i + 1) % s->m]);
	return len;
}

static cm_status
plan_poll(plan *s)
{
	if (++s->polls % 256 == 0)
		return cm_check_interrupts();
	return CM_OK;
}

/* Cheapest place to insert door v: after route[*after], costing *delta. */
static void
cheapest_insertion(const plan *s, size_t v, size_t *after, double *delta)
{
	*delta = INFINITY;
	*after = 0;
	for (size_t i = 0; i < s->m; i++)
	{
		size_t		a = s->route[i],
					b = s->route[(i + 1) % s->m];
		double		d = pdist(s, a, v) + pdist(s, v, b) - pdist(s, a, b);

		if (d < *delta)
		{
			*delta = d;
			*after = i;
		}
	}
}

static void
insert_at(plan *s, size_t after, size_t v)
{
	memmove(s->route + after + 2, s->route + after + 1, (s->m - after - 1) * sizeof(size_t));
	s->route[after + 1] = v;
	s->m++;
	s->in_route[v] = 1;
	s->value += s->p->value[v];
}

static void
remove_at(plan *s, size_t i)
{
	size_t		v = s->route[i];

	s->in_route[v] = 0;
	s->value -= s->p->value[v];
	memmove(s->route + i, s->route + i + 1, (s->m - i - 1) * sizeof(size_t));
	s->m--;
}

/* Shorten the loop with 2-opt (the start stays first). */
static cm_status
plan_2opt(plan *s)
{
	bool		improved = true;

	while (improved)
	{
		improved = false;
		for (size_t i = 0; i + 2 < s->m + 1; i++)
		{
			CM_TRY(plan_poll(s));
			for (size_t j = i + 2; j < s->m; j++)
			{
				size_t		a = s->route[i],
							b = s->route[i + 1],
							c = s->route[j],
							d = s->route[(j + 1) % s->m];

				if (pdist(s, a, c) + pdist(s, b, d) < pdist(s, a, b) + pdist(s, c, d) - 1e-12)
				{
					for (size_t l = i + 1, r = j; l < r; l++, r--)
					{
						size_t		t = s->route[l];

						s->route[l] = s->route[r];
						s->route[r] = t;
					}
					improved = true;
				}
			}
		}
	}
	s->length = route_length(s);
	return CM_OK;
}

/*
 * Greedy fill: insert the door with the best value per added metre that still fits, until
 * none fits.  Cached cheapest insertions are updated from the two new edges after each
 * insertion and recomputed only for doors whose cached edge was broken.
 */
static cm_status
plan_fill(plan *s, size_t *after, double *delta, size_t *edge_from, size_t *edge_to,
		  double noise)
{
	const cm_orienteering *p = s->p;

	for (size_t v = 0; v < p->n; v++)
		if (!s->in_route[v] && p->value[v] > 0)
		{
			cheapest_insertion(s, v, &after[v], &delta[v]);
			edge_from[v] = s->route[after[v]];
			edge_to[v] = s->route[(after[v] + 1) % s->m];
		}
	for (;;)
	{
		size_t		best = SIZE_MAX;
		double		best_score = -1;

		CM_TRY(cm_check_interrupts());
		for (size_t v = 0; v < p->n; v++)
		{
			double		score;

			if (s->in_route[v] || !(p->value[v] > 0) || s->length + delta[v] > p->budget)
				continue;
			score = p->value[v] / (fmax(delta[v], 0) + 1e-9 * (p->budget + 1));
			if (noise > 0)
				score *= 1 + noise * cm_rng_uniform(&s->rng);
			if (score > best_score)
			{
				best_score = score;
				best = v;
			}
		}
		if (best == SIZE_MAX)
			return CM_OK;
		{
			size_t		a = edge_from[best],
						b = edge_to[best],
						at = 0;
			double		before = s->length;

			for (size_t i = 0; i < s->m; i++)
				if (s->route[i] == a)
					at = i;
			insert_at(s, at, best);
			s->length = route_length(s);
			if (s->length > p->budget)
			{
				/* rounding pushed it over: never exceed the budget */
				remove_at(s, at + 1);
				s->length = before;
				delta[best] = INFINITY;
				continue;
			}
			for (size_t v = 0; v < p->n; v++)
			{
				double		d1,
							d2;

				if (s->in_route[v] || !(p->value[v] > 0))
					continue;
				if (edge_from[v] == a && edge_to[v] == b)
				{
					cheapest_insertion(s, v, &after[v], &delta[v]);
					edge_from[v] = s->route[after[v]];
					edge_to[v] = s->route[(after[v] + 1) % s->m];
					continue;
				}
				d1 = pdist(s, a, v) + pdist(s, v, best) - pdist(s, a, best);
				d2 = pdist(s, best, v) + pdist(s, v, b) - pdist(s, best, b);
				if (d1 < delta[v])
				{
					delta[v] = d1;
					edge_from[v] = a;
					edge_to[v] = best;
				}
				if (d2 < delta[v])
				{
					delta[v] = d2;
					edge_from[v] = best;
					edge_to[v] = b;
				}
			}
		}
	}
}

typedef struct plan_work
{
	size_t	   *after,
			   *edge_from,
			   *edge_to,
			   *best_route,
			   *backup,
			   *order;
	double	   *delta,
			   *rx,
			   *ry;
} plan_work;

/* Reorder the route with the tour solver (exact when tiny); keep it if shorter. */
static cm_status
plan_reorder(plan *s, plan_work *w)
{
	cm_tour_problem tp = {.n = s->m, .x = w->rx, .y = w->ry, .start = 0, .round_trip = true,
	.seed = 1, .effort = 3};
	double		len;

	if (s->m < 4)
		return CM_OK;
	for (size_t i = 0; i < s->m; i++)
	{
		w->rx[i] = s->p->x[s->route[i]];
		w->ry[i] = s->p->y[s->route[i]];
	}
	CM_TRY(cm_tour_solve(&tp, w->order, &len));
	if (len < s->length)
	{
		for (size_t i = 0; i < s->m; i++)
			w->edge_to[i] = s->route[w->order[i]];	/* scratch: plan_fill refills it */
		memcpy(s->route, w->edge_to, s->m * sizeof(size_t));
		s->length = route_length(s);
	}
	return CM_OK;
}

#define SQUEEZE_TRIES 5

/*
 * When no door fits at its cheapest place, a door may still fit once the route is
 * reordered: try the few best doors by value per added metre that way.
 */
static cm_status
plan_squeeze(plan *s, plan_work *w, bool *added)
{
	size_t		picked[SQUEEZE_TRIES];

	*added = false;
	for (int t = 0; t < SQUEEZE_TRIES; t++)
	{
		size_t		best = SIZE_MAX,
					after;
		double		best_score = -1,
					delta;

		for (size_t v = 0; v < s->p->n; v++)
		{
			double		score;
			bool		seen = false;

			if (s->in_route[v] || !(s->p->value[v] > 0))
				continue;
			for (int k = 0; k < t; k++)
				seen |= picked[k] == v;
			if (seen)
				continue;
			cheapest_insertion(s, v, &after, &delta);
			score = s->p->value[v] / (fmax(delta, 0) + 1e-9);
			if (score > best_score)
			{
				best_score = score;
				best = v;
			}
		}
		if (best == SIZE_MAX)
			return CM_OK;
		picked[t] = best;
		{
			size_t		m = s->m;
			double		length = s->length;

			memcpy(w->backup, s->route, m * sizeof(size_t));
			cheapest_insertion(s, best, &after, &delta);
			insert_at(s, after, best);
			s->length = route_length(s);
			CM_TRY(plan_2opt(s));
			CM_TRY(plan_reorder(s, w));
			if (s->length <= s->p->budget)
			{
				*added = true;
				return CM_OK;
			}
			s->in_route[best] = 0;
			s->value -= s->p->value[best];
			memcpy(s->route, w->backup, m * sizeof(size_t));
			s->m = m;
			s->length = length;
		}
	}
	return CM_OK;
}

static cm_status
plan_build(plan *s, plan_work *w, double noise)
{
	size_t		before;
	bool		added = false;

	do
	{
		before = s->m;
		CM_TRY(plan_fill(s, w->after, w->delta, w->edge_from, w->edge_to, noise));
		CM_TRY(plan_2opt(s));
		CM_TRY(plan_reorder(s, w));
		if (s->m == before)
			CM_TRY(plan_squeeze(s, w, &added));
	} while (s->m > before || added);
	return CM_OK;
}

/* Take a run of doors out of the route: the perturbation of the improvement rounds. */
static void
plan_perturb(plan *s)
{
	size_t		doors = s->m - 1;
	size_t		len,
				from;

	if (doors == 0)
		return;
	if (cm_rng_below(&s->rng, 4) == 0)
	{
		/* now and then rebuild from scratch, so that other subsets get a chance */
		while (s->m > 1)
			remove_at(s, 1);
		s->length = 0;
		return;
	}
	len = 1 + (size_t) cm_rng_below(&s->rng, doors / 4 + 1);
	from = 1 + (size_t) cm_rng_below(&s->rng, doors - len + 1);
	for (size_t i = 0; i < len; i++)
		remove_at(s, from);
	s->length = route_length(s);
}

static cm_status
plan_improve(plan *s, plan_work *w)
{
	size_t		best_m = s->m;
	double		best_value = s->value,
				best_length = s->length;

	memcpy(w->best_route, s->route, s->m * sizeof(size_t));
	for (size_t round = 0; round < s->p->rounds; round++)
	{
		plan_perturb(s);
		CM_TRY(plan_build(s, w, round % 2 ? 0.3 : 4.0));
		if (s->value > best_value + 1e-12 ||
			(s->value >= best_value - 1e-12 && s->length < best_length - 1e-9))
		{
			best_m = s->m;
			best_value = s->value;
			best_length = s->length;
			memcpy(w->best_route, s->route, s->m * sizeof(size_t));
		}
		else
		{
			/* restart from the best */
			for (size_t i = 1; i < s->m; i++)
				s->in_route[s->route[i]] = 0;
			memcpy(s->route, w->best_route, best_m * sizeof(size_t));
			s->m = best_m;
			for (size_t i = 1; i < s->m; i++)
				s->in_route[s->route[i]] = 1;
			s->value = best_value;
			s->length = best_length;
		}
	}
	return CM_OK;
}

static cm_status
check_orienteering(const cm_orienteering *p)
{
	if (p->n > CM_WALK_MAX_PLAN_DOORS)
		return cm_fail(CM_ERR_LIMIT, "at most %d doors per plan, got %zu", CM_WALK_MAX_PLAN_DOORS, p->n);
	if (!isfinite(p->budget) || p->budget < 0)
		return cm_fail(CM_ERR_INVALID, "budget must be a finite number not below 0");
	for (size_t i = 0; i <= p->n; i++)
		if (!isfinite(p->x[i]) || !isfinite(p->y[i]))
			return cm_fail(CM_ERR_NONFINITE, "point %zu has a non-finite coordinate", i + 1);
	for (size_t i = 0; i < p->n; i++)
		if (!isfinite(p->value[i]) || p->value[i] < 0)
			return cm_fail(CM_ERR_INVALID, "values must be finite and not negative");
	return CM_OK;
}

cm_status
cm_walk_orienteer(const cm_orienteering *p, int32_t *stop, double *value_out, double *length_out)
{
	plan		s = {.p = p, .start = p->n};
	plan_work	w = {0};
	cm_status	status;

	CM_TRY(check_orienteering(p));
	cm_rng_seed(&s.rng, p->seed);
	status = cm_alloc_array(p->n + 1, sizeof(size_t), (void **) &s.route);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, 1, (void **) &s.in_route);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(size_t), (void **) &w.after);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(size_t), (void **) &w.edge_from);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(size_t), (void **) &w.edge_to);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(size_t), (void **) &w.best_route);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(double), (void **) &w.delta);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(size_t), (void **) &w.order);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(size_t), (void **) &w.backup);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(double), (void **) &w.rx);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(double), (void **) &w.ry);
	if (status == CM_OK)
	{
		s.route[0] = s.start;
		s.m = 1;
		status = plan_build(&s, &w, 0);
	}
	if (status == CM_OK)
		status = plan_improve(&s, &w);
	if (status == CM_OK)
	{
		memset(stop, 0, p->n * sizeof(int32_t));
		for (size_t i = 1; i < s.m; i++)
			stop[s.route[i]] = (int32_t) i;
		if (value_out)
			*value_out = s.value;
		if (length_out)
			*length_out = route_length(&s);
	}
	cm_free(s.route);
	cm_free(s.in_route);
	cm_free(w.after);
	cm_free(w.edge_from);
	cm_free(w.edge_to);
	cm_free(w.best_route);
	cm_free(w.delta);
	cm_free(w.order);
	cm_free(w.backup);
	cm_free(w.rx);
	cm_free(w.ry);
	return status;
}

/* ---- aggregate state -------------------------------------------------------------------- */

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
