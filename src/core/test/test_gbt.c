/* test_gbt.c - gradient-boosted trees: hand-computed splits, a known rule, determinism, codec. */
#include "harness.h"
#include "binning.h"
#include "buffer.h"
#include "forest.h"
#include "categories.h"
#include "gbt.h"
#include "model.h"
#include "rng.h"

#include <float.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

/* Bins from the rows themselves, then the binned matrix. */
static void
bin_rows(const double *x, const double *y, size_t n, uint32_t nf, int max_bins,
		 cm_bins *bins, cm_binned *data)
{
	assert_int_equal(cm_bins_fit(x, n, nf, max_bins, bins), CM_OK);
	cm_binned_init(data, nf, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(cm_binned_add_row(data, bins, x + i * nf, y[i]), CM_OK);
}

static void
free_rows(cm_bins *bins, cm_binned *data)
{
	cm_bins_free(bins);
	cm_binned_free(data);
}

/* Bins the rows and fits p to them (the bins go again): the model, with the fit's info. */
static cm_gbt *
fit_rows(const double *x, const double *y, size_t n, uint32_t nf, int max_bins,
		 const cm_gbt_params *p, cm_gbt_info *info)
{
	cm_bins		bins;
	cm_binned	data;
	cm_gbt	   *m;

	bin_rows(x, y, n, nf, max_bins, &bins, &data);
	assert_int_equal(cm_gbt_fit(&data, &bins, NULL, p, &m, info, NULL), CM_OK);
	free_rows(&bins, &data);
	return m;
}

static cm_gbt_params
stump_params(void)
{
	cm_gbt_params p;

	cm_gbt_default_params(&p);
	p.objective = CM_GBT_REGRESSION;
	p.trees = 1;
	p.depth = 1;
	p.learning_rate = 1;
	p.min_child_weight = 0;
	return p;
}

/* A stump without L2 (lambda 0) fitted to four rows of one feature. */
static cm_gbt *
fit_stump(const double *x, const double *y)
{
	cm_gbt_params p = stump_params();
	cm_gbt_info info;

	p.lambda = 0;
	return fit_rows(x, y, 4, 1, 256, &p, &info);
}

/*
 * y = 0, 0, 10, 10 on x = 1..4: base 5, gradients 5, 5, -5, -5, hessians 1.  The cut at 2
 * gives G_L = 10, H_L = 2, G_R = -10, H_R = 2, G = 0: gain = (100/(2+l) + 100/(2+l)) / 2.
 */
static void
test_split_gain_by_hand(void **state)
{
	double		x[4] = {1, 2, 3, 4},
				y[4] = {0, 0, 10, 10};
	double		gain,
				cover,
				splits;
	cm_gbt_params p = stump_params();
	cm_gbt_info info;
	cm_gbt	   *m = fit_stump(x, y);

	(void) state;
	assert_true(m->base_score == 5);
	assert_int_equal(m->n_nodes, 3);
	assert_true(m->nodes[0].threshold == 2);
	cm_gbt_importance(m, &gain, &cover, &splits);
	assert_true(fabs(gain - 50) < 1e-9 && cover == 4 && splits == 1);
	for (int i = 0; i < 4; i++)
		assert_true(fabs(cm_gbt_predict(m, &x[i]) - y[i]) < 1e-9);
	/* a regression model's output is its margin */
	assert_true(cm_gbt_output(CM_GBT_REGRESSION, -7.25) == -7.25);
	assert_true(cm_gbt_output(CM_GBT_BINARY, 0) == 0.5);
	cm_gbt_free(m);
	/* with lambda 1 the gain is 100/3 and leaves shrink to -10/3 and 10/3 */
	p.lambda = 1;
	m = fit_rows(x, y, 4, 1, 256, &p, &info);
	cm_gbt_importance(m, &gain, &cover, &splits);
	assert_true(fabs(gain - 100.0 / 3) < 1e-9);
	assert_true(fabs(cm_gbt_predict(m, &x[0]) - (5 - 10.0 / 3)) < 1e-9);
	cm_gbt_free(m);
	/* gamma above the gain leaves a single leaf */
	p.gamma = 40;
	m = fit_rows(x, y, 4, 1, 256, &p, &info);
	assert_int_equal(m->n_nodes, 1);
	cm_gbt_free(m);
}

/* Missing values form their own bin and the split learns where they go. */
static void
test_missing_values_learn_a_direction(void **state)
{
	double		x[4] = {1, 2, NAN, NAN},
				y[4] = {0, 0, 10, 10};
	double		probe;
	cm_gbt	   *m = fit_stump(x, y);

	(void) state;
	assert_int_equal(m->nodes[0].default_left, 0);
	assert_true(m->nodes[0].threshold == DBL_MAX);
	probe = NAN;
	assert_true(fabs(cm_gbt_predict(m, &probe) - 10) < 1e-9);
	probe = 1e6;				/* unseen large value: with the known values */
	assert_true(fabs(cm_gbt_predict(m, &probe)) < 1e-9);
	cm_gbt_free(m);
}

/* y = 1 exactly when x0 > 0.5 and x1 > 0.5; x2 is noise. */
static void
simulate_rule(size_t n, uint64_t seed, double **x, double **y)
{
	cm_rng		rng;

	cm_rng_seed(&rng, seed);
	assert_int_equal(cm_alloc_array(n * 3, sizeof(double), (void **) x), CM_OK);
	assert_int_equal(cm_alloc_array(n, sizeof(double), (void **) y), CM_OK);
	for (size_t i = 0; i < n; i++)
	{
		double	   *row = *x + i * 3;

		row[0] = cm_rng_uniform(&rng);
		row[1] = cm_rng_uniform(&rng);
		row[2] = cm_rng_uniform(&rng);
		(*y)[i] = row[0] > 0.5 && row[1] > 0.5;
	}
}

static void
test_learns_a_known_rule(void **state)
{
	double	   *x,
			   *y,
				gain[3],
				cover[3],
				splits[3];
	cm_gbt_params p;
	cm_gbt_info info;
	cm_gbt	   *m;
	int			right = 0;

	(void) state;
	simulate_rule(5000, 3, &x, &y);
	cm_gbt_default_params(&p);
	p.trees = 30;
	p.depth = 2;
	p.learning_rate = 0.5;
	m = fit_rows(x, y, 5000, 3, 64, &p, &info);
	assert_int_equal(info.trees_kept, 30);
	for (int a = 0; a < 20; a++)
		for (int b = 0; b < 20; b++)
		{
			double		probe[3] = {(a + 0.5) / 20, (b + 0.5) / 20, 0.3};
			double		prob = cm_gbt_predict(m, probe);

			/* a binary model's output is the sigmoid of its margin */
			assert_true(prob == cm_gbt_output(CM_GBT_BINARY, cm_gbt_margin(m, probe)));
			assert_true(fabs(prob - 1 / (1 + exp(-cm_gbt_margin(m, probe)))) < 1e-15);
			right += (prob > 0.5) == (probe[0] > 0.5 && probe[1] > 0.5);
		}
	assert_true(right >= 396);
	cm_gbt_importance(m, gain, cover, splits);
	assert_true(gain[2] < 0.01 * (gain[0] + gain[1]));
	assert_true(splits[0] > 0 && splits[1] > 0);
	cm_gbt_free(m);
	cm_free(x);
	cm_free(y);
}

static void
encode_body(const cm_gbt *m, cm_writer *w)
{
	cm_writer_init(w);
	cm_gbt_ops.encode(m, m->n_features, w);
	assert_int_equal(w->status, CM_OK);
}

static cm_gbt *
fit_rule(uint64_t seed, double subsample, double colsample, double **x, double **y)
{
	cm_gbt_params p;
	cm_gbt_info info;

	simulate_rule(2000, 5, x, y);
	cm_gbt_default_params(&p);
	p.trees = 10;
	p.seed = seed;
	p.subsample = subsample;
	p.colsample = colsample;
	return fit_rows(*x, *y, 2000, 3, 256, &p, &info);
}

static void
test_seed_determines_the_model(void **state)
{
	double	   *x,
			   *y;
	cm_gbt	   *a = fit_rule(1, 0.5, 0.7, &x, &y);
	cm_gbt	   *b;
	cm_gbt	   *c;
	cm_writer	wa,
				wb,
				wc;

	(void) state;
	cm_free(x);
	cm_free(y);
	b = fit_rule(1, 0.5, 0.7, &x, &y);
	cm_free(x);
	cm_free(y);
	c = fit_rule(2, 0.5, 0.7, &x, &y);
	cm_free(x);
	cm_free(y);
	encode_body(a, &wa);
	encode_body(b, &wb);
	encode_body(c, &wc);
	assert_true(wa.len == wb.len && memcmp(wa.data, wb.data, wa.len) == 0);
	assert_false(wa.len == wc.len && memcmp(wa.data, wc.data, wa.len) == 0);
	cm_writer_free(&wa);
	cm_writer_free(&wb);
	cm_writer_free(&wc);
	cm_gbt_free(a);
	cm_gbt_free(b);
	cm_gbt_free(c);
}

/*
 * Threads split every node's rows (histograms, partitions, gradients, leaves, margins, the
 * holdout loss); integer histogram sums and per-leaf sums make the bytes the same for any
 * count.  Enough rows that nodes are shared out (PARALLEL_MIN_ROWS is 16384).
 */
static void
test_thread_count_does_not_change_the_model(void **state)
{
	enum
	{
		N = 60000
	};
	double	   *x,
			   *y,
			   *margin,
			   *first_margin;
	uint8_t    *holdout;
	cm_bins		bins;
	cm_binned	data;
	cm_gbt_params p;
	cm_gbt_info info;
	cm_writer	first;
	int			first_kept = 0;

	(void) state;
	simulate_rule(N, 8, &x, &y);
	bin_rows(x, y, N, 3, 256, &bins, &data);
	assert_int_equal(cm_alloc_array(N, 1, (void **) &holdout), CM_OK);
	assert_int_equal(cm_alloc_array(N, sizeof(double), (void **) &margin), CM_OK);
	assert_int_equal(cm_alloc_array(N, sizeof(double), (void **) &first_margin), CM_OK);
	for (int i = 0; i < N; i++)
		holdout[i] = i % 5 == 0;
	cm_gbt_default_params(&p);
	p.trees = 12;
	p.depth = 4;
	p.subsample = 0.9;
	p.learning_rate = 0.5;
	p.early_stopping_rounds = 2;
	for (int threads = 1; threads <= 5; threads++)
	{
		cm_gbt	   *m;
		cm_writer	w;

		p.threads = threads;
		assert_int_equal(cm_gbt_fit(&data, &bins, holdout, &p, &m, &info, margin), CM_OK);
		encode_body(m, &w);
		if (threads == 1)
		{
			first = w;
			first_kept = info.trees_kept;
			memcpy(first_margin, margin, N * sizeof(double));
		}
		else
		{
			assert_true(w.len == first.len && memcmp(w.data, first.data, w.len) == 0);
			assert_int_equal(info.trees_kept, first_kept);
			assert_memory_equal(margin, first_margin, N * sizeof(double));
			cm_writer_free(&w);
		}
		cm_gbt_free(m);
	}
	cm_free(holdout);
	cm_free(margin);
	cm_free(first_margin);
	p.threads = CM_GBT_MAX_THREADS + 1;
	assert_int_equal(cm_gbt_check_params(&p), CM_ERR_INVALID);
	cm_writer_free(&first);
	free_rows(&bins, &data);
	cm_free(x);
	cm_free(y);
}

static void
test_early_stopping_keeps_the_best(void **state)
{
	double	   *x,
			   *y,
			   *margin;
	uint8_t		holdout[3000];
	cm_bins		bins;
	cm_binned	data;
	cm_gbt_params p;
	cm_gbt_info info;
	cm_gbt	   *m;
	cm_rng		rng;

	(void) state;
	simulate_rule(3000, 9, &x, &y);
	cm_rng_seed(&rng, 4);
	for (int i = 0; i < 3000; i++)
	{
		y[i] = cm_rng_uniform(&rng) < 0.3;	/* pure noise: overfitting starts at once */
		holdout[i] = i % 4 == 0;
	}
	bin_rows(x, y, 3000, 3, 256, &bins, &data);
	cm_gbt_default_params(&p);
	p.trees = 200;
	p.depth = 8;
	p.learning_rate = 0.5;
	p.min_child_weight = 0;
	p.early_stopping_rounds = 5;
	assert_int_equal(cm_alloc_array(3000, sizeof(double), (void **) &margin), CM_OK);
	assert_int_equal(cm_gbt_fit(&data, &bins, holdout, &p, &m, &info, margin), CM_OK);
	assert_true(info.trees_built < 200);
	assert_int_equal(info.trees_kept, info.trees_built - 5);
	assert_int_equal(info.rows_train, 2250);
	assert_int_equal((int) m->n_trees, info.trees_kept);
	/* the margins returned are those of the kept model */
	assert_true(fabs(margin[7] - cm_gbt_margin(m, x + 7 * 3)) < 1e-9);
	cm_gbt_free(m);
	cm_free(margin);
	free_rows(&bins, &data);
	cm_free(x);
	cm_free(y);
}

/* The status of a fit that must fail; it must leave no model. */
static cm_status
failed_fit(const cm_binned *data, const cm_bins *bins, const uint8_t *holdout,
		   const cm_gbt_params *p)
{
	cm_gbt_info info;
	cm_gbt	   *m;
	cm_status	st = cm_gbt_fit(data, bins, holdout, p, &m, &info, NULL);

	assert_int_not_equal(st, CM_OK);
	assert_null(m);
	return st;
}

static void
test_bad_params_and_labels(void **state)
{
	double		x[4] = {1, 2, 3, 4},
				y[4] = {0, 0, 0, 0},
				y2[4] = {0, 1, 2, 1};
	uint8_t		all_holdout[4] = {1, 1, 1, 1};
	cm_bins		bins;
	cm_binned	data;
	cm_gbt_params p;

	(void) state;
	cm_gbt_default_params(&p);
	p.depth = CM_GBT_MAX_DEPTH + 1;
	assert_int_equal(cm_gbt_check_params(&p), CM_ERR_INVALID);
	cm_gbt_default_params(&p);
	p.trees = 0;
	assert_int_equal(cm_gbt_check_params(&p), CM_ERR_INVALID);
	cm_gbt_default_params(&p);
	p.subsample = 0;
	assert_int_equal(cm_gbt_check_params(&p), CM_ERR_INVALID);
	cm_gbt_default_params(&p);
	bin_rows(x, y, 4, 1, 256, &bins, &data);
	assert_int_equal(failed_fit(&data, &bins, NULL, &p), CM_ERR_DATA);
	assert_int_equal(failed_fit(&data, &bins, all_holdout, &p), CM_ERR_DATA);
	free_rows(&bins, &data);
	bin_rows(x, y2, 4, 1, 256, &bins, &data);
	assert_int_equal(failed_fit(&data, &bins, NULL, &p), CM_ERR_DATA);
	free_rows(&bins, &data);
	/* regression gradients beyond float range (huge labels times huge weights): refused */
	{
		double		big[4] = {-3e38, -3e38, 3e38, 3e38};

		p.objective = CM_GBT_REGRESSION;
		assert_int_equal(cm_bins_fit(x, 4, 1, 256, &bins), CM_OK);
		cm_binned_init(&data, 1, 0);
		assert_int_equal(cm_binned_use_weights(&data), CM_OK);
		for (int i = 0; i < 4; i++)
		{
			assert_int_equal(cm_binned_add_row(&data, &bins, &x[i], big[i]), CM_OK);
			data.w[i] = 1e10f;
		}
		assert_int_equal(failed_fit(&data, &bins, NULL, &p), CM_ERR_NONFINITE);
		free_rows(&bins, &data);
	}
}

static void
test_interrupt_and_allocation_failure(void **state)
{
	double	   *x,
			   *y;
	cm_bins		bins;
	cm_binned	data;
	cm_gbt_params p;

	(void) state;
	simulate_rule(1000, 1, &x, &y);
	bin_rows(x, y, 1000, 3, 256, &bins, &data);
	cm_gbt_default_params(&p);
	harness_interrupt_after = 20;
	assert_int_equal(failed_fit(&data, &bins, NULL, &p), CM_ERR_CANCELED);
	harness_interrupt_after = -1;
	for (long k = 0; k < 14; k++)
	{
		harness_fail_after = k;
		assert_int_equal(failed_fit(&data, &bins, NULL, &p), CM_ERR_NOMEM);
	}
	harness_fail_after = -1;
	free_rows(&bins, &data);
	cm_free(x);
	cm_free(y);
}

/*
 * The model is bounded as it grows: 100,000 trees of depth 16 on 1000 rows stop at the
 * node that would pass max_model_bytes (64 kB: 1365 nodes), long before the last tree; at
 * the default bound (0) the same fit with 5 trees succeeds.
 */
static void
test_model_bytes_bounded_as_it_grows(void **state)
{
	double	   *x,
			   *y;
	cm_bins		bins;
	cm_binned	data;
	cm_gbt_params p;
	cm_gbt_info info;
	cm_gbt	   *m;

	(void) state;
	simulate_rule(1000, 1, &x, &y);
	bin_rows(x, y, 1000, 3, 256, &bins, &data);
	cm_gbt_default_params(&p);
	assert_int_equal(p.max_model_bytes, 0);
	p.trees = CM_GBT_MAX_TREES;
	p.depth = CM_GBT_MAX_DEPTH;
	p.min_child_weight = 0;
	p.max_model_bytes = 64 * 1024;
	assert_int_equal(cm_gbt_fit(&data, &bins, NULL, &p, &m, &info, NULL), CM_ERR_LIMIT);
	assert_null(m);
	assert_non_null(strstr(harness_last_message, "the trees would take over 64 kB (1366 nodes in "));
	assert_non_null(strstr(harness_last_message, "use fewer or shallower trees"));
	p.trees = 5;
	p.max_model_bytes = 0;
	assert_int_equal(cm_gbt_fit(&data, &bins, NULL, &p, &m, &info, NULL), CM_OK);
	assert_int_equal(m->max_bytes, CM_GBT_DEFAULT_MODEL_BYTES);
	assert_int_equal(m->n_trees, 5);
	cm_gbt_free(m);
	free_rows(&bins, &data);
	cm_free(x);
	cm_free(y);
}

static cm_model *
rule_model(double **x, double **y)
{
	const char *names[3] = {"a", "b", "noise"};
	uint8_t		types[3] = {0, 0, 0};
	cm_model   *model;

	assert_int_equal(cm_model_create(CM_ALGORITHM_GBT, 3, names, types, "{}",
									 fit_rule(1, 0.8, 1, x, y), &model), CM_OK);
	return model;
}

static void
test_codec_round_trip_and_truncation(void **state)
{
	double	   *x,
			   *y;
	cm_model   *model = rule_model(&x, &y);
	cm_model   *back;
	cm_writer	w;

	(void) state;
	cm_writer_init(&w);
	cm_model_encode(model, &w);
	assert_int_equal(w.status, CM_OK);
	assert_int_equal(cm_model_decode(w.data, w.len, &back), CM_OK);
	for (int i = 0; i < 2000; i++)
		assert_true(cm_model_predict(back, x + i * 3) == cm_model_predict(model, x + i * 3));
	cm_model_free(back);
	for (size_t len = 0; len < w.len; len++)
	{
		assert_int_equal(cm_model_decode(w.data, len, &back), CM_ERR_CORRUPT);
		assert_null(back);
	}
	cm_writer_free(&w);
	cm_model_free(model);
	cm_free(x);
	cm_free(y);
}

/* Every single-byte change either decodes into a model that scores, or is refused. */
static void
test_mutations_never_crash(void **state)
{
	double	   *x,
			   *y;
	cm_model   *model = rule_model(&x, &y);
	cm_writer	w;
	double		probe[3] = {NAN, 0.7, 0.2};

	(void) state;
	cm_writer_init(&w);
	cm_model_encode(model, &w);
	for (size_t i = 0; i < w.len; i++)
		for (int bit = 0; bit < 8; bit += 3)
		{
			cm_model   *back;
			cm_status	st;

			w.data[i] ^= (uint8_t) (1 << bit);
			st = cm_model_decode(w.data, w.len, &back);
			assert_true(st == CM_OK || st == CM_ERR_CORRUPT);
			if (st == CM_OK)
			{
				assert_true(isfinite(cm_model_predict(back, probe)));
				cm_model_free(back);
			}
			w.data[i] ^= (uint8_t) (1 << bit);
		}
	cm_writer_free(&w);
	cm_model_free(model);
	cm_free(x);
	cm_free(y);
}

/* A body of one tree: a split on `feature` with children `left`, `right`, then two leaves. */
static cm_status
decode_forged(uint32_t feature, uint32_t left, uint32_t right, double threshold)
{
	cm_writer	w;
	cm_reader	r;
	void	   *body = NULL;
	cm_status	st;

	cm_writer_init(&w);
	cm_put_u8(&w, CM_GBT_BINARY);
	cm_put_f64(&w, 0.0);
	cm_put_u32(&w, 1);
	cm_put_u32(&w, 3);
	cm_put_u8(&w, 1);
	cm_put_u32(&w, feature);
	cm_put_u8(&w, 0);
	cm_put_f64(&w, threshold);
	cm_put_u32(&w, left);
	cm_put_u32(&w, right);
	cm_put_f64(&w, 2.0);		/* cover */
	for (int i = 0; i < 2; i++)
	{
		cm_put_u8(&w, 0);
		cm_put_f64(&w, i ? 1.0 : -1.0);
		cm_put_f64(&w, 1.0);
	}
	cm_reader_init(&r, w.data, w.len);
	st = cm_gbt_ops.decode(&r, 2, &body);
	if (st == CM_OK)
	{
		st = cm_reader_finish(&r);
		cm_gbt_ops.free(body);
	}
	cm_writer_free(&w);
	return st;
}

static void
put_split(cm_writer *w, uint32_t left, uint32_t right)
{
	cm_put_u8(w, 1);
	cm_put_u32(w, 0);
	cm_put_u8(w, 1);
	cm_put_f64(w, 0.5);
	cm_put_u32(w, left);
	cm_put_u32(w, right);
	cm_put_f64(w, 2.0);			/* cover */
}

/*
 * Children after their parent and inside the tree, yet nodes 1 and 2 share children 3 and 4:
 * a DAG, which laid out as a tree would need more nodes than it has.  Refused, not expanded.
 */
static void
test_shared_children_are_refused(void **state)
{
	cm_writer	w;
	cm_reader	r;
	void	   *body = NULL;

	(void) state;
	cm_writer_init(&w);
	cm_put_u8(&w, CM_GBT_BINARY);
	cm_put_f64(&w, 0.0);
	cm_put_u32(&w, 1);
	cm_put_u32(&w, 5);
	put_split(&w, 1, 2);
	put_split(&w, 3, 4);
	put_split(&w, 3, 4);
	for (int i = 0; i < 2; i++)
	{
		cm_put_u8(&w, 0);
		cm_put_f64(&w, i ? 1.0 : -1.0);
		cm_put_f64(&w, 1.0);
	}
	cm_reader_init(&r, w.data, w.len);
	assert_int_equal(cm_gbt_ops.decode(&r, 2, &body), CM_ERR_CORRUPT);
	assert_non_null(strstr(cm_last_error(), "two parents"));
	assert_null(body);
	cm_writer_free(&w);
}

/* The model through its codec: the decoded copy scores from its prediction layouts. */
static cm_model *
decoded(const cm_model *model)
{
	cm_writer	w;
	cm_model   *back;

	cm_writer_init(&w);
	cm_model_encode(model, &w);
	assert_int_equal(cm_model_decode(w.data, w.len, &back), CM_OK);
	cm_writer_free(&w);
	return back;
}

/* Bit-identical scores on 2000 rows of x (3 features), every other row with an odd value. */
static void
assert_same_scores(const cm_model *a, const cm_model *b, const double *x)
{
	const double odd[] = {NAN, INFINITY, -INFINITY, 0.5, -0.0};
	double		probe[3];

	for (int i = 0; i < 2000; i++)
	{
		memcpy(probe, x + i * 3, sizeof(probe));
		if (i % 2 == 0)
			probe[i % 3] = odd[i % 5];
		assert_true(cm_model_predict(a, probe) == cm_model_predict(b, probe));
	}
}

/* The decoded model walks its 16-byte layout; it must agree with the tree walk, NaN included. */
static void
test_prediction_layout_matches_the_trees(void **state)
{
	double	   *x,
			   *y;
	cm_model   *model = rule_model(&x, &y);
	cm_model   *back = decoded(model);

	(void) state;
	assert_non_null(((cm_gbt *) back->body)->flat);
	assert_null(((cm_gbt *) model->body)->flat);
	assert_same_scores(back, model, x);
	cm_model_free(back);
	cm_model_free(model);
	cm_free(x);
	cm_free(y);
}

/*
 * A regression ensemble of the given depth on a smooth target, so trees grow to full depth in
 * places and stop early elsewhere; two groups of interleaved trees and a remainder, so scoring
 * covers both loops of cm_forest_sum.
 */
static cm_model *
deep_model(int depth, double **x, double **y)
{
	const char *names[3] = {"a", "b", "noise"};
	uint8_t		types[3] = {0, 0, 0};
	cm_gbt_params p;
	cm_gbt_info info;
	cm_gbt	   *m;
	cm_model   *model;

	simulate_rule(2000, 11, x, y);
	for (size_t i = 0; i < 2000; i++)
		(*y)[i] = (*x)[i * 3] * (*x)[i * 3 + 1] + 0.1 * (*x)[i * 3 + 2];
	cm_gbt_default_params(&p);
	p.objective = CM_GBT_REGRESSION;
	p.trees = 2 * CM_FOREST_INTERLEAVE + 5;
	p.depth = depth;
	p.min_child_weight = 20;
	m = fit_rows(*x, *y, 2000, 3, 256, &p, &info);
	assert_int_equal(cm_model_create(CM_ALGORITHM_GBT, 3, names, types, "{}", m, &model), CM_OK);
	return model;
}

/* The branch-free layout (depth <= 8) and the pointer layout (deeper) score bit-identically. */
static void
test_scoring_layouts_match_the_trees(void **state)
{
	const int	depths[] = {1, 6, CM_FOREST_MAX_DEPTH, CM_FOREST_MAX_DEPTH + 2};

	(void) state;
	for (size_t d = 0; d < sizeof(depths) / sizeof(depths[0]); d++)
	{
		double	   *x,
				   *y;
		cm_model   *model = deep_model(depths[d], &x, &y);
		cm_model   *back = decoded(model);

		if (depths[d] <= CM_FOREST_MAX_DEPTH)
			assert_non_null(((cm_gbt *) back->body)->forest);
		else
			assert_null(((cm_gbt *) back->body)->forest);
		assert_same_scores(back, model, x);
		cm_model_free(back);
		cm_model_free(model);
		cm_free(x);
		cm_free(y);
	}
}

static void
test_forged_trees_are_refused(void **state)
{
	(void) state;
	assert_int_equal(decode_forged(1, 1, 2, 0.5), CM_OK);
	assert_int_equal(decode_forged(2, 1, 2, 0.5), CM_ERR_CORRUPT);	/* feature out of range */
	assert_int_equal(decode_forged(0, 0, 2, 0.5), CM_ERR_CORRUPT);	/* a cycle to itself */
	assert_int_equal(decode_forged(0, 1, 3, 0.5), CM_ERR_CORRUPT);	/* child outside the tree */
	assert_int_equal(decode_forged(0, 1, 2, NAN), CM_ERR_CORRUPT);
	assert_int_equal(decode_forged(0, 1, 2, INFINITY), CM_ERR_CORRUPT);
}

/* ---- categorical features and row weights ----------------------------------------------- */

#define N_CAT_ROWS 600

static const char *const cat_names[6] = {"dem", "rep", "ind", "grn", "lib", "npa"};

/* Rows of one categorical feature (names in first-seen order) and a noise feature. */
static void
categorical_rows(cm_categories *cats, cm_bins *bins, cm_binned *data, double *noise_out)
{
	double		x[N_CAT_ROWS * 2];
	double		y[N_CAT_ROWS];

	cm_categories_init(cats);
	for (int i = 0; i < N_CAT_ROWS; i++)
	{
		uint32_t	index;
		int			c = i % 6;

		assert_int_equal(cm_categories_add(cats, cat_names[c], strlen(cat_names[c]), &index),
						 CM_OK);
		assert_int_equal(index, c);
		/* every tenth row misses its category; the rule: dem, ind or lib turn out */
		x[i * 2] = i % 10 == 9 ? NAN : index + 1.0;
		x[i * 2 + 1] = (i * 37 % 101) / 101.0;
		y[i] = (c == 0 || c == 2 || c == 4) ? 1 : 0;
		if (noise_out)
			noise_out[i] = x[i * 2 + 1];
	}
	assert_int_equal(cm_bins_fit(x, N_CAT_ROWS, 2, 256, bins), CM_OK);
	cm_bins_set_identity(bins, 0);
	cm_binned_init(data, 2, 0);
	for (int i = 0; i < N_CAT_ROWS; i++)
		assert_int_equal(cm_binned_add_row(data, bins, x + i * 2, y[i]), CM_OK);
}

/* The model's value of a category name (NaN when unseen), as predict computes it. */
static double
category_x(const cm_categories *cats, const char *name)
{
	int			k = cm_categories_find(cats, name, strlen(name));

	return k < 0 ? NAN : k;
}

/*
 * The set {dem, ind, lib} is not contiguous in first-seen order; ordered by mean label it
 * is, so one split learns it exactly; an unseen category follows the missing direction.
 */
static void
test_categorical_rule_learned_exactly(void **state)
{
	cm_categories cats;
	cm_bins		bins;
	cm_binned	data;
	uint32_t	order[CM_CATEGORIES_MAX],
				kept;
	cm_gbt_params p = stump_params();
	cm_gbt_info info;
	cm_gbt	   *m;

	(void) state;
	categorical_rows(&cats, &bins, &data, NULL);
	assert_int_equal(cm_binned_order_categories(&data, &bins, 0, cats.n, NULL, order, &kept),
					 CM_OK);
	assert_int_equal(kept, 6);
	/* lowest mean first, ties by first appearance */
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 3);
	assert_int_equal(order[2], 5);
	assert_int_equal(order[3], 0);
	assert_int_equal(cm_categories_reorder(&cats, order, kept), CM_OK);
	assert_string_equal(cats.values[0], "rep");
	assert_string_equal(cats.values[5], "lib");
	p.lambda = 0;
	assert_int_equal(cm_gbt_fit(&data, &bins, NULL, &p, &m, &info, NULL), CM_OK);
	assert_int_equal(m->nodes[0].feature, 0);
	for (int c = 0; c < 6; c++)
	{
		double		x[2] = {category_x(&cats, cat_names[c]), 0.5};
		double		want = (c == 0 || c == 2 || c == 4) ? 1 : 0;

		assert_true(fabs(cm_gbt_predict(m, x) - want) < 1e-9);
	}
	{
		double		unseen[2] = {category_x(&cats, "whig"), 0.5},
					missing[2] = {NAN, 0.5};

		assert_true(isnan(unseen[0]));
		assert_true(cm_gbt_predict(m, unseen) == cm_gbt_predict(m, missing));
	}
	cm_gbt_free(m);
	cm_categories_free(&cats);
	free_rows(&bins, &data);
}

/* Binary objective, model container round trip with the category list. */
static void
test_categorical_model_round_trip(void **state)
{
	cm_categories cats;
	cm_bins		bins;
	cm_binned	data;
	uint32_t	order[CM_CATEGORIES_MAX],
				kept;
	cm_gbt_params p;
	cm_gbt_info info;
	cm_gbt	   *fit;
	cm_model   *model,
			   *back;
	cm_writer	w;
	const char *names[2] = {"party", "noise"};
	uint8_t		types[2] = {CM_FEATURE_CATEGORICAL, CM_FEATURE_NUMERIC};

	(void) state;
	categorical_rows(&cats, &bins, &data, NULL);
	assert_int_equal(cm_binned_order_categories(&data, &bins, 0, cats.n, NULL, order, &kept),
					 CM_OK);
	assert_int_equal(cm_categories_reorder(&cats, order, kept), CM_OK);
	cm_gbt_default_params(&p);
	p.trees = 30;
	p.depth = 2;
	p.learning_rate = 0.3;
	assert_int_equal(cm_gbt_fit(&data, &bins, NULL, &p, &fit, &info, NULL), CM_OK);
	assert_int_equal(cm_model_create(CM_ALGORITHM_GBT, 2, names, types, "{}", fit, &model),
					 CM_OK);
	assert_int_equal(cm_model_set_categories(model, 0, &cats), CM_OK);
	assert_int_equal(cats.n, 0);
	assert_int_equal(cm_model_set_categories(model, 1, &cats), CM_ERR_INVALID);
	cm_writer_init(&w);
	cm_model_encode(model, &w);
	assert_int_equal(w.status, CM_OK);
	assert_int_equal(w.data[4], 2);	/* format version 2: it has categories */
	assert_int_equal(cm_model_decode(w.data, w.len, &back), CM_OK);
	assert_int_equal(back->categories[0].n, 6);
	for (int c = 0; c < 6; c++)
	{
		double		x[2] = {category_x(&back->categories[0], cat_names[c]), 0.3};
		double		prob = cm_model_predict(back, x);

		assert_true((c % 2 == 0) ? prob > 0.9 : prob < 0.1);
	}
	cm_model_free(back);
	/* every truncation, and a categorical feature in a version 1 model: corrupt */
	for (size_t len = 0; len < w.len; len += 3)
		assert_int_equal(cm_model_decode(w.data, len, &back), CM_ERR_CORRUPT);
	w.data[4] = 1;
	assert_int_equal(cm_model_decode(w.data, w.len, &back), CM_ERR_CORRUPT);
	assert_non_null(strstr(cm_last_error(), "categorical in a version 1"));
	cm_model_free(model);
	cm_writer_free(&w);
	free_rows(&bins, &data);
}

/* A category list with a repeated value is corrupt. */
static void
test_repeated_category_is_corrupt(void **state)
{
	cm_writer	w;
	cm_model   *back;

	(void) state;
	cm_writer_init(&w);
	cm_put_bytes(&w, CM_MODEL_MAGIC, 4);
	cm_put_u16(&w, 2);
	cm_put_u16(&w, CM_ALGORITHM_GBT);
	cm_put_u32(&w, 1);
	cm_put_str(&w, "party");
	cm_put_u8(&w, CM_FEATURE_CATEGORICAL);
	cm_put_u32(&w, 2);
	cm_put_str(&w, "dem");
	cm_put_str(&w, "dem");
	cm_put_str(&w, "");
	cm_put_u64(&w, 0);
	assert_int_equal(cm_model_decode(w.data, w.len, &back), CM_ERR_CORRUPT);
	assert_non_null(strstr(cm_last_error(), "repeated category"));
	cm_writer_free(&w);
}

/* Adding the 256th distinct category is a limit error; known ones still resolve. */
static void
test_category_cap(void **state)
{
	cm_categories cats;
	char		name[16];
	uint32_t	index;

	(void) state;
	cm_categories_init(&cats);
	for (int i = 0; i < CM_CATEGORIES_MAX; i++)
	{
		snprintf(name, sizeof(name), "c%d", i);
		assert_int_equal(cm_categories_add(&cats, name, strlen(name), &index), CM_OK);
		assert_int_equal(index, i);
	}
	assert_int_equal(cm_categories_add(&cats, "new", 3, &index), CM_ERR_LIMIT);
	assert_int_equal(cm_categories_add(&cats, "c7", 2, &index), CM_OK);
	assert_int_equal(index, 7);
	assert_int_equal(cm_categories_find(&cats, "c254", 4), 254);
	assert_int_equal(cm_categories_find(&cats, "c2", 1), -1);
	/* the empty string is a category like any other (a full list takes no new one) */
	assert_int_equal(cm_categories_add(&cats, "", 0, &index), CM_ERR_LIMIT);
	assert_int_equal(cm_categories_add(&cats, "a\0b", 3, &index), CM_ERR_INVALID);
	cm_categories_free(&cats);
	assert_int_equal(cm_categories_add(&cats, "", 0, &index), CM_OK);
	assert_int_equal(cm_categories_find(&cats, "", 0), 0);
	assert_int_equal(cm_categories_find(&cats, "x", 1), -1);
	cm_categories_free(&cats);
}

/* Integer weights train the same trees as the rows repeated that many times. */
static void
test_weights_equal_duplicated_rows(void **state)
{
	enum
	{
		N = 400
	};
	double		x[N * 2],
				y[N],
				dx[N * 3 * 2],
				dy[N * 3];
	int			w[N];
	size_t		nd = 0;
	cm_bins		bins;
	cm_binned	weighted,
				repeated;
	cm_gbt_params p;
	cm_gbt_info info;
	cm_gbt	   *mw,
			   *md;

	(void) state;
	for (int i = 0; i < N; i++)
	{
		x[i * 2] = (i * 7919 % 1000) / 10.0;
		x[i * 2 + 1] = i % 5;
		y[i] = (x[i * 2] > 40) ^ (i % 11 == 0);
		w[i] = 1 + i % 3;
		for (int k = 0; k < w[i]; k++, nd++)
		{
			memcpy(dx + nd * 2, x + i * 2, 2 * sizeof(double));
			dy[nd] = y[i];
		}
	}
	assert_int_equal(cm_bins_fit(x, N, 2, 64, &bins), CM_OK);
	cm_binned_init(&weighted, 2, 0);
	assert_int_equal(cm_binned_use_weights(&weighted), CM_OK);
	cm_binned_init(&repeated, 2, 0);
	for (int i = 0; i < N; i++)
	{
		assert_int_equal(cm_binned_add_row(&weighted, &bins, x + i * 2, y[i]), CM_OK);
		weighted.w[i] = (float) w[i];
	}
	for (size_t i = 0; i < nd; i++)
		assert_int_equal(cm_binned_add_row(&repeated, &bins, dx + i * 2, dy[i]), CM_OK);
	cm_gbt_default_params(&p);
	p.trees = 20;
	p.depth = 3;
	p.scale_pos_weight = 2;
	assert_int_equal(cm_gbt_fit(&weighted, &bins, NULL, &p, &mw, &info, NULL), CM_OK);
	assert_int_equal(cm_gbt_fit(&repeated, &bins, NULL, &p, &md, &info, NULL), CM_OK);
	assert_true(fabs(mw->base_score - md->base_score) < 1e-12);
	assert_int_equal(mw->n_nodes, md->n_nodes);
	for (int i = 0; i < N; i++)
		assert_true(fabs(cm_gbt_predict(mw, x + i * 2) - cm_gbt_predict(md, x + i * 2)) < 1e-5);
	/* a negative weight is refused */
	cm_gbt_free(mw);
	weighted.w[3] = -1;
	assert_int_equal(cm_gbt_fit(&weighted, &bins, NULL, &p, &mw, &info, NULL) == CM_OK ? 0 : 1, 1);
	cm_gbt_free(md);
	cm_binned_free(&weighted);
	free_rows(&bins, &repeated);
}

HARNESS_MAIN("gbt",
			 HARNESS_TEST(test_split_gain_by_hand),
			 HARNESS_TEST(test_missing_values_learn_a_direction),
			 HARNESS_TEST(test_learns_a_known_rule),
			 HARNESS_TEST(test_seed_determines_the_model),
			 HARNESS_TEST(test_thread_count_does_not_change_the_model),
			 HARNESS_TEST(test_early_stopping_keeps_the_best),
			 HARNESS_TEST(test_bad_params_and_labels),
			 HARNESS_TEST(test_interrupt_and_allocation_failure),
			 HARNESS_TEST(test_model_bytes_bounded_as_it_grows),
			 HARNESS_TEST(test_codec_round_trip_and_truncation),
			 HARNESS_TEST(test_mutations_never_crash),
			 HARNESS_TEST(test_forged_trees_are_refused),
			 HARNESS_TEST(test_shared_children_are_refused),
			 HARNESS_TEST(test_prediction_layout_matches_the_trees),
			 HARNESS_TEST(test_scoring_layouts_match_the_trees),
			 HARNESS_TEST(test_categorical_rule_learned_exactly),
			 HARNESS_TEST(test_categorical_model_round_trip),
			 HARNESS_TEST(test_repeated_category_is_corrupt),
			 HARNESS_TEST(test_category_cap),
			 HARNESS_TEST(test_weights_equal_duplicated_rows))
