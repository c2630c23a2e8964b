/* categories.c - category lists of categorical features and their hash lookup. */
#include "categories.h"
#include "memory.h"

#include <string.h>

#define SLOT_MASK (CM_CATEGORY_SLOTS - 1)

/* FNV-1a: a handful of short strings, no adversary to fear (at most 255 entries). */
static uint32_t
hash_bytes(const char *s, size_t len)
{
	uint32_t	h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t) s[i]) * 16777619u;
	return h;
}

void
cm_categories_init(cm_categories *c)
{
	memset(c, 0, sizeof(*c));
}

void
cm_categories_free(cm_categories *c)
{
	for (uint32_t i = 0; i < c->n; i++)
		cm_free(c->values[i]);
	cm_free(c->values);
	cm_free(c->lengths);
	cm_free(c->slots);
	cm_categories_init(c);
}

/* The slot holding s, or the empty slot where it would go. */
static uint32_t
slot_of(const cm_categories *c, const char *s, size_t len)
{
	uint32_t	k = hash_bytes(s, len) & SLOT_MASK;

	/* at most half full: the probe always meets an empty slot */
	while (c->slots[k] != 0)
	{
		uint32_t	i = c->slots[k] - 1u;

		if (c->lengths[i] == len && memcmp(c->values[i], s, len) == 0)
			break;
		k = (k + 1) & SLOT_MASK;
	}
	return k;
}

int
cm_categories_find(const cm_categories *c, const char *s, size_t len)
{
	uint32_t	k;

	if (c->slots == NULL || len > CM_CATEGORY_MAX_LEN)
		return -1;
	k = slot_of(c, s, len);
	return c->slots[k] ? (int) c->slots[k] - 1 : -1;
}

static cm_status
allocate(cm_categories *c)
{
	CM_TRY(cm_alloc_array(CM_CATEGORIES_MAX, sizeof(char *), (void **) &c->values));
	CM_TRY(cm_alloc_array(CM_CATEGORIES_MAX, sizeof(uint32_t), (void **) &c->lengths));
	return cm_alloc_array(CM_CATEGORY_SLOTS, sizeof(uint16_t), (void **) &c->slots);
}

cm_status
cm_categories_add(cm_categories *c, const char *s, size_t len, uint32_t *index)
{
	uint32_t	k;
	char	   *copy;

	if (len > CM_CATEGORY_MAX_LEN || memchr(s, 0, len) != NULL)
		return cm_fail(CM_ERR_INVALID, "a category must have at most %d bytes and no NUL, not %zu",
					   CM_CATEGORY_MAX_LEN, len);
	if (c->slots == NULL && allocate(c) != CM_OK)
	{
		cm_categories_free(c);
		return CM_ERR_NOMEM;
	}
	k = slot_of(c, s, len);
	if (c->slots[k] != 0)
	{
		*index = c->slots[k] - 1u;
		return CM_OK;
	}
	if (c->n >= CM_CATEGORIES_MAX)
		return cm_fail(CM_ERR_LIMIT, "more than %d categories", CM_CATEGORIES_MAX);
	if ((copy = cm_alloc(len + 1)) == NULL)
		return cm_fail(CM_ERR_NOMEM, "out of memory for a category");
	memcpy(copy, s, len);
	copy[len] = '\0';
	c->values[c->n] = copy;
	c->lengths[c->n] = (uint32_t) len;
	c->slots[k] = (uint16_t) (c->n + 1);
	*index = c->n++;
	return CM_OK;
}

cm_status
cm_categories_reorder(cm_categories *c, const uint32_t *order, uint32_t n_keep)
{
	cm_categories old = *c;
	cm_status	st = CM_OK;

	cm_categories_init(c);
	for (uint32_t k = 0; k < n_keep && st == CM_OK; k++)
	{
		uint32_t	index;

		if (order[k] >= old.n)
			st = cm_fail(CM_ERR_INTERNAL, "category order names value %u of %u", order[k], old.n);
		else
			st = cm_categories_add(c, old.values[order[k]], old.lengths[order[k]], &index);
		if (st == CM_OK && index != k)
			st = cm_fail(CM_ERR_INTERNAL, "category order repeats a value");
	}
	cm_categories_free(&old);
	if (st != CM_OK)
		cm_categories_free(c);
	return st;
}
