/* binning.c - quantile cut points and the one-byte-per-cell training matrix. */
#include "binning.h"
#include "memory.h"
#include "sort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CUTS (CM_BINS_MAX - 2)

/* Cut points of one sorted column of n finite values; returns how many. */
static uint16_t
column_cuts(const double *sorted, size_t n, int value_bins, double *cuts)
{
	size_t		distinct = 0;
	uint16_t	k = 0;

	for (size_t i = 0; i < n; i++)
		distinct += (i == 0 || sorted[i] != sorted[i - 1]);
	if (distinct <= (size_t) value_bins)
	{
		/* one bin per value: cut at every value but the largest */
		for (size_t i = 0; i + 1 < n; i++)
			if (sorted[i] != sorted[i + 1])
				cuts[k++] = sorted[i];
		return k;
	}
	for (int b = 1; b < value_bins; b++)
	{
		double		c = sorted[(size_t) ((double) n * b / value_bins)];

		/* a cut equal to the maximum would leave an empty last bin */
		if (c < sorted[n - 1] && (k == 0 || c > cuts[k - 1]))
			cuts[k++] = c;
	}
	return k;
}

cm_status
cm_bins_fit(const double *sample, size_t n_rows, uint32_t n_features, int max_bins,
			cm_bins *out)
{
	double	   *column;
	cm_status	st;

	memset(out, 0, sizeof(*out));
	if (max_bins < 3 || max_bins > CM_BINS_MAX)
		return cm_fail(CM_ERR_INVALID, "bins must be between 3 and %d, not %d", CM_BINS_MAX,
					   max_bins);
	out->n_features = n_features;
	CM_TRY(cm_alloc_array(n_rows, sizeof(double), (void **) &column));
	st = cm_alloc_array(n_features, sizeof(uint16_t), (void **) &out->n_cuts);
	if (st == CM_OK)
		st = cm_alloc_array(n_features, MAX_CUTS * sizeof(double), (void **) &out->cuts);
	for (uint32_t j = 0; j < n_features && st == CM_OK; j++)
	{
		size_t		n = 0;

		for (size_t i = 0; i < n_rows; i++)
			if (!isnan(sample[i * n_features + j]))
				column[n++] = sample[i * n_features + j];
		st = cm_sort_doubles(column, n);
		if (st != CM_OK)
			break;
		out->n_cuts[j] = column_cuts(column, n, max_bins - 1, out->cuts + (size_t) j * MAX_CUTS);
		st = cm_check_interrupts();
	}
	cm_free(column);
	if (st != CM_OK)
		cm_bins_free(out);
	return st;
}

void
cm_bins_free(cm_bins *bins)
{
	cm_free(bins->n_cuts);
	cm_free(bins->cuts);
	bins->n_cuts = NULL;
	bins->cuts = NULL;
}

void
cm_bins_set_identity(cm_bins *bins, uint32_t j)
{
	double	   *cuts = bins->cuts + (size_t) j * MAX_CUTS;

	/* cut k at k + 1: the value v in 1 .. MAX_CUTS + 1 falls in bin v */
	for (int k = 0; k < MAX_CUTS; k++)
		cuts[k] = k + 1;
	bins->n_cuts[j] = MAX_CUTS;
}

uint8_t
cm_bins_code(const cm_bins *bins, uint32_t j, double v)
{
	const double *cuts = bins->cuts + (size_t) j * MAX_CUTS;
	const double *base = cuts;
	size_t		len = (size_t) bins->n_cuts[j];

	if (isnan(v))
		return 0;
	if (len == 0)
		return 1;
	/*
	 * The number of cuts below v, by a binary search whose step is a conditional move rather
	 * than a branch: reading the table codes every cell, and a mispredicted branch per
	 * halving cost more than the search itself.
	 */
	while (len > 1)
	{
		size_t		half = len / 2;

		base = base[half] < v ? base + half : base;
		len -= half;
	}
	return (uint8_t) ((size_t) (base - cuts) + (*base < v) + 1);
}

void
cm_binned_init(cm_binned *data, uint32_t n_features, size_t max_bytes)
{
	memset(data, 0, sizeof(*data));
	data->n_features = n_features;
	data->max_bytes = max_bytes;
}

void
cm_binned_free(cm_binned *data)
{
	cm_free(data->codes);
	cm_free(data->y);
	cm_free(data->w);
	data->codes = NULL;
	data->y = NULL;
	data->w = NULL;
	data->n_rows = data->cap_rows = 0;
}

cm_status
cm_binned_use_weights(cm_binned *data)
{
	if (data->n_rows > 0 || data->w != NULL)
		return cm_fail(CM_ERR_INVALID, "weights must be enabled before the first row");
	/* a non-NULL pointer marks the matrix as weighted; binned_grow sizes it */
	return cm_alloc_array(1, sizeof(float), (void **) &data->w);
}

static cm_status
binned_grow(cm_binned *data)
{
	size_t		cap = data->cap_rows ? data->cap_rows : 4096;
	size_t		total;
	size_t		per_row = (size_t) data->n_features + sizeof(float) * (data->w ? 2 : 1);
	uint8_t    *codes;
	float	   *y,
			   *w = NULL;

	if (!cm_mul_size(cap, 2, &cap) || !cm_mul_size(cap, per_row, &total))
		return cm_fail(CM_ERR_LIMIT, "training set size overflows");
	if (data->max_bytes && total > data->max_bytes)
		return cm_fail(CM_ERR_LIMIT,
					   "training set of more than %zu rows needs %zu bytes, over the limit of %zu bytes",
					   data->n_rows, total, data->max_bytes);
	CM_TRY(cm_alloc_array(cap, data->n_features, (void **) &codes));
	if (cm_alloc_array(cap, sizeof(float), (void **) &y) != CM_OK ||
		(data->w && cm_alloc_array(cap, sizeof(float), (void **) &w) != CM_OK))
	{
		cm_free(codes);
		cm_free(y);
		return CM_ERR_NOMEM;
	}
	if (data->n_rows)
	{
		memcpy(codes, data->codes, data->n_rows * data->n_features);
		memcpy(y, data->y, data->n_rows * sizeof(float));
	}
	if (w)
	{
		memcpy(w, data->w, data->n_rows * sizeof(float));
		cm_free(data->w);
		data->w = w;
	}
	cm_free(data->codes);
	cm_free(data->y);
	data->codes = codes;
	data->y = y;
	data->cap_rows = cap;
	return CM_OK;
}

cm_status
cm_binned_add_row(cm_binned *data, const cm_bins *bins, const double *x, double y)
{
	uint8_t    *row;

	if (data->n_rows == data->cap_rows)
		CM_TRY(binned_grow(data));
	row = data->codes + data->n_rows * data->n_features;
	for (uint32_t j = 0; j < data->n_features; j++)
		row[j] = cm_bins_code(bins, j, x[j]);
	if (data->w)
		data->w[data->n_rows] = 1.0f;
	data->y[data->n_rows++] = (float) y;
	return CM_OK;
}

typedef struct category_stat
{
	uint32_t	number;			/* category number - 1 (first-seen order) */
	double		sum;			/* weighted label sum over training rows */
	double		weight;
	double		mean;			/* smoothed */
} category_stat;

static int
compare_category_means(const void *a, const void *b)
{
	const category_stat *x = a,
			   *y = b;

	if (x->mean != y->mean)
		return x->mean < y->mean ? -1 : 1;
	return (x->number > y->number) - (x->number < y->number);
}

/* Label sums and weights per category number over the training rows; the totals in *all. */
static void
category_sums(const cm_binned *data, uint32_t j, const uint8_t *is_holdout,
			  category_stat *stats, category_stat *all)
{
	for (size_t i = 0; i < data->n_rows; i++)
	{
		uint8_t		c = data->codes[i * data->n_features + j];
		double		w = data->w ? data->w[i] : 1.0;

		if (is_holdout && is_holdout[i])
			continue;
		all->sum += w * data->y[i];
		all->weight += w;
		if (c > 0)
		{
			stats[c - 1].sum += w * data->y[i];
			stats[c - 1].weight += w;
		}
	}
}

cm_status
cm_binned_order_categories(cm_binned *data, cm_bins *bins, uint32_t j, uint32_t n_seen,
						   const uint8_t *is_holdout, uint32_t *order, uint32_t *n_kept)
{
	category_stat stats[MAX_CUTS + 1],
				all = {0, 0, 0, 0};
	uint8_t		recode[MAX_CUTS + 2] = {0};
	double		prior;
	uint32_t	kept = 0;

	if (j >= data->n_features || n_seen > MAX_CUTS + 1)
		return cm_fail(CM_ERR_INVALID, "feature %u with %u categories cannot be ordered",
					   j + 1, n_seen);
	memset(stats, 0, sizeof(stats));
	for (uint32_t k = 0; k < n_seen; k++)
		stats[k].number = k;
	category_sums(data, j, is_holdout, stats, &all);
	prior = all.weight > 0 ? all.sum / all.weight : 0;
	for (uint32_t k = 0; k < n_seen; k++)
		if (stats[k].weight > 0)
		{
			stats[kept] = stats[k];
			stats[kept].mean = (stats[k].sum + CM_CATEGORY_SMOOTHING * prior) /
				(stats[k].weight + CM_CATEGORY_SMOOTHING);
			kept++;
		}
	qsort(stats, kept, sizeof(category_stat), compare_category_means);
	for (uint32_t k = 0; k < kept; k++)
	{
		order[k] = stats[k].number;
		recode[stats[k].number + 1] = (uint8_t) (k + 1);
	}
	for (size_t i = 0; i < data->n_rows; i++)
	{
		uint8_t    *c = &data->codes[i * data->n_features + j];

		*c = recode[*c];
	}
	/* position k is the value k: cuts 0 .. kept - 2 put it in bin k + 1 */
	for (uint32_t k = 0; k + 1 < kept; k++)
		bins->cuts[(size_t) j * MAX_CUTS + k] = k;
	bins->n_cuts[j] = (uint16_t) (kept > 0 ? kept - 1 : 0);
	*n_kept = kept;
	return cm_check_interrupts();
}
