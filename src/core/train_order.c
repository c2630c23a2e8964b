/* train_order.c - row keys, the holdout and bin sample they choose, and canonical row order. */
#include "train_order.h"
#include "memory.h"
#include "rng.h"

#include <stdbool.h>
#include <string.h>

/* salts: the key, the holdout and a NULL are three unrelated streams of one hash */
#define KEY_SALT UINT64_C(0x6B79B5C3F1A2D4E7)
#define HOLDOUT_SALT UINT64_C(0xC2B2AE3D27D4EB4F)
#define NULL_MARK UINT64_C(0x165667B19E3779F9)
#define INTERRUPT_EVERY (1u << 16)

void
cm_row_key_begin(cm_row_key *k, uint64_t seed)
{
	k->h = cm_rng_hash(seed ^ KEY_SALT);
}

void
cm_row_key_null(cm_row_key *k)
{
	k->h = cm_row_key_mix(k->h, NULL_MARK);
}

/* The length first, so that ("ab", "c") and ("a", "bc") differ; then 8 bytes at a time. */
void
cm_row_key_bytes(cm_row_key *k, const void *bytes, size_t len)
{
	const unsigned char *p = bytes;
	uint64_t	h = cm_row_key_mix(k->h, (uint64_t) len);

	while (len >= 8)
	{
		uint64_t	w = 0;

		for (int b = 0; b < 8; b++)
			w |= (uint64_t) p[b] << (8 * b);	/* little-endian on every host */
		h = cm_row_key_mix(h, w);
		p += 8;
		len -= 8;
	}
	if (len > 0)
	{
		uint64_t	w = 0;

		for (size_t b = 0; b < len; b++)
			w |= (uint64_t) p[b] << (8 * b);
		h = cm_row_key_mix(h, w);
	}
	k->h = h;
}

double
cm_row_key_end(const cm_row_key *k)
{
	return (double) (cm_rng_hash(k->h) >> 11) * 0x1p-53;
}

void
cm_split_by_key(const double *keys, size_t n, double fraction, uint8_t *is_holdout,
				size_t *n_holdout)
{
	size_t		count = 0,
				copy = 0;

	for (size_t i = 0; i < n; i++)
	{
		uint64_t	bits = (uint64_t) (keys[i] * 0x1p53);
		double		u;

		/* identical rows share a key: the copy's rank within them draws apart */
		copy = i > 0 && keys[i] == keys[i - 1] ? copy + 1 : 0;
		u = (double) (cm_rng_hash(cm_rng_hash(bits ^ HOLDOUT_SALT) + copy) >> 11) * 0x1p-53;
		is_holdout[i] = u < fraction;
		count += is_holdout[i];
	}
	*n_holdout = count;
}

/* ---- the rows of the smallest keys --------------------------------------------------------- */

cm_status
cm_smallest_keys_init(cm_smallest_keys *s, size_t capacity)
{
	memset(s, 0, sizeof(*s));
	s->capacity = capacity;
	CM_TRY(cm_alloc_array(capacity ? capacity : 1, sizeof(double), (void **) &s->keys));
	if (cm_alloc_array(capacity ? capacity : 1, sizeof(cm_kept_key), (void **) &s->heap) != CM_OK)
	{
		cm_free(s->keys);
		s->keys = NULL;
		return CM_ERR_NOMEM;
	}
	return CM_OK;
}

void
cm_smallest_keys_free(cm_smallest_keys *s)
{
	cm_free(s->keys);
	cm_free(s->heap);
	s->keys = NULL;
	s->heap = NULL;
}

/* Restore the max-heap below entry i (its key just got smaller). */
static void
sift_down(cm_smallest_keys *s, size_t i)
{
	cm_kept_key *h = s->heap;
	cm_kept_key moving = h[i];

	for (;;)
	{
		size_t		child = 2 * i + 1;

		if (child >= s->n)
			break;
		if (child + 1 < s->n && h[child + 1].key > h[child].key)
			child++;
		if (!(h[child].key > moving.key))
			break;
		h[i] = h[child];
		i = child;
	}
	h[i] = moving;
}

size_t
cm_smallest_keys_offer(cm_smallest_keys *s, double key)
{
	size_t		slot;

	s->offered++;
	if (s->n < s->capacity)
	{
		slot = s->n;
		s->keys[slot] = key;
		s->heap[s->n++] = (cm_kept_key) {key, slot};
		if (s->n == s->capacity)	/* heapify once full: the order before does not matter */
			for (size_t i = s->n / 2; i-- > 0;)
				sift_down(s, i);
		return slot;
	}
	if (s->capacity == 0 || !(key < s->heap[0].key))
		return CM_SMALLEST_KEYS_DROP;
	slot = s->heap[0].slot;
	s->keys[slot] = key;
	s->heap[0].key = key;
	sift_down(s, 0);
	return slot;
}

/* ---- categories in text order --------------------------------------------------------------- */

/* Category i's text before category j's (bytes, then the shorter on a common prefix). */
static bool
text_before(const cm_categories *c, uint32_t i, uint32_t j)
{
	uint32_t	li = c->lengths[i],
				lj = c->lengths[j];
	int			cmp = memcmp(c->values[i], c->values[j], li < lj ? li : lj);

	return cmp < 0 || (cmp == 0 && li < lj);
}

cm_status
cm_categories_sort(cm_categories *c, uint32_t *remap)
{
	uint32_t	order[CM_CATEGORIES_MAX];

	/* at most 255 values: an insertion sort */
	for (uint32_t i = 0; i < c->n; i++)
	{
		uint32_t	k = i;

		for (; k > 0 && text_before(c, i, order[k - 1]); k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	for (uint32_t k = 0; k < c->n; k++)
		remap[order[k]] = k;
	return c->n ? cm_categories_reorder(c, order, c->n) : CM_OK;
}

void
cm_binned_remap_categories(cm_binned *data, uint32_t j, const uint32_t *remap, uint32_t n)
{
	uint8_t		code_of[CM_BINS_MAX];

	for (uint32_t c = 0; c < CM_BINS_MAX; c++)
		code_of[c] = (uint8_t) (c >= 1 && c <= n ? remap[c - 1] + 1 : c);
	for (size_t i = 0; i < data->n_rows; i++)
	{
		uint8_t    *cell = data->codes + i * data->n_features + j;

		*cell = code_of[*cell];
	}
}

/* ---- canonical row order -------------------------------------------------------------------- */

/* One per-row array to reorder: row i is *base + i * size. */
typedef struct row_array
{
	void	  **base;
	size_t		size;
} row_array;

/* Row content compared byte for byte, array by array (keys excluded: they are equal). */
static int
compare_content(const row_array *arrays, int n_arrays, size_t i, size_t j)
{
	for (int a = 0; a < n_arrays; a++)
	{
		const char *base = *arrays[a].base;
		int			c = memcmp(base + i * arrays[a].size, base + j * arrays[a].size, arrays[a].size);

		if (c)
			return c;
	}
	return 0;
}

/*
 * Keys are uniform in [0, 1): one pass scatters them into buckets of about two by their top
 * bits, and an insertion sort finishes each bucket (a third of the time of the general radix
 * sort, which passes over every byte).  Many equal keys (identical rows) cost nothing extra:
 * the insertion sort does not move equal keys.
 */
/* A key's bucket of n_buckets; anything outside [0, 1) goes to an end bucket. */
static inline size_t
bucket_of(double key, size_t n_buckets)
{
	double		b = key * (double) n_buckets;

	return b >= 1 ? (b < (double) n_buckets ? (size_t) b : n_buckets - 1) : 0;
}

cm_status
cm_key_order(const double *keys, size_t n, size_t *order)
{
	int			bits = 1;
	size_t		n_buckets,
			   *next;
	cm_kept_key *items;

	while (bits < 26 && ((size_t) 1 << bits) < n / 2)
		bits++;
	n_buckets = (size_t) 1 << bits;
	CM_TRY(cm_alloc_array(n_buckets + 1, sizeof(size_t), (void **) &next));
	if (cm_alloc_array(n ? n : 1, sizeof(cm_kept_key), (void **) &items) != CM_OK)
	{
		cm_free(next);
		return CM_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		next[bucket_of(keys[i], n_buckets) + 1]++;
	for (size_t b = 1; b <= n_buckets; b++)
		next[b] += next[b - 1];
	for (size_t i = 0; i < n; i++)
		items[next[bucket_of(keys[i], n_buckets)]++] = (cm_kept_key) {keys[i], i};
	for (size_t i = 1; i < n; i++)
	{
		cm_kept_key moving = items[i];
		size_t		k = i;

		for (; k > 0 && items[k - 1].key > moving.key; k--)
			items[k] = items[k - 1];
		items[k] = moving;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = items[i].slot;
	cm_free(items);
	cm_free(next);
	return CM_OK;
}

/*
 * The stable key order, then runs of equal keys (a hash collision, or identical rows) by
 * content with an insertion sort: such runs are a few rows long.
 */
static cm_status
canonical_order(size_t n, const double *keys, const row_array *content, int n_content,
				size_t *order)
{
	CM_TRY(cm_key_order(keys, n, order));
	for (size_t begin = 0; begin < n;)
	{
		size_t		end = begin + 1;

		while (end < n && keys[order[end]] == keys[order[begin]])
			end++;
		for (size_t i = begin + 1; i < end; i++)
			for (size_t k = i; k > begin &&
				 compare_content(content, n_content, order[k - 1], order[k]) > 0; k--)
			{
				size_t		t = order[k];

				order[k] = order[k - 1];
				order[k - 1] = t;
			}
		begin = end;
	}
	return CM_OK;
}

/*
 * Replace the array by a copy in the new order (row i is old row order[i]).  A gather, not a
 * walk along the permutation's cycles: its loads do not wait for each other, about five times
 * faster on rows that do not fit in the cache, for one array's worth of memory at a time.
 */
static cm_status
gather(size_t n, const size_t *order, row_array *array)
{
	size_t		size = array->size;
	const char *from = *array->base;
	char	   *to;

	CM_TRY(cm_alloc_array(n, size, (void **) &to));
	for (size_t i = 0; i < n; i++)
	{
		if ((i & (INTERRUPT_EVERY - 1)) == 0 && cm_check_interrupts() != CM_OK)
		{
			cm_free(to);
			return CM_ERR_CANCELED;
		}
		if (size == sizeof(double))
			memcpy(to + i * sizeof(double), from + order[i] * sizeof(double), sizeof(double));
		else if (size == sizeof(float))
			memcpy(to + i * sizeof(float), from + order[i] * sizeof(float), sizeof(float));
		else
			memcpy(to + i * size, from + order[i] * size, size);
	}
	cm_free(*array->base);
	*array->base = to;
	return CM_OK;
}

/* Whether the rows are in canonical order already (a host may add them in key order). */
static bool
in_order(size_t n, const double *keys, const row_array *content, int n_content)
{
	for (size_t i = 1; i < n; i++)
		if (keys[i - 1] > keys[i] ||
			(keys[i - 1] == keys[i] && compare_content(content, n_content, i - 1, i) > 0))
			return false;
	return true;
}

/* arrays[n_arrays - 1] is the keys, which order the rows and are not content. */
static cm_status
reorder(size_t n, double **keys, row_array *arrays, int n_arrays)
{
	size_t	   *order;
	cm_status	st;

	if (n < 2 || in_order(n, *keys, arrays, n_arrays - 1))
		return CM_OK;
	CM_TRY(cm_alloc_array(n, sizeof(size_t), (void **) &order));
	st = canonical_order(n, *keys, arrays, n_arrays - 1, order);
	for (int a = 0; a < n_arrays && st == CM_OK; a++)
		st = gather(n, order, &arrays[a]);
	cm_free(order);
	return st;
}

cm_status
cm_binned_canonical_order(cm_binned *data, double **keys)
{
	row_array	arrays[4];
	int			n = 0;
	cm_status	st;

	arrays[n++] = (row_array) {(void **) &data->codes, data->n_features};
	arrays[n++] = (row_array) {(void **) &data->y, sizeof(float)};
	if (data->w)
		arrays[n++] = (row_array) {(void **) &data->w, sizeof(float)};
	arrays[n++] = (row_array) {(void **) keys, sizeof(double)};
	st = reorder(data->n_rows, keys, arrays, n);
	if (st == CM_OK && data->n_rows >= 2)
		data->cap_rows = data->n_rows;	/* the copies hold exactly the rows */
	return st;
}

cm_status
cm_dataset_canonical_order(cm_dataset *ds, double **keys)
{
	row_array	arrays[3] = {
		{(void **) &ds->x, ds->n_features * sizeof(double)},
		{(void **) &ds->y, sizeof(double)},
		{(void **) keys, sizeof(double)},
	};
	cm_status	st = reorder(ds->n_rows, keys, arrays, 3);

	if (st == CM_OK && ds->n_rows >= 2)
		ds->cap_rows = ds->n_rows;
	return st;
}
