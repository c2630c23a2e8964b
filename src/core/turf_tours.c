/*
 * turf_tours.c - the second half of campaign.turf (see turf_tours.h): turfs cut by turf.c
 * improved for what canvassers walk, the summed length of the turfs' closed tours.
 */
#include "turf_tours.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "keyed.h"
#include "memory.h"
#include "tour.h"

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
	cm_keep_nearest(tt->near + i * TOUR_NEIGHBOURS, best, &tt->nnear[i], TOUR_NEIGHBOURS, j, d);
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
	cm_box		b = cm_bounds(tt->x, tt->y, tt->n);
	double		w = b.maxx - b.minx,
				h = b.maxy - b.miny;

	tt->eps = 1e-9 * (w + h);
	CM_TRY(nearest_doors(tt, scratch, w >= h));
	CM_TRY(initial_tours(tt));
	/* later rounds found nothing more to split in trials: one is enough */
	if (tt->q >= SPLIT_MIN_DOORS)
		CM_TRY(split_pairs(tt));
	CM_TRY(resolve_dirty(tt));
	for (int round = 0; round < TOUR_ROUNDS; round++)
		CM_TRY(settle(tt, tt->slack));
	return CM_OK;
}

cm_status
cm_turf_shorten_tours(const double *x, const double *y, size_t n, size_t k, int32_t *turf,
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
