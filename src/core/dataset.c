/* dataset.c - growable dense training set. */
#include "dataset.h"
#include "memory.h"

#include <string.h>

void
cm_dataset_init(cm_dataset *ds, uint32_t n_features, size_t max_bytes)
{
	memset(ds, 0, sizeof(*ds));
	ds->n_features = n_features;
	ds->max_bytes = max_bytes;
}

void
cm_dataset_free(cm_dataset *ds)
{
	cm_free(ds->x);
	cm_free(ds->y);
	ds->x = ds->y = NULL;
	ds->n_rows = ds->cap_rows = 0;
}

static cm_status
dataset_grow(cm_dataset *ds)
{
	size_t		cap = ds->cap_rows ? ds->cap_rows : 1024;
	size_t		row_bytes,
				total;
	double	   *x,
			   *y;

	if (!cm_mul_size(cap, 2, &cap) ||
		!cm_mul_size((size_t) ds->n_features + 1, sizeof(double), &row_bytes) ||
		!cm_mul_size(cap, row_bytes, &total))
		return cm_fail(CM_ERR_LIMIT, "training set size overflows");
	if (ds->max_bytes && total > ds->max_bytes)
		return cm_fail(CM_ERR_LIMIT,
					   "training set of more than %zu rows needs %zu bytes, over the limit of %zu bytes",
					   ds->n_rows, total, ds->max_bytes);
	/* not zeroed: only the rows added are read, and zeroing a large set cost a fifth of reading it */
	x = cm_alloc(cap * ds->n_features * sizeof(double));	/* <= total, checked above */
	y = cm_alloc(cap * sizeof(double));
	if (x == NULL || y == NULL)
	{
		cm_free(x);
		cm_free(y);
		return cm_fail(CM_ERR_NOMEM, "out of memory for %zu training rows", cap);
	}
	if (ds->n_rows)
	{
		memcpy(x, ds->x, ds->n_rows * ds->n_features * sizeof(double));
		memcpy(y, ds->y, ds->n_rows * sizeof(double));
	}
	cm_free(ds->x);
	cm_free(ds->y);
	ds->x = x;
	ds->y = y;
	ds->cap_rows = cap;
	return CM_OK;
}

cm_status
cm_dataset_add_row(cm_dataset *ds, const double *x, double y)
{
	if (ds->n_rows == ds->cap_rows)
		CM_TRY(dataset_grow(ds));
	memcpy(ds->x + ds->n_rows * ds->n_features, x, ds->n_features * sizeof(double));
	ds->y[ds->n_rows++] = y;
	return CM_OK;
}

void
cm_dataset_set_row(cm_dataset *ds, size_t i, const double *x, double y)
{
	memcpy(ds->x + i * ds->n_features, x, ds->n_features * sizeof(double));
	ds->y[i] = y;
}
