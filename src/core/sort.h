/*
 * sort.h - sorting large arrays of doubles faster than qsort's comparison callbacks.
 */
#ifndef CM_SORT_H
#define CM_SORT_H

#include <stddef.h>

#include "status.h"

/*
 * Sort v[0, n) ascending (no NaN; -0 before +0).  A radix sort on the bits of each value:
 * linear time, and byte positions where every value agrees (the low mantissa bytes of whole
 * numbers, the exponent of values of one magnitude) cost nothing.  CM_ERR_NOMEM if its scratch
 * array cannot be allocated.
 */
cm_status	cm_sort_doubles(double *v, size_t n);

/* The permutation that sorts v[0, n) (no NaN), stable: v[order[0]] <= v[order[1]] <= ... */
cm_status	cm_sort_order(const double *v, size_t n, size_t *order);

#endif
