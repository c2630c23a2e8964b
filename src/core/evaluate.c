/* evaluate.c - exact score distributions (AUC, calibration, lift) and per-row loss terms. */
#include "evaluate.h"
#include "memory.h"
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SERIAL_VERSION 1
#define HEADER_BYTES (1 + 4 + 4)	/* version, bins, groups */
#define GROUP_BYTES (8 + 8 + 8)
/* small: a GROUP BY of many groups holds as many states, most of them small */
#define MIN_CAPACITY 16
/* Totals stay below 2^53 so that every count is exact as a double. */
#define MAX_ROWS (UINT64_C(1) << 53)

cm_status
cm_check_probability(double p)
{
	if (isnan(p) || isinf(p))
		return cm_fail(CM_ERR_NONFINITE, "probability is not a finite number");
	if (p < 0.0 || p > 1.0)
		return cm_fail(CM_ERR_INVALID, "probability %g is outside [0, 1]", p);
	return CM_OK;
}

cm_status
cm_check_bins(long bins)
{
	if (bins < 1 || bins > CM_EVAL_MAX_BINS)
		return cm_fail(CM_ERR_INVALID, "bins must be between 1 and %d, not %ld",
					   CM_EVAL_MAX_BINS, bins);
	return CM_OK;
}

void
cm_score_dist_init(cm_score_dist *dist, uint32_t bins)
{
	memset(dist, 0, sizeof(*dist));
	dist->bins = bins;
}

void
cm_score_dist_free(cm_score_dist *dist)
{
	cm_free(dist->groups);
	cm_score_dist_init(dist, dist->bins);
}

static int
compare_groups(const void *a, const void *b)
{
	double		pa = ((const cm_score_group *) a)->p;
	double		pb = ((const cm_score_group *) b)->p;

	return (pa > pb) - (pa < pb);
}

/* Add each group to the one before it when they have the same score (groups are sorted). */
static void
merge_neighbours(cm_score_dist *dist)
{
	size_t		out = 0;

	for (size_t i = 0; i < dist->n; i++)
	{
		if (out > 0 && dist->groups[out - 1].p == dist->groups[i].p)
		{
			dist->groups[out - 1].positives += dist->groups[i].positives;
			dist->groups[out - 1].negatives += dist->groups[i].negatives;
		}
		else
			dist->groups[out++] = dist->groups[i];
	}
	dist->n = out;
	dist->sorted = out;
}

void
cm_score_dist_compact(cm_score_dist *dist)
{
	if (dist->sorted == dist->n)
		return;
	qsort(dist->groups, dist->n, sizeof(cm_score_group), compare_groups);
	merge_neighbours(dist);
}

static cm_status
reserve(cm_score_dist *dist, size_t needed)
{
	size_t		cap = dist->cap < MIN_CAPACITY ? MIN_CAPACITY : dist->cap;
	cm_score_group *bigger;

	if (needed <= dist->cap)
		return CM_OK;
	while (cap < needed)
		if (!cm_mul_size(cap, 2, &cap))
			return cm_fail(CM_ERR_LIMIT, "too many distinct scores");
	CM_TRY(cm_alloc_array(cap, sizeof(cm_score_group), (void **) &bigger));
	if (dist->n > 0)
		memcpy(bigger, dist->groups, dist->n * sizeof(cm_score_group));
	cm_free(dist->groups);
	dist->groups = bigger;
	dist->cap = cap;
	return CM_OK;
}

static cm_status
count_rows(cm_score_dist *dist, uint64_t positives, uint64_t negatives)
{
	if (positives > MAX_ROWS - dist->positives - dist->negatives ||
		negatives > MAX_ROWS - dist->positives - dist->negatives - positives)
		return cm_fail(CM_ERR_LIMIT, "more than 2^53 rows to evaluate");
	dist->positives += positives;
	dist->negatives += negatives;
	return CM_OK;
}

/* Make room for one more group: first by merging ties, then by growing. */
static cm_status
make_room(cm_score_dist *dist)
{
	if (dist->n < dist->cap)
		return CM_OK;
	cm_score_dist_compact(dist);
	/* grow unless compaction freed a good share, so the work per row stays logarithmic */
	if (dist->n == dist->cap || dist->n > dist->cap / 2)
		return reserve(dist, dist->cap + 1);
	return CM_OK;
}

cm_status
cm_score_dist_add(cm_score_dist *dist, double p, bool positive)
{
	cm_score_group *g;

	CM_TRY(cm_check_probability(p));
	CM_TRY(make_room(dist));
	CM_TRY(count_rows(dist, positive ? 1 : 0, positive ? 0 : 1));
	g = &dist->groups[dist->n++];
	g->p = p;
	g->positives = positive ? 1 : 0;
	g->negatives = positive ? 0 : 1;
	return CM_OK;
}

/*
 * Interleave the sorted groups of other into dist's (room reserved) by score, from the back so
 * that no second buffer is needed: linear, where sorting the concatenation was not, which
 * matters when a coordinator combines the states of many shards.  Equal scores end up side by
 * side for merge_neighbours.
 */
static void
interleave_sorted(cm_score_dist *dist, const cm_score_dist *other)
{
	cm_score_group *g = dist->groups;
	size_t		i = dist->n;
	size_t		j = other->n;
	size_t		k = dist->n + other->n;

	/* k = i + j: a write never lands on a group still to be read (also when other is dist) */
	while (j > 0)
	{
		if (i > 0 && g[i - 1].p > other->groups[j - 1].p)
			g[--k] = g[--i];
		else
			g[--k] = other->groups[--j];
	}
	dist->n += other->n;
}

cm_status
cm_score_dist_merge(cm_score_dist *dist, cm_score_dist *other)
{
	size_t		needed;

	if (dist->bins != other->bins)
		return cm_fail(CM_ERR_INVALID, "cannot merge states of %u and %u bins",
					   dist->bins, other->bins);
	cm_score_dist_compact(other);
	cm_score_dist_compact(dist);
	if (!cm_add_size(dist->n, other->n, &needed))
		return cm_fail(CM_ERR_LIMIT, "too many distinct scores");
	CM_TRY(reserve(dist, needed));
	CM_TRY(count_rows(dist, other->positives, other->negatives));
	interleave_sorted(dist, other);
	merge_neighbours(dist);
	return CM_OK;
}

bool
cm_score_dist_auc(cm_score_dist *dist, double *auc)
{
	double		negatives_below = 0.0;
	double		wins = 0.0;		/* pairs ranked right, ties as one half */

	if (dist->positives == 0 || dist->negatives == 0)
		return false;
	cm_score_dist_compact(dist);
	for (size_t i = 0; i < dist->n; i++)
	{
		const cm_score_group *g = &dist->groups[i];

		wins += (double) g->positives * (negatives_below + 0.5 * (double) g->negatives);
		negatives_below += (double) g->negatives;
	}
	/*
	 * Counts near 2^53 round in the products, which can put the ratio an ulp outside [0, 1]
	 * (found by fuzz_evaluate_state); an AUC is a probability.
	 */
	*auc = fmin(1.0, fmax(0.0, wins / ((double) dist->positives * (double) dist->negatives)));
	return true;
}

static cm_status
check_table_bins(uint32_t bins)
{
	return cm_check_bins((long) bins);
}

cm_status
cm_score_dist_calibration(cm_score_dist *dist, uint32_t bins, cm_bin *out)
{
	CM_TRY(check_table_bins(bins));
	for (uint32_t b = 0; b < bins; b++)
	{
		memset(&out[b], 0, sizeof(cm_bin));
		out[b].lower = (double) b / bins;
		out[b].upper = (double) (b + 1) / bins;
	}
	cm_score_dist_compact(dist);
	for (size_t i = 0; i < dist->n; i++)
	{
		const cm_score_group *g = &dist->groups[i];
		double		rows = (double) g->positives + (double) g->negatives;
		uint32_t	b = (uint32_t) (g->p * bins);

		if (b >= bins)
			b = bins - 1;		/* p = 1 */
		out[b].count += rows;
		out[b].positives += (double) g->positives;
		out[b].sum_p += g->p * rows;
	}
	return CM_OK;
}

/* First rank (0-based) of bin b of bins over n rows: floor(b * n / bins) without overflow. */
static uint64_t
bin_start(uint64_t b, uint64_t n, uint64_t bins)
{
	return b * (n / bins) + (b * (n % bins)) / bins;
}

/* Put take rows of group g (of which the share take/rows is positive) into bin *bin. */
static void
add_share(cm_bin *bin, const cm_score_group *g, uint64_t take)
{
	double		rows = (double) g->positives + (double) g->negatives;

	if (bin->count == 0)
		bin->upper = g->p;
	bin->lower = g->p;
	bin->count += (double) take;
	bin->positives += (double) g->positives * ((double) take / rows);
	bin->sum_p += g->p * (double) take;
}

cm_status
cm_score_dist_lift(cm_score_dist *dist, uint32_t bins, cm_bin *out)
{
	uint64_t	n = dist->positives + dist->negatives;
	uint64_t	rank = 0;
	uint32_t	b = 0;

	CM_TRY(check_table_bins(bins));
	memset(out, 0, bins * sizeof(cm_bin));
	cm_score_dist_compact(dist);
	for (size_t i = dist->n; i-- > 0;)
	{
		const cm_score_group *g = &dist->groups[i];
		uint64_t	left = g->positives + g->negatives;

		while (left > 0)
		{
			uint64_t	end = bin_start(b + 1, n, bins);
			uint64_t	take = end - rank < left ? end - rank : left;

			if (take > 0)
				add_share(&out[b], g, take);
			rank += take;
			left -= take;
			if (rank == end && b + 1 < bins)
				b++;
		}
	}
	return CM_OK;
}

cm_status
cm_score_dist_serialized_size(cm_score_dist *dist, size_t *size)
{
	cm_score_dist_compact(dist);
	if (dist->n > UINT32_MAX || !cm_mul_size(dist->n, GROUP_BYTES, size) ||
		!cm_add_size(*size, HEADER_BYTES, size))
		return cm_fail(CM_ERR_LIMIT, "too many distinct scores to serialize");
	return CM_OK;
}

void
cm_score_dist_serialize(cm_score_dist *dist, cm_writer *w)
{
	size_t		size;

	if (cm_score_dist_serialized_size(dist, &size) != CM_OK)
	{
		if (w->status == CM_OK)
			w->status = CM_ERR_LIMIT;
		return;
	}
	cm_put_u8(w, SERIAL_VERSION);
	cm_put_u32(w, dist->bins);
	cm_put_u32(w, (uint32_t) dist->n);
	for (size_t i = 0; i < dist->n; i++)
	{
		cm_put_f64(w, dist->groups[i].p);
		cm_put_u64(w, dist->groups[i].positives);
		cm_put_u64(w, dist->groups[i].negatives);
	}
}

static cm_status
read_group(cm_reader *r, double previous, cm_score_group *g)
{
	CM_TRY(cm_get_f64_finite(r, &g->p));
	CM_TRY(cm_get_u64(r, &g->positives));
	CM_TRY(cm_get_u64(r, &g->negatives));
	if (g->p < 0.0 || g->p > 1.0)
		return cm_fail(CM_ERR_CORRUPT, "score state holds a probability outside [0, 1]");
	if (g->p <= previous)
		return cm_fail(CM_ERR_CORRUPT, "score state is not in ascending order");
	if (g->positives > MAX_ROWS || g->negatives > MAX_ROWS ||
		g->positives + g->negatives == 0)
		return cm_fail(CM_ERR_CORRUPT, "score state holds an invalid count");
	return CM_OK;
}

static cm_status
read_groups(cm_reader *r, cm_score_dist *out)
{
	uint32_t	count;

	CM_TRY(cm_get_count(r, UINT32_MAX, GROUP_BYTES, &count));
	CM_TRY(reserve(out, count));
	for (uint32_t i = 0; i < count; i++)
	{
		cm_score_group *g = &out->groups[i];

		CM_TRY(read_group(r, i == 0 ? -1.0 : out->groups[i - 1].p, g));
		if (count_rows(out, g->positives, g->negatives) != CM_OK)
			return cm_fail(CM_ERR_CORRUPT, "score state counts more than 2^53 rows");
		out->n = out->sorted = i + 1;
		if ((i & 0xFFFF) == 0xFFFF)
			CM_TRY(cm_check_interrupts());
	}
	return cm_reader_finish(r);
}

cm_status
cm_score_dist_deserialize(cm_reader *r, cm_score_dist *out)
{
	uint8_t		version;
	uint32_t	bins;
	cm_status	status;

	cm_score_dist_init(out, 0);
	CM_TRY(cm_get_u8(r, &version));
	if (version != SERIAL_VERSION)
		return cm_fail(CM_ERR_CORRUPT, "unknown score state version %u", version);
	CM_TRY(cm_get_u32(r, &bins));
	if (bins > CM_EVAL_MAX_BINS)
		return cm_fail(CM_ERR_CORRUPT, "score state has %u bins", bins);
	out->bins = bins;
	status = read_groups(r, out);
	if (status != CM_OK)
		cm_score_dist_free(out);
	return status;
}

double
cm_logloss_term(double p, bool positive)
{
	double		clipped = fmin(fmax(p, CM_LOGLOSS_EPS), 1.0 - CM_LOGLOSS_EPS);

	return positive ? -log(clipped) : -log1p(-clipped);
}

double
cm_brier_term(double p, bool positive)
{
	double		error = p - (positive ? 1.0 : 0.0);

	return error * error;
}
