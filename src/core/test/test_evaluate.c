/*
 * test_evaluate.c - score distributions (AUC, calibration, lift) against hand-computed values
 * and against cm_binary_metrics_compute, merging (many states, a state with itself), the
 * serialized size, forged serialized states.
 */
#include "harness.h"
#include "evaluate.h"
#include "metrics.h"
#include "rng.h"

#include <math.h>

static void
add_all(cm_score_dist *d, const double *p, const double *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(cm_score_dist_add(d, p[i], y[i] > 0.5), CM_OK);
}

static void
test_auc_with_ties_by_hand(void **state)
{
	/* one tied positive/negative pair and a clean pair: (1 + 0.5 + 1 + 1) / 4 */
	double		p[4] = {0.5, 0.5, 0.2, 0.9};
	double		y[4] = {1, 0, 0, 1};
	cm_score_dist d;
	double		auc;

	(void) state;
	cm_score_dist_init(&d, 0);
	add_all(&d, p, y, 4);
	assert_true(cm_score_dist_auc(&d, &auc));
	assert_true(fabs(auc - 0.875) < 1e-15);
	assert_int_equal(d.n, 3);	/* the two 0.5 rows share a group */
	cm_score_dist_free(&d);
}

static void
test_auc_undefined_for_one_class(void **state)
{
	cm_score_dist d;
	double		auc;

	(void) state;
	cm_score_dist_init(&d, 0);
	assert_false(cm_score_dist_auc(&d, &auc));
	assert_int_equal(cm_score_dist_add(&d, 0.4, true), CM_OK);
	assert_false(cm_score_dist_auc(&d, &auc));
	cm_score_dist_free(&d);
}

/* Random scores rounded to 3 digits (many ties): AUC equals the core metric's, in any split. */
static void
test_auc_matches_core_metric_and_merge(void **state)
{
	enum {N = 20000};
	static double p[N], y[N];
	cm_rng		rng;
	cm_score_dist whole, left, right;
	cm_binary_metrics m;
	double		auc_whole, auc_merged;

	(void) state;
	cm_rng_seed(&rng, 42);
	for (size_t i = 0; i < N; i++)
	{
		p[i] = round(cm_rng_uniform(&rng) * 1000) / 1000;
		y[i] = cm_rng_uniform(&rng) < p[i] ? 1 : 0;
	}
	assert_int_equal(cm_binary_metrics_compute(p, y, N, &m), CM_OK);
	cm_score_dist_init(&whole, 0);
	cm_score_dist_init(&left, 0);
	cm_score_dist_init(&right, 0);
	add_all(&whole, p, y, N);
	add_all(&left, p, y, N / 3);
	add_all(&right, p + N / 3, y + N / 3, N - N / 3);
	assert_int_equal(cm_score_dist_merge(&left, &right), CM_OK);
	assert_true(cm_score_dist_auc(&whole, &auc_whole));
	assert_true(cm_score_dist_auc(&left, &auc_merged));
	assert_true(fabs(auc_whole - m.auc) < 1e-12);
	assert_true(auc_merged == auc_whole);
	assert_true(whole.n <= 1001);
	cm_score_dist_free(&whole);
	cm_score_dist_free(&left);
	cm_score_dist_free(&right);
}

/* Distinct scores (no ties): the state grows instead of compacting. */
static void
test_auc_distinct_scores(void **state)
{
	enum {N = 5000};
	static double p[N], y[N];
	cm_rng		rng;
	cm_score_dist d;
	cm_binary_metrics m;
	double		auc;

	(void) state;
	cm_rng_seed(&rng, 7);
	for (size_t i = 0; i < N; i++)
	{
		p[i] = cm_rng_uniform(&rng);
		y[i] = cm_rng_uniform(&rng) < 0.3 ? 1 : 0;
	}
	assert_int_equal(cm_binary_metrics_compute(p, y, N, &m), CM_OK);
	cm_score_dist_init(&d, 0);
	add_all(&d, p, y, N);
	assert_true(cm_score_dist_auc(&d, &auc));
	assert_true(fabs(auc - m.auc) < 1e-12);
	assert_int_equal(d.n, N);
	cm_score_dist_free(&d);
}

/* Groups equal one by one: same scores in the same order with the same counts. */
static void
assert_same_groups(cm_score_dist *a, cm_score_dist *b)
{
	cm_score_dist_compact(a);
	cm_score_dist_compact(b);
	assert_int_equal(a->n, b->n);
	assert_true(a->positives == b->positives && a->negatives == b->negatives);
	for (size_t i = 0; i < a->n; i++)
	{
		assert_true(a->groups[i].p == b->groups[i].p);
		assert_true(a->groups[i].positives == b->groups[i].positives);
		assert_true(a->groups[i].negatives == b->groups[i].negatives);
	}
}

/*
 * A coordinator's combine: states of interleaved slices (shared and distinct scores), merged
 * one after another, give the whole data's groups; so does a state merged into an empty one.
 */
static void
test_merge_of_many_states(void **state)
{
	enum {N = 6000, SLICES = 7};
	cm_rng		rng;
	cm_score_dist whole, merged, slice[SLICES];

	(void) state;
	cm_rng_seed(&rng, 11);
	cm_score_dist_init(&whole, 3);
	cm_score_dist_init(&merged, 3);
	for (int s = 0; s < SLICES; s++)
		cm_score_dist_init(&slice[s], 3);
	for (size_t i = 0; i < N; i++)
	{
		/* half the rows on a coarse grid (ties across slices), half distinct */
		double		u = cm_rng_uniform(&rng);
		double		p = i % 2 ? round(u * 50) / 50 : u;
		bool		y = cm_rng_uniform(&rng) < p;

		assert_int_equal(cm_score_dist_add(&whole, p, y), CM_OK);
		assert_int_equal(cm_score_dist_add(&slice[(i / 5) % SLICES], p, y), CM_OK);
	}
	for (int s = 0; s < SLICES; s++)
		assert_int_equal(cm_score_dist_merge(&merged, &slice[s]), CM_OK);
	assert_same_groups(&whole, &merged);
	for (int s = 0; s < SLICES; s++)
		cm_score_dist_free(&slice[s]);
	cm_score_dist_free(&whole);
	cm_score_dist_free(&merged);
}

/* A state merged with itself counts every row twice: same scores, doubled counts, same AUC. */
static void
test_merge_with_itself(void **state)
{
	double		p[6] = {0.9, 0.5, 0.5, 0.2, 0.1, 0.7};
	double		y[6] = {1, 1, 0, 0, 1, 0};
	cm_score_dist d, twice;
	double		auc, auc_twice;

	(void) state;
	cm_score_dist_init(&d, 0);
	cm_score_dist_init(&twice, 0);
	add_all(&d, p, y, 6);
	add_all(&twice, p, y, 6);
	add_all(&twice, p, y, 6);
	assert_true(cm_score_dist_auc(&d, &auc));
	assert_int_equal(cm_score_dist_merge(&d, &d), CM_OK);
	assert_same_groups(&d, &twice);
	assert_true(cm_score_dist_auc(&d, &auc_twice) && auc_twice == auc);
	cm_score_dist_free(&d);
	cm_score_dist_free(&twice);
}

static void
test_bad_probabilities_and_bins(void **state)
{
	cm_score_dist d;
	cm_score_dist other;

	(void) state;
	cm_score_dist_init(&d, 0);
	assert_int_equal(cm_score_dist_add(&d, NAN, true), CM_ERR_NONFINITE);
	assert_int_equal(cm_score_dist_add(&d, INFINITY, true), CM_ERR_NONFINITE);
	assert_int_equal(cm_score_dist_add(&d, 1.0000001, true), CM_ERR_INVALID);
	assert_int_equal(cm_score_dist_add(&d, -0.1, false), CM_ERR_INVALID);
	assert_int_equal(cm_check_bins(0), CM_ERR_INVALID);
	assert_int_equal(cm_check_bins(CM_EVAL_MAX_BINS + 1), CM_ERR_INVALID);
	assert_int_equal(cm_check_bins(10), CM_OK);
	cm_score_dist_init(&other, 5);
	assert_int_equal(cm_score_dist_merge(&d, &other), CM_ERR_INVALID);
	assert_int_equal(d.positives + d.negatives, 0);
	cm_score_dist_free(&d);
}

static void
test_calibration_by_hand(void **state)
{
	double		p[6] = {0.05, 0.15, 0.15, 0.55, 0.95, 1.0};
	double		y[6] = {0, 1, 0, 1, 1, 1};
	cm_score_dist d;
	cm_bin		bins[2];

	(void) state;
	cm_score_dist_init(&d, 2);
	add_all(&d, p, y, 6);
	assert_int_equal(cm_score_dist_calibration(&d, 2, bins), CM_OK);
	assert_true(bins[0].lower == 0.0 && bins[0].upper == 0.5);
	assert_true(bins[0].count == 3 && bins[0].positives == 1);
	assert_true(fabs(bins[0].sum_p - 0.35) < 1e-12);
	assert_true(bins[1].count == 3 && bins[1].positives == 3);	/* p = 1 is in the last bin */
	assert_true(fabs(bins[1].sum_p - 2.5) < 1e-12);
	cm_score_dist_free(&d);
}

static void
test_lift_by_hand_with_shared_ties(void **state)
{
	/* 5 rows in 2 bins: ranks 0-1 in bin 0, ranks 2-4 in bin 1; the 0.5 pair straddles */
	double		p[5] = {0.9, 0.5, 0.5, 0.2, 0.1};
	double		y[5] = {1, 1, 0, 0, 1};
	cm_score_dist d;
	cm_bin		bins[2];

	(void) state;
	cm_score_dist_init(&d, 2);
	add_all(&d, p, y, 5);
	assert_int_equal(cm_score_dist_lift(&d, 2, bins), CM_OK);
	assert_true(bins[0].count == 2 && bins[1].count == 3);
	assert_true(fabs(bins[0].positives - 1.5) < 1e-12);	/* 1 + half of the tied pair */
	assert_true(fabs(bins[1].positives - 1.5) < 1e-12);
	assert_true(bins[0].upper == 0.9 && bins[0].lower == 0.5);
	assert_true(bins[1].upper == 0.5 && bins[1].lower == 0.1);
	assert_true(fabs(bins[0].sum_p - 1.4) < 1e-12);
	cm_score_dist_free(&d);
}

static void
test_lift_more_bins_than_rows(void **state)
{
	cm_score_dist d;
	cm_bin		bins[4];
	double		total = 0;

	(void) state;
	cm_score_dist_init(&d, 4);
	assert_int_equal(cm_score_dist_add(&d, 0.7, true), CM_OK);
	assert_int_equal(cm_score_dist_add(&d, 0.2, false), CM_OK);
	assert_int_equal(cm_score_dist_lift(&d, 4, bins), CM_OK);
	for (int b = 0; b < 4; b++)
		total += bins[b].count;
	assert_true(total == 2);
	assert_true(bins[0].count == 0 && bins[1].count == 1 && bins[3].count == 1);
	cm_score_dist_free(&d);
}

static void
roundtrip(cm_score_dist *d, cm_score_dist *back)
{
	cm_writer	w;
	cm_reader	r;
	size_t		size;

	cm_writer_init(&w);
	cm_score_dist_serialize(d, &w);
	assert_int_equal(w.status, CM_OK);
	assert_int_equal(cm_score_dist_serialized_size(d, &size), CM_OK);
	assert_int_equal(size, w.len);
	assert_int_equal(size, 9 + 24 * d->n);	/* docs/evaluate.md: 24 bytes a distinct score */
	cm_reader_init(&r, w.data, w.len);
	assert_int_equal(cm_score_dist_deserialize(&r, back), CM_OK);
	cm_writer_free(&w);
}

static void
test_serialize_roundtrip(void **state)
{
	double		p[5] = {0.9, 0.5, 0.5, 0.2, 0.1};
	double		y[5] = {1, 1, 0, 0, 1};
	cm_score_dist d, back;
	double		a, b;

	(void) state;
	cm_score_dist_init(&d, 7);
	add_all(&d, p, y, 5);
	roundtrip(&d, &back);
	assert_int_equal(back.bins, 7);
	assert_int_equal(back.n, 4);
	assert_true(back.positives == 3 && back.negatives == 2);
	assert_true(cm_score_dist_auc(&d, &a) && cm_score_dist_auc(&back, &b) && a == b);
	cm_score_dist_free(&d);
	cm_score_dist_free(&back);
}

/* Every truncation and every single-byte change of a valid state is rejected or valid. */
static void
test_forged_states(void **state)
{
	double		p[3] = {0.1, 0.5, 0.9};
	double		y[3] = {1, 0, 1};
	cm_score_dist d, back;
	cm_writer	w;
	cm_reader	r;

	(void) state;
	cm_score_dist_init(&d, 0);
	add_all(&d, p, y, 3);
	cm_writer_init(&w);
	cm_score_dist_serialize(&d, &w);
	for (size_t len = 0; len < w.len; len++)
	{
		cm_reader_init(&r, w.data, len);
		assert_int_equal(cm_score_dist_deserialize(&r, &back), CM_ERR_CORRUPT);
	}
	for (size_t i = 0; i < w.len; i++)
		for (int bit = 0; bit < 8; bit++)
		{
			cm_status	s;

			w.data[i] ^= (uint8_t) (1 << bit);
			cm_reader_init(&r, w.data, w.len);
			s = cm_score_dist_deserialize(&r, &back);
			assert_true(s == CM_OK || s == CM_ERR_CORRUPT);
			if (s == CM_OK)
			{
				double		auc;

				(void) cm_score_dist_auc(&back, &auc);
				cm_score_dist_free(&back);
			}
			w.data[i] ^= (uint8_t) (1 << bit);
		}
	/* descending order is refused: swap the first two scores (bytes 9-16 and 33-40) */
	{
		uint8_t		tmp[8];

		memcpy(tmp, w.data + 9, 8);
		memcpy(w.data + 9, w.data + 33, 8);
		memcpy(w.data + 33, tmp, 8);
		cm_reader_init(&r, w.data, w.len);
		assert_int_equal(cm_score_dist_deserialize(&r, &back), CM_ERR_CORRUPT);
		assert_non_null(strstr(harness_last_message, "ascending"));
	}
	cm_writer_free(&w);
	cm_score_dist_free(&d);
}

static void
test_allocation_failure(void **state)
{
	cm_score_dist d;

	(void) state;
	cm_score_dist_init(&d, 0);
	harness_fail_after = 0;
	assert_int_equal(cm_score_dist_add(&d, 0.5, true), CM_ERR_NOMEM);
	harness_fail_after = -1;
	cm_score_dist_free(&d);
}

static void
test_logloss_and_brier_terms(void **state)
{
	(void) state;
	assert_true(fabs(cm_logloss_term(0.8, true) + log(0.8)) < 1e-15);
	assert_true(fabs(cm_logloss_term(0.4, false) + log(0.6)) < 1e-15);
	assert_true(fabs(cm_logloss_term(0.0, true) + log(CM_LOGLOSS_EPS)) < 1e-9);
	assert_true(fabs(cm_brier_term(0.8, true) - 0.04) < 1e-15);
	assert_true(fabs(cm_brier_term(0.4, false) - 0.16) < 1e-15);
}

HARNESS_MAIN("evaluate",
			 HARNESS_TEST(test_auc_with_ties_by_hand),
			 HARNESS_TEST(test_auc_undefined_for_one_class),
			 HARNESS_TEST(test_auc_matches_core_metric_and_merge),
			 HARNESS_TEST(test_auc_distinct_scores),
			 HARNESS_TEST(test_merge_of_many_states),
			 HARNESS_TEST(test_merge_with_itself),
			 HARNESS_TEST(test_bad_probabilities_and_bins),
			 HARNESS_TEST(test_calibration_by_hand),
			 HARNESS_TEST(test_lift_by_hand_with_shared_ties),
			 HARNESS_TEST(test_lift_more_bins_than_rows),
			 HARNESS_TEST(test_serialize_roundtrip),
			 HARNESS_TEST(test_forged_states),
			 HARNESS_TEST(test_allocation_failure),
			 HARNESS_TEST(test_logloss_and_brier_terms))
