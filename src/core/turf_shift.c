/*
 * turf_shift.c - campaign.turf by shift time (see turf.h): as few turfs as fit a canvasser's
 * shift, their times balanced, their loops short, over planar points or street costs.
 *
 * Route first, cut second: one loop through all doors (the tour solver) is cut into runs,
 * a run's time being doors x per_door + (run length + closing edge) / speed, by a shortest
 * path over run ends: the fewest runs within hi, then the least summed loops plus a heavy
 * penalty for times under lo, from a few rotations of the loop (after its longest edges).
 * Doors then move to a turf of one of their nearest doors when that lowers the summed loops
 * plus the penalty for times outside the band [lo, hi] (hi <= shift, hi / lo = SHIFT_BAND,
 * under CM_TURF_SHIFT_RATIO; gain measured on the tours: removal saving against cheapest
 * insertion next to a nearby door); no move takes a turf past the shift.  Tours are polished
 * after every pass.  Planar doors also start from campaign.turf's compact turfs of equal
 * counts at the same k (the better of the two is kept).  k starts at the fewest runs that
 * fit the shift, a run's loop being no longer than the run and its closing edge, so the
 * shift is never exceeded; k grows (a few turfs at most) while the band does not hold.
 */
#include "turf.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "keyed.h"
#include "memory.h"
#include "tour.h"

#define SHIFT_NEAR 8				/* nearest doors: candidate turfs and insertion points */
#define SHIFT_PASSES 30				/* most move passes for one k */
#define SHIFT_ROTATIONS 16			/* rotations of the loop tried when cutting it */
#define SHIFT_EXTRA_TURFS 3			/* turfs beyond the fewest tried for balance */
#define SHIFT_BAND 1.24				/* hi / lo of the band; margin under the 1.3 asked */
#define SHIFT_ACCEPT 1.27			/* ratio taken as in band: margin for other solvers' loops */
#define SHIFT_PENALTY 50.0			/* loop length per unit of time outside the band, x speed */
#define SHIFT_GIANT_EFFORT 16		/* kicks per door for the loop through all doors */
#define SHIFT_POLISH_EFFORT 2		/* kicks per door when polishing a turf between passes */
#define SHIFT_FINAL_EFFORT 40		/* as walk_route's default: the times reported are its */
#define SHIFT_SEED 20261202u
#define NO_TURF SIZE_MAX

typedef struct shift_state
{
	const cm_turf_shift *p;
	size_t		n,
				k;
	const size_t *giant;		/* the loop through all doors */
	double	   *prefix;			/* 2n + 1 running lengths along the loop, twice round */
	size_t	   *turf;			/* 0..k-1 */
	size_t	   *size;			/* k */
	double	   *len;			/* k: closed loop length */
	size_t	   *head;			/* k: some door of the turf */
	uint8_t    *dirty;			/* k */
	size_t	   *next,
			   *prev;			/* each turf's loop as a cycle through its doors */
	size_t	   *near;			/* SHIFT_NEAR nearest doors per door */
	uint8_t    *nnear;
	size_t	   *members,
			   *order;			/* n: scratch for solving one turf */
	double	   *bx,
			   *by;				/* n: scratch coordinates */
	size_t		rot[SHIFT_ROTATIONS];	/* where cuts of the loop begin: after its longest edges */
	size_t		nrot;
	size_t	   *dp_count;		/* n + 1: fewest runs covering the first j doors of the loop */
	double	   *dp_cost;		/* n + 1: their least summed loops */
	size_t	   *dp_from;		/* n + 1: where the last of those runs starts */
	double		lo,
				hi;
	double		eps;
	bool		fresh;			/* solve turfs from scratch (their cycles are in no order) */
} shift_state;

static inline double
dist(const shift_state *s, size_t i, size_t j)
{
	if (s->p->matrix)
		return s->p->matrix[i * s->n + j];
	return hypot(s->p->x[i] - s->p->x[j], s->p->y[i] - s->p->y[j]);
}

static inline double
turf_time(const shift_state *s, size_t doors, double length)
{
	return (double) doors * s->p->per_door + length / s->p->speed;
}

/* Time outside the band, in time units. */
static inline double
outside(const shift_state *s, double t)
{
	return t > s->hi ? t - s->hi : t < s->lo ? s->lo - t : 0;
}

/* ---- nearest doors ---------------------------------------------------------------------- */

static cm_status
nearest_matrix(shift_state *s)
{
	double		best[SHIFT_NEAR];

	for (size_t i = 0; i < s->n; i++)
	{
		if (i % 64 == 0)
			CM_TRY(cm_check_interrupts());
		for (size_t j = 0; j < s->n; j++)
			if (j != i)
				cm_keep_nearest(s->near + i * SHIFT_NEAR, best, &s->nnear[i], SHIFT_NEAR, j,
								dist(s, i, j));
	}
	return CM_OK;
}

/* A sweep along x: each door scans outwards until the x gap alone exceeds its farthest kept. */
static cm_status
nearest_planar(shift_state *s, cm_keyed *sorted)
{
	const double *key = s->p->x;
	double		best[SHIFT_NEAR];

	for (size_t i = 0; i < s->n; i++)
		sorted[i] = (cm_keyed) {key[i], i};
	cm_keyed_sort(sorted, s->n);
	for (size_t r = 0; r < s->n; r++)
	{
		size_t		i = sorted[r].index,
					lo = r,
					hi = r + 1;
		bool		left = r > 0,
					right = hi < s->n;

		if (r % 256 == 0)
			CM_TRY(cm_check_interrupts());
		while (left || right)
		{
			bool		full = s->nnear[i] == SHIFT_NEAR;

			if (left)
			{
				size_t		j = sorted[lo - 1].index;

				if (full && key[i] - key[j] >= best[SHIFT_NEAR - 1])
					left = false;
				else
				{
					cm_keep_nearest(s->near + i * SHIFT_NEAR, best, &s->nnear[i], SHIFT_NEAR, j,
									dist(s, i, j));
					left = --lo > 0;
				}
			}
			if (right)
			{
				size_t		j = sorted[hi].index;

				if (s->nnear[i] == SHIFT_NEAR && key[j] - key[i] >= best[SHIFT_NEAR - 1])
					right = false;
				else
				{
					cm_keep_nearest(s->near + i * SHIFT_NEAR, best, &s->nnear[i], SHIFT_NEAR, j,
									dist(s, i, j));
					right = ++hi < s->n;
				}
			}
		}
	}
	return CM_OK;
}

/* ---- cutting the loop through all doors ------------------------------------------------- */

/* Turn the cut into turfs: each run's loop is the run in loop order, closed. */
static void
apply_cut(shift_state *s, size_t rot, size_t k, const size_t *cut_at)
{
	s->k = k;
	for (size_t r = 0; r < k; r++)
	{
		size_t		from = cut_at[r],
					end = r + 1 < k ? cut_at[r + 1] - 1 : rot + s->n - 1;

		s->size[r] = end - from + 1;
		s->head[r] = s->giant[from % s->n];
		s->len[r] = s->prefix[end] - s->prefix[from] +
			dist(s, s->giant[end % s->n], s->giant[from % s->n]);
		s->dirty[r] = 1;
		for (size_t i = from; i <= end; i++)
		{
			size_t		d = s->giant[i % s->n],
						e = s->giant[(i == end ? from : i + 1) % s->n];

			s->turf[d] = r;
			s->next[d] = e;
			s->prev[e] = d;
		}
	}
}

/*
 * The cut of the loop from rotation rot into the fewest runs whose times are at most hi, the
 * summed loops (plus the penalty for times under lo) least among those (a shortest path over run ends: each run's time and
 * loop are O(1) from the running lengths).  Returns false when no such cut exists.
 */
static bool
dp_cut(shift_state *s, size_t rot, double lo, double hi, size_t *cut_at, size_t *count,
	   double *cost)
{
	size_t		n = s->n;

	for (size_t j = 0; j <= n; j++)
	{
		s->dp_count[j] = SIZE_MAX;
		s->dp_cost[j] = INFINITY;
	}
	s->dp_count[0] = 0;
	s->dp_cost[0] = 0;
	for (size_t j = 0; j < n; j++)
	{
		if (s->dp_count[j] == SIZE_MAX)
			continue;
		for (size_t e = j; e < n; e++)
		{
			double		path = s->prefix[rot + e] - s->prefix[rot + j],
						bound = turf_time(s, e - j + 1, path),
						loop,
						t;
			size_t		c = s->dp_count[j] + 1;

			if (bound > hi)
				break;			/* longer runs only take longer, closing edge aside */
			loop = path + dist(s, s->giant[(rot + e) % n], s->giant[(rot + j) % n]);
			t = turf_time(s, e - j + 1, loop);
			if (t > hi)
				continue;
			/* short runs are allowed at a price: sparse doors may leave no cut in band */
			if (t < lo)
				loop += SHIFT_PENALTY * s->p->speed * (lo - t);
			if (c < s->dp_count[e + 1] ||
				(c == s->dp_count[e + 1] && s->dp_cost[j] + loop < s->dp_cost[e + 1]))
			{
				s->dp_count[e + 1] = c;
				s->dp_cost[e + 1] = s->dp_cost[j] + loop;
				s->dp_from[e + 1] = j;
			}
		}
	}
	if (s->dp_count[n] == SIZE_MAX)
		return false;
	*count = s->dp_count[n];
	*cost = s->dp_cost[n];
	for (size_t j = n, r = *count; j > 0; j = s->dp_from[j])
		cut_at[--r] = rot + s->dp_from[j];
	return true;
}

/*
 * The best cut in band over a few rotations of the loop (fewest runs, then least loops) into
 * the turfs; false when no rotation has one.
 */
static cm_status
best_dp_cut(shift_state *s, double lo, double hi, size_t *cut_at, bool *found)
{
	size_t		best_count = SIZE_MAX,
				best_rot = 0,
				count;
	double		best_cost = INFINITY,
				cost;

	for (size_t j = 0; j < s->nrot; j++)
	{
		CM_TRY(cm_check_interrupts());
		if (dp_cut(s, s->rot[j], lo, hi, cut_at, &count, &cost) &&
			(count < best_count || (count == best_count && cost < best_cost)))
			best_count = count, best_cost = cost, best_rot = s->rot[j];
	}
	*found = best_count != SIZE_MAX;
	if (*found)
	{
		dp_cut(s, best_rot, lo, hi, cut_at, &count, &cost);
		apply_cut(s, best_rot, count, cut_at);
	}
	return CM_OK;
}

/*
 * Cuts begin after the loop's longest edges, where turfs part best (a cut mid-cluster would
 * split the cluster between the first and the last run).
 */
static void
choose_rotations(shift_state *s, cm_keyed *sorted)
{
	for (size_t i = 0; i < s->n; i++)
		sorted[i] = (cm_keyed) {-(s->prefix[i + 1] - s->prefix[i]), (i + 1) % s->n};
	cm_keyed_sort(sorted, s->n);
	s->nrot = s->n < SHIFT_ROTATIONS ? s->n : SHIFT_ROTATIONS;
	for (size_t j = 0; j < s->nrot; j++)
		s->rot[j] = sorted[j].index;
}

/* ---- tours of the turfs ----------------------------------------------------------------- */

/* Solve turf t's loop from its current order; keep it when shorter (final: always measure). */
static cm_status
solve_turf(shift_state *s, size_t t, double effort, bool final)
{
	size_t		m = 0,
				d = s->head[t];
	double	   *sub = NULL;
	double		length;
	cm_tour_problem problem = {.start = -1, .seed = SHIFT_SEED, .effort = effort,
	.keep_order = !s->fresh};
	cm_status	status;

	do
	{
		s->members[m] = d;
		if (!s->p->matrix)
		{
			s->bx[m] = s->p->x[d];
			s->by[m] = s->p->y[d];
		}
		m++;
		d = s->next[d];
	} while (d != s->head[t]);
	problem.n = m;
	if (s->p->matrix)
	{
		size_t		cells;

		if (!cm_mul_size(m, m, &cells))
			return cm_fail(CM_ERR_LIMIT, "turf too large");
		CM_TRY(cm_alloc_array(cells, sizeof(double), (void **) &sub));
		for (size_t i = 0; i < m; i++)
			for (size_t j = 0; j < m; j++)
				sub[i * m + j] = i == j ? 0 : dist(s, s->members[i], s->members[j]);
		problem.matrix = sub;
	}
	else
	{
		problem.x = s->bx;
		problem.y = s->by;
	}
	status = cm_tour_solve(&problem, s->order, &length);
	cm_free(sub);
	CM_TRY(status);
	if (final || s->fresh || length < s->len[t] - s->eps)
	{
		for (size_t i = 0; i < m; i++)
		{
			size_t		a = s->members[s->order[i]],
						b = s->members[s->order[(i + 1) % m]];

			s->next[a] = b;
			s->prev[b] = a;
		}
		s->head[t] = s->members[s->order[0]];
		s->len[t] = final || s->fresh ? length : fmin(length, s->len[t]);
	}
	s->dirty[t] = 0;
	return CM_OK;
}

static cm_status
polish_dirty(shift_state *s, double effort, bool all)
{
	for (size_t t = 0; t < s->k; t++)
		if (all || s->dirty[t])
		{
			CM_TRY(cm_check_interrupts());
			CM_TRY(solve_turf(s, t, effort, all));
		}
	return CM_OK;
}

/* ---- door moves ------------------------------------------------------------------------- */

/* Cheapest insertion of door v into turf t next to one of v's nearest doors there. */
static double
insertion(const shift_state *s, size_t v, size_t t, size_t *after)
{
	double		best = INFINITY;

	for (uint8_t j = 0; j < s->nnear[v]; j++)
	{
		size_t		a = s->near[v * SHIFT_NEAR + j];

		if (s->turf[a] != t)
			continue;
		if (s->size[t] == 1)
		{
			double		c = 2 * dist(s, a, v);

			if (c < best)
				best = c, *after = a;
			continue;
		}
		{
			size_t		b = s->next[a],
						z = s->prev[a];
			double		c1 = dist(s, a, v) + dist(s, v, b) - dist(s, a, b),
						c2 = dist(s, z, v) + dist(s, v, a) - dist(s, z, a);

			if (c1 < best)
				best = c1, *after = a;
			if (c2 < best)
				best = c2, *after = z;
		}
	}
	return best;
}

/* Move door i into turf b after door `after` when that lowers the objective; true if moved. */
static bool
try_move(shift_state *s, size_t i)
{
	size_t		a = s->turf[i],
				best_turf = NO_TURF,
				best_after = 0;
	double		removal,
				ta,
				best = -s->eps;
	size_t		tried[SHIFT_NEAR];
	size_t		ntried = 0;

	if (s->size[a] == 1)
		return false;
	removal = s->size[a] == 2 ? s->len[a] :
		dist(s, s->prev[i], i) + dist(s, i, s->next[i]) - dist(s, s->prev[i], s->next[i]);
	ta = turf_time(s, s->size[a], s->len[a]);
	for (uint8_t j = 0; j < s->nnear[i]; j++)
	{
		size_t		b = s->turf[s->near[i * SHIFT_NEAR + j]],
					after = 0;
		bool		seen = b == a;
		double		ins,
					tb,
					na,
					nb,
					delta;

		for (size_t q = 0; q < ntried && !seen; q++)
			seen = tried[q] == b;
		if (seen)
			continue;
		tried[ntried++] = b;
		ins = insertion(s, i, b, &after);
		tb = turf_time(s, s->size[b], s->len[b]);
		na = turf_time(s, s->size[a] - 1, s->len[a] - removal);
		nb = turf_time(s, s->size[b] + 1, s->len[b] + ins);
		if (nb > s->p->shift && nb > tb)
			continue;			/* never past the shift */
		delta = ins - removal + SHIFT_PENALTY * s->p->speed *
			(outside(s, na) + outside(s, nb) - outside(s, ta) - outside(s, tb));
		if (delta < best)
			best = delta, best_turf = b, best_after = after;
	}
	if (best_turf == NO_TURF)
		return false;
	/* unlink i from a */
	{
		size_t		p = s->prev[i],
					q = s->next[i];

		if (s->head[a] == i)
			s->head[a] = q;
		s->next[p] = q;
		s->prev[q] = p;
		s->len[a] = s->size[a] == 2 ? 0 : s->len[a] - removal;
		s->size[a]--;
		s->dirty[a] = 1;
	}
	/* link it after best_after in best_turf */
	{
		size_t		b = best_turf,
					p = best_after,
					q = s->next[p];
		double		ins = s->size[b] == 1 ? 2 * dist(s, p, i) :
			dist(s, p, i) + dist(s, i, q) - dist(s, p, q);

		s->next[p] = i;
		s->prev[i] = p;
		s->next[i] = q;
		s->prev[q] = i;
		s->turf[i] = b;
		s->len[b] += ins;
		s->size[b]++;
		s->dirty[b] = 1;
	}
	return true;
}

static cm_status
move_passes(shift_state *s)
{
	for (int pass = 0; pass < SHIFT_PASSES; pass++)
	{
		size_t		moved = 0;

		for (size_t r = 0; r < s->n; r++)
		{
			if (r % 256 == 0)
				CM_TRY(cm_check_interrupts());
			moved += try_move(s, s->giant[r]);
		}
		CM_TRY(polish_dirty(s, SHIFT_POLISH_EFFORT, false));
		if (moved == 0)
			break;
	}
	return CM_OK;
}

/* Door moves on the cut, the final tours solved, then moves again to put times back in band. */
static cm_status
improve(shift_state *s)
{
	CM_TRY(polish_dirty(s, SHIFT_POLISH_EFFORT, false));
	CM_TRY(move_passes(s));
	CM_TRY(polish_dirty(s, SHIFT_FINAL_EFFORT, true));
	CM_TRY(move_passes(s));
	return polish_dirty(s, SHIFT_FINAL_EFFORT, true);
}

/* ---- the search over k ------------------------------------------------------------------ */

typedef struct shift_result
{
	bool		fits;			/* every turf within the shift */
	double		ratio;			/* longest over shortest time (INFINITY if shortest is 0) */
	double		summed;			/* summed loops */
} shift_result;

static shift_result
measure(const shift_state *s)
{
	shift_result r = {true, 0, 0};
	double		longest = 0,
				shortest = INFINITY;

	for (size_t t = 0; t < s->k; t++)
	{
		double		tt = turf_time(s, s->size[t], s->len[t]);

		longest = fmax(longest, tt);
		shortest = fmin(shortest, tt);
		r.summed += s->len[t];
	}
	r.fits = longest <= s->p->shift * (1 + 1e-12);
	r.ratio = shortest > 0 ? longest / shortest : longest > 0 ? INFINITY : 1;
	return r;
}

static bool
better(shift_result a, size_t ka, shift_result b, size_t kb)
{
	bool		a_ok = a.ratio <= SHIFT_ACCEPT,
				b_ok = b.ratio <= SHIFT_ACCEPT;

	if (a_ok != b_ok)
		return a_ok;
	if (ka != kb)
		return ka < kb;
	if (!a_ok && a.ratio != b.ratio)
		return a.ratio < b.ratio;
	return a.summed < b.summed;
}

/*
 * Cut into about k turfs of times in a band around the mean time a turf would have (total
 * the summed time of all doors as the fallback measured it), then move doors; measured.
 */
static cm_status
try_k(shift_state *s, size_t k, double total, size_t *cut_at,
	  shift_result *out, bool *found)
{
	double		avg = total / (double) k;

	s->hi = fmin(s->p->shift, avg * sqrt(SHIFT_BAND));
	s->lo = s->hi / SHIFT_BAND;
	CM_TRY(best_dp_cut(s, s->lo, s->hi, cut_at, found));
	if (!*found)
		return CM_OK;
	CM_TRY(improve(s));
	*out = measure(s);
	return CM_OK;
}

/*
 * Planar doors: start instead from campaign.turf's compact turfs of equal door counts (turf.c,
 * about k of them), their tours solved, then the same moves into the band; measured.
 */
static cm_status
try_compact(shift_state *s, size_t k, shift_result *out)
{
	int32_t    *t;
	size_t		doors = s->n / k + (s->n % k != 0),
				kk = s->n / doors + (s->n % doors != 0);
	cm_status	status;

	CM_TRY(cm_alloc_array(s->n, sizeof(int32_t), (void **) &t));
	status = cm_walk_turfs(s->p->x, s->p->y, s->n, doors, t);
	if (status == CM_OK)
	{
		s->k = kk;
		for (size_t c = 0; c < kk; c++)
			s->size[c] = 0;
		for (size_t i = s->n; i-- > 0;)
		{
			size_t		c = (size_t) t[i] - 1;

			/* link i in front of the turf's cycle: head, then the rest */
			if (s->size[c] == 0)
				s->next[i] = s->prev[i] = i;
			else
			{
				size_t		h = s->head[c],
							last = s->prev[h];

				s->next[i] = h;
				s->prev[i] = last;
				s->next[last] = i;
				s->prev[h] = i;
			}
			s->head[c] = i;
			s->turf[i] = c;
			s->size[c]++;
			s->dirty[c] = 1;
		}
		s->fresh = true;
		status = polish_dirty(s, SHIFT_POLISH_EFFORT, true);
		s->fresh = false;
	}
	cm_free(t);
	CM_TRY(status);
	CM_TRY(improve(s));
	*out = measure(s);
	return CM_OK;
}

static void
save(const shift_state *s, int32_t *turf, size_t *k)
{
	/* number turfs in the order the loop through all doors meets them */
	size_t	   *number = s->order;	/* scratch of n >= k entries */
	size_t		next = 1;

	for (size_t t = 0; t < s->k; t++)
		number[t] = 0;
	for (size_t r = 0; r < s->n; r++)
	{
		size_t		t = s->turf[s->giant[r]];

		if (number[t] == 0)
			number[t] = next++;
	}
	for (size_t i = 0; i < s->n; i++)
		turf[i] = (int32_t) number[s->turf[i]];
	*k = s->k;
}

static cm_status
check_problem(const cm_turf_shift *p)
{
	if (!isfinite(p->shift) || p->shift <= 0)
		return cm_fail(CM_ERR_INVALID, "shift must be positive and finite");
	if (!isfinite(p->per_door) || p->per_door < 0)
		return cm_fail(CM_ERR_INVALID, "minutes per door must be finite and not negative");
	if (!isfinite(p->speed) || p->speed <= 0)
		return cm_fail(CM_ERR_INVALID, "walking speed must be positive and finite");
	if (p->per_door > p->shift)
		return cm_fail(CM_ERR_INVALID, "one door takes longer than the shift");
	if (p->n > INT32_MAX)
		return cm_fail(CM_ERR_LIMIT, "too many doors");
	if (p->matrix)
	{
		size_t		cells;

		if (!cm_mul_size(p->n, p->n, &cells))
			return cm_fail(CM_ERR_LIMIT, "cost matrix too large");
		for (size_t i = 0; i < cells; i++)
			if (!isfinite(p->matrix[i]) || p->matrix[i] < 0)
				return cm_fail(CM_ERR_INVALID, "costs must be finite and not negative");
		return CM_OK;
	}
	return cm_tour_check_points(p->x, p->y, p->n);
}

static cm_status
shift_search(shift_state *s, int32_t *turf, size_t *k_out, size_t *cut_at)
{
	size_t		best_k,
				lower;
	double		total = 0;
	bool		found;
	shift_result best;

	/*
	 * The fallback: the fewest runs that fit the shift (a run's loop is never longer than its
	 * run and closing edge), pushed towards the band below the shift.
	 */
	s->hi = s->p->shift;
	s->lo = s->hi / SHIFT_BAND;
	CM_TRY(best_dp_cut(s, s->lo, s->hi, cut_at, &found));
	if (!found)
		return cm_fail(CM_ERR_INTERNAL, "no cut of the doors fits the shift");
	CM_TRY(improve(s));
	best = measure(s);
	if (!best.fits)
		return cm_fail(CM_ERR_INTERNAL, "turfs cut past the shift");
	best_k = s->k;
	save(s, turf, k_out);
	if (best_k == 1 || best_k == s->n)
		return CM_OK;
	if (!s->p->matrix)
	{
		shift_result r;

		CM_TRY(try_compact(s, best_k, &r));
		if (r.fits && better(r, s->k, best, *k_out))
		{
			best = r;
			save(s, turf, k_out);
		}
	}
	if (best.ratio <= SHIFT_ACCEPT)
		return CM_OK;
	for (size_t t = 0; t < s->k; t++)
		total += turf_time(s, s->size[t], s->len[t]);
	lower = (size_t) ceil(total / s->p->shift);
	for (size_t k = lower > best_k - 1 ? lower : best_k - 1;
		 k <= best_k + SHIFT_EXTRA_TURFS && k < s->n; k++)
	{
		shift_result r;

		CM_TRY(try_k(s, k, total, cut_at, &r, &found));
		if (!found || !r.fits)
			continue;
		if (better(r, s->k, best, *k_out))
		{
			best = r;
			save(s, turf, k_out);
		}
		if (best.ratio <= SHIFT_ACCEPT)
			break;				/* the fewest turfs in band: more would only be longer */
	}
	return CM_OK;
}

cm_status
cm_walk_turfs_shift(const cm_turf_shift *p, int32_t *turf, size_t *k_out)
{
	shift_state s = {.p = p, .n = p->n};
	size_t	   *giant = NULL,
			   *cut_at = NULL;
	cm_keyed   *sorted = NULL;
	cm_status	status;
	size_t		twice;

	*k_out = 0;
	CM_TRY(check_problem(p));
	if (p->n == 0)
		return CM_OK;
	if (p->n == 1)
	{
		turf[0] = 1;
		*k_out = 1;
		return CM_OK;
	}
	if (!cm_mul_size(p->n, 2, &twice) || !cm_add_size(twice, 1, &twice))
		return cm_fail(CM_ERR_LIMIT, "too many doors");
	status = cm_alloc_array(p->n, sizeof(size_t), (void **) &giant);
#define SHIFT_ALLOC(ptr, count, type) \
	if (status == CM_OK) status = cm_alloc_array((count), sizeof(type), (void **) &(ptr))
	SHIFT_ALLOC(s.prefix, twice, double);
	SHIFT_ALLOC(s.turf, p->n, size_t);
	SHIFT_ALLOC(s.size, p->n, size_t);
	SHIFT_ALLOC(s.len, p->n, double);
	SHIFT_ALLOC(s.head, p->n, size_t);
	SHIFT_ALLOC(s.dirty, p->n, uint8_t);
	SHIFT_ALLOC(s.next, p->n, size_t);
	SHIFT_ALLOC(s.prev, p->n, size_t);
	SHIFT_ALLOC(s.members, p->n, size_t);
	SHIFT_ALLOC(s.order, p->n, size_t);
	SHIFT_ALLOC(s.bx, p->n, double);
	SHIFT_ALLOC(s.by, p->n, double);
	SHIFT_ALLOC(s.nnear, p->n, uint8_t);
	SHIFT_ALLOC(cut_at, p->n, size_t);
	SHIFT_ALLOC(sorted, p->n, cm_keyed);
	SHIFT_ALLOC(s.dp_count, p->n + 1, size_t);
	SHIFT_ALLOC(s.dp_cost, p->n + 1, double);
	SHIFT_ALLOC(s.dp_from, p->n + 1, size_t);
	if (status == CM_OK)
	{
		size_t		cells;

		if (!cm_mul_size(p->n, SHIFT_NEAR, &cells))
			status = cm_fail(CM_ERR_LIMIT, "too many doors");
		SHIFT_ALLOC(s.near, cells, size_t);
	}
#undef SHIFT_ALLOC
	if (status == CM_OK)
	{
		cm_tour_problem tour = {.n = p->n, .x = p->x, .y = p->y, .matrix = p->matrix,
		.start = -1, .seed = SHIFT_SEED, .effort = SHIFT_GIANT_EFFORT};

		memset(s.nnear, 0, p->n);
		status = cm_tour_solve(&tour, giant, NULL);
	}
	if (status == CM_OK)
	{
		double		scale = 0;

		s.giant = giant;
		s.prefix[0] = 0;
		for (size_t i = 0; i + 1 < twice; i++)
			s.prefix[i + 1] = s.prefix[i] + dist(&s, giant[i % p->n], giant[(i + 1) % p->n]);
		scale = s.prefix[p->n];
		s.eps = 1e-9 * (scale > 0 ? scale : 1);
		choose_rotations(&s, sorted);
		status = p->matrix ? nearest_matrix(&s) : nearest_planar(&s, sorted);
	}
	if (status == CM_OK)
		status = shift_search(&s, turf, k_out, cut_at);
	cm_free(giant);
	cm_free(cut_at);
	cm_free(sorted);
	cm_free(s.prefix);
	cm_free(s.turf);
	cm_free(s.size);
	cm_free(s.len);
	cm_free(s.head);
	cm_free(s.dirty);
	cm_free(s.next);
	cm_free(s.prev);
	cm_free(s.members);
	cm_free(s.order);
	cm_free(s.bx);
	cm_free(s.by);
	cm_free(s.nnear);
	cm_free(s.near);
	cm_free(s.dp_count);
	cm_free(s.dp_cost);
	cm_free(s.dp_from);
	return status;
}
