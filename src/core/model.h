/*
 * model.h - the model container: what every stored model is, whatever its algorithm.
 *
 * Binary format (all integers little-endian), version 1 or 2:
 *   "CMPM"            magic, 4 bytes
 *   u16 format        1, or 2 when a feature is categorical (version 1 has no categories, so
 *                     a model without them is written as version 1, readable by older builds)
 *   u16 algorithm     cm_algorithm
 *   u32 n_features    1 .. CM_MODEL_MAX_FEATURES, then per feature:
 *       str name      1 .. CM_MODEL_MAX_NAME bytes, no NUL, unique
 *       u8  type      cm_feature_type
 *       version 2, categorical features only:
 *       u32 n         0 .. CM_CATEGORIES_MAX, then n distinct str categories (at most
 *                     CM_CATEGORY_MAX_LEN bytes, no NUL); category i is scored as the value i
 *   str metadata      JSON text owned by the host (label, params, metrics), <= 1 MiB
 *   u64 body_len      then body_len bytes of algorithm body, read by the algorithm's decoder,
 *                     which must consume it exactly
 * Nothing may follow.  The decoder validates every field; a forged or truncated blob is
 * CM_ERR_CORRUPT, never a crash.
 */
#ifndef CM_MODEL_H
#define CM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "buffer.h"
#include "categories.h"
#include "params.h"
#include "status.h"

#define CM_MODEL_MAGIC "CMPM"
#define CM_MODEL_FORMAT_VERSION 2	/* the newest this build reads and writes */
#define CM_MODEL_MAX_FEATURES 4096
#define CM_MODEL_MAX_NAME 63	/* PostgreSQL identifiers: NAMEDATALEN - 1 */
#define CM_MODEL_MAX_METADATA (1024 * 1024)

typedef enum cm_algorithm
{
	CM_ALGORITHM_LOGISTIC = 1,
	CM_ALGORITHM_GBT = 2
} cm_algorithm;

typedef enum cm_feature_type
{
	CM_FEATURE_NUMERIC = 0,		/* integers, floats, numeric */
	CM_FEATURE_BOOLEAN = 1,		/* false = 0, true = 1 */
	CM_FEATURE_CATEGORICAL = 2	/* category i of the feature's list = i, unknown = missing */
} cm_feature_type;

typedef struct cm_model
{
	cm_algorithm algorithm;
	uint32_t	n_features;
	char	  **feature_names;
	uint8_t    *feature_types;
	cm_categories *categories;	/* per feature; empty unless categorical */
	char	   *metadata;		/* JSON text, "" if none */
	void	   *body;			/* algorithm-specific, owned */
} cm_model;

/* What each algorithm provides to the container. */
typedef struct cm_algorithm_ops
{
	cm_algorithm id;
	const char *name;
	void		(*encode) (const void *body, uint32_t n_features, cm_writer *w);
	cm_status	(*decode) (cm_reader *r, uint32_t n_features, void **body);
	void		(*free) (void *body);
	/* x holds n_features values in model order, NaN = missing; returns the model's output */
	double		(*predict) (const void *body, const double *x);
	/* the tunables of its fit (its params struct) */
	const cm_param_table *params;
} cm_algorithm_ops;

/* The ops of an algorithm by id or by name; NULL when unknown. */
const cm_algorithm_ops *cm_algorithm_by_id(uint32_t id);
const cm_algorithm_ops *cm_algorithm_by_name(const char *name);

/*
 * Build a model around body (taking ownership of body and copying names and metadata).
 * Names are validated (length, uniqueness) so a model that encodes can also decode.
 */
cm_status	cm_model_create(cm_algorithm algorithm, uint32_t n_features,
							const char *const *names, const uint8_t *types,
							const char *metadata, void *body, cm_model **out);

/*
 * Hand the category list of categorical feature j to the model (c is left empty): the list
 * order is the scoring order.  CM_ERR_INVALID when feature j is not categorical.
 */
cm_status	cm_model_set_categories(cm_model *model, uint32_t j, cm_categories *c);

/*
 * Serialize into w (w->status tells whether it worked).  A body number that is not finite
 * fails with CM_ERR_NONFINITE: the decoder would refuse it, so no model is written that cannot
 * be read back (w is left with finite_only set).
 */
void		cm_model_encode(const cm_model *model, cm_writer *w);

/* Parse and validate bytes; on success *out is a new model owned by the caller. */
cm_status	cm_model_decode(const void *bytes, size_t len, cm_model **out);

void		cm_model_free(cm_model *model);

/* The model's output for one row (a probability for classifiers). */
double		cm_model_predict(const cm_model *model, const double *x);

/* Index of the feature called name, or -1. */
int			cm_model_feature_index(const cm_model *model, const char *name);

#endif
