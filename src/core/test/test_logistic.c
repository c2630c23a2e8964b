/* test_logistic.c - logistic regression recovers known coefficients and fails cleanly. */
#include "harness.h"
#include "dataset.h"
#include "logistic.h"
#include "rng.h"

#include <math.h>

/* y ~ Bernoulli(sigmoid(-0.5 + 1.5 x1 - 2 x2)), x1 ~ N(0,1), x2 ~ N(1, 2^2) */
static void
simulate(cm_dataset *ds, size_t n, uint64_t seed)
{
	cm_rng		rng;
	double		x[2];

	cm_dataset_init(ds, 2, 0);
	cm_rng_seed(&rng, seed);
	for (size_t i = 0; i < n; i++)
	{
		double		eta;

		x[0] = cm_rng_normal(&rng);
		x[1] = 1.0 + 2.0 * cm_rng_normal(&rng);
		eta = -0.5 + 1.5 * x[0] - 2.0 * x[1];
		assert_int_equal(cm_dataset_add_row(ds, x, cm_rng_uniform(&rng) < 1 / (1 + exp(-eta))),
						 CM_OK);
	}
}

static void
test_recovers_known_coefficients(void **state)
{
	cm_dataset	ds;
	cm_logistic *m;
	cm_logistic_info info;
	cm_logistic_params params;
	double		raw1,
				raw2,
				raw0;

	(void) state;
	simulate(&ds, 200000, 1);
	cm_logistic_default_params(&params);
	params.l2 = 0;
	assert_int_equal(cm_logistic_fit(ds.x, ds.y, ds.n_rows, 2, NULL, &params, &m, &info), CM_OK);
	assert_true(info.converged);
	assert_true(info.iterations < 20);
	/* back to the raw scale: coef / scale, intercept - sum coef * mean / scale */
	raw1 = m->coef[0] / m->scale[0];
	raw2 = m->coef[1] / m->scale[1];
	raw0 = m->intercept - m->coef[0] * m->mean[0] / m->scale[0] - m->coef[1] * m->mean[1] / m->scale[1];
	assert_true(fabs(raw1 - 1.5) < 0.05);
	assert_true(fabs(raw2 + 2.0) < 0.05);
	assert_true(fabs(raw0 + 0.5) < 0.05);
	cm_logistic_free(m);
	cm_dataset_free(&ds);
}

static void
test_l2_shrinks(void **state)
{
	cm_dataset	ds;
	cm_logistic *loose,
			   *tight;
	cm_logistic_info info;
	cm_logistic_params params;

	(void) state;
	simulate(&ds, 2000, 2);
	cm_logistic_default_params(&params);
	params.l2 = 0.01;
	assert_int_equal(cm_logistic_fit(ds.x, ds.y, ds.n_rows, 2, NULL, &params, &loose, &info), CM_OK);
	params.l2 = 1000;
	assert_int_equal(cm_logistic_fit(ds.x, ds.y, ds.n_rows, 2, NULL, &params, &tight, &info), CM_OK);
	assert_true(fabs(tight->coef[0]) < fabs(loose->coef[0]));
	assert_true(fabs(tight->coef[1]) < fabs(loose->coef[1]));
	cm_logistic_free(loose);
	cm_logistic_free(tight);
	cm_dataset_free(&ds);
}

/* Fits n rows of one feature with the default parameters (the tests that need no fit info). */
static cm_status
fit_one_feature(const double *x, const double *y, size_t n, cm_logistic **m)
{
	cm_logistic_params params;
	cm_logistic_info info;

	cm_logistic_default_params(&params);
	return cm_logistic_fit(x, y, n, 1, NULL, &params, m, &info);
}

static void
test_missing_values_take_the_mean(void **state)
{
	double		x[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	double		y[8] = {0, 0, 0, 1, 0, 1, 1, 1};
	double		missing = NAN;
	double		at_mean;
	cm_logistic *m;

	(void) state;
	assert_int_equal(fit_one_feature(x, y, 8, &m), CM_OK);
	at_mean = m->mean[0];
	assert_true(fabs(cm_logistic_predict(m, &missing) - cm_logistic_predict(m, &at_mean)) < 1e-15);
	assert_true(cm_logistic_predict(m, &x[7]) > cm_logistic_predict(m, &x[0]));
	cm_logistic_free(m);
}

static void
test_skip_mask_excludes_rows(void **state)
{
	double		x[6] = {0, 1, 2, 3, 4, 5};
	double		y[6] = {0, 0, 1, 1, 1, 1};
	uint8_t		skip[6] = {0, 0, 1, 1, 0, 0};
	cm_logistic *m;
	cm_logistic_info info;
	cm_logistic_params params;

	(void) state;
	cm_logistic_default_params(&params);
	assert_int_equal(cm_logistic_fit(x, y, 6, 1, skip, &params, &m, &info), CM_OK);
	assert_int_equal(info.rows_used, 4);
	assert_true(fabs(m->mean[0] - 2.5) < 1e-12);	/* mean of 0, 1, 4, 5 */
	cm_logistic_free(m);
}

static void
test_one_class_is_an_error(void **state)
{
	double		x[3] = {1, 2, 3};
	double		y[3] = {1, 1, 1};
	cm_logistic *m;

	(void) state;
	assert_int_equal(fit_one_feature(x, y, 3, &m), CM_ERR_DATA);
	assert_null(m);
	assert_non_null(strstr(cm_last_error(), "one class"));
}

static void
test_bad_label_and_all_missing_feature(void **state)
{
	double		x[3] = {1, 2, 3};
	double		y[3] = {0, 2, 1};
	double		xm[3] = {NAN, NAN, NAN};
	double		y2[3] = {0, 1, 1};
	cm_logistic *m;

	(void) state;
	assert_int_equal(fit_one_feature(x, y, 3, &m), CM_ERR_DATA);
	assert_int_equal(fit_one_feature(xm, y2, 3, &m), CM_ERR_DATA);
	assert_non_null(strstr(cm_last_error(), "no non-missing"));
}

static void
test_interrupt_stops_the_fit(void **state)
{
	cm_dataset	ds;
	cm_logistic *m;
	cm_logistic_info info;
	cm_logistic_params params;

	(void) state;
	simulate(&ds, 300000, 3);
	cm_logistic_default_params(&params);
	harness_interrupt_after = 2;
	assert_int_equal(cm_logistic_fit(ds.x, ds.y, ds.n_rows, 2, NULL, &params, &m, &info),
					 CM_ERR_CANCELED);
	assert_null(m);
	cm_dataset_free(&ds);
}

static void
test_out_of_memory_is_clean(void **state)
{
	double		x[4] = {0, 1, 2, 3};
	double		y[4] = {0, 1, 0, 1};
	cm_logistic_params params;

	(void) state;
	cm_logistic_default_params(&params);
	/* fail each allocation in turn: every failure is reported, nothing leaks */
	for (long k = 0; k < 6; k++)
	{
		cm_logistic *m = NULL;
		cm_logistic_info info;
		cm_status	st;

		harness_fail_after = k;
		st = cm_logistic_fit(x, y, 4, 1, NULL, &params, &m, &info);
		harness_fail_after = -1;
		if (st == CM_OK)
			cm_logistic_free(m);
		else
			assert_int_equal(st, CM_ERR_NOMEM);
		assert_int_equal(harness_live_allocs, 0);
	}
}

static void
test_dataset_limit(void **state)
{
	cm_dataset	ds;
	double		x[2] = {1, 2};
	cm_status	st = CM_OK;

	(void) state;
	cm_dataset_init(&ds, 2, 64 * 1024);
	for (int i = 0; i < 100000 && st == CM_OK; i++)
		st = cm_dataset_add_row(&ds, x, 1);
	assert_int_equal(st, CM_ERR_LIMIT);
	assert_true(ds.n_rows * 3 * sizeof(double) <= 64 * 1024);
	cm_dataset_free(&ds);
}

/* Records the calls of the progress hook. */
typedef struct progress_calls
{
	int			calls;
	int			last_done;
	int			total;
	int			out_of_order;
} progress_calls;

static void
record_progress(void *arg, int done, int total)
{
	progress_calls *c = arg;

	c->out_of_order += done != c->last_done + 1;
	c->calls++;
	c->last_done = done;
	c->total = total;
}

static void
test_progress_after_each_iteration(void **state)
{
	cm_dataset	ds;
	cm_logistic *m;
	cm_logistic_info info;
	cm_logistic_params params;
	progress_calls calls = {0, 0, 0, 0};

	(void) state;
	simulate(&ds, 2000, 3);
	cm_logistic_default_params(&params);
	assert_null(params.progress);
	params.progress = record_progress;
	params.progress_arg = &calls;
	assert_int_equal(cm_logistic_fit(ds.x, ds.y, ds.n_rows, 2, NULL, &params, &m, &info), CM_OK);
	assert_true(info.converged);
	assert_true(calls.calls >= 2);
	assert_int_equal(calls.calls, info.iterations);
	assert_int_equal(calls.last_done, info.iterations);
	assert_int_equal(calls.total, params.max_iterations);
	assert_int_equal(calls.out_of_order, 0);
	cm_logistic_free(m);
	cm_dataset_free(&ds);
}

HARNESS_MAIN("logistic",
			 HARNESS_TEST(test_recovers_known_coefficients),
			 HARNESS_TEST(test_l2_shrinks),
			 HARNESS_TEST(test_missing_values_take_the_mean),
			 HARNESS_TEST(test_skip_mask_excludes_rows),
			 HARNESS_TEST(test_one_class_is_an_error),
			 HARNESS_TEST(test_bad_label_and_all_missing_feature),
			 HARNESS_TEST(test_interrupt_stops_the_fit),
			 HARNESS_TEST(test_out_of_memory_is_clean),
			 HARNESS_TEST(test_dataset_limit),
			 HARNESS_TEST(test_progress_after_each_iteration))
