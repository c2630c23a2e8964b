/*
 * buffer.h - little-endian byte writer and bounds-checked reader.
 *
 * Used by every serialized format of the extension (models, aggregate states).  The writer
 * grows through the host allocator and keeps the first error (sticky), so a serializer can
 * write everything and check once.  Every reader call checks bounds and returns
 * CM_ERR_CORRUPT on truncated or invalid input: readers never trust their bytes.
 */
#ifndef CM_BUFFER_H
#define CM_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct cm_writer
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	cm_status	status;			/* first failure, CM_OK while all is well */
	int			finite_only;	/* refuse NaN and infinities (CM_ERR_NONFINITE): set where the
								 * reader will want finite numbers, so what is written can be read */
} cm_writer;

void		cm_writer_init(cm_writer *w);
void		cm_writer_free(cm_writer *w);
void		cm_put_bytes(cm_writer *w, const void *bytes, size_t n);
void		cm_put_u8(cm_writer *w, uint8_t v);
void		cm_put_u16(cm_writer *w, uint16_t v);
void		cm_put_u32(cm_writer *w, uint32_t v);
void		cm_put_u64(cm_writer *w, uint64_t v);
/* A double; with finite_only set, NaN or an infinity fails the writer (CM_ERR_NONFINITE). */
void		cm_put_f64(cm_writer *w, double v);
void		cm_put_f64s(cm_writer *w, const double *v, size_t n);
/* A string as u32 length + bytes (no terminator). */
void		cm_put_str(cm_writer *w, const char *s);

typedef struct cm_reader
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;
} cm_reader;

void		cm_reader_init(cm_reader *r, const void *data, size_t len);
size_t		cm_reader_remaining(const cm_reader *r);
cm_status	cm_get_bytes(cm_reader *r, void *out, size_t n);
cm_status	cm_get_u8(cm_reader *r, uint8_t *v);
cm_status	cm_get_u16(cm_reader *r, uint16_t *v);
cm_status	cm_get_u32(cm_reader *r, uint32_t *v);
cm_status	cm_get_u64(cm_reader *r, uint64_t *v);
/* Any double, NaN and infinities included. */
cm_status	cm_get_f64(cm_reader *r, double *v);
/* A finite double; NaN or infinity is CM_ERR_CORRUPT. */
cm_status	cm_get_f64_finite(cm_reader *r, double *v);
/* n finite doubles into out. */
cm_status	cm_get_f64s_finite(cm_reader *r, double *out, size_t n);
/* A u32 count, rejected unless <= max and the remaining bytes hold count * min_item_size. */
cm_status	cm_get_count(cm_reader *r, uint32_t max, size_t min_item_size, uint32_t *count);
/*
 * A string written by cm_put_str: length <= max_len, no NUL bytes; returned as a new
 * NUL-terminated allocation owned by the caller.
 */
cm_status	cm_get_str(cm_reader *r, uint32_t max_len, char **out);
/* CM_ERR_CORRUPT unless every byte has been read. */
cm_status	cm_reader_finish(const cm_reader *r);

#endif
