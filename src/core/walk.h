/*
 * walk.h - what every walk list function (walk_route, walk_path, walk_order, turf, walk_plan)
 * shares before its solver runs: planar coordinates in metres.  The solvers are in tour.h,
 * turf.h and walk_plan.h, the geometry bytes in ewkb.h, the aggregate state in walk_state.h
 * and walk_route_costs' matrix in route_costs.h.
 */
#ifndef CM_WALK_H
#define CM_WALK_H

#include <stddef.h>

#include "status.h"

/*
 * Project lon/lat degrees (in place) to metres on a plane tangent at the centre of the points'
 * bounding box (equirectangular with the cosine of the centre latitude).  Rejects longitudes
 * outside [-180, 180] and latitudes outside [-90, 90].
 */
cm_status	cm_walk_project_lonlat(double *x, double *y, size_t n);

#endif
