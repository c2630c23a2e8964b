/*
 * test_metrics.c - AUC with ties, log loss and Brier score, and the regression metrics, against
 * hand-computed values.
 */
#include "harness.h"
#include "metrics.h"

#include <math.h>

/* The binary metrics of rows that can be scored. */
static cm_binary_metrics
metrics_of(const double *p, const double *y, size_t n)
{
	cm_binary_metrics m;

	assert_int_equal(cm_binary_metrics_compute(p, y, n, &m), CM_OK);
	return m;
}

static void
test_perfect_and_inverted_ranking(void **state)
{
	double		p[4] = {0.1, 0.2, 0.8, 0.9};
	double		y[4] = {0, 0, 1, 1};
	double		yi[4] = {1, 1, 0, 0};
	cm_binary_metrics m = metrics_of(p, y, 4);

	(void) state;
	assert_true(m.auc == 1.0);
	assert_true(m.base_rate == 0.5);
	m = metrics_of(p, yi, 4);
	assert_true(m.auc == 0.0);
}

static void
test_ties_count_half(void **state)
{
	/* one positive and one negative tied at 0.5, plus a clean pair: (1 + 0.5 + 1 + 1) / 4 */
	double		p[4] = {0.5, 0.5, 0.2, 0.9};
	double		y[4] = {1, 0, 0, 1};
	cm_binary_metrics m = metrics_of(p, y, 4);

	(void) state;
	assert_true(fabs(m.auc - 0.875) < 1e-12);
}

static void
test_logloss_and_brier(void **state)
{
	double		p[2] = {0.8, 0.4};
	double		y[2] = {1, 0};
	cm_binary_metrics m = metrics_of(p, y, 2);

	(void) state;
	assert_true(fabs(m.logloss - (-(log(0.8) + log(0.6)) / 2)) < 1e-12);
	assert_true(fabs(m.brier - (0.04 + 0.16) / 2) < 1e-12);
}

static void
test_one_class_auc_is_nan(void **state)
{
	double		p[2] = {0.3, 0.7};
	double		y[2] = {1, 1};
	cm_binary_metrics m = metrics_of(p, y, 2);

	(void) state;
	assert_true(isnan(m.auc));
}

/* A NaN probability is an error (it would sort nowhere and never join its tie group). */
static void
test_nan_probability_is_an_error(void **state)
{
	double		p[3] = {0.3, NAN, 0.7};
	double		y[3] = {1, 0, 1};
	cm_binary_metrics m;

	(void) state;
	assert_int_equal(cm_binary_metrics_compute(p, y, 3, &m), CM_ERR_NONFINITE);
}

/* The sorted (radix) AUC equals counting every (positive, negative) pair, ties as one half. */
static void
test_auc_equals_pair_count(void **state)
{
	enum
	{
		N = 3000
	};
	double		p[N],
				y[N],
				wins = 0,
				pairs = 0;
	cm_binary_metrics m;
	uint64_t	x = 12345;

	(void) state;
	for (int i = 0; i < N; i++)
	{
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		p[i] = (double) ((x >> 33) % 101) / 100.0;	/* 101 values: many ties */
		y[i] = ((x >> 20) % 1000) < 300 + 5 * (x >> 33) % 101 ? 1 : 0;
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			if (y[i] == 1 && y[j] == 0)
			{
				pairs += 1;
				wins += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
			}
	m = metrics_of(p, y, N);
	assert_true(fabs(m.auc - wins / pairs) < 1e-12);
}

static void
test_extreme_probabilities_are_clipped(void **state)
{
	double		p[2] = {0.0, 1.0};
	double		y[2] = {1, 0};
	cm_binary_metrics m = metrics_of(p, y, 2);

	(void) state;
	assert_true(isfinite(m.logloss));
	/* -log(1e-15) = 34.5; 1 - 1e-15 is not exact in binary, hence the loose bound */
	assert_true(fabs(m.logloss + log(CM_LOGLOSS_EPS)) < 0.2);
}

static void
test_empty_is_an_error(void **state)
{
	cm_binary_metrics m;

	(void) state;
	assert_int_equal(cm_binary_metrics_compute(NULL, NULL, 0, &m), CM_ERR_DATA);
}

/* Every allocation (rows, order, the sort's keys and counts) failing is NOMEM, nothing leaked. */
static void
test_allocation_failure(void **state)
{
	double		p[300],
				y[300];
	cm_binary_metrics m;

	(void) state;
	for (int i = 0; i < 300; i++)
	{
		p[i] = (i * 37 % 101) / 100.0;
		y[i] = i % 3 == 0;
	}
	for (long k = 0; k < 4; k++)
	{
		harness_fail_after = k;
		assert_int_equal(cm_binary_metrics_compute(p, y, 300, &m), CM_ERR_NOMEM);
	}
	harness_fail_after = -1;
	assert_int_equal(cm_binary_metrics_compute(p, y, 300, &m), CM_OK);
}

/* Integer weights give the metrics of the rows repeated; all-zero weights are an error. */
static void
test_weights_equal_repeated_rows(void **state)
{
	double		p[5] = {0.5, 0.5, 0.2, 0.9, 0.7};
	double		y[5] = {1, 0, 0, 1, 0};
	double		w[5] = {2, 1, 3, 0, 1};
	double		rp[7] = {0.5, 0.5, 0.5, 0.2, 0.2, 0.2, 0.7};
	double		ry[7] = {1, 1, 0, 0, 0, 0, 0};
	double		zero[5] = {0};
	cm_binary_metrics mw,
				mr;

	(void) state;
	assert_int_equal(cm_binary_metrics_weighted(p, y, w, 5, &mw), CM_OK);
	mr = metrics_of(rp, ry, 7);
	assert_true(fabs(mw.auc - mr.auc) < 1e-12);
	assert_true(fabs(mw.logloss - mr.logloss) < 1e-12);
	assert_true(fabs(mw.brier - mr.brier) < 1e-12);
	assert_true(fabs(mw.base_rate - mr.base_rate) < 1e-12);
	assert_int_equal(cm_binary_metrics_weighted(p, y, zero, 5, &mw), CM_ERR_DATA);
}

/* p = 1, 2, 3 on y = 1, 3, 2: errors 0, 1, 1, label mean 2, label sum of squares 2. */
static void
test_regression_by_hand(void **state)
{
	double		p[3] = {1, 2, 3};
	double		y[3] = {1, 3, 2};
	cm_regression_metrics m;

	(void) state;
	assert_int_equal(cm_regression_metrics_weighted(p, y, NULL, 3, &m), CM_OK);
	assert_true(fabs(m.rmse - sqrt(2.0 / 3)) < 1e-15);
	assert_true(fabs(m.mae - 2.0 / 3) < 1e-15);
	assert_true(fabs(m.mean - 2) < 1e-15);
	assert_true(fabs(m.r2 - 0) < 1e-15);
	assert_int_equal(m.n, 3);
}

/* Integer weights give the regression metrics of the repeated rows. */
static void
test_regression_weights_equal_repeated_rows(void **state)
{
	double		p[4] = {1.5, 2, 0, 4};
	double		y[4] = {1, 3, 7, 2};
	double		w[4] = {2, 1, 0, 3};
	double		rp[6] = {1.5, 1.5, 2, 4, 4, 4};
	double		ry[6] = {1, 1, 3, 2, 2, 2};
	cm_regression_metrics mw,
				mr;

	(void) state;
	assert_int_equal(cm_regression_metrics_weighted(p, y, w, 4, &mw), CM_OK);
	assert_int_equal(cm_regression_metrics_weighted(rp, ry, NULL, 6, &mr), CM_OK);
	assert_true(fabs(mw.rmse - mr.rmse) < 1e-12);
	assert_true(fabs(mw.mae - mr.mae) < 1e-12);
	assert_true(fabs(mw.r2 - mr.r2) < 1e-12);
	assert_true(fabs(mw.mean - mr.mean) < 1e-12);
}

/* Constant labels explain nothing (R^2 is NaN); no rows or no weight is an error. */
static void
test_regression_edge_cases(void **state)
{
	double		p[2] = {1, 3};
	double		y[2] = {2, 2};
	double		zero[2] = {0, 0};
	cm_regression_metrics m;

	(void) state;
	assert_int_equal(cm_regression_metrics_weighted(p, y, NULL, 2, &m), CM_OK);
	assert_true(isnan(m.r2));
	assert_true(m.rmse == 1 && m.mae == 1 && m.mean == 2);
	assert_int_equal(cm_regression_metrics_weighted(p, y, zero, 2, &m), CM_ERR_DATA);
	assert_int_equal(cm_regression_metrics_weighted(NULL, NULL, NULL, 0, &m), CM_ERR_DATA);
}

HARNESS_MAIN("metrics",
			 HARNESS_TEST(test_perfect_and_inverted_ranking),
			 HARNESS_TEST(test_ties_count_half),
			 HARNESS_TEST(test_logloss_and_brier),
			 HARNESS_TEST(test_one_class_auc_is_nan),
			 HARNESS_TEST(test_extreme_probabilities_are_clipped),
			 HARNESS_TEST(test_nan_probability_is_an_error),
			 HARNESS_TEST(test_auc_equals_pair_count),
			 HARNESS_TEST(test_empty_is_an_error),
			 HARNESS_TEST(test_allocation_failure),
			 HARNESS_TEST(test_weights_equal_repeated_rows),
			 HARNESS_TEST(test_regression_by_hand),
			 HARNESS_TEST(test_regression_weights_equal_repeated_rows),
			 HARNESS_TEST(test_regression_edge_cases))
