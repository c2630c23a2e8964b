/* test_train_order.c - row keys, the key split, the smallest-keys sample, canonical row order. */
#include "harness.h"
#include "rng.h"
#include "train_order.h"

#include <math.h>

static double
key_of(uint64_t seed, const char *a, const char *b)
{
	cm_row_key	k;

	cm_row_key_begin(&k, seed);
	if (a)
		cm_row_key_bytes(&k, a, strlen(a));
	else
		cm_row_key_null(&k);
	if (b)
		cm_row_key_bytes(&k, b, strlen(b));
	else
		cm_row_key_null(&k);
	return cm_row_key_end(&k);
}

static void
test_key_depends_on_content_and_seed(void **state)
{
	(void) state;
	assert_true(key_of(42, "ab", "c") == key_of(42, "ab", "c"));
	assert_true(key_of(42, "ab", "c") != key_of(43, "ab", "c"));
	/* the column boundaries count, and NULL is not the empty string */
	assert_true(key_of(42, "ab", "c") != key_of(42, "a", "bc"));
	assert_true(key_of(42, NULL, "c") != key_of(42, "", "c"));
	assert_true(key_of(42, "abcdefgh", "") != key_of(42, "abcdefg", "h"));
	/* bytes past the eighth matter */
	assert_true(key_of(42, "abcdefghij", "") != key_of(42, "abcdefghik", ""));
}

/* A value of 1 to 8 bytes given as a number hashes as its little-endian bytes do. */
static void
test_small_values_as_bytes(void **state)
{
	static const unsigned char bytes[4] = {0x78, 0x56, 0x34, 0x12};
	cm_row_key	a,
				b;

	(void) state;
	cm_row_key_begin(&a, 1);
	cm_row_key_begin(&b, 1);
	cm_row_key_small(&a, 0x12345678, 4);
	cm_row_key_bytes(&b, bytes, 4);
	assert_true(cm_row_key_end(&a) == cm_row_key_end(&b));
}

/* Keys are uniform in [0, 1): a share s of many rows falls below s. */
static void
test_keys_are_uniform(void **state)
{
	int			below[10] = {0};

	(void) state;
	for (int i = 0; i < 100000; i++)
	{
		cm_row_key	k;
		double		u;

		cm_row_key_begin(&k, 7);
		cm_row_key_bytes(&k, &i, sizeof(i));
		u = cm_row_key_end(&k);
		assert_true(u >= 0 && u < 1);
		below[(int) (u * 10)]++;
	}
	for (int d = 0; d < 10; d++)	/* 10,000 expected, sd 95 */
		assert_true(below[d] > 9600 && below[d] < 10400);
}

static void
test_split_by_key(void **state)
{
	double		keys[2000];
	uint8_t		a[2000],
				b[2000];
	size_t		na,
				nb,
				held_low = 0,
				low = 0;
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 3);
	for (int i = 0; i < 2000; i++)
		keys[i] = cm_rng_uniform(&rng);
	cm_split_by_key(keys, 2000, 0.2, a, &na);
	cm_split_by_key(keys, 2000, 0.2, b, &nb);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, sizeof(a));
	assert_true(na > 330 && na < 470);	/* 400 expected, sd 18 */
	/* the rows of a sample by key (key < 0.5) keep the holdout share */
	for (int i = 0; i < 2000; i++)
		if (keys[i] < 0.5)
		{
			low++;
			held_low += a[i];
		}
	assert_true(fabs((double) held_low / low - 0.2) < 0.05);
	cm_split_by_key(keys, 2000, 0.0, a, &na);
	assert_int_equal(na, 0);
	/* 2,000 identical rows (one key): split row by row, not all in or all out */
	for (int i = 0; i < 2000; i++)
		keys[i] = 0.25;
	cm_split_by_key(keys, 2000, 0.2, a, &na);
	assert_true(na > 330 && na < 470);
}

static int
by_value(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Offer keys in the order given; the kept keys, sorted, into out (capacity of them). */
static size_t
kept_keys(const double *keys, size_t n, size_t capacity, double *out)
{
	cm_smallest_keys s;
	size_t		kept;

	assert_int_equal(cm_smallest_keys_init(&s, capacity), CM_OK);
	for (size_t i = 0; i < n; i++)
	{
		size_t		slot = cm_smallest_keys_offer(&s, keys[i]);

		if (slot != CM_SMALLEST_KEYS_DROP)
			assert_true(slot < capacity && s.keys[slot] == keys[i]);
	}
	assert_int_equal(s.offered, n);
	kept = s.n;
	memcpy(out, s.keys, kept * sizeof(double));
	qsort(out, kept, sizeof(double), by_value);
	cm_smallest_keys_free(&s);
	return kept;
}

/* The kept set is the capacity smallest keys, whatever the order of arrival. */
static void
test_smallest_keys_any_order(void **state)
{
	enum
	{
		N = 5000, CAP = 300
	};
	static double keys[N],
				shuffled[N],
				sorted[N],
				a[CAP],
				b[CAP];
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 11);
	for (int i = 0; i < N; i++)
		keys[i] = cm_rng_uniform(&rng);
	memcpy(shuffled, keys, sizeof(keys));
	for (int i = N - 1; i > 0; i--)
	{
		int			j = (int) cm_rng_below(&rng, (uint64_t) i + 1);
		double		t = shuffled[i];

		shuffled[i] = shuffled[j];
		shuffled[j] = t;
	}
	memcpy(sorted, keys, sizeof(keys));
	qsort(sorted, N, sizeof(double), by_value);
	assert_int_equal(kept_keys(keys, N, CAP, a), CAP);
	assert_int_equal(kept_keys(shuffled, N, CAP, b), CAP);
	assert_memory_equal(a, sorted, sizeof(a));
	assert_memory_equal(b, sorted, sizeof(b));
	/* the largest first: every key replaces the last kept one */
	for (int i = 0; i < N / 2; i++)
	{
		double		t = sorted[i];

		sorted[i] = sorted[N - 1 - i];
		sorted[N - 1 - i] = t;
	}
	assert_int_equal(kept_keys(sorted, N, CAP, a), CAP);
	assert_memory_equal(a, b, sizeof(a));
	/* fewer rows than room: all kept; no room: none */
	assert_int_equal(kept_keys(keys, 10, CAP, a), 10);
	assert_int_equal(kept_keys(keys, 10, 0, a), 0);
}

/* The key order is a stable sort, with many equal keys too. */
static void
test_key_order(void **state)
{
	enum
	{
		N = 20000
	};
	static double keys[N];
	static size_t order[N];
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 9);
	for (int kind = 0; kind < 3; kind++)
	{
		for (int i = 0; i < N; i++)
			keys[i] = kind == 0 ? cm_rng_uniform(&rng) :
				kind == 1 ? (double) cm_rng_below(&rng, 50) / 50 :	/* many ties */
				0.5;			/* one key */
		assert_int_equal(cm_key_order(keys, N, order), CM_OK);
		for (int i = 1; i < N; i++)
		{
			assert_true(keys[order[i - 1]] <= keys[order[i]]);
			if (keys[order[i - 1]] == keys[order[i]])
				assert_true(order[i - 1] < order[i]);
		}
	}
	/* out-of-range keys do not write outside the buckets */
	keys[0] = 1.5;
	keys[1] = -2;
	keys[2] = NAN;
	assert_int_equal(cm_key_order(keys, 3, order), CM_OK);
	assert_int_equal(cm_key_order(keys, 0, order), CM_OK);
}

static void
test_categories_sort(void **state)
{
	static const char *const values[] = {"b", "ab", "", "a", "B"};
	static const char *const sorted[] = {"", "B", "a", "ab", "b"};
	cm_categories c;
	uint32_t	remap[5],
				index;

	(void) state;
	cm_categories_init(&c);
	for (int i = 0; i < 5; i++)
		assert_int_equal(cm_categories_add(&c, values[i], strlen(values[i]), &index), CM_OK);
	assert_int_equal(cm_categories_sort(&c, remap), CM_OK);
	assert_int_equal(c.n, 5);
	for (int i = 0; i < 5; i++)
	{
		assert_string_equal(c.values[i], sorted[i]);
		assert_string_equal(c.values[remap[i]], values[i]);
		assert_int_equal(cm_categories_find(&c, values[i], strlen(values[i])), (int) remap[i]);
	}
	cm_categories_free(&c);
}

/* Rows 0..n-1 of two features (one with repeats, so rows tie on content) into a binned set. */
static void
binned_rows(const int *order, int n, cm_binned *data, cm_bins *bins, double **keys,
			const double *key_of_row)
{
	assert_int_equal(cm_alloc_array((size_t) n, sizeof(double), (void **) keys), CM_OK);
	cm_binned_init(data, 2, 0);
	assert_int_equal(cm_binned_use_weights(data), CM_OK);
	for (int k = 0; k < n; k++)
	{
		int			i = order[k];
		double		x[2] = {i % 7, i % 3 == 0 ? NAN : i};

		assert_int_equal(cm_binned_add_row(data, bins, x, i % 2), CM_OK);
		data->w[k] = (float) (1 + i % 5);
		(*keys)[k] = key_of_row[i];
	}
}

/* The same rows in two orders come out byte for byte the same, equal keys included. */
static void
test_binned_canonical_order(void **state)
{
	enum
	{
		N = 400
	};
	int			forward[N],
				backward[N];
	double		key_of_row[N],
				sample[2 * N],
			   *keys_a,
			   *keys_b;
	cm_bins		bins;
	cm_binned	a,
				b;

	(void) state;
	for (int i = 0; i < N; i++)
	{
		forward[i] = i;
		backward[i] = N - 1 - i;
		/* pairs of rows share a key: the tie goes by content */
		key_of_row[i] = (i / 2) / (double) N;
		sample[2 * i] = i % 7;
		sample[2 * i + 1] = i;
	}
	assert_int_equal(cm_bins_fit(sample, N, 2, 256, &bins), CM_OK);
	binned_rows(forward, N, &a, &bins, &keys_a, key_of_row);
	binned_rows(backward, N, &b, &bins, &keys_b, key_of_row);
	assert_int_equal(cm_binned_canonical_order(&a, &keys_a), CM_OK);
	assert_int_equal(cm_binned_canonical_order(&b, &keys_b), CM_OK);
	assert_memory_equal(a.codes, b.codes, (size_t) N * 2);
	assert_memory_equal(a.y, b.y, N * sizeof(float));
	assert_memory_equal(a.w, b.w, N * sizeof(float));
	assert_memory_equal(keys_a, keys_b, N * sizeof(double));
	for (int i = 1; i < N; i++)
		assert_true(keys_a[i - 1] <= keys_a[i]);
	cm_free(keys_a);
	cm_free(keys_b);
	cm_binned_free(&a);
	cm_binned_free(&b);
	cm_bins_free(&bins);
}

static void
dataset_rows(const int *order, int n, cm_dataset *ds, double **keys, const double *key_of_row)
{
	assert_int_equal(cm_alloc_array((size_t) n, sizeof(double), (void **) keys), CM_OK);
	cm_dataset_init(ds, 2, 0);
	for (int k = 0; k < n; k++)
	{
		int			i = order[k];
		double		x[2] = {i * 0.5, i % 3 == 0 ? NAN : -i};

		assert_int_equal(cm_dataset_add_row(ds, x, i % 2), CM_OK);
		(*keys)[k] = key_of_row[i];
	}
}

static void
test_dataset_canonical_order(void **state)
{
	enum
	{
		N = 3000
	};
	static int	forward[N],
				shuffled[N];
	static double key_of_row[N];
	double	   *keys_a,
			   *keys_b;
	cm_dataset	a,
				b;
	cm_rng		rng;

	(void) state;
	cm_rng_seed(&rng, 5);
	for (int i = 0; i < N; i++)
	{
		forward[i] = shuffled[i] = i;
		key_of_row[i] = cm_rng_uniform(&rng);
	}
	key_of_row[17] = key_of_row[1000];	/* a collision */
	for (int i = N - 1; i > 0; i--)
	{
		int			j = (int) cm_rng_below(&rng, (uint64_t) i + 1),
					t = shuffled[i];

		shuffled[i] = shuffled[j];
		shuffled[j] = t;
	}
	dataset_rows(forward, N, &a, &keys_a, key_of_row);
	dataset_rows(shuffled, N, &b, &keys_b, key_of_row);
	assert_int_equal(cm_dataset_canonical_order(&a, &keys_a), CM_OK);
	assert_int_equal(cm_dataset_canonical_order(&b, &keys_b), CM_OK);
	assert_memory_equal(a.x, b.x, (size_t) N * 2 * sizeof(double));
	assert_memory_equal(a.y, b.y, N * sizeof(double));
	assert_memory_equal(keys_a, keys_b, N * sizeof(double));
	/* each row kept its own label and key */
	for (int i = 0; i < N; i++)
	{
		int			row = (int) (a.x[2 * i] * 2);

		assert_true(a.y[i] == row % 2);
		assert_true(keys_a[i] == key_of_row[row]);
	}
	cm_free(keys_a);
	cm_free(keys_b);
	cm_dataset_free(&a);
	cm_dataset_free(&b);
}

static void
test_order_canceled_and_out_of_memory(void **state)
{
	enum
	{
		N = 100
	};
	int			order[N];
	double		key_of_row[N],
			   *keys;
	cm_dataset	ds;

	(void) state;
	for (int i = 0; i < N; i++)
	{
		order[i] = N - 1 - i;
		key_of_row[i] = i / (double) N;
	}
	dataset_rows(order, N, &ds, &keys, key_of_row);
	harness_interrupt_after = 0;
	assert_int_equal(cm_dataset_canonical_order(&ds, &keys), CM_ERR_CANCELED);
	harness_interrupt_after = -1;
	harness_fail_after = 0;
	assert_int_equal(cm_dataset_canonical_order(&ds, &keys), CM_ERR_NOMEM);
	harness_fail_after = -1;
	cm_free(keys);
	cm_dataset_free(&ds);
}

HARNESS_MAIN("train_order",
			 HARNESS_TEST(test_key_depends_on_content_and_seed),
			 HARNESS_TEST(test_small_values_as_bytes),
			 HARNESS_TEST(test_keys_are_uniform),
			 HARNESS_TEST(test_split_by_key),
			 HARNESS_TEST(test_smallest_keys_any_order),
			 HARNESS_TEST(test_key_order),
			 HARNESS_TEST(test_categories_sort),
			 HARNESS_TEST(test_binned_canonical_order),
			 HARNESS_TEST(test_dataset_canonical_order),
			 HARNESS_TEST(test_order_canceled_and_out_of_memory))
