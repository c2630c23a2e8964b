/*
 * dataset.h - a dense training set (row-major doubles, NaN = missing).
 *
 * The host appends rows as it reads them; growth is geometric, overflow-checked and capped by
 * a byte limit chosen by the host (campaign.train_memory_limit).
 */
#ifndef CM_DATASET_H
#define CM_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct cm_dataset
{
	uint32_t	n_features;
	size_t		n_rows;
	size_t		cap_rows;
	size_t		max_bytes;		/* refuse to grow beyond this many bytes (0: no limit) */
	double	   *x;				/* n_rows * n_features, row-major */
	double	   *y;				/* label per row */
} cm_dataset;

void		cm_dataset_init(cm_dataset *ds, uint32_t n_features, size_t max_bytes);
void		cm_dataset_free(cm_dataset *ds);

/* Append one row (n_features values, NaN = missing) with its label. */
cm_status	cm_dataset_add_row(cm_dataset *ds, const double *x, double y);

/* Overwrite row i (< n_rows) with x and label y. */
void		cm_dataset_set_row(cm_dataset *ds, size_t i, const double *x, double y);

#endif
