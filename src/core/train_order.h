/*
 * train_order.h - training that does not depend on the order of the source's rows.
 *
 * A distributed table returns its rows in a different order every time, and a table sorted by
 * a feature puts only low values in the first rows.  So nothing in training may depend on a
 * row's position: each row gets a key, a hash of the training seed and of what training reads
 * of it (label, weight, features: categories by their text), and
 *   - the rows are trained on in the order of their keys (ties by content), so every sum the
 *     fit takes adds the same numbers in the same order;
 *   - the holdout is the rows whose key (with its rank among identical rows), hashed once
 *     more, falls below the holdout share;
 *   - the sample that places gbt's bin edges is the rows of the smallest keys;
 *   - campaign.train_key, a key of the whole row in SQL, draws the `sample` parameter's rows
 *     where the rows are (on Citus, on the shards), so only the sample travels.
 * Categories are numbered in the byte order of their text, not in the order they were seen.
 */
#ifndef CM_TRAIN_ORDER_H
#define CM_TRAIN_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "binning.h"
#include "categories.h"
#include "dataset.h"
#include "status.h"

/* The key of one row, fed column by column (the host's bytes of each value, or NULL). */
typedef struct cm_row_key
{
	uint64_t	h;
} cm_row_key;

void		cm_row_key_begin(cm_row_key *k, uint64_t seed);
void		cm_row_key_null(cm_row_key *k);
void		cm_row_key_bytes(cm_row_key *k, const void *bytes, size_t len);

/*
 * One multiply and shift per word as the words go in (a full hash per word cost a tenth of
 * reading the source), the full finalizer once at the end (cm_row_key_end).
 */
static inline uint64_t
cm_row_key_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * UINT64_C(0x9E3779B97F4A7C15);
	return h ^ (h >> 29);
}

/*
 * A value of 1 to 8 bytes given as the number whose little-endian bytes they are: the same
 * key as cm_row_key_bytes of those bytes, without the call (the common case: numbers).
 */
static inline void
cm_row_key_small(cm_row_key *k, uint64_t value, size_t len)
{
	k->h = cm_row_key_mix(cm_row_key_mix(k->h, (uint64_t) len), value);
}

/* The key as a number in [0, 1), 53 bits: a share s of the rows has a key below s. */
double		cm_row_key_end(const cm_row_key *k);

/* The permutation that sorts keys[0, n) (each in [0, 1)), stable: keys[order[0]] <= ... */
cm_status	cm_key_order(const double *keys, size_t n, size_t *order);

/*
 * Holdout flags from the keys, in canonical order: a row is held out with probability
 * fraction, independently of whether its key is below any share (a sample drawn by key keeps
 * its holdout share), and identical rows (adjacent, one key) each by their rank among them,
 * so a table of few distinct rows is split row by row, not pattern by pattern.
 */
void		cm_split_by_key(const double *keys, size_t n, double fraction, uint8_t *is_holdout,
							size_t *n_holdout);

/*
 * The rows of the smallest keys, at most capacity of them, as the rows arrive: offer each
 * row's key and store the row in the slot returned (a new slot while there is room, else the
 * slot of the largest key kept, which it replaces), or drop it when the result is
 * CM_SMALLEST_KEYS_DROP.  The kept set is the same in whatever order the rows arrive.
 */
#define CM_SMALLEST_KEYS_DROP SIZE_MAX
typedef struct cm_kept_key
{
	double		key;
	size_t		slot;
} cm_kept_key;

typedef struct cm_smallest_keys
{
	size_t		capacity;
	size_t		n;				/* slots in use */
	size_t		offered;		/* rows offered so far */
	double	   *keys;			/* per slot */
	cm_kept_key *heap;			/* a max-heap on the key once full: key inline, children side by side */
} cm_smallest_keys;

cm_status	cm_smallest_keys_init(cm_smallest_keys *s, size_t capacity);
size_t		cm_smallest_keys_offer(cm_smallest_keys *s, double key);
void		cm_smallest_keys_free(cm_smallest_keys *s);

/*
 * Renumber the categories in the byte order of their text (shorter first on a common prefix);
 * remap[old index] receives the new index.
 */
cm_status	cm_categories_sort(cm_categories *c, uint32_t *remap);

/*
 * Rewrite feature j's codes (category index + 1, 0 for missing) after cm_categories_sort of
 * its n categories.
 */
void		cm_binned_remap_categories(cm_binned *data, uint32_t j, const uint32_t *remap,
									   uint32_t n);

/*
 * Put the rows in key order, ties by their codes, label and weight (identical rows may swap:
 * nothing tells them apart).  The row arrays and *keys are replaced by reordered copies, one
 * at a time (extra memory: the largest of them), holding exactly n_rows rows.
 * CM_ERR_NOMEM, CM_ERR_CANCELED (then some arrays may be reordered and others not).
 */
cm_status	cm_binned_canonical_order(cm_binned *data, double **keys);

/* The same for a dense dataset: ties by values and label. */
cm_status	cm_dataset_canonical_order(cm_dataset *ds, double **keys);

#endif
