/*
 * fuzz_input.h - helpers shared by the fuzz targets: the input bytes read as the vectors of
 * doubles that float8[] aggregate states are.
 */
#ifndef CM_FUZZ_INPUT_H
#define CM_FUZZ_INPUT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"

/*
 * The doubles of data[0, size) (a trailing partial double is dropped) in a fresh cm_alloc
 * array of exactly *n entries (one at least, so the pointer is never NULL), so ASan sees
 * every read past the state's end.
 */
static inline double *
fuzz_doubles(const uint8_t *data, size_t size, size_t *n)
{
	double	   *out;

	*n = size / sizeof(double);
	out = cm_alloc((*n ? *n : 1) * sizeof(double));
	if (out == NULL)
		abort();
	if (*n)
		memcpy(out, data, *n * sizeof(double));
	return out;
}

#endif
