/* model.c - the model container codec and the algorithm registry. */
#include "model.h"
#include "gbt.h"
#include "logistic.h"
#include "memory.h"

#include <string.h>

static const cm_algorithm_ops *const algorithms[] = {
	&cm_logistic_ops,
	&cm_gbt_ops,
};

#define N_ALGORITHMS (sizeof(algorithms) / sizeof(algorithms[0]))

const cm_algorithm_ops *
cm_algorithm_by_id(uint32_t id)
{
	for (size_t i = 0; i < N_ALGORITHMS; i++)
		if ((uint32_t) algorithms[i]->id == id)
			return algorithms[i];
	return NULL;
}

const cm_algorithm_ops *
cm_algorithm_by_name(const char *name)
{
	for (size_t i = 0; i < N_ALGORITHMS; i++)
		if (strcmp(algorithms[i]->name, name) == 0)
			return algorithms[i];
	return NULL;
}

static char *
copy_string(const char *s)
{
	size_t		n = strlen(s);
	char	   *copy = cm_alloc(n + 1);

	if (copy)
		memcpy(copy, s, n + 1);
	return copy;
}

static cm_status
check_feature_name(char *const *names, uint32_t i)
{
	size_t		n = strlen(names[i]);

	if (n == 0 || n > CM_MODEL_MAX_NAME)
		return cm_fail(CM_ERR_CORRUPT, "feature %u has a name of %zu bytes (1 to %d allowed)",
					   i + 1, n, CM_MODEL_MAX_NAME);
	for (uint32_t j = 0; j < i; j++)
		if (strcmp(names[j], names[i]) == 0)
			return cm_fail(CM_ERR_CORRUPT, "feature \"%s\" appears twice", names[i]);
	return CM_OK;
}

static cm_status
check_feature_type(uint8_t type, uint32_t i)
{
	if (type != CM_FEATURE_NUMERIC && type != CM_FEATURE_BOOLEAN &&
		type != CM_FEATURE_CATEGORICAL)
		return cm_fail(CM_ERR_CORRUPT, "feature %u has unknown type %u", i + 1, type);
	return CM_OK;
}

/* An empty model shell with n_features zeroed feature slots. */
static cm_status
model_shell(cm_algorithm algorithm, uint32_t n_features, cm_model **out)
{
	cm_model   *m;

	*out = NULL;
	if (n_features == 0 || n_features > CM_MODEL_MAX_FEATURES)
		return cm_fail(CM_ERR_LIMIT, "a model needs 1 to %d features, not %u",
					   CM_MODEL_MAX_FEATURES, n_features);
	CM_TRY(cm_alloc_array(1, sizeof(cm_model), (void **) &m));
	m->algorithm = algorithm;
	m->n_features = n_features;
	if (cm_alloc_array(n_features, sizeof(char *), (void **) &m->feature_names) != CM_OK ||
		cm_alloc_array(n_features, 1, (void **) &m->feature_types) != CM_OK ||
		cm_alloc_array(n_features, sizeof(cm_categories), (void **) &m->categories) != CM_OK)
	{
		cm_model_free(m);
		return CM_ERR_NOMEM;
	}
	*out = m;
	return CM_OK;
}

cm_status
cm_model_create(cm_algorithm algorithm, uint32_t n_features, const char *const *names,
				const uint8_t *types, const char *metadata, void *body, cm_model **out)
{
	const cm_algorithm_ops *ops = cm_algorithm_by_id(algorithm);
	cm_model   *m;
	cm_status	st;

	*out = NULL;
	if (ops == NULL)
		return cm_fail(CM_ERR_INVALID, "unknown algorithm %d", (int) algorithm);
	st = model_shell(algorithm, n_features, &m);
	if (st != CM_OK)
	{
		ops->free(body);
		return st;
	}
	m->body = body;
	for (uint32_t i = 0; i < n_features && st == CM_OK; i++)
	{
		m->feature_types[i] = types[i];
		m->feature_names[i] = copy_string(names[i]);
		st = m->feature_names[i] ? check_feature_name(m->feature_names, i) :
			cm_fail(CM_ERR_NOMEM, "out of memory copying feature names");
		if (st == CM_OK)
			st = check_feature_type(types[i], i);
	}
	if (st == CM_OK && strlen(metadata) > CM_MODEL_MAX_METADATA)
		st = cm_fail(CM_ERR_LIMIT, "model metadata exceeds %d bytes", CM_MODEL_MAX_METADATA);
	if (st == CM_OK && (m->metadata = copy_string(metadata)) == NULL)
		st = cm_fail(CM_ERR_NOMEM, "out of memory copying model metadata");
	if (st != CM_OK)
	{
		/* invalid names are the caller's mistake here, not corruption */
		cm_model_free(m);
		return st == CM_ERR_CORRUPT ? cm_fail(CM_ERR_INVALID, "%s", cm_last_error()) : st;
	}
	*out = m;
	return CM_OK;
}

cm_status
cm_model_set_categories(cm_model *model, uint32_t j, cm_categories *c)
{
	if (j >= model->n_features || model->feature_types[j] != CM_FEATURE_CATEGORICAL)
		return cm_fail(CM_ERR_INVALID, "feature %u is not categorical", j + 1);
	cm_categories_free(&model->categories[j]);
	model->categories[j] = *c;
	cm_categories_init(c);
	return CM_OK;
}

/* Version 1 when no feature is categorical, so such models stay readable by older builds. */
static uint16_t
format_version(const cm_model *model)
{
	for (uint32_t i = 0; i < model->n_features; i++)
		if (model->feature_types[i] == CM_FEATURE_CATEGORICAL)
			return 2;
	return 1;
}

static void
encode_categories(const cm_categories *c, cm_writer *w)
{
	cm_put_u32(w, c->n);
	for (uint32_t k = 0; k < c->n; k++)
		cm_put_str(w, c->values[k]);
}

void
cm_model_encode(const cm_model *model, cm_writer *w)
{
	const cm_algorithm_ops *ops = cm_algorithm_by_id(model->algorithm);
	size_t		length_at;
	size_t		body_start;

	/* every algorithm's decoder wants finite numbers: refuse here what could not be loaded */
	w->finite_only = 1;
	cm_put_bytes(w, CM_MODEL_MAGIC, 4);
	cm_put_u16(w, format_version(model));
	cm_put_u16(w, (uint16_t) model->algorithm);
	cm_put_u32(w, model->n_features);
	for (uint32_t i = 0; i < model->n_features; i++)
	{
		cm_put_str(w, model->feature_names[i]);
		cm_put_u8(w, model->feature_types[i]);
		if (model->feature_types[i] == CM_FEATURE_CATEGORICAL)
			encode_categories(&model->categories[i], w);
	}
	cm_put_str(w, model->metadata);
	length_at = w->len;
	cm_put_u64(w, 0);			/* patched below once the body length is known */
	body_start = w->len;
	ops->encode(model->body, model->n_features, w);
	if (w->status == CM_OK)
	{
		uint64_t	body_len = w->len - body_start;

		for (int i = 0; i < 8; i++)
			w->data[length_at + i] = (uint8_t) (body_len >> (8 * i));
	}
}

static cm_status
decode_header(cm_reader *r, const cm_algorithm_ops **ops, uint32_t *n_features,
			  uint16_t *version)
{
	char		magic[4];
	uint16_t	algorithm;

	CM_TRY(cm_get_bytes(r, magic, 4));
	if (memcmp(magic, CM_MODEL_MAGIC, 4) != 0)
		return cm_fail(CM_ERR_CORRUPT, "not a campaign model (bad magic number)");
	CM_TRY(cm_get_u16(r, version));
	if (*version < 1 || *version > CM_MODEL_FORMAT_VERSION)
		return cm_fail(CM_ERR_CORRUPT, "unsupported model format version %u (this build reads 1 to %d)",
					   *version, CM_MODEL_FORMAT_VERSION);
	CM_TRY(cm_get_u16(r, &algorithm));
	if ((*ops = cm_algorithm_by_id(algorithm)) == NULL)
		return cm_fail(CM_ERR_CORRUPT, "unknown algorithm id %u", algorithm);
	/* each feature takes at least a 4-byte length, 1 name byte and a type byte */
	CM_TRY(cm_get_count(r, CM_MODEL_MAX_FEATURES, 6, n_features));
	if (*n_features == 0)
		return cm_fail(CM_ERR_CORRUPT, "model has no features");
	return CM_OK;
}

/* The category list of feature i: distinct valid strings, rebuilt into a lookup table. */
static cm_status
decode_categories(cm_reader *r, uint32_t i, cm_categories *c)
{
	uint32_t	n;

	/* each category takes at least its 4-byte length */
	CM_TRY(cm_get_count(r, CM_CATEGORIES_MAX, 4, &n));
	for (uint32_t k = 0; k < n; k++)
	{
		char	   *s;
		uint32_t	index;
		cm_status	st;

		CM_TRY(cm_get_str(r, CM_CATEGORY_MAX_LEN, &s));
		st = cm_categories_add(c, s, strlen(s), &index);
		cm_free(s);
		if (st == CM_ERR_NOMEM)
			return st;
		if (st != CM_OK || index != k)
			return cm_fail(CM_ERR_CORRUPT, "feature %u has a repeated category", i + 1);
	}
	return CM_OK;
}

static cm_status
decode_features(cm_reader *r, cm_model *m, uint16_t version)
{
	for (uint32_t i = 0; i < m->n_features; i++)
	{
		CM_TRY(cm_get_str(r, CM_MODEL_MAX_NAME, &m->feature_names[i]));
		CM_TRY(check_feature_name(m->feature_names, i));
		CM_TRY(cm_get_u8(r, &m->feature_types[i]));
		CM_TRY(check_feature_type(m->feature_types[i], i));
		if (m->feature_types[i] != CM_FEATURE_CATEGORICAL)
			continue;
		if (version < 2)
			return cm_fail(CM_ERR_CORRUPT, "feature %u is categorical in a version %u model",
						   i + 1, version);
		CM_TRY(decode_categories(r, i, &m->categories[i]));
	}
	return CM_OK;
}

static cm_status
decode_body(cm_reader *r, const cm_algorithm_ops *ops, cm_model *m)
{
	uint64_t	body_len;
	cm_reader	body;

	CM_TRY(cm_get_u64(r, &body_len));
	if (body_len != cm_reader_remaining(r))
		return cm_fail(CM_ERR_CORRUPT, "model body length %llu does not match the %zu bytes left",
					   (unsigned long long) body_len, cm_reader_remaining(r));
	cm_reader_init(&body, r->data + r->pos, (size_t) body_len);
	CM_TRY(ops->decode(&body, m->n_features, &m->body));
	r->pos += (size_t) body_len;
	return cm_reader_finish(&body);
}

cm_status
cm_model_decode(const void *bytes, size_t len, cm_model **out)
{
	cm_reader	r;
	const cm_algorithm_ops *ops = NULL;
	uint32_t	n_features = 0;
	uint16_t	version = 0;
	cm_model   *m;
	cm_status	st;

	*out = NULL;
	cm_reader_init(&r, bytes, len);
	CM_TRY(decode_header(&r, &ops, &n_features, &version));
	CM_TRY(model_shell(ops->id, n_features, &m));
	st = decode_features(&r, m, version);
	if (st == CM_OK)
		st = cm_get_str(&r, CM_MODEL_MAX_METADATA, &m->metadata);
	if (st == CM_OK)
		st = decode_body(&r, ops, m);
	if (st == CM_OK)
		st = cm_reader_finish(&r);
	if (st != CM_OK)
	{
		cm_model_free(m);
		return st;
	}
	*out = m;
	return CM_OK;
}

void
cm_model_free(cm_model *model)
{
	const cm_algorithm_ops *ops;

	if (model == NULL)
		return;
	ops = cm_algorithm_by_id(model->algorithm);
	if (model->body && ops)
		ops->free(model->body);
	if (model->feature_names)
		for (uint32_t i = 0; i < model->n_features; i++)
			cm_free(model->feature_names[i]);
	cm_free(model->feature_names);
	cm_free(model->feature_types);
	if (model->categories)
		for (uint32_t i = 0; i < model->n_features; i++)
			cm_categories_free(&model->categories[i]);
	cm_free(model->categories);
	cm_free(model->metadata);
	cm_free(model);
}

double
cm_model_predict(const cm_model *model, const double *x)
{
	return cm_algorithm_by_id(model->algorithm)->predict(model->body, x);
}

int
cm_model_feature_index(const cm_model *model, const char *name)
{
	for (uint32_t i = 0; i < model->n_features; i++)
		if (strcmp(model->feature_names[i], name) == 0)
			return (int) i;
	return -1;
}
