/*
 * turf_tours.h - internal to campaign.turf, between turf.c (the cut) and turf_tours.c (the
 * improvement by tours); the public entry is turf.h.
 */
#ifndef CM_TURF_TOURS_H
#define CM_TURF_TOURS_H

#include <stddef.h>
#include <stdint.h>

#include "keyed.h"
#include "status.h"

/*
 * Shorten the summed closed tours of the k turfs in turf[0, n) (numbers 1..k, sizes q or
 * q + 1 for q = n / k, kept so) by route-first splits of neighbouring pairs and door moves
 * between them; scratch holds n entries.  Turfs under 3 doors keep the cut.
 */
cm_status	cm_turf_shorten_tours(const double *x, const double *y, size_t n, size_t k,
								  int32_t *turf, cm_keyed *scratch);

#endif
