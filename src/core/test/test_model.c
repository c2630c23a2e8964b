/* test_model.c - the model container: round trip, and truncated or forged blobs. */
#include "harness.h"
#include "logistic.h"
#include "model.h"
#include "rng.h"

#include <math.h>

static cm_model *
sample_model(void)
{
	const char *names[3] = {"age", "voted_2020", "contacts"};
	uint8_t		types[3] = {CM_FEATURE_NUMERIC, CM_FEATURE_BOOLEAN, CM_FEATURE_NUMERIC};
	cm_logistic *body;
	cm_model   *model;

	assert_int_equal(cm_alloc_array(1, sizeof(cm_logistic), (void **) &body), CM_OK);
	body->n_features = 3;
	assert_int_equal(cm_alloc_array(3, sizeof(double), (void **) &body->mean), CM_OK);
	assert_int_equal(cm_alloc_array(3, sizeof(double), (void **) &body->scale), CM_OK);
	assert_int_equal(cm_alloc_array(3, sizeof(double), (void **) &body->coef), CM_OK);
	body->intercept = -0.25;
	for (int j = 0; j < 3; j++)
	{
		body->mean[j] = j * 10.0;
		body->scale[j] = 1.0 + j;
		body->coef[j] = 0.5 - j;
	}
	assert_int_equal(cm_model_create(CM_ALGORITHM_LOGISTIC, 3, names, types,
									 "{\"label\": \"voted\"}", body, &model), CM_OK);
	return model;
}

static void
encode(const cm_model *model, cm_writer *w)
{
	cm_writer_init(w);
	cm_model_encode(model, w);
	assert_int_equal(w->status, CM_OK);
}

/* The bytes of the sample model, for the tests that only decode. */
static void
sample_bytes(cm_writer *w)
{
	cm_model   *model = sample_model();

	encode(model, w);
	cm_model_free(model);
}

static void
test_round_trip_predicts_the_same(void **state)
{
	cm_model   *model = sample_model();
	cm_model   *back;
	cm_writer	w;
	double		x[3] = {40, 1, NAN};

	(void) state;
	encode(model, &w);
	assert_int_equal(cm_model_decode(w.data, w.len, &back), CM_OK);
	assert_int_equal(back->n_features, 3);
	assert_string_equal(back->feature_names[1], "voted_2020");
	assert_int_equal(back->feature_types[1], CM_FEATURE_BOOLEAN);
	assert_string_equal(back->metadata, "{\"label\": \"voted\"}");
	assert_int_equal(cm_model_feature_index(back, "contacts"), 2);
	assert_int_equal(cm_model_feature_index(back, "nope"), -1);
	assert_true(cm_model_predict(back, x) == cm_model_predict(model, x));
	cm_model_free(back);
	cm_model_free(model);
	cm_writer_free(&w);
}

static void
test_every_truncation_is_corrupt(void **state)
{
	cm_writer	w;

	(void) state;
	sample_bytes(&w);
	for (size_t len = 0; len < w.len; len++)
	{
		cm_model   *back;

		assert_int_equal(cm_model_decode(w.data, len, &back), CM_ERR_CORRUPT);
		assert_null(back);
	}
	cm_writer_free(&w);
}

static void
test_trailing_byte_is_corrupt(void **state)
{
	cm_writer	w;
	cm_model   *back;

	(void) state;
	sample_bytes(&w);
	cm_put_u8(&w, 0);
	assert_int_equal(cm_model_decode(w.data, w.len, &back), CM_ERR_CORRUPT);
	cm_writer_free(&w);
}

/* Flip bytes at random: every decode ends in OK or CORRUPT, with nothing leaked. */
static void
test_mutations_never_crash(void **state)
{
	cm_writer	w;
	cm_rng		rng;
	uint8_t    *copy;
	int			corrupt = 0;

	(void) state;
	sample_bytes(&w);
	copy = malloc(w.len);
	cm_rng_seed(&rng, 2024);
	for (int round = 0; round < 20000; round++)
	{
		cm_model   *back;
		cm_status	st;
		int			flips = 1 + (int) cm_rng_below(&rng, 4);

		memcpy(copy, w.data, w.len);
		for (int f = 0; f < flips; f++)
			copy[cm_rng_below(&rng, w.len)] ^= (uint8_t) (1 + cm_rng_below(&rng, 255));
		st = cm_model_decode(copy, w.len, &back);
		assert_true(st == CM_OK || st == CM_ERR_CORRUPT);
		if (st == CM_OK)
		{
			double		x[3] = {1, 0, 2};

			(void) cm_model_predict(back, x);
			cm_model_free(back);
		}
		else
			corrupt++;
	}
	assert_true(corrupt > 1000);
	free(copy);
	cm_writer_free(&w);
}

/* Patch one byte of a valid blob and expect the decoder to name the problem. */
static void
expect_corrupt_with(cm_writer *w, size_t offset, uint8_t value, const char *message)
{
	cm_model   *back;
	uint8_t		saved = w->data[offset];

	w->data[offset] = value;
	assert_int_equal(cm_model_decode(w->data, w->len, &back), CM_ERR_CORRUPT);
	assert_non_null(strstr(cm_last_error(), message));
	w->data[offset] = saved;
}

static void
test_forged_header_fields(void **state)
{
	cm_writer	w;

	(void) state;
	sample_bytes(&w);
	expect_corrupt_with(&w, 0, 'X', "magic");
	expect_corrupt_with(&w, 4, 9, "format version");
	expect_corrupt_with(&w, 6, 77, "unknown algorithm");
	expect_corrupt_with(&w, 11, 0x7F, "count");	/* n_features high byte */
	expect_corrupt_with(&w, 8, 0, "no features");
	/* first feature type byte follows its 4-byte length and 3 name bytes */
	expect_corrupt_with(&w, 12 + 4 + 3, 9, "unknown type");
	/* second name "voted_2020" renamed to "age" length: make it a duplicate */
	cm_writer_free(&w);
}

static void
test_duplicate_names_rejected(void **state)
{
	const char *names[2] = {"age", "age"};
	uint8_t		types[2] = {0, 0};
	cm_logistic *body;
	cm_model   *model;

	(void) state;
	assert_int_equal(cm_alloc_array(1, sizeof(cm_logistic), (void **) &body), CM_OK);
	assert_int_equal(cm_model_create(CM_ALGORITHM_LOGISTIC, 2, names, types, "", body, &model),
					 CM_ERR_INVALID);
	assert_null(model);
}

/* Write v over the 8 bytes starting from_end bytes before the end of the sample's blob. */
static void
expect_number_corrupt_with(size_t from_end, double v, const char *message)
{
	cm_writer	w;
	cm_model   *back;

	sample_bytes(&w);
	memcpy(w.data + w.len - from_end, &v, 8);
	assert_int_equal(cm_model_decode(w.data, w.len, &back), CM_ERR_CORRUPT);
	assert_non_null(strstr(cm_last_error(), message));
	cm_writer_free(&w);
}

static void
test_nonfinite_coefficient_rejected(void **state)
{
	(void) state;
	/* the last 8 bytes are the last coefficient */
	expect_number_corrupt_with(8, NAN, "non-finite");
}

/* A fit that overflowed is refused by the encoder, not written to fail every later load. */
static void
test_nonfinite_body_not_encoded(void **state)
{
	cm_model   *model = sample_model();
	cm_writer	w;

	(void) state;
	((cm_logistic *) model->body)->scale[1] = INFINITY;
	cm_writer_init(&w);
	cm_model_encode(model, &w);
	assert_int_equal(w.status, CM_ERR_NONFINITE);
	assert_non_null(strstr(cm_last_error(), "infinite"));
	cm_model_free(model);
	cm_writer_free(&w);
}

static void
test_nonpositive_scale_rejected(void **state)
{
	(void) state;
	/* last feature: mean, scale, coef; scale is 16 bytes from the end */
	expect_number_corrupt_with(16, 0.0, "scale");
}

HARNESS_MAIN("model",
			 HARNESS_TEST(test_round_trip_predicts_the_same),
			 HARNESS_TEST(test_every_truncation_is_corrupt),
			 HARNESS_TEST(test_trailing_byte_is_corrupt),
			 HARNESS_TEST(test_mutations_never_crash),
			 HARNESS_TEST(test_forged_header_fields),
			 HARNESS_TEST(test_duplicate_names_rejected),
			 HARNESS_TEST(test_nonfinite_coefficient_rejected),
			 HARNESS_TEST(test_nonfinite_body_not_encoded),
			 HARNESS_TEST(test_nonpositive_scale_rejected))
