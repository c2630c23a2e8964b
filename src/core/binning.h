/*
 * binning.h - quantile binning of numeric features into one byte per cell.
 *
 * Bin 0 of every feature holds the missing values (NaN).  A feature with k cut points
 * c_0 < ... < c_{k-1} has value bins 1 .. k+1: a value v falls in bin 1 + #{i : c_i < v},
 * so bin(v) <= t exactly when v <= c_{t-1}.  That is what lets a tree learned on bins be
 * stored with plain thresholds ("x <= c goes left") and scored on raw values.
 *
 * The host computes cut points once from a bounded sample of rows, then quantizes every row
 * (the sample and all later ones) into a growable row-major byte matrix.
 */
#ifndef CM_BINNING_H
#define CM_BINNING_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define CM_BINS_MAX 256			/* bins per feature, the missing bin included */

typedef struct cm_bins
{
	uint32_t	n_features;
	uint16_t   *n_cuts;			/* per feature, <= CM_BINS_MAX - 2 */
	double	   *cuts;			/* n_features * (CM_BINS_MAX - 2), ascending per feature */
} cm_bins;

/*
 * Cut points from a sample (n_rows x n_features row-major, NaN = missing) so that each
 * feature has at most max_bins bins, the missing bin included (3 <= max_bins <= 256).
 * Cuts are distinct sample values at quantiles; a column with fewer distinct values than
 * value bins gets one bin per value.
 */
cm_status	cm_bins_fit(const double *sample, size_t n_rows, uint32_t n_features,
						int max_bins, cm_bins *out);
void		cm_bins_free(cm_bins *bins);

/*
 * Categorical feature j while the rows are read: the host passes category numbers 1 .. 255
 * (first-seen order, NaN = missing), which this makes their own bins.
 */
void		cm_bins_set_identity(cm_bins *bins, uint32_t j);

/* The bin of value v of feature j. */
uint8_t		cm_bins_code(const cm_bins *bins, uint32_t j, double v);

/* Bins in use by feature j: missing + n_cuts + 1. */
static inline int
cm_bins_count(const cm_bins *bins, uint32_t j)
{
	return bins->n_cuts[j] + 2;
}

/* Quantized training rows: codes row-major, one label per row. */
typedef struct cm_binned
{
	uint32_t	n_features;
	size_t		n_rows;
	size_t		cap_rows;
	size_t		max_bytes;		/* refuse to grow beyond this (0: no limit) */
	uint8_t    *codes;
	float	   *y;
	float	   *w;				/* per-row weights, NULL when every row weighs 1 */
} cm_binned;

void		cm_binned_init(cm_binned *data, uint32_t n_features, size_t max_bytes);

/* Give every row a weight (before the first row): each added row gets weight 1 until set. */
cm_status	cm_binned_use_weights(cm_binned *data);
void		cm_binned_free(cm_binned *data);

/* Quantize one row (n_features raw values, NaN = missing) and append it with its label. */
cm_status	cm_binned_add_row(cm_binned *data, const cm_bins *bins, const double *x, double y);

/*
 * Order the categories of feature j (binned with cm_bins_set_identity from n_seen category
 * numbers) by their smoothed mean label over the training rows (is_holdout 0 or NULL),
 * weights included: the lowest mean first, ties by first appearance, each mean pulled toward
 * the overall mean by CM_CATEGORY_SMOOTHING units of weight.  Rewrites the feature's codes
 * and cut points so that the category in position k (0-based) is the value k: one threshold
 * then splits the categories into a low-mean set and a high-mean set, as the best split of a
 * node on one category set would at the first tree.  Categories without training weight
 * become missing.  order receives, per position, the category number - 1; *n_kept their count.
 */
#define CM_CATEGORY_SMOOTHING 10.0
cm_status	cm_binned_order_categories(cm_binned *data, cm_bins *bins, uint32_t j,
									   uint32_t n_seen, const uint8_t *is_holdout,
									   uint32_t *order, uint32_t *n_kept);

#endif
