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
} cm_binned;

void		cm_binned_init(cm_binned *data, uint32_t n_features, size_t max_bytes);
void		cm_binned_free(cm_binned *data);

/* Quantize one row (n_features raw values, NaN = missing) and append it with its label. */
cm_status	cm_binned_add_row(cm_binned *data, const cm_bins *bins, const double *x, double y);

#endif
