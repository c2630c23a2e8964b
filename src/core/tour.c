/*
 * tour.c - the travelling-salesman solver behind walk lists (see tour.h).
 *
 * The tour is an array with a position index.  Every change is a 2-opt reversal, so an Or-opt
 * move is two or three reversals and a double-bridge kick is three; the reversals made since a
 * kick are logged, and a kick that does not pay off is undone by replaying the log backwards.
 * An open path (a start, no return) is a closed tour through one extra "dummy" node that costs
 * nothing to reach from the start and a constant from every other node, so the best closed
 * tour puts the dummy next to the start and the cut there is the best open path.
 */
#include "tour.h"

#include <math.h>
#include <string.h>

#include "keyed.h"
#include "memory.h"
#include "rng.h"

#define NEIGHBOURS 10			/* candidate list length: enough for 2-opt/Or-opt quality */
#define EXACT_MAX_NODES 9		/* brute force up to this many nodes (8! orders) */
#define KICK_SPAN 30			/* longest segment moved by a double-bridge kick */
/* stop the kicks after this fraction of the budget in a row found nothing: a 100-door tour
 * has usually settled by then, and the early stop is counted in kicks, so still deterministic */
#define STALL_FRACTION 0.25
#define POLL_EVERY 1024			/* loop iterations between interrupt polls */
#define HILBERT_BITS 16

typedef struct solver
{
	const cm_tour_problem *p;
	size_t		n;				/* real nodes */
	size_t		N;				/* nodes in the tour (n, or n + 1 with the dummy) */
	long		dummy;			/* index of the dummy node, or -1 */
	double		far;			/* cost from the dummy to any node but the start */
	size_t	   *tour;
	size_t	   *pos;
	size_t	   *neigh;			/* NEIGHBOURS per node, nearest first */
	double	   *neighd;			/* their distances: the hot loops' first test needs no sqrt */
	uint8_t    *nneigh;
	size_t	   *queue;			/* circular work queue of nodes whose don't-look bit is off */
	uint8_t    *queued;
	size_t		qhead,
				qlen;
	size_t	   *log;			/* reversal log: pairs of positions */
	size_t		loglen,
				logcap;
	bool		logging;
	double		length;
	double		eps;
	cm_rng		rng;
	unsigned	polls;
} solver;

static inline double
dist(const solver *s, size_t i, size_t j)
{
	const cm_tour_problem *p = s->p;

	if (i == j)
		return 0.0;
	if (s->dummy >= 0 && (i == (size_t) s->dummy || j == (size_t) s->dummy))
	{
		size_t		other = i == (size_t) s->dummy ? j : i;

		return other == (size_t) p->start ? 0.0 : s->far;
	}
	if (p->matrix)
		return p->matrix[i * s->n + j];
	{
		double		dx = p->x[i] - p->x[j],
					dy = p->y[i] - p->y[j];

		return sqrt(dx * dx + dy * dy);
	}
}

static cm_status
poll(solver *s)
{
	if (++s->polls % POLL_EVERY == 0)
		return cm_check_interrupts();
	return CM_OK;
}

static inline size_t
succ(const solver *s, size_t a)
{
	size_t		i = s->pos[a] + 1;

	return s->tour[i == s->N ? 0 : i];
}

static inline size_t
pred(const solver *s, size_t a)
{
	size_t		i = s->pos[a];

	return s->tour[i == 0 ? s->N - 1 : i - 1];
}

/* ---- neighbour lists ------------------------------------------------------------------- */

/* Insert candidate j at distance d into i's sorted list, keeping the nearest NEIGHBOURS. */
static void
offer(solver *s, size_t i, size_t j, double d, double *best)
{
	cm_keep_nearest(s->neigh + i * NEIGHBOURS, best, &s->nneigh[i], NEIGHBOURS, j, d);
}

static cm_status
neighbours_by_scan(solver *s)
{
	double		best[NEIGHBOURS];

	for (size_t i = 0; i < s->n; i++)
	{
		CM_TRY(cm_check_interrupts());
		for (size_t j = 0; j < s->n; j++)
			if (j != i)
				offer(s, i, j, dist(s, i, j), best);
	}
	return CM_OK;
}

typedef struct grid
{
	double		x0,
				y0,
				cw,
				ch;
	size_t		gx,
				gy;
	size_t	   *start;			/* gx * gy + 1 offsets into items */
	size_t	   *items;
} grid;

static size_t
cell_coord(double v, double v0, double w, size_t g)
{
	double		c = w > 0 ? (v - v0) / w : 0;

	if (!(c >= 0))
		return 0;
	if (c >= (double) g)
		return g - 1;
	return (size_t) c;
}

/* The cell of point (x, y), row by row. */
static size_t
cell_of(const grid *g, double x, double y)
{
	return cell_coord(y, g->y0, g->ch, g->gy) * g->gx + cell_coord(x, g->x0, g->cw, g->gx);
}

static cm_status
grid_build(solver *s, grid *g)
{
	const double *x = s->p->x,
			   *y = s->p->y;
	cm_box		b = cm_bounds(x, y, s->n);
	size_t		side,
				cells;

	side = (size_t) ceil(sqrt((double) s->n / 2.0));
	if (side < 1)
		side = 1;
	g->gx = b.maxx > b.minx ? side : 1;
	g->gy = b.maxy > b.miny ? side : 1;
	g->x0 = b.minx;
	g->y0 = b.miny;
	g->cw = (b.maxx - b.minx) / (double) g->gx;
	g->ch = (b.maxy - b.miny) / (double) g->gy;
	cells = g->gx * g->gy;
	CM_TRY(cm_alloc_array(cells + 1, sizeof(size_t), (void **) &g->start));
	if (cm_alloc_array(s->n, sizeof(size_t), (void **) &g->items) != CM_OK)
	{
		cm_free(g->start);
		return CM_ERR_NOMEM;
	}
	for (size_t i = 0; i < s->n; i++)
		g->start[cell_of(g, x[i], y[i]) + 1]++;
	for (size_t c = 0; c < cells; c++)
		g->start[c + 1] += g->start[c];
	for (size_t i = 0; i < s->n; i++)
	{
		size_t		c = cell_of(g, x[i], y[i]);

		g->items[g->start[c]++] = i;
	}
	/* start[c] now holds the end of cell c: shift back */
	for (size_t c = cells; c > 0; c--)
		g->start[c] = g->start[c - 1];
	g->start[0] = 0;
	return CM_OK;
}

static void
grid_scan_cell(solver *s, const grid *g, size_t i, long cx, long cy, double *best)
{
	size_t		c;

	if (cx < 0 || cy < 0 || (size_t) cx >= g->gx || (size_t) cy >= g->gy)
		return;
	c = (size_t) cy * g->gx + (size_t) cx;
	for (size_t k = g->start[c]; k < g->start[c + 1]; k++)
		if (g->items[k] != i)
			offer(s, i, g->items[k], dist(s, i, g->items[k]), best);
}

static cm_status
neighbours_by_grid(solver *s)
{
	grid		g = {0};
	double		best[NEIGHBOURS];
	double		cmin;
	long		maxr;

	CM_TRY(grid_build(s, &g));
	cmin = fmin(g.gx > 1 ? g.cw : INFINITY, g.gy > 1 ? g.ch : INFINITY);
	maxr = (long) (g.gx > g.gy ? g.gx : g.gy);
	for (size_t i = 0; i < s->n; i++)
	{
		long		cx = (long) cell_coord(s->p->x[i], g.x0, g.cw, g.gx);
		long		cy = (long) cell_coord(s->p->y[i], g.y0, g.ch, g.gy);
		size_t		want = s->n - 1 < NEIGHBOURS ? s->n - 1 : NEIGHBOURS;

		if (poll(s) != CM_OK)
		{
			cm_free(g.start);
			cm_free(g.items);
			return CM_ERR_CANCELED;
		}
		for (long r = 0; r <= maxr; r++)
		{
			if (r == 0)
				grid_scan_cell(s, &g, i, cx, cy, best);
			else
				for (long t = -r; t <= r; t++)
				{
					grid_scan_cell(s, &g, i, cx + t, cy - r, best);
					grid_scan_cell(s, &g, i, cx + t, cy + r, best);
					if (t != -r && t != r)
					{
						grid_scan_cell(s, &g, i, cx - r, cy + t, best);
						grid_scan_cell(s, &g, i, cx + r, cy + t, best);
					}
				}
			/* every point beyond ring r is at least r cell widths away */
			if (s->nneigh[i] == want && best[want - 1] <= (double) r * cmin)
				break;
		}
	}
	cm_free(g.start);
	cm_free(g.items);
	return CM_OK;
}

/* ---- moves ------------------------------------------------------------------------------ */

static cm_status
log_reversal(solver *s, size_t i, size_t j)
{
	if (s->loglen + 2 > s->logcap)
	{
		size_t		cap = s->logcap ? s->logcap * 2 : 256;

		CM_TRY(cm_grow_array((void **) &s->log, s->loglen, cap, sizeof(size_t)));
		s->logcap = cap;
	}
	s->log[s->loglen++] = i;
	s->log[s->loglen++] = j;
	return CM_OK;
}

/* Reverse the cyclic run of positions i..j (inclusive, going forward). */
static void
reverse_positions(solver *s, size_t i, size_t j)
{
	size_t		len = (j + s->N - i) % s->N + 1;

	for (size_t k = 0; k < len / 2; k++)
	{
		size_t		a = s->tour[i],
					b = s->tour[j];

		s->tour[i] = b;
		s->pos[b] = i;
		s->tour[j] = a;
		s->pos[a] = j;
		i = i + 1 == s->N ? 0 : i + 1;
		j = j == 0 ? s->N - 1 : j - 1;
	}
}

static cm_status
reverse_logged(solver *s, size_t i, size_t j)
{
	if (s->logging)
		CM_TRY(log_reversal(s, i, j));
	reverse_positions(s, i, j);
	return CM_OK;
}

/*
 * Replace edges (x1,x2) and (y1,y2) by (x1,y1) and (x2,y2), where x2 and y2 follow x1 and y1
 * in the same direction of travel (either direction).  Reverses the shorter side.
 */
static cm_status
exchange(solver *s, size_t x1, size_t x2, size_t y1, size_t y2)
{
	size_t		from,
				to,
				len;

	if (succ(s, x1) != x2)
	{
		/* travelling backwards: the same exchange seen from the other side */
		size_t		t1 = x2,
					t2 = y2;

		x2 = x1;
		x1 = t1;
		y2 = y1;
		y1 = t2;
		/* now succ(x1) == x2 and succ(y1) == y2, and we add (x2,y2),(x1,y1): same edges */
	}
	from = s->pos[x2];
	to = s->pos[y1];
	len = (to + s->N - from) % s->N + 1;
	if (2 * len > s->N)
	{
		from = s->pos[y2];
		to = s->pos[x1];
	}
	return reverse_logged(s, from, to);
}

static void
push(solver *s, size_t a)
{
	if (s->queued[a])
		return;
	s->queued[a] = 1;
	s->queue[(s->qhead + s->qlen) % s->N] = a;
	s->qlen++;
}

/* Queue again the ends of the edges a move changed: only around them can the tour improve. */
static void
push_all(solver *s, const size_t *ends, size_t n)
{
	for (size_t i = 0; i < n; i++)
		push(s, ends[i]);
}

static size_t
pop(solver *s)
{
	size_t		a = s->queue[s->qhead];

	s->qhead = (s->qhead + 1) % s->N;
	s->qlen--;
	s->queued[a] = 0;
	return a;
}

static size_t
neighbour_count(const solver *s, size_t a)
{
	return s->nneigh[a];
}

/* 2-opt from node a in both directions; true when a move was made. */
static cm_status
try_2opt(solver *s, size_t a, bool *moved)
{
	*moved = false;
	for (int dir = 0; dir < 2; dir++)
	{
		size_t		b = dir == 0 ? succ(s, a) : pred(s, a);
		double		dab = dist(s, a, b);

		for (size_t k = 0; k < neighbour_count(s, a); k++)
		{
			size_t		c = s->neigh[a * NEIGHBOURS + k];
			double		g1 = dab - s->neighd[a * NEIGHBOURS + k];
			size_t		d;
			double		gain;

			if (g1 <= s->eps)
				break;
			d = dir == 0 ? succ(s, c) : pred(s, c);
			if (c == b || d == a)
				continue;
			gain = g1 + dist(s, c, d) - dist(s, b, d);
			if (gain > s->eps)
			{
				const size_t ends[] = {a, b, c, d};

				if (dir == 0)
					CM_TRY(exchange(s, a, b, c, d));
				else
					CM_TRY(exchange(s, b, a, d, c));
				s->length -= gain;
				push_all(s, ends, 4);
				*moved = true;
				return CM_OK;
			}
		}
	}
	return CM_OK;
}

/*
 * Move the segment s1..s2 (s2 reached from s1 going forward, p before s1, q after s2) between
 * c and d = succ(c), inserted forwards (c s1 .. s2 d) or reversed (c s2 .. s1 d).
 */
static cm_status
move_segment(solver *s, size_t p, size_t s1, size_t s2, size_t q, size_t c, size_t d, bool forward)
{
	CM_TRY(exchange(s, p, s1, c, d));	/* p c .. q s2 .. s1 d */
	if (c != q)
		CM_TRY(exchange(s, p, c, q, s2));	/* p q .. c s2 .. s1 d */
	if (forward)
		CM_TRY(exchange(s, c, s2, s1, d));	/* c s1 .. s2 d */
	return CM_OK;
}

static bool
in_segment(const size_t *seg, int len, size_t v)
{
	for (int i = 0; i < len; i++)
		if (seg[i] == v)
			return true;
	return false;
}

/* Or-opt: move a segment of 1-3 nodes that starts or ends at a; true when a move was made. */
static cm_status
try_oropt(solver *s, size_t a, bool *moved)
{
	*moved = false;
	for (int len = 1; len <= 3; len++)
	{
		for (int end = 0; end < (len == 1 ? 1 : 2); end++)
		{
			size_t		seg[3];
			size_t		s1,
						s2,
						p,
						q;
			double		removal;

			if ((size_t) len + 3 > s->N)
				return CM_OK;
			/* the segment in forward order, a at its start (end 0) or at its end (end 1) */
			s1 = a;
			for (int i = 0; i < len - 1 && end == 1; i++)
				s1 = pred(s, s1);
			seg[0] = s1;
			for (int i = 1; i < len; i++)
				seg[i] = succ(s, seg[i - 1]);
			s2 = seg[len - 1];
			p = pred(s, s1);
			q = succ(s, s2);
			removal = dist(s, p, s1) + dist(s, s2, q) - dist(s, p, q);
			if (removal <= s->eps)
				continue;
			for (int e = 0; e < 2; e++)
			{
				size_t		from = e == 0 ? s1 : s2;

				for (size_t k = 0; k < neighbour_count(s, from); k++)
				{
					size_t		c = s->neigh[from * NEIGHBOURS + k];

					if (s->neighd[from * NEIGHBOURS + k] >= removal)
						break;
					if (in_segment(seg, len, c))
						continue;
					for (int side = 0; side < 2; side++)
					{
						size_t		c1 = side == 0 ? c : pred(s, c);
						size_t		d1 = side == 0 ? succ(s, c) : c;
						double		fwd,
									rev,
									add;

						/* (c1, d1) is an edge with d1 = succ(c1), outside the segment */
						if (in_segment(seg, len, c1) || in_segment(seg, len, d1) || d1 == p)
							continue;
						fwd = dist(s, c1, s1) + dist(s, s2, d1);
						rev = dist(s, c1, s2) + dist(s, s1, d1);
						add = fmin(fwd, rev) - dist(s, c1, d1);
						if (removal - add > s->eps)
						{
							const size_t ends[] = {p, q, c1, d1, s1, s2};

							CM_TRY(move_segment(s, p, s1, s2, q, c1, d1, fwd <= rev));
							s->length -= removal - add;
							push_all(s, ends, 6);
							*moved = true;
							return CM_OK;
						}
					}
				}
			}
		}
	}
	return CM_OK;
}

static cm_status
local_search(solver *s)
{
	while (s->qlen > 0)
	{
		size_t		a = pop(s);
		bool		moved = true;

		CM_TRY(poll(s));
		while (moved)
		{
			CM_TRY(try_2opt(s, a, &moved));
			if (!moved)
				CM_TRY(try_oropt(s, a, &moved));
		}
	}
	return CM_OK;
}

/* ---- construction ----------------------------------------------------------------------- */

/* Position of cell (x, y) along a Hilbert curve over a 2^HILBERT_BITS square grid. */
static uint64_t
hilbert_index(uint32_t x, uint32_t y)
{
	const uint32_t side = 1u << HILBERT_BITS;
	uint64_t	d = 0;

	for (uint32_t half = side / 2; half > 0; half /= 2)
	{
		uint32_t	rx = (x & half) > 0;
		uint32_t	ry = (y & half) > 0;

		d += (uint64_t) half * half * ((3 * rx) ^ ry);
		if (ry == 0)
		{
			uint32_t	t;

			if (rx == 1)
			{
				x = side - 1 - x;
				y = side - 1 - y;
			}
			t = x;
			x = y;
			y = t;
		}
	}
	return d;
}

static cm_status
construct_hilbert(solver *s, size_t *out)
{
	const double *x = s->p->x,
			   *y = s->p->y;
	cm_box		box = cm_bounds(x, y, s->n);
	double		minx = box.minx,
				miny = box.miny,
				span = fmax(box.maxx - minx, box.maxy - miny);
	cm_keyed   *k;
	double		top = (double) ((1u << HILBERT_BITS) - 1);

	CM_TRY(cm_alloc_array(s->n, sizeof(cm_keyed), (void **) &k));
	for (size_t i = 0; i < s->n; i++)
	{
		uint32_t	hx = span > 0 ? (uint32_t) ((x[i] - minx) / span * top) : 0;
		uint32_t	hy = span > 0 ? (uint32_t) ((y[i] - miny) / span * top) : 0;

		/* below 2^32: exact as a double */
		k[i].key = (double) hilbert_index(hx, hy);
		k[i].index = i;
	}
	cm_keyed_sort(k, s->n);
	for (size_t i = 0; i < s->n; i++)
		out[i] = k[i].index;
	cm_free(k);
	return CM_OK;
}

static cm_status
construct_nearest(solver *s, size_t *out)
{
	uint8_t    *used;
	size_t		cur = 0;

	CM_TRY(cm_alloc_array(s->n, 1, (void **) &used));
	for (size_t step = 0; step < s->n; step++)
	{
		size_t		next = SIZE_MAX;
		double		best = INFINITY;

		if (cm_check_interrupts() != CM_OK)
		{
			cm_free(used);
			return CM_ERR_CANCELED;
		}
		if (step == 0)
			next = s->p->start >= 0 ? (size_t) s->p->start : 0;
		else
			for (size_t j = 0; j < s->n; j++)
				if (!used[j] && dist(s, cur, j) < best)
				{
					best = dist(s, cur, j);
					next = j;
				}
		if (next == SIZE_MAX)	/* only infinite costs left: take any */
			for (size_t j = 0; j < s->n && next == SIZE_MAX; j++)
				if (!used[j])
					next = j;
		used[next] = 1;
		out[step] = next;
		cur = next;
	}
	cm_free(used);
	return CM_OK;
}

/* Initial tour into s->tour / s->pos, with the dummy just before the start. */
static cm_status
construct(solver *s)
{
	size_t		at = 0;

	if (s->p->keep_order)
		for (size_t i = 0; i < s->n; i++)
			s->tour[i] = i;
	else if (s->p->matrix)
		CM_TRY(construct_nearest(s, s->tour));
	else
		CM_TRY(construct_hilbert(s, s->tour));
	if (s->dummy >= 0)
	{
		for (size_t i = 0; i < s->n; i++)
			if (s->tour[i] == (size_t) s->p->start)
				at = i;
		memmove(s->tour + at + 1, s->tour + at, (s->n - at) * sizeof(size_t));
		s->tour[at] = (size_t) s->dummy;
	}
	for (size_t i = 0; i < s->N; i++)
		s->pos[s->tour[i]] = i;
	s->length = 0;
	for (size_t i = 0; i < s->N; i++)
		s->length += dist(s, s->tour[i], s->tour[(i + 1) % s->N]);
	return CM_OK;
}

/* ---- iterated local search -------------------------------------------------------------- */

static void
undo_log(solver *s)
{
	while (s->loglen > 0)
	{
		size_t		j = s->log[--s->loglen];
		size_t		i = s->log[--s->loglen];

		reverse_positions(s, i, j);
	}
}

/* Swap two short adjacent segments somewhere in the tour: A B C D -> A C B D. */
static cm_status
kick(solver *s)
{
	size_t		span = (s->N - 2) / 2 < KICK_SPAN ? (s->N - 2) / 2 : KICK_SPAN;
	size_t		p0 = (size_t) cm_rng_below(&s->rng, s->N);
	size_t		l1 = 1 + (size_t) cm_rng_below(&s->rng, span);
	size_t		l2 = 1 + (size_t) cm_rng_below(&s->rng, span);
	size_t		N = s->N;
	size_t		a = s->tour[p0],
				b1 = s->tour[(p0 + 1) % N],
				b2 = s->tour[(p0 + l1) % N],
				c1 = s->tour[(p0 + l1 + 1) % N],
				c2 = s->tour[(p0 + l1 + l2) % N],
				d = s->tour[(p0 + l1 + l2 + 1) % N];
	const size_t ends[] = {a, b1, b2, c1, c2, d};

	s->length += dist(s, a, c1) + dist(s, c2, b1) + dist(s, b2, d)
		- dist(s, a, b1) - dist(s, b2, c1) - dist(s, c2, d);
	CM_TRY(reverse_logged(s, (p0 + 1) % N, (p0 + l1 + l2) % N));	/* A C' B' D */
	CM_TRY(reverse_logged(s, (p0 + 1) % N, (p0 + l2) % N));	/* A C B' D */
	CM_TRY(reverse_logged(s, (p0 + l2 + 1) % N, (p0 + l1 + l2) % N));	/* A C B D */
	push_all(s, ends, 6);
	return CM_OK;
}

static cm_status
iterate(solver *s)
{
	double		kicks = s->p->effort * (double) s->n;
	double		current = s->length;
	double		stall_limit = kicks * STALL_FRACTION;
	double		stalled = 0;

	if (s->N < 8)
		return CM_OK;
	s->logging = true;

	for (double k = 0; k < kicks && stalled < stall_limit; k++)
	{
		CM_TRY(poll(s));
		s->loglen = 0;
		CM_TRY(kick(s));
		CM_TRY(local_search(s));
		if (s->length < current - s->eps)
		{
			current = s->length;
			stalled = 0;
		}
		else
		{
			stalled++;
			undo_log(s);
			s->length = current;
		}
	}
	s->logging = false;
	return CM_OK;
}

/* ---- exact search for tiny inputs ------------------------------------------------------- */

typedef struct exact
{
	const solver *s;
	size_t		perm[EXACT_MAX_NODES];
	size_t		best[EXACT_MAX_NODES];
	double		best_len;
	uint8_t		used[EXACT_MAX_NODES];
} exact;

static void
exact_search(exact *e, size_t depth, double len)
{
	const solver *s = e->s;

	if (len >= e->best_len)
		return;
	if (depth == s->N)
	{
		len += dist(s, e->perm[s->N - 1], e->perm[0]);
		if (len < e->best_len)
		{
			e->best_len = len;
			memcpy(e->best, e->perm, sizeof(e->perm));
		}
		return;
	}
	for (size_t v = 0; v < s->N; v++)
		if (!e->used[v])
		{
			e->used[v] = 1;
			e->perm[depth] = v;
			exact_search(e, depth + 1, len + dist(s, e->perm[depth - 1], v));
			e->used[v] = 0;
		}
}

static void
solve_exact(solver *s)
{
	exact		e = {.s = s, .best_len = INFINITY};

	e.perm[0] = s->tour[0];
	e.used[s->tour[0]] = 1;
	memcpy(e.best, s->tour, s->N * sizeof(size_t));
	exact_search(&e, 1, 0.0);
	memcpy(s->tour, e.best, s->N * sizeof(size_t));
	for (size_t i = 0; i < s->N; i++)
		s->pos[s->tour[i]] = i;
}

/* ---- driver ----------------------------------------------------------------------------- */

/* Read the tour out from the start, walking away from the dummy when there is one. */
static void
extract(const solver *s, size_t *order)
{
	size_t		first = s->p->start >= 0 ? (size_t) s->p->start : 0;
	bool		backwards = s->dummy >= 0 && succ(s, first) == (size_t) s->dummy;
	size_t		at = first,
				k = 0;

	for (size_t i = 0; i < s->N; i++)
	{
		if ((long) at != s->dummy)
			order[k++] = at;
		at = backwards ? pred(s, at) : succ(s, at);
	}
}

static double
far_cost(const solver *s)
{
	/* more than any saving from leaving the start off the dummy: twice the longest edge */
	double		longest = 0;

	if (s->p->matrix)
	{
		for (size_t i = 0; i < s->n * s->n; i++)
			if (isfinite(s->p->matrix[i]))
				longest = fmax(longest, s->p->matrix[i]);
	}
	else
	{
		cm_box		b = cm_bounds(s->p->x, s->p->y, s->n);

		longest = hypot(b.maxx - b.minx, b.maxy - b.miny);
	}
	return 2.0 * longest + 1.0;
}

static void
solver_free(solver *s)
{
	cm_free(s->tour);
	cm_free(s->pos);
	cm_free(s->neigh);
	cm_free(s->neighd);
	cm_free(s->nneigh);
	cm_free(s->queue);
	cm_free(s->queued);
	cm_free(s->log);
}

static cm_status
solver_alloc(solver *s)
{
	CM_TRY(cm_alloc_array(s->N, sizeof(size_t), (void **) &s->tour));
	CM_TRY(cm_alloc_array(s->N, sizeof(size_t), (void **) &s->pos));
	CM_TRY(cm_alloc_array(s->N, sizeof(size_t) * NEIGHBOURS, (void **) &s->neigh));
	CM_TRY(cm_alloc_array(s->N, sizeof(double) * NEIGHBOURS, (void **) &s->neighd));
	CM_TRY(cm_alloc_array(s->N, 1, (void **) &s->nneigh));
	CM_TRY(cm_alloc_array(s->N, sizeof(size_t), (void **) &s->queue));
	CM_TRY(cm_alloc_array(s->N, 1, (void **) &s->queued));
	return CM_OK;
}

static cm_status
solve(solver *s, size_t *order)
{
	CM_TRY(solver_alloc(s));
	if (s->dummy >= 0)
		s->far = far_cost(s);
	CM_TRY(construct(s));
	if (s->N <= EXACT_MAX_NODES)
	{
		solve_exact(s);
		extract(s, order);
		return CM_OK;
	}
	if (s->p->matrix || s->n <= 2000)
		CM_TRY(neighbours_by_scan(s));
	else
		CM_TRY(neighbours_by_grid(s));
	if (s->dummy >= 0)
	{
		s->neigh[(size_t) s->dummy * NEIGHBOURS] = (size_t) s->p->start;
		s->nneigh[s->dummy] = 1;
	}
	for (size_t i = 0; i < s->N; i++)
		for (size_t k = 0; k < s->nneigh[i]; k++)
			s->neighd[i * NEIGHBOURS + k] = dist(s, i, s->neigh[i * NEIGHBOURS + k]);
	s->eps = 1e-10 * (s->length / (double) s->N + 1e-300);
	for (size_t i = 0; i < s->N; i++)
		push(s, s->tour[i]);
	CM_TRY(local_search(s));
	CM_TRY(iterate(s));
	extract(s, order);
	return CM_OK;
}

cm_status
cm_tour_check_points(const double *x, const double *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(fabs(x[i]) <= CM_TOUR_MAX_COORDINATE && fabs(y[i]) <= CM_TOUR_MAX_COORDINATE))
			return cm_fail(CM_ERR_NONFINITE,
						   "point %zu has a coordinate that is not finite or beyond +-%g", i + 1,
						   CM_TOUR_MAX_COORDINATE);
	return CM_OK;
}

static cm_status
check_problem(const cm_tour_problem *p)
{
	if (p->n == 0 || p->n > CM_TOUR_MAX_NODES)
		return cm_fail(CM_ERR_LIMIT, "a route needs 1 to %d points, got %zu", CM_TOUR_MAX_NODES, p->n);
	if (!p->matrix && (!p->x || !p->y))
		return cm_fail(CM_ERR_INVALID, "no coordinates given");
	if (p->start >= 0 && (size_t) p->start >= p->n)
		return cm_fail(CM_ERR_INVALID, "start node %ld out of range", p->start);
	if (!(p->effort >= 0) || p->effort > 1e6)
		return cm_fail(CM_ERR_INVALID, "effort must be between 0 and 1000000");
	if (!p->matrix)
		CM_TRY(cm_tour_check_points(p->x, p->y, p->n));
	if (p->matrix)
	{
		size_t		cells;

		if (!cm_mul_size(p->n, p->n, &cells))
			return cm_fail(CM_ERR_LIMIT, "cost matrix too large");
		for (size_t i = 0; i < cells; i++)
			if (!(p->matrix[i] >= 0) || !isfinite(p->matrix[i]))
				return cm_fail(CM_ERR_NONFINITE, "costs must be finite and not negative");
	}
	return CM_OK;
}

cm_status
cm_tour_solve(const cm_tour_problem *p, size_t *order, double *length)
{
	solver		s = {0};
	cm_status	status;

	CM_TRY(check_problem(p));
	s.p = p;
	s.n = p->n;
	s.dummy = p->start >= 0 && !p->round_trip && p->n > 1 ? (long) p->n : -1;
	s.N = s.n + (s.dummy >= 0);
	cm_rng_seed(&s.rng, p->seed);
	status = solve(&s, order);
	solver_free(&s);
	if (status == CM_OK && length)
		*length = cm_tour_length(p, order);
	if (status == CM_ERR_NOMEM)
		return cm_fail(status, "out of memory for a route of %zu points", p->n);
	return status;
}

double
cm_tour_length(const cm_tour_problem *p, const size_t *order)
{
	solver		s = {.p = p, .n = p->n, .dummy = -1};
	double		len = 0;
	bool		closed = p->start < 0 || p->round_trip;

	for (size_t i = 0; i + 1 < p->n; i++)
		len += dist(&s, order[i], order[i + 1]);
	if (closed && p->n > 1)
		len += dist(&s, order[p->n - 1], order[0]);
	return len;
}
