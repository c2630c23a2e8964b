/* test_explain.c - logistic contributions add up to the log-odds; ranking; unsupported models. */
#include "harness.h"
#include "dataset.h"
#include "explain.h"
#include "logistic.h"
#include "rng.h"

#include <math.h>

/* A fitted 3-feature model wrapped in the container. */
static cm_model *
fit_model(void)
{
	static const char *const names[] = {"a", "b", "c"};
	static const uint8_t types[] = {0, 0, 1};
	cm_dataset	ds;
	cm_rng		rng;
	cm_logistic *m;
	cm_logistic_params params;
	cm_logistic_info info;
	cm_model   *model;
	double		x[3];

	cm_dataset_init(&ds, 3, 0);
	cm_rng_seed(&rng, 7);
	for (int i = 0; i < 2000; i++)
	{
		x[0] = cm_rng_normal(&rng);
		x[1] = 5.0 + 3.0 * cm_rng_normal(&rng);
		x[2] = cm_rng_uniform(&rng) < 0.3;
		assert_int_equal(cm_dataset_add_row(&ds, x,
											cm_rng_uniform(&rng) <
											1 / (1 + exp(-(x[0] - 0.3 * x[1] + x[2])))), CM_OK);
	}
	cm_logistic_default_params(&params);
	assert_int_equal(cm_logistic_fit(ds.x, ds.y, ds.n_rows, 3, NULL, &params, &m, &info), CM_OK);
	cm_dataset_free(&ds);
	assert_int_equal(cm_model_create(CM_ALGORITHM_LOGISTIC, 3, names, types, "", m, &model),
					 CM_OK);
	return model;
}

static double
sum_of(const double *c, int n, double base)
{
	for (int j = 0; j < n; j++)
		base += c[j];
	return base;
}

static void
test_logistic_additive(void **state)
{
	cm_model   *model = fit_model();
	const cm_logistic *m = model->body;
	cm_rng		rng;
	double		x[3],
				c[3],
				base;

	(void) state;
	cm_rng_seed(&rng, 11);
	for (int i = 0; i < 500; i++)
	{
		x[0] = 10 * cm_rng_normal(&rng);
		x[1] = 100 * cm_rng_normal(&rng);
		x[2] = cm_rng_uniform(&rng) < 0.5;
		if (i % 3 == 0)
			x[i % 2] = NAN;
		assert_int_equal(cm_explain(model, x, c, &base), CM_OK);
		assert_true(fabs(sum_of(c, 3, base) - cm_logistic_logit(m, x)) < 1e-9);
		assert_true(base == m->intercept);
		/* the sign follows the coefficient and the side of the mean */
		if (!isnan(x[1]))
			assert_true(c[1] * m->coef[1] * (x[1] - m->mean[1]) >= 0);
	}
	cm_model_free(model);
}

static void
test_logistic_missing_is_zero(void **state)
{
	cm_model   *model = fit_model();
	const cm_logistic *m = model->body;
	double		x[3] = {NAN, NAN, NAN},
				c[3],
				base;

	(void) state;
	assert_int_equal(cm_explain(model, x, c, &base), CM_OK);
	for (int j = 0; j < 3; j++)
		assert_true(c[j] == 0.0);
	/* at the training mean every contribution is 0 too */
	for (int j = 0; j < 3; j++)
		x[j] = m->mean[j];
	assert_int_equal(cm_explain(model, x, c, &base), CM_OK);
	for (int j = 0; j < 3; j++)
		assert_true(fabs(c[j]) < 1e-12);
	/* one unit of standardized value contributes exactly its coefficient */
	x[0] = m->mean[0] + m->scale[0];
	assert_int_equal(cm_explain(model, x, c, &base), CM_OK);
	assert_true(fabs(c[0] - m->coef[0]) < 1e-12);
	cm_model_free(model);
}

static void
test_rank_by_magnitude(void **state)
{
	const double c[6] = {0.5, -2.0, 0.0, 2.0, -0.75, 0.5};
	const uint32_t expected[6] = {1, 3, 4, 0, 5, 2};	/* ties keep model order */
	uint32_t	order[6];

	(void) state;
	cm_explain_rank(c, 6, order);
	for (int i = 0; i < 6; i++)
		assert_int_equal(order[i], expected[i]);
	cm_explain_rank(c, 0, order);	/* no features: nothing to do, no crash */
}

static void
test_gbt_unsupported(void **state)
{
	cm_model	model = {0};
	double		x[1] = {1},
				c[1],
				base;

	(void) state;
	model.algorithm = CM_ALGORITHM_GBT;
	model.n_features = 1;
	assert_false(cm_explain_supported(&model));
	assert_int_equal(cm_explain(&model, x, c, &base), CM_ERR_INVALID);
	assert_int_equal(harness_last_status, CM_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		HARNESS_TEST(test_logistic_additive),
		HARNESS_TEST(test_logistic_missing_is_zero),
		HARNESS_TEST(test_rank_by_magnitude),
		HARNESS_TEST(test_gbt_unsupported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
