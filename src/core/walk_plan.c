/*
 * walk_plan.c - campaign.walk_plan's orienteering (see walk_plan.h): a greedy loop by value
 * per added metre, shortened by 2-opt and Or-opt, then ruin and rebuild with restarts.
 */
#include "walk_plan.h"

#include <math.h>
#include <string.h>

#include "memory.h"
#include "rng.h"
#include "tour.h"

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

/* The arrays of a plan and its work space, n + 1 entries each (the start included). */
static cm_status
plan_alloc(plan *s, plan_work *w)
{
	size_t	  **indexes[] = {&s->route, &w->after, &w->edge_from, &w->edge_to, &w->best.route,
	&w->run.route, &w->order, &w->backup, &w->scratch};
	double	  **values[] = {&w->delta, &w->rx, &w->ry};
	size_t		n = s->p->n + 1;

	for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++)
		CM_TRY(cm_alloc_array(n, sizeof(size_t), (void **) indexes[i]));
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		CM_TRY(cm_alloc_array(n, sizeof(double), (void **) values[i]));
	return cm_alloc_array(n, 1, (void **) &s->in_route);
}

static void
plan_free(plan *s, plan_work *w)
{
	void	   *arrays[] = {s->route, s->in_route, s->dist, w->after, w->edge_from, w->edge_to,
	w->best.route, w->run.route, w->delta, w->order, w->backup, w->scratch, w->rx, w->ry};

	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
		cm_free(arrays[i]);
}

cm_status
cm_walk_orienteer(const cm_orienteering *p, int32_t *stop, double *value_out, double *length_out)
{
	plan		s = {.p = p, .start = p->n};
	plan_work	w = {0};
	cm_status	status;

	CM_TRY(check_orienteering(p));
	cm_rng_seed(&s.rng, p->seed);
	status = plan_alloc(&s, &w);
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
	plan_free(&s, &w);
	return status;
}
