/* test_binning.c - quantile cut points, ties, constant and missing columns, the byte matrix. */
#include "harness.h"
#include "binning.h"

#include <math.h>

static void
test_quantiles_of_distinct_values(void **state)
{
	double		x[1000];
	cm_bins		bins;

	(void) state;
	for (int i = 0; i < 1000; i++)
		x[i] = 1000 - i;		/* unsorted input */
	/* 5 bins = missing + 4 value bins = 3 cuts at the quartiles */
	assert_int_equal(cm_bins_fit(x, 1000, 1, 5, &bins), CM_OK);
	assert_int_equal(bins.n_cuts[0], 3);
	assert_true(bins.cuts[0] == 251 && bins.cuts[1] == 501 && bins.cuts[2] == 751);
	assert_int_equal(cm_bins_count(&bins, 0), 5);
	assert_int_equal(cm_bins_code(&bins, 0, NAN), 0);
	assert_int_equal(cm_bins_code(&bins, 0, -5), 1);
	assert_int_equal(cm_bins_code(&bins, 0, 251), 1);
	assert_int_equal(cm_bins_code(&bins, 0, 251.5), 2);
	assert_int_equal(cm_bins_code(&bins, 0, 751), 3);
	assert_int_equal(cm_bins_code(&bins, 0, 752), 4);
	assert_int_equal(cm_bins_code(&bins, 0, 1e9), 4);
	cm_bins_free(&bins);
}

/*
 * The branch-free search against a plain count of the cuts below v, for every number of cuts
 * from 0 to the most, at the cuts, between them and beyond both ends.
 */
static void
test_code_counts_the_cuts_below(void **state)
{
	double		x[300];
	cm_bins		bins;

	(void) state;
	for (int distinct = 1; distinct <= 300; distinct++)
	{
		for (int i = 0; i < distinct; i++)
			x[i] = 3.0 * i;
		assert_int_equal(cm_bins_fit(x, (size_t) distinct, 1, 256, &bins), CM_OK);
		for (double v = -4; v <= 3.0 * distinct + 1; v += 0.5)
		{
			int			below = 0;

			for (int c = 0; c < bins.n_cuts[0]; c++)
				below += bins.cuts[c] < v;
			assert_int_equal(cm_bins_code(&bins, 0, v), below + 1);
		}
		assert_int_equal(cm_bins_code(&bins, 0, -INFINITY), 1);
		assert_int_equal(cm_bins_code(&bins, 0, INFINITY), bins.n_cuts[0] + 1);
		cm_bins_free(&bins);
	}
}

static void
test_ties_get_one_bin_per_value(void **state)
{
	double		x[7] = {2, 1, 1, 3, 1, 2, 1};
	cm_bins		bins;

	(void) state;
	assert_int_equal(cm_bins_fit(x, 7, 1, 256, &bins), CM_OK);
	assert_int_equal(bins.n_cuts[0], 2);
	assert_true(bins.cuts[0] == 1 && bins.cuts[1] == 2);
	assert_int_equal(cm_bins_code(&bins, 0, 1), 1);
	assert_int_equal(cm_bins_code(&bins, 0, 2), 2);
	assert_int_equal(cm_bins_code(&bins, 0, 3), 3);
	cm_bins_free(&bins);
}

static void
test_heavy_ties_keep_cuts_distinct(void **state)
{
	double		x[1000];
	cm_bins		bins;

	(void) state;
	for (int i = 0; i < 1000; i++)
		x[i] = i < 900 ? 0 : i;
	assert_int_equal(cm_bins_fit(x, 1000, 1, 11, &bins), CM_OK);
	/* quantiles 1..9 all land on 0 except the last: cuts 0 and then one more */
	assert_int_equal(bins.n_cuts[0], 2);
	assert_true(bins.cuts[0] == 0 && bins.cuts[1] == 900);
	assert_int_equal(cm_bins_code(&bins, 0, 0), 1);
	assert_int_equal(cm_bins_code(&bins, 0, 950), 3);
	cm_bins_free(&bins);
}

static void
test_constant_and_missing_columns(void **state)
{
	/* column 0 constant, column 1 all missing, column 2 half missing */
	double		x[4 * 3] = {7, NAN, 1, 7, NAN, NAN, 7, NAN, 2, 7, NAN, NAN};
	cm_bins		bins;

	(void) state;
	assert_int_equal(cm_bins_fit(x, 4, 3, 256, &bins), CM_OK);
	assert_int_equal(bins.n_cuts[0], 0);
	assert_int_equal(cm_bins_code(&bins, 0, 7), 1);
	assert_int_equal(cm_bins_code(&bins, 0, 100), 1);
	assert_int_equal(bins.n_cuts[1], 0);
	assert_int_equal(cm_bins_code(&bins, 1, NAN), 0);
	assert_int_equal(bins.n_cuts[2], 1);
	assert_int_equal(cm_bins_code(&bins, 2, 1), 1);
	assert_int_equal(cm_bins_code(&bins, 2, 2), 2);
	assert_int_equal(cm_bins_code(&bins, 2, NAN), 0);
	cm_bins_free(&bins);
}

static void
test_bin_count_limits(void **state)
{
	double		x[300];
	cm_bins		bins;

	(void) state;
	for (int i = 0; i < 300; i++)
		x[i] = i;
	assert_int_equal(cm_bins_fit(x, 300, 1, 2, &bins), CM_ERR_INVALID);
	assert_int_equal(cm_bins_fit(x, 300, 1, 257, &bins), CM_ERR_INVALID);
	assert_int_equal(cm_bins_fit(x, 300, 1, 256, &bins), CM_OK);
	/* 255 value bins at most: codes stay within a byte */
	assert_int_equal(bins.n_cuts[0], 254);
	assert_int_equal(cm_bins_code(&bins, 0, 299), 255);
	cm_bins_free(&bins);
}

static void
test_binned_rows_and_limit(void **state)
{
	double		x[2] = {1, 2};
	double		row[2];
	cm_bins		bins;
	cm_binned	data;
	cm_status	st = CM_OK;

	(void) state;
	assert_int_equal(cm_bins_fit(x, 1, 2, 256, &bins), CM_OK);
	cm_binned_init(&data, 2, 64 * 1024);
	for (int i = 0; i < 100000 && st == CM_OK; i++)
	{
		row[0] = i % 2 ? NAN : 1;
		row[1] = 5;
		st = cm_binned_add_row(&data, &bins, row, i % 2);
	}
	assert_int_equal(st, CM_ERR_LIMIT);
	assert_true(data.n_rows >= 4096 && data.n_rows < 100000);
	assert_int_equal(data.codes[0], 1);
	assert_int_equal(data.codes[2], 0);
	assert_int_equal(data.codes[3], 1);
	assert_true(data.y[1] == 1.0f);
	cm_binned_free(&data);
	cm_bins_free(&bins);
}

HARNESS_MAIN("binning",
			 HARNESS_TEST(test_quantiles_of_distinct_values),
			 HARNESS_TEST(test_code_counts_the_cuts_below),
			 HARNESS_TEST(test_ties_get_one_bin_per_value),
			 HARNESS_TEST(test_heavy_ties_keep_cuts_distinct),
			 HARNESS_TEST(test_constant_and_missing_columns),
			 HARNESS_TEST(test_bin_count_limits),
			 HARNESS_TEST(test_binned_rows_and_limit))
