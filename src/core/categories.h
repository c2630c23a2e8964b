/*
 * categories.h - the distinct values of a categorical feature, with a constant-time lookup.
 *
 * A categorical feature's values are strings (the host's text form of the value).  Value i of
 * the list is scored as the number i, so a model's trees compare category positions; the
 * order is chosen at training (see cm_binned_order_categories) and stored with the model.
 * A string not in the list (an unseen category) is a missing value.
 *
 * At most CM_CATEGORIES_MAX values (a training cell is one byte and bin 0 is for missing
 * values), each at most CM_CATEGORY_MAX_LEN bytes without NUL (the empty string is one); the lookup is an open-addressing
 * hash table of CM_CATEGORY_SLOTS entries, at most half full.
 */
#ifndef CM_CATEGORIES_H
#define CM_CATEGORIES_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define CM_CATEGORIES_MAX 255
#define CM_CATEGORY_MAX_LEN 1024
#define CM_CATEGORY_SLOTS 512

typedef struct cm_categories
{
	uint32_t	n;
	char	  **values;			/* n NUL-terminated strings; NULL until the first add */
	uint32_t   *lengths;
	uint16_t   *slots;			/* CM_CATEGORY_SLOTS entries: index + 1, 0 for empty */
} cm_categories;

void		cm_categories_init(cm_categories *c);
void		cm_categories_free(cm_categories *c);

/* Index of the string s[0, len), or -1 when it is not a category. */
int			cm_categories_find(const cm_categories *c, const char *s, size_t len);

/*
 * Index of s[0, len) in *index, appended when new.  CM_ERR_LIMIT when a new value would
 * exceed CM_CATEGORIES_MAX, CM_ERR_INVALID for a too long string or one with NUL.
 */
cm_status	cm_categories_add(cm_categories *c, const char *s, size_t len, uint32_t *index);

/*
 * Keep n_keep values in a new order: the new value k is the old value order[k] (distinct,
 * < c->n); the others are dropped.
 */
cm_status	cm_categories_reorder(cm_categories *c, const uint32_t *order, uint32_t n_keep);

#endif
