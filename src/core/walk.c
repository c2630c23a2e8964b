/*
 * walk.c - points from EWKB, lon/lat projection, balanced turfs and orienteering (walk.h).
 */
#include "walk.h"

#include <math.h>
#include <string.h>

#include "keyed.h"
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
			size_t		found = 0;

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

/* ---- turf improvement by tours -------------------------------------------------------- */

/*
 * The bisection optimizes shape, not what canvassers walk: the measure here is the summed
 * length of the turfs' closed tours.  Every turf's tour is solved, then
 *  - route first, cut second: each pair of neighbouring turfs is routed as one and cut into
 *    two runs of their sizes where the closed runs are shortest (whole groups move at once);
 *  - door moves: a door, or a run of up to 3 consecutive doors of a tour, moves into a
 *    neighbouring turf, or two nearby doors of neighbouring turfs swap, when that shortens the
 *    summed tours (removal saving against cheapest insertion next to a nearby door).  Sizes
 *    may first stray by a quarter of q, so borders can settle where the tours are short; the
 *    slack is then halved down to zero, sizes repaired along chains of neighbouring turfs.
 * Tours are polished (the solver, started from the current order) after every pass, keeping
 * the shorter; a pass only looks at doors near a turf that changed.  The slack schedule runs
 * TOUR_ROUNDS times.  Every move is local to bordering turfs, so turfs stay compact.
 */
#define TOUR_NEIGHBOURS 8			/* nearby doors: insertion points and swap partners */
#define TOUR_PASSES 12				/* most passes over all doors per slack, each re-solving */
#define TOUR_ROUNDS 3				/* slack schedules run: each starts from better tours */
#define TOUR_EFFORT 1				/* kicks per door when polishing a turf's tour */
#define TOUR_MIN_DOORS 3			/* smaller turfs (q < 3) are left to the bisection */
#define SEGMENT_MAX 3				/* longest run of consecutive doors moved at once */
#define SPLIT_MIN_DOORS 5			/* smaller pairs would go to the brute-force solver */
#define TOUR_SEED 20240611u
#define NO_DOOR SIZE_MAX

typedef struct turf_tours
{
	const double *x,
			   *y;
	size_t		n,
				k,
				q;
	int32_t    *turf;			/* 1..k, updated by the moves */
	size_t	   *size;			/* k + 1: doors per turf (index 0 unused) */
	size_t	   *head;			/* k + 1: some door of the turf */
	double	   *len;			/* k + 1: tour length */
	uint8_t    *dirty;			/* k + 1: changed since last solved */
	size_t	   *next,
			   *prev;			/* each turf's tour as a cycle through its doors */
	size_t	   *near;			/* TOUR_NEIGHBOURS nearest doors per door, nearest first */
	uint8_t    *nnear;
	double	   *bx,
			   *by;				/* scratch for solving two turfs at once */
	size_t	   *members,
			   *order;
	size_t		lo,
				hi;				/* the size band moves must respect (q, q + 1 at the end) */
	int32_t    *parent;			/* k + 1: breadth-first search over neighbouring turfs */
	int32_t    *queue;			/* k */
	uint32_t   *seen;			/* k + 1: search stamp */
	uint32_t	stamp;
	uint32_t   *changed;		/* k + 1: clock of the turf's last change */
	uint32_t	clock;			/* counts exchange passes */
	size_t		slack;			/* how far sizes may stray at first */
	bool		polish;			/* tours are solved: improve them in place */
	double	   *prefix;			/* scratch: running tour lengths for split_pair */
	double		eps;
} turf_tours;

typedef struct turf_move
{
	double		delta;			/* change of the summed tour length */
	size_t		door;			/* first door moved; a segment runs on along its tour */
	size_t		count;			/* doors in the segment (1 in a swap) */
	bool		reversed;		/* the segment enters the other turf back to front */
	size_t		other;			/* swap partner, or NO_DOOR */
	size_t		a1,
				b1;				/* the segment goes between a1 and b1 of the other turf */
	size_t		a2,
				b2;				/* other goes between a2 and b2 of door's turf */
} turf_move;

static inline double
door_dist(const turf_tours *tt, size_t i, size_t j)
{
	double		dx = tt->x[i] - tt->x[j],
				dy = tt->y[i] - tt->y[j];

	return sqrt(dx * dx + dy * dy);
}

/* Keep j (at distance d) among i's nearest doors, best[] holding their distances. */
static void
near_offer(turf_tours *tt, size_t i, size_t j, double d, double *best)
{
	size_t		count = tt->nnear[i];

	cm_keep_nearest(tt->near + i * TOUR_NEIGHBOURS, best, &count, TOUR_NEIGHBOURS, j, d);
	tt->nnear[i] = (uint8_t) count;
}

/*
 * Nearest doors by a sweep along the longer side: sorted by that coordinate, each door scans
 * outwards until the coordinate gap alone exceeds its farthest kept neighbour.
 */
static cm_status
nearest_doors(turf_tours *tt, cm_keyed *sorted, bool by_x)
{
	const double *key = by_x ? tt->x : tt->y;
	double		best[TOUR_NEIGHBOURS];

	for (size_t i = 0; i < tt->n; i++)
		sorted[i] = (cm_keyed) {key[i], i};
	cm_keyed_sort(sorted, tt->n);
	for (size_t r = 0; r < tt->n; r++)
	{
		size_t		i = sorted[r].index;
		size_t		lo = r,
					hi = r + 1;
		bool		left = r > 0,
					right = hi < tt->n;

		if (r % 256 == 0)
			CM_TRY(cm_check_interrupts());
		while (left || right)
		{
			bool		full = tt->nnear[i] == TOUR_NEIGHBOURS;

			if (left)
			{
				size_t		j = sorted[lo - 1].index;

				if (full && key[i] - key[j] >= best[TOUR_NEIGHBOURS - 1])
					left = false;
				else
				{
					near_offer(tt, i, j, door_dist(tt, i, j), best);
					left = --lo > 0;
				}
			}
			if (right)
			{
				size_t		j = sorted[hi].index;

				if (tt->nnear[i] == TOUR_NEIGHBOURS && key[j] - key[i] >= best[TOUR_NEIGHBOURS - 1])
					right = false;
				else
				{
					near_offer(tt, i, j, door_dist(tt, i, j), best);
					right = ++hi < tt->n;
				}
			}
		}
	}
	return CM_OK;
}

/* Append turf t's doors, in tour order, to the scratch from position m; returns the new count. */
static size_t
gather(turf_tours *tt, int32_t t, size_t m)
{
	size_t		d = tt->head[t];

	do
	{
		tt->members[m] = d;
		tt->bx[m] = tt->x[d];
		tt->by[m] = tt->y[d];
		m++;
		d = tt->next[d];
	} while (d != tt->head[t]);
	return m;
}

/* The tour of the m gathered doors into order[] (polishing their gathered order if asked). */
static cm_status
solve_gathered(turf_tours *tt, size_t m, bool polish, double *length)
{
	cm_tour_problem p = {.n = m, .x = tt->bx, .y = tt->by, .start = -1, .seed = TOUR_SEED,
	.effort = polish ? TOUR_EFFORT : 0, .keep_order = polish};

	return cm_tour_solve(&p, tt->order, length);
}

/* Make turf t the cycle through the gathered doors order[from..from+count) (cyclic in m). */
static void
set_cycle(turf_tours *tt, int32_t t, size_t from, size_t count, size_t m)
{
	for (size_t i = 0; i < count; i++)
	{
		size_t		a = tt->members[tt->order[(from + i) % m]],
					b = tt->members[tt->order[(from + (i + 1) % count) % m]];

		tt->turf[a] = t;
		tt->next[a] = b;
		tt->prev[b] = a;
	}
	tt->head[t] = tt->members[tt->order[from % m]];
	tt->size[t] = count;
	tt->changed[t] = tt->clock;
}

/* Solve turf t's tour again; keep it only when shorter than the current cycle. */
static cm_status
solve_turf(turf_tours *tt, int32_t t)
{
	size_t		m = gather(tt, t, 0);
	double		length;

	CM_TRY(solve_gathered(tt, m, tt->polish, &length));
	if (length < tt->len[t] - tt->eps)
	{
		tt->len[t] = length;
		set_cycle(tt, t, 0, m, m);
	}
	tt->dirty[t] = 0;
	return CM_OK;
}

/*
 * Route first, cut second: one tour through the doors of neighbouring turfs a and b, cut into
 * two runs of their sizes where the two closed runs are shortest.  This moves whole groups
 * of doors at once (a block of flats, one side of a gap), which door-by-door moves cannot.
 */
static cm_status
split_pair(turf_tours *tt, int32_t a, int32_t b)
{
	size_t		na = tt->size[a],
				m = gather(tt, b, gather(tt, a, 0)),
				best_at = 0;
	bool		found = false;
	double		total,
				best;
	double	   *pre = tt->prefix;

	CM_TRY(solve_gathered(tt, m, false, &total));
	pre[0] = 0;
	for (size_t i = 0; i < 2 * m; i++)
		pre[i + 1] = pre[i] + door_dist(tt, tt->members[tt->order[i % m]], tt->members[tt->order[(i + 1) % m]]);
	best = tt->len[a] + tt->len[b] - tt->eps;
	for (size_t at = 0; at < m; at++)
	{
		size_t		end_a = at + na - 1,
					end_b = at + m - 1;
		double		runs = pre[end_a] - pre[at] + pre[end_b] - pre[end_a + 1]
			+ door_dist(tt, tt->members[tt->order[at]], tt->members[tt->order[end_a % m]])
			+ door_dist(tt, tt->members[tt->order[(end_a + 1) % m]], tt->members[tt->order[end_b % m]]);

		if (runs < best)
		{
			best = runs;
			best_at = at;
			found = true;
		}
	}
	if (!found)
		return CM_OK;
	set_cycle(tt, a, best_at, na, m);
	set_cycle(tt, b, best_at + na, m - na, m);
	tt->len[a] = pre[best_at + na - 1] - pre[best_at]
		+ door_dist(tt, tt->head[a], tt->prev[tt->head[a]]);
	tt->len[b] = best - tt->len[a];
	tt->dirty[a] = tt->dirty[b] = 1;
	return CM_OK;
}

/* Saving from taking door i out of its tour. */
static double
removal_gain(const turf_tours *tt, size_t i)
{
	return door_dist(tt, tt->prev[i], i) + door_dist(tt, i, tt->next[i])
		- door_dist(tt, tt->prev[i], tt->next[i]);
}

static void
consider_edge(const turf_tours *tt, size_t v, size_t a, size_t b, double *best, size_t *ba, size_t *bb)
{
	double		c = door_dist(tt, a, v) + door_dist(tt, v, b) - door_dist(tt, a, b);

	if (c < *best)
	{
		*best = c;
		*ba = a;
		*bb = b;
	}
}

/*
 * Cheapest insertion of door v into turf t without door gone (NO_DOOR: none leaves): next to
 * v's nearby doors of t, or into the gap gone leaves.  INFINITY when no such place is near.
 */
static double
insertion_cost(const turf_tours *tt, size_t v, int32_t t, size_t gone, size_t *ba, size_t *bb)
{
	double		best = INFINITY;
	const size_t *list = tt->near + v * TOUR_NEIGHBOURS;

	if (gone != NO_DOOR)
		consider_edge(tt, v, tt->prev[gone], tt->next[gone], &best, ba, bb);
	for (int j = 0; j < tt->nnear[v]; j++)
	{
		size_t		m = list[j],
					after,
					before;

		if (m == gone || tt->turf[m] != t)
			continue;
		after = tt->next[m] == gone ? tt->next[gone] : tt->next[m];
		before = tt->prev[m] == gone ? tt->prev[gone] : tt->prev[m];
		consider_edge(tt, v, m, after, &best, ba, bb);
		consider_edge(tt, v, before, m, &best, ba, bb);
	}
	return best;
}

/*
 * Moving the count doors from first on (in tour order) into turf b, next to door i's nearby
 * doors there, either way round: runs of close doors (an apartment block) move together.
 */
static void
segment_move(const turf_tours *tt, size_t i, size_t first, size_t count, int32_t b, turf_move *best)
{
	const size_t *list = tt->near + i * TOUR_NEIGHBOURS;
	size_t		last = first;
	double		gain;

	for (size_t c = 1; c < count; c++)
		last = tt->next[last];
	gain = door_dist(tt, tt->prev[first], first) + door_dist(tt, last, tt->next[last])
		- door_dist(tt, tt->prev[first], tt->next[last]);
	for (int j = 0; j < tt->nnear[i]; j++)
	{
		size_t		m = list[j];

		if (tt->turf[m] != b)
			continue;
		for (int side = 0; side < 2; side++)
		{
			size_t		a = side ? tt->prev[m] : m,
						z = side ? m : tt->next[m];
			double		base = door_dist(tt, a, z) + gain,
						fwd = door_dist(tt, a, first) + door_dist(tt, last, z) - base,
						rev = door_dist(tt, a, last) + door_dist(tt, first, z) - base;

			if (fmin(fwd, rev) < best->delta)
				*best = (turf_move) {.delta = fmin(fwd, rev), .door = first, .count = count,
				.reversed = rev < fwd, .other = NO_DOOR, .a1 = a, .b1 = z};
		}
	}
}

/* The best move (of a run of doors through i) or swap of door i into the turf of door j. */
static void
best_exchange(const turf_tours *tt, size_t i, size_t j, turf_move *best)
{
	int32_t		a = tt->turf[i],
				b = tt->turf[j];
	double		gain = removal_gain(tt, i);
	const size_t *list = tt->near + i * TOUR_NEIGHBOURS;
	turf_move	m = {.door = i, .count = 1};

	for (size_t count = 1, back = i; count <= SEGMENT_MAX; count++, back = tt->prev[back])
		if (tt->size[a] >= tt->lo + count && tt->size[b] + count <= tt->hi)
		{
			segment_move(tt, i, i, count, b, best);
			if (count > 1)
				segment_move(tt, i, back, count, b, best);
		}
	for (int s = 0; s < tt->nnear[i]; s++)
	{
		m.other = list[s];
		if (tt->turf[m.other] != b)
			continue;
		m.delta = insertion_cost(tt, i, b, m.other, &m.a1, &m.b1)
			+ insertion_cost(tt, m.other, a, i, &m.a2, &m.b2)
			- gain - removal_gain(tt, m.other);
		if (m.delta < best->delta)
			*best = m;
	}
}

static void
unlink_door(turf_tours *tt, size_t i)
{
	int32_t		t = tt->turf[i];

	if (tt->head[t] == i)
		tt->head[t] = tt->next[i];
	tt->next[tt->prev[i]] = tt->next[i];
	tt->prev[tt->next[i]] = tt->prev[i];
	tt->size[t]--;
	tt->dirty[t] = 1;
	tt->changed[t] = tt->clock;
}

static void
link_door(turf_tours *tt, size_t v, size_t a, size_t b)
{
	int32_t		t = tt->turf[a];

	tt->next[a] = v;
	tt->prev[v] = a;
	tt->next[v] = b;
	tt->prev[b] = v;
	tt->turf[v] = t;
	tt->size[t]++;
	tt->dirty[t] = 1;
	tt->changed[t] = tt->clock;
}

static void
apply_move(turf_tours *tt, const turf_move *m)
{
	int32_t		a = tt->turf[m->door],
				b = tt->turf[m->a1];
	size_t		seg[SEGMENT_MAX],
				n = m->count;

	seg[0] = m->door;
	for (size_t c = 1; c < n; c++)
		seg[c] = tt->next[seg[c - 1]];
	tt->len[a] -= door_dist(tt, tt->prev[seg[0]], seg[0]) + door_dist(tt, seg[n - 1], tt->next[seg[n - 1]])
		- door_dist(tt, tt->prev[seg[0]], tt->next[seg[n - 1]]);
	for (size_t c = 0; c < n; c++)
		unlink_door(tt, seg[c]);
	if (m->other != NO_DOOR)
	{
		tt->len[b] -= removal_gain(tt, m->other);
		unlink_door(tt, m->other);
		tt->len[a] += door_dist(tt, m->a2, m->other) + door_dist(tt, m->other, m->b2)
			- door_dist(tt, m->a2, m->b2);
		link_door(tt, m->other, m->a2, m->b2);
	}
	tt->len[b] += door_dist(tt, m->a1, seg[m->reversed ? n - 1 : 0])
		+ door_dist(tt, seg[m->reversed ? 0 : n - 1], m->b1) - door_dist(tt, m->a1, m->b1);
	for (size_t c = 0, after = m->a1; c < n; c++)
	{
		size_t		v = seg[m->reversed ? n - 1 - c : c];

		link_door(tt, v, after, m->b1);
		after = v;
	}
}

/* Whether list[j] is the first of the list in its turf (each turf is tried once per door). */
static bool
first_of_turf(const turf_tours *tt, const size_t *list, int j)
{
	for (int e = 0; e < j; e++)
		if (tt->turf[list[e]] == tt->turf[list[j]])
			return false;
	return true;
}

/*
 * Whether door i's turf or a turf of its nearby doors changed since clock `since`: if none
 * did, the door's moves are priced as in the last pass, which found none worth making.
 */
static bool
near_change(const turf_tours *tt, size_t i, uint32_t since)
{
	const size_t *list = tt->near + i * TOUR_NEIGHBOURS;

	if (tt->changed[tt->turf[i]] >= since)
		return true;
	for (int j = 0; j < tt->nnear[i]; j++)
		if (tt->changed[tt->turf[list[j]]] >= since)
			return true;
	return false;
}

/* One pass over the doors near a change since `since`; *moved counts the exchanges made. */
static cm_status
exchange_pass(turf_tours *tt, uint32_t since, size_t *moved)
{
	for (size_t i = 0; i < tt->n; i++)
	{
		turf_move	best = {.delta = -tt->eps, .door = NO_DOOR, .count = 1, .other = NO_DOOR};
		const size_t *list = tt->near + i * TOUR_NEIGHBOURS;

		if (i % 256 == 0)
			CM_TRY(cm_check_interrupts());
		if (!near_change(tt, i, since))
			continue;
		for (int j = 0; j < tt->nnear[i]; j++)
			if (tt->turf[list[j]] != tt->turf[i] && first_of_turf(tt, list, j))
				best_exchange(tt, i, list[j], &best);
		if (best.door != NO_DOOR)
		{
			apply_move(tt, &best);
			(*moved)++;
		}
	}
	return CM_OK;
}

/* Every turf's tour from scratch: its doors, as a cycle, then solved. */
static cm_status
initial_tours(turf_tours *tt)
{
	for (size_t i = tt->n; i-- > 0;)
	{
		int32_t		t = tt->turf[i];

		if (tt->size[t]++ == 0)
		{
			tt->head[t] = i;
			tt->next[i] = tt->prev[i] = i;
		}
		else
		{
			size_t		h = tt->head[t];

			tt->next[i] = h;
			tt->prev[i] = tt->prev[h];
			tt->next[tt->prev[h]] = i;
			tt->prev[h] = i;
			tt->head[t] = i;
		}
	}
	for (size_t t = 1; t <= tt->k; t++)
	{
		size_t		d = tt->head[t];

		tt->len[t] = 0;
		do
		{
			tt->len[t] += door_dist(tt, d, tt->next[d]);
			d = tt->next[d];
		} while (d != tt->head[t]);
		CM_TRY(solve_turf(tt, (int32_t) t));
	}
	tt->polish = true;
	return CM_OK;
}

/* The cheapest move of one door from turf src into turf dst, next to a nearby door of dst. */
static bool
cheapest_hop(const turf_tours *tt, int32_t src, int32_t dst, turf_move *best)
{
	size_t		d = tt->head[src];

	best->delta = INFINITY;
	do
	{
		turf_move	m = {.door = d, .count = 1, .other = NO_DOOR};

		m.delta = insertion_cost(tt, d, dst, NO_DOOR, &m.a1, &m.b1) - removal_gain(tt, d);
		if (m.delta < best->delta)
			*best = m;
		d = tt->next[d];
	} while (d != tt->head[src]);
	return isfinite(best->delta);
}

static void
turf_centre(const turf_tours *tt, int32_t t, double *cx, double *cy)
{
	size_t		d = tt->head[t];

	*cx = *cy = 0;
	do
	{
		*cx += tt->x[d];
		*cy += tt->y[d];
		d = tt->next[d];
	} while (d != tt->head[t]);
	*cx /= (double) tt->size[t];
	*cy /= (double) tt->size[t];
}

/*
 * When no chain of neighbouring turfs links src's side to dst (far apart groups of doors):
 * move src's door nearest dst's centre, inserted at the cheapest place of dst's whole tour.
 */
static void
far_hop(turf_tours *tt, int32_t src, int32_t dst)
{
	turf_move	m = {.delta = INFINITY, .door = NO_DOOR, .count = 1, .other = NO_DOOR};
	double		cx,
				cy,
				nearest = INFINITY;
	size_t		d = tt->head[src];

	turf_centre(tt, dst, &cx, &cy);
	do
	{
		double		dd = hypot(tt->x[d] - cx, tt->y[d] - cy);

		if (dd < nearest)
		{
			nearest = dd;
			m.door = d;
		}
		d = tt->next[d];
	} while (d != tt->head[src]);
	d = tt->head[dst];
	do
	{
		consider_edge(tt, m.door, d, tt->next[d], &m.delta, &m.a1, &m.b1);
		d = tt->next[d];
	} while (d != tt->head[dst]);
	apply_move(tt, &m);
}

static bool
has_room(const turf_tours *tt, int32_t t)
{
	return tt->size[t] < tt->hi;
}

static bool
has_spare(const turf_tours *tt, int32_t t)
{
	return tt->size[t] > tt->lo;
}

/* A fresh mark for seen[]: turfs marked before no longer count as seen. */
static void
new_stamp(turf_tours *tt)
{
	if (++tt->stamp == 0)
	{
		memset(tt->seen, 0, (tt->k + 1) * sizeof(uint32_t));
		tt->stamp = 1;
	}
}

/* The route-first split of every pair of neighbouring turfs. */
static cm_status
split_pairs(turf_tours *tt)
{
	for (size_t a = 1; a <= tt->k; a++)
	{
		size_t		d = tt->head[a],
					found = 0;

		new_stamp(tt);
		/* list the neighbours first: splitting changes a's doors */
		do
		{
			for (int j = 0; j < tt->nnear[d]; j++)
			{
				int32_t		b = tt->turf[tt->near[d * TOUR_NEIGHBOURS + j]];

				if ((size_t) b > a && tt->seen[b] != tt->stamp)
				{
					tt->seen[b] = tt->stamp;
					tt->queue[found++] = b;
				}
			}
			d = tt->next[d];
		} while (d != tt->head[a]);
		for (size_t i = 0; i < found; i++)
		{
			CM_TRY(cm_check_interrupts());
			CM_TRY(split_pair(tt, (int32_t) a, tt->queue[i]));
		}
	}
	return CM_OK;
}

/*
 * Breadth first from turf from over "a door of X has a nearby door in Y", until a turf that
 * is_target accepts: returned, with parent[] leading back to from; 0 when none is reached.
 */
static int32_t
search_turfs(turf_tours *tt, int32_t from, bool (*is_target) (const turf_tours *, int32_t))
{
	size_t		len = 1;

	new_stamp(tt);
	tt->queue[0] = from;
	tt->seen[from] = tt->stamp;
	tt->parent[from] = 0;
	for (size_t head = 0; head < len; head++)
	{
		int32_t		x = tt->queue[head];
		size_t		d = tt->head[x];

		do
		{
			for (int j = 0; j < tt->nnear[d]; j++)
			{
				int32_t		y = tt->turf[tt->near[d * TOUR_NEIGHBOURS + j]];

				if (tt->seen[y] == tt->stamp)
					continue;
				tt->seen[y] = tt->stamp;
				tt->parent[y] = x;
				if (is_target(tt, y))
					return y;
				tt->queue[len++] = y;
			}
			d = tt->next[d];
		} while (d != tt->head[x]);
	}
	return 0;
}

static void
hop(turf_tours *tt, int32_t src, int32_t dst)
{
	turf_move	m;

	if (cheapest_hop(tt, src, dst, &m))
		apply_move(tt, &m);
	else
		far_hop(tt, src, dst);	/* nearness is not symmetric: src may have no door near dst */
}

/* Shift one door along every link of the chain from the search's start to end (or back). */
static void
shift_chain(turf_tours *tt, int32_t end, bool backwards)
{
	size_t		len = 0;

	/* the queue is free again: it holds the chain, end first */
	for (int32_t t = end; t != 0; t = tt->parent[t])
		tt->queue[len++] = t;
	for (size_t i = 1; i < len; i++)
		if (backwards)
			hop(tt, tt->queue[i - 1], tt->queue[i]);
		else
			hop(tt, tt->queue[len - i], tt->queue[len - i - 1]);
}

/* Nearest turf (by centre) to t that pred accepts; 0 when none does. */
static int32_t
nearest_turf(const turf_tours *tt, int32_t t, bool (*pred) (const turf_tours *, int32_t))
{
	double		cx,
				cy,
				best = INFINITY;
	int32_t		found = 0;

	turf_centre(tt, t, &cx, &cy);
	for (size_t u = 1; u <= tt->k; u++)
	{
		double		ux,
					uy;

		if (u == (size_t) t || !pred(tt, (int32_t) u))
			continue;
		turf_centre(tt, (int32_t) u, &ux, &uy);
		if (hypot(ux - cx, uy - cy) < best)
		{
			best = hypot(ux - cx, uy - cy);
			found = (int32_t) u;
		}
	}
	return found;
}

/*
 * Bring turf t into the band: an over-full turf passes a door down the shortest chain of
 * neighbouring turfs to one with room, an under-full one is fed back along the shortest chain
 * from one with a door to spare.  Each shift fixes one door of excess or lack without creating
 * another, so the repair ends.  Doors cut off from every other turf (far apart groups) jump.
 */
static cm_status
repair_turf(turf_tours *tt, int32_t t)
{
	while (tt->size[t] > tt->hi || tt->size[t] < tt->lo)
	{
		bool		over = tt->size[t] > tt->hi;
		bool		(*want) (const turf_tours *, int32_t) = over ? has_room : has_spare;
		int32_t		end;

		CM_TRY(cm_check_interrupts());
		if ((end = search_turfs(tt, t, want)) != 0)
			shift_chain(tt, end, !over);
		else if ((end = nearest_turf(tt, t, want)) != 0)
			far_hop(tt, over ? t : end, over ? end : t);
		else
			return cm_fail(CM_ERR_INTERNAL, "turf sizes cannot be balanced");
	}
	return CM_OK;
}

static cm_status
repair_sizes(turf_tours *tt)
{
	for (size_t t = 1; t <= tt->k; t++)
		CM_TRY(repair_turf(tt, (int32_t) t));
	return CM_OK;
}

static cm_status
resolve_dirty(turf_tours *tt)
{
	for (size_t t = 1; t <= tt->k; t++)
		if (tt->dirty[t])
			CM_TRY(solve_turf(tt, (int32_t) t));
	return CM_OK;
}

/*
 * Let the sizes stray by up to `slack` doors so that borders can settle where the tours are
 * short, then halve the slack (repairing the sizes each time) down to sizes within one.
 */
static cm_status
settle(turf_tours *tt, size_t slack)
{
	for (;;)
	{
		size_t		floor_size = tt->q < TOUR_MIN_DOORS ? tt->q : TOUR_MIN_DOORS;

		tt->lo = tt->q > floor_size + slack ? tt->q - slack : floor_size;
		tt->hi = tt->q + 1 + slack;
		CM_TRY(repair_sizes(tt));
		CM_TRY(resolve_dirty(tt));
		/* the first pass looks at every door: the band has changed */
		for (uint32_t pass = 0, since = 0; pass < TOUR_PASSES; pass++, since = tt->clock)
		{
			size_t		moved = 0;

			tt->clock++;
			CM_TRY(exchange_pass(tt, since, &moved));
			CM_TRY(resolve_dirty(tt));
			if (moved == 0)
				break;
		}
		if (slack == 0)
			return CM_OK;
		slack /= 2;
	}
}

static cm_status
improve_by_tours(turf_tours *tt, cm_keyed *scratch)
{
	double		minx = INFINITY,
				maxx = -INFINITY,
				miny = INFINITY,
				maxy = -INFINITY;

	for (size_t i = 0; i < tt->n; i++)
	{
		minx = fmin(minx, tt->x[i]);
		maxx = fmax(maxx, tt->x[i]);
		miny = fmin(miny, tt->y[i]);
		maxy = fmax(maxy, tt->y[i]);
	}
	tt->eps = 1e-9 * (maxx - minx + maxy - miny);
	CM_TRY(nearest_doors(tt, scratch, maxx - minx >= maxy - miny));
	CM_TRY(initial_tours(tt));
	/* later rounds found nothing more to split in trials: one is enough */
	if (tt->q >= SPLIT_MIN_DOORS)
		CM_TRY(split_pairs(tt));
	CM_TRY(resolve_dirty(tt));
	for (int round = 0; round < TOUR_ROUNDS; round++)
		CM_TRY(settle(tt, tt->slack));
	return CM_OK;
}

/* Shorten the summed tours of the cut turfs (above); turfs under 3 doors keep the cut. */
static cm_status
tour_turfs(const double *x, const double *y, size_t n, size_t k, int32_t *turf,
		   cm_keyed *scratch)
{
	turf_tours	tt = {.x = x, .y = y, .n = n, .k = k, .q = n / k, .turf = turf};
	cm_status	status = CM_OK;

	if (k < 2 || tt.q < TOUR_MIN_DOORS)
		return CM_OK;
#define TT_ALLOC(field, count, type) \
	if (status == CM_OK) status = cm_alloc_array(count, sizeof(type), (void **) &tt.field)
	TT_ALLOC(size, k + 1, size_t);
	TT_ALLOC(head, k + 1, size_t);
	TT_ALLOC(len, k + 1, double);
	TT_ALLOC(dirty, k + 1, uint8_t);
	TT_ALLOC(next, n, size_t);
	TT_ALLOC(prev, n, size_t);
	TT_ALLOC(nnear, n, uint8_t);
	tt.slack = tt.q / 4;
	/* scratch for two turfs of the widest band (q + 1 + slack each), prefix twice round */
	TT_ALLOC(bx, 2 * (tt.q + 2 + tt.slack), double);
	TT_ALLOC(by, 2 * (tt.q + 2 + tt.slack), double);
	TT_ALLOC(members, 2 * (tt.q + 2 + tt.slack), size_t);
	TT_ALLOC(order, 2 * (tt.q + 2 + tt.slack), size_t);
	TT_ALLOC(prefix, 4 * (tt.q + 2 + tt.slack) + 1, double);
	TT_ALLOC(parent, k + 1, int32_t);
	TT_ALLOC(queue, k, int32_t);
	TT_ALLOC(seen, k + 1, uint32_t);
	TT_ALLOC(changed, k + 1, uint32_t);
	if (status == CM_OK)
		status = cm_alloc_array(n, sizeof(size_t) * TOUR_NEIGHBOURS, (void **) &tt.near);
#undef TT_ALLOC
	if (status == CM_OK)
		status = improve_by_tours(&tt, scratch);
	cm_free(tt.size);
	cm_free(tt.head);
	cm_free(tt.len);
	cm_free(tt.dirty);
	cm_free(tt.next);
	cm_free(tt.prev);
	cm_free(tt.nnear);
	cm_free(tt.bx);
	cm_free(tt.by);
	cm_free(tt.members);
	cm_free(tt.order);
	cm_free(tt.prefix);
	cm_free(tt.parent);
	cm_free(tt.queue);
	cm_free(tt.seen);
	cm_free(tt.changed);
	cm_free(tt.near);
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
			status = tour_turfs(x, y, n, k, turf, c.scratch);
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
	double	   *dist;			/* (n + 1)^2 distances when small enough, else NULL */
} plan;

/* Up to this many points the distances are computed once, into a matrix (32 MB at most). */
#define PLAN_MATRIX_POINTS 2048

static inline double
point_distance(const plan *s, size_t i, size_t j)
{
	double		dx = s->p->x[i] - s->p->x[j],
				dy = s->p->y[i] - s->p->y[j];

	return sqrt(dx * dx + dy * dy);
}

static inline double
pdist(const plan *s, size_t i, size_t j)
{
	if (s->dist)
		return s->dist[i * (s->p->n + 1) + j];
	return point_distance(s, i, j);
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

/* Compute the distance matrix when the points are few enough (plain pdist otherwise). */
static cm_status
plan_matrix(plan *s)
{
	size_t		points = s->p->n + 1,
				cells;

	if (points > PLAN_MATRIX_POINTS)
		return CM_OK;
	if (!cm_mul_size(points, points, &cells))
		return cm_fail(CM_ERR_LIMIT, "too many doors for the distance matrix");
	CM_TRY(cm_alloc_array(cells, sizeof(double), (void **) &s->dist));
	for (size_t i = 0; i < points; i++)
	{
		CM_TRY(cm_check_interrupts());
		for (size_t j = 0; j < points; j++)
			s->dist[i * points + j] = point_distance(s, i, j);
	}
	return CM_OK;
}

/* Smallest length change worth making: rounding noise must not make moves cycle. */
static double
plan_eps(const plan *s)
{
	return 1e-12 * (1 + s->p->budget);
}

static void
reverse_run(size_t *route, size_t l, size_t r)
{
	for (; l < r; l++, r--)
	{
		size_t		t = route[l];

		route[l] = route[r];
		route[r] = t;
	}
}

/* One 2-opt pass over every pair of edges (the start stays first). */
static cm_status
plan_2opt(plan *s, bool *changed)
{
	double		eps = plan_eps(s);

	for (size_t i = 0; i + 2 < s->m; i++)
	{
		CM_TRY(plan_poll(s));
		for (size_t j = i + 2; j < s->m; j++)
		{
			size_t		a = s->route[i],
						b = s->route[i + 1],
						c = s->route[j],
						d = s->route[(j + 1) % s->m];

			if (pdist(s, a, c) + pdist(s, b, d) < pdist(s, a, b) + pdist(s, c, d) - eps)
			{
				reverse_run(s->route, i + 1, j);
				*changed = true;
			}
		}
	}
	return CM_OK;
}

/* Move the run route[i..i+len-1] after route[j] (reversed if asked), through scratch. */
static void
move_run(plan *s, size_t *scratch, size_t i, size_t len, size_t j, bool reversed)
{
	size_t		k = 0;

	for (size_t t = 0; t < s->m; t++)
	{
		if (t >= i && t < i + len)
			continue;
		scratch[k++] = s->route[t];
		if (t == j)
			for (size_t r = 0; r < len; r++)
				scratch[k++] = s->route[reversed ? i + len - 1 - r : i + r];
	}
	memcpy(s->route, scratch, s->m * sizeof(size_t));
}

/* Best place for the run route[i..i+len-1] elsewhere, if it shortens the loop. */
static bool
best_run_place(const plan *s, size_t i, size_t len, size_t *to, bool *reversed)
{
	size_t		first = s->route[i],
				last = s->route[i + len - 1],
				prev = s->route[i - 1],
				next = s->route[(i + len) % s->m];
	double		best = pdist(s, prev, first) + pdist(s, last, next) - pdist(s, prev, next)
		- plan_eps(s);
	bool		found = false;

	for (size_t j = 0; j < s->m; j++)
	{
		size_t		a = s->route[j],
					b = s->route[(j + 1) % s->m];
		double		ab = pdist(s, a, b),
					forward,
					backward;

		if (j + 1 >= i && j < i + len)
			continue;			/* an edge touching the run */
		forward = pdist(s, a, first) + pdist(s, last, b) - ab;
		backward = pdist(s, a, last) + pdist(s, first, b) - ab;
		if (forward < best || backward < best)
		{
			best = fmin(forward, backward);
			*to = j;
			*reversed = backward < forward;
			found = true;
		}
	}
	return found;
}

/* One Or-opt pass: runs of one to three stops moved to a cheaper place. */
static cm_status
plan_oropt(plan *s, size_t *scratch, bool *changed)
{
	for (size_t len = 1; len <= 3 && len + 2 <= s->m; len++)
		for (size_t i = 1; i + len <= s->m; i++)
		{
			size_t		to;
			bool		reversed;

			CM_TRY(plan_poll(s));
			if (best_run_place(s, i, len, &to, &reversed))
			{
				move_run(s, scratch, i, len, to, reversed);
				*changed = true;
			}
		}
	return CM_OK;
}

/* Shorten the loop with 2-opt and Or-opt until neither helps. */
static cm_status
plan_local(plan *s, size_t *scratch)
{
	bool		changed = true;

	while (changed)
	{
		changed = false;
		CM_TRY(plan_2opt(s, &changed));
		CM_TRY(plan_oropt(s, scratch, &changed));
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

/* A loop put aside: the best so far, overall or of the current restart. */
typedef struct plan_snap
{
	size_t	   *route;
	size_t		m;
	double		value,
				length;
} plan_snap;

typedef struct plan_work
{
	size_t	   *after,
			   *edge_from,
			   *edge_to,
			   *backup,
			   *order,
			   *scratch;
	double	   *delta,
			   *rx,
			   *ry;
	plan_snap	best,
				run;
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
			w->scratch[i] = s->route[w->order[i]];
		memcpy(s->route, w->scratch, s->m * sizeof(size_t));
		s->length = route_length(s);
	}
	return CM_OK;
}

/*
 * Doors plan_squeeze tries: each costs a local search, and on the public instances trying
 * five instead of one doubled the time without better loops.
 */
#define SQUEEZE_TRIES 1

/* The door not in the route with the best value per added metre, skipping picked[0..t-1]. */
static size_t
squeeze_candidate(const plan *s, const size_t *picked, int t)
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
	return best;
}

/*
 * When no door fits at its cheapest place, a door may still fit once the route is
 * reordered: try the few best doors by value per added metre that way.
 */
static cm_status
plan_squeeze(plan *s, plan_work *w, bool full, bool *added)
{
	size_t		picked[SQUEEZE_TRIES];

	*added = false;
	for (int t = 0; t < SQUEEZE_TRIES; t++)
	{
		size_t		best = squeeze_candidate(s, picked, t),
					m = s->m,
					after;
		double		length = s->length,
					delta;

		if (best == SIZE_MAX)
			return CM_OK;
		picked[t] = best;
		memcpy(w->backup, s->route, m * sizeof(size_t));
		cheapest_insertion(s, best, &after, &delta);
		insert_at(s, after, best);
		CM_TRY(plan_local(s, w->scratch));
		if (full && s->length > s->p->budget)
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
	return CM_OK;
}

/* Fill, shorten, squeeze until no door fits; full: reorder with the tour solver too. */
static cm_status
plan_build(plan *s, plan_work *w, double noise, bool full)
{
	size_t		before;
	bool		added = false;

	do
	{
		before = s->m;
		CM_TRY(plan_fill(s, w->after, w->delta, w->edge_from, w->edge_to, noise));
		CM_TRY(plan_local(s, w->scratch));
		if (full)
			CM_TRY(plan_reorder(s, w));
		if (s->m == before)
			CM_TRY(plan_squeeze(s, w, full, &added));
	} while (s->m > before || added);
	return CM_OK;
}

/* Take doors out of the route: a run of them, a scattering, or (rarely) all. */
static void
plan_perturb(plan *s)
{
	size_t		doors = s->m - 1;
	uint64_t	kind = cm_rng_below(&s->rng, 16);

	if (doors == 0)
		return;
	if (kind == 0)
	{
		/* now and then rebuild from scratch, so that other subsets get a chance */
		while (s->m > 1)
			remove_at(s, 1);
	}
	else if (kind < 9)
	{
		size_t		len = 1 + (size_t) cm_rng_below(&s->rng, doors / 4 + 1),
					from = 1 + (size_t) cm_rng_below(&s->rng, doors - len + 1);

		for (size_t i = 0; i < len; i++)
			remove_at(s, from);
	}
	else
	{
		size_t		count = 1 + (size_t) cm_rng_below(&s->rng, doors / 8 + 1);

		for (size_t i = 0; i < count && s->m > 1; i++)
			remove_at(s, 1 + (size_t) cm_rng_below(&s->rng, s->m - 1));
	}
	s->length = route_length(s);
}

static void
snap_take(const plan *s, plan_snap *snap)
{
	snap->m = s->m;
	snap->value = s->value;
	snap->length = s->length;
	memcpy(snap->route, s->route, s->m * sizeof(size_t));
}

static void
snap_restore(plan *s, const plan_snap *snap)
{
	for (size_t i = 1; i < s->m; i++)
		s->in_route[s->route[i]] = 0;
	memcpy(s->route, snap->route, snap->m * sizeof(size_t));
	s->m = snap->m;
	for (size_t i = 1; i < s->m; i++)
		s->in_route[s->route[i]] = 1;
	s->value = snap->value;
	s->length = snap->length;
}

static bool
plan_beats(const plan *s, const plan_snap *snap)
{
	double		eps = 1e-12 * (1 + snap->value);

	return s->value > snap->value + eps ||
		(s->value >= snap->value - eps && s->length < snap->length - plan_eps(s));
}

/*
 * A fresh start: empty the route, put in one random door that fits on its own (so that the
 * restart may head another way from the start than the greedy loop), then fill.
 */
static cm_status
plan_restart(plan *s, plan_work *w)
{
	const cm_orienteering *p = s->p;

	while (s->m > 1)
		remove_at(s, 1);
	s->length = 0;
	for (int tries = 0; tries < 64; tries++)
	{
		size_t		v = (size_t) cm_rng_below(&s->rng, p->n);

		if (p->value[v] > 0 && 2 * pdist(s, s->start, v) <= p->budget)
		{
			insert_at(s, 0, v);
			s->length = route_length(s);
			break;
		}
	}
	return plan_build(s, w, 0.3, true);
}

/* Loops within this fraction of the best of their restart are accepted as the next start
 * (record-to-record travel)... */
#define PLAN_DEVIATION 0.04
/* ...until this many rounds in a row bring nothing: then back to the best loop. */
#define PLAN_STALL 100
/* Independent restarts the rounds are shared among (the first from the greedy loop). */
#define PLAN_RESTARTS 8
/* Work of a round that still gets every round: a 60-stop loop among 120 doors. */
#define PLAN_ROUND_WORK (60.0 * (60 + 120))

/*
 * A round costs about stops x (stops + doors): 2-opt and Or-opt over the route, insertion
 * costs of every door against it.  Past PLAN_ROUND_WORK the rounds are cut in that proportion
 * (counted, never timed, so the result stays the same for the same input), which keeps
 * 400 doors near a second.
 */
static size_t
plan_rounds(const plan *s)
{
	double		stops = (double) s->m,
				work = stops * (stops + (double) s->p->n),
				scale = work > PLAN_ROUND_WORK ? PLAN_ROUND_WORK / work : 1;
	size_t		rounds = (size_t) ((double) s->p->rounds * scale);

	return rounds > 0 || s->p->rounds == 0 ? rounds : 1;
}

/*
 * Ruin and rebuild with record-to-record acceptance: each round takes doors out of the
 * current loop and refills it with cheap moves (insertion deltas against the current route,
 * 2-opt, Or-opt); only a new record of the restart gets the tour solver.
 * Keeping slightly worse loops, and restarting from other doors, lets the search leave the
 * basin of its first good loop.
 */
static cm_status
plan_improve(plan *s, plan_work *w)
{
	size_t		rounds = plan_rounds(s),
				stall = 0,
				per_restart = rounds / PLAN_RESTARTS + 1;

	snap_take(s, &w->best);
	snap_take(s, &w->run);
	for (size_t round = 0; round < rounds; round++)
	{
		CM_TRY(cm_check_interrupts());
		if (round > 0 && round % per_restart == 0)
		{
			CM_TRY(plan_restart(s, w));
			snap_take(s, &w->run);
			stall = 0;
		}
		plan_perturb(s);
		CM_TRY(plan_build(s, w, round % 2 ? 0.3 : 4.0, false));
		if (plan_beats(s, &w->run))
		{
			/* a record: worth the tour solver, which may make room for more doors */
			CM_TRY(plan_build(s, w, 0, true));
			snap_take(s, &w->run);
			if (plan_beats(s, &w->best))
				snap_take(s, &w->best);
			stall = 0;
		}
		else if (s->value < w->run.value * (1 - PLAN_DEVIATION) || ++stall >= PLAN_STALL)
		{
			snap_restore(s, &w->run);
			stall = 0;
		}
	}
	snap_restore(s, &w->best);
	return CM_OK;
}

static cm_status
check_orienteering(const cm_orienteering *p)
{
	if (p->n > CM_WALK_MAX_PLAN_DOORS)
		return cm_fail(CM_ERR_LIMIT, "at most %d doors per plan, got %zu", CM_WALK_MAX_PLAN_DOORS, p->n);
	if (!isfinite(p->budget) || p->budget < 0)
		return cm_fail(CM_ERR_INVALID, "budget must be a finite number not below 0");
	CM_TRY(cm_tour_check_points(p->x, p->y, p->n));
	if (cm_tour_check_points(p->x + p->n, p->y + p->n, 1) != CM_OK)
		return cm_fail(CM_ERR_NONFINITE, "the start has a coordinate that is not finite or beyond +-%g",
					   CM_TOUR_MAX_COORDINATE);
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
		status = cm_alloc_array(p->n + 1, sizeof(size_t), (void **) &w.best.route);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(size_t), (void **) &w.run.route);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(double), (void **) &w.delta);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(size_t), (void **) &w.order);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(size_t), (void **) &w.backup);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(size_t), (void **) &w.scratch);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(double), (void **) &w.rx);
	if (status == CM_OK)
		status = cm_alloc_array(p->n + 1, sizeof(double), (void **) &w.ry);
	if (status == CM_OK)
		status = plan_matrix(&s);
	if (status == CM_OK)
	{
		s.route[0] = s.start;
		s.m = 1;
		status = plan_build(&s, &w, 0, true);
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
	cm_free(s.dist);
	cm_free(w.after);
	cm_free(w.edge_from);
	cm_free(w.edge_to);
	cm_free(w.best.route);
	cm_free(w.run.route);
	cm_free(w.delta);
	cm_free(w.order);
	cm_free(w.backup);
	cm_free(w.scratch);
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
