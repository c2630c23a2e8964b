/* buffer.c - the byte writer and the validating reader. */
#include "buffer.h"
#include "memory.h"

#include <math.h>
#include <string.h>

void
cm_writer_init(cm_writer *w)
{
	w->data = NULL;
	w->len = 0;
	w->cap = 0;
	w->status = CM_OK;
	w->finite_only = 0;
}

void
cm_writer_free(cm_writer *w)
{
	cm_free(w->data);
	cm_writer_init(w);
}

static int
writer_reserve(cm_writer *w, size_t n)
{
	size_t		need;
	size_t		cap;
	uint8_t    *grown;

	if (w->status != CM_OK)
		return 0;
	if (!cm_add_size(w->len, n, &need))
	{
		w->status = cm_fail(CM_ERR_LIMIT, "serialized size overflows");
		return 0;
	}
	if (need <= w->cap)
		return 1;
	cap = w->cap ? w->cap : 256;
	while (cap < need)
	{
		if (!cm_mul_size(cap, 2, &cap))
		{
			w->status = cm_fail(CM_ERR_LIMIT, "serialized size overflows");
			return 0;
		}
	}
	grown = cm_alloc(cap);
	if (grown == NULL)
	{
		w->status = cm_fail(CM_ERR_NOMEM, "out of memory serializing %zu bytes", cap);
		return 0;
	}
	if (w->len)
		memcpy(grown, w->data, w->len);
	cm_free(w->data);
	w->data = grown;
	w->cap = cap;
	return 1;
}

void
cm_put_bytes(cm_writer *w, const void *bytes, size_t n)
{
	if (n == 0 || !writer_reserve(w, n))
		return;
	memcpy(w->data + w->len, bytes, n);
	w->len += n;
}

static void
put_le(cm_writer *w, uint64_t v, int nbytes)
{
	uint8_t		b[8];

	for (int i = 0; i < nbytes; i++)
		b[i] = (uint8_t) (v >> (8 * i));
	cm_put_bytes(w, b, (size_t) nbytes);
}

void
cm_put_u8(cm_writer *w, uint8_t v)
{
	put_le(w, v, 1);
}

void
cm_put_u16(cm_writer *w, uint16_t v)
{
	put_le(w, v, 2);
}

void
cm_put_u32(cm_writer *w, uint32_t v)
{
	put_le(w, v, 4);
}

void
cm_put_u64(cm_writer *w, uint64_t v)
{
	put_le(w, v, 8);
}

void
cm_put_f64(cm_writer *w, double v)
{
	uint64_t	bits;

	if (w->finite_only && !isfinite(v))
	{
		if (w->status == CM_OK)
			w->status = cm_fail(CM_ERR_NONFINITE, "a number to serialize is %s",
								isnan(v) ? "NaN" : "infinite");
		return;
	}
	memcpy(&bits, &v, sizeof(bits));
	put_le(w, bits, 8);
}

void
cm_put_f64s(cm_writer *w, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cm_put_f64(w, v[i]);
}

void
cm_put_str(cm_writer *w, const char *s)
{
	size_t		n = strlen(s);

	if (n > UINT32_MAX)
	{
		if (w->status == CM_OK)
			w->status = cm_fail(CM_ERR_LIMIT, "string of %zu bytes is too long to serialize", n);
		return;
	}
	cm_put_u32(w, (uint32_t) n);
	cm_put_bytes(w, s, n);
}

void
cm_reader_init(cm_reader *r, const void *data, size_t len)
{
	r->data = data;
	r->len = len;
	r->pos = 0;
}

size_t
cm_reader_remaining(const cm_reader *r)
{
	return r->len - r->pos;
}

cm_status
cm_get_bytes(cm_reader *r, void *out, size_t n)
{
	if (n > cm_reader_remaining(r))
		return cm_fail(CM_ERR_CORRUPT, "truncated data: %zu bytes needed at offset %zu, %zu left",
					   n, r->pos, cm_reader_remaining(r));
	if (n)
		memcpy(out, r->data + r->pos, n);
	r->pos += n;
	return CM_OK;
}

static cm_status
get_le(cm_reader *r, uint64_t *v, int nbytes)
{
	uint8_t		b[8];
	uint64_t	x = 0;

	CM_TRY(cm_get_bytes(r, b, (size_t) nbytes));
	for (int i = 0; i < nbytes; i++)
		x |= (uint64_t) b[i] << (8 * i);
	*v = x;
	return CM_OK;
}

/* Read nbytes little-endian bytes into the unsigned integer of that width at v. */
static cm_status
get_uint(cm_reader *r, void *v, int nbytes)
{
	uint64_t	x;

	CM_TRY(get_le(r, &x, nbytes));
	if (nbytes == 1)
		*(uint8_t *) v = (uint8_t) x;
	else if (nbytes == 2)
		*(uint16_t *) v = (uint16_t) x;
	else
		*(uint32_t *) v = (uint32_t) x;
	return CM_OK;
}

cm_status
cm_get_u8(cm_reader *r, uint8_t *v)
{
	return get_uint(r, v, 1);
}

cm_status
cm_get_u16(cm_reader *r, uint16_t *v)
{
	return get_uint(r, v, 2);
}

cm_status
cm_get_u32(cm_reader *r, uint32_t *v)
{
	return get_uint(r, v, 4);
}

cm_status
cm_get_u64(cm_reader *r, uint64_t *v)
{
	return get_le(r, v, 8);
}

cm_status
cm_get_f64(cm_reader *r, double *v)
{
	uint64_t	bits;

	CM_TRY(get_le(r, &bits, 8));
	memcpy(v, &bits, sizeof(bits));
	return CM_OK;
}

cm_status
cm_get_f64_finite(cm_reader *r, double *v)
{
	CM_TRY(cm_get_f64(r, v));
	if (!isfinite(*v))
		return cm_fail(CM_ERR_CORRUPT, "non-finite number at offset %zu", r->pos - 8);
	return CM_OK;
}

cm_status
cm_get_f64s_finite(cm_reader *r, double *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CM_TRY(cm_get_f64_finite(r, &out[i]));
	return CM_OK;
}

cm_status
cm_get_count(cm_reader *r, uint32_t max, size_t min_item_size, uint32_t *count)
{
	size_t		need;

	CM_TRY(cm_get_u32(r, count));
	if (*count > max)
		return cm_fail(CM_ERR_CORRUPT, "count %u exceeds the limit %u", *count, max);
	if (!cm_mul_size(*count, min_item_size, &need) || need > cm_reader_remaining(r))
		return cm_fail(CM_ERR_CORRUPT, "count %u does not fit in the %zu remaining bytes",
					   *count, cm_reader_remaining(r));
	return CM_OK;
}

cm_status
cm_get_str(cm_reader *r, uint32_t max_len, char **out)
{
	uint32_t	n;
	char	   *s;

	*out = NULL;
	CM_TRY(cm_get_count(r, max_len, 1, &n));
	if (memchr(r->data + r->pos, '\0', n) != NULL)
		return cm_fail(CM_ERR_CORRUPT, "string contains a NUL byte");
	s = cm_alloc((size_t) n + 1);
	if (s == NULL)
		return cm_fail(CM_ERR_NOMEM, "out of memory reading a string of %u bytes", n);
	memcpy(s, r->data + r->pos, n);
	s[n] = '\0';
	r->pos += n;
	*out = s;
	return CM_OK;
}

cm_status
cm_reader_finish(const cm_reader *r)
{
	if (r->pos != r->len)
		return cm_fail(CM_ERR_CORRUPT, "%zu trailing bytes after the data", r->len - r->pos);
	return CM_OK;
}
