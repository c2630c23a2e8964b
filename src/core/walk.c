/*
 * walk.c - what every walk list function shares: doors given in lon/lat measured in metres
 * (see walk.h).  The rest of walk lists is by role: ewkb.c, turf.c (with turf_tours.c),
 * walk_plan.c, walk_state.c, route_costs.c and the tour solver in tour.c.
 */
#include "walk.h"

#include <math.h>

#include "keyed.h"

#define EARTH_RADIUS_M 6371008.8	/* mean radius (IUGG) */

cm_status
cm_walk_project_lonlat(double *x, double *y, size_t n)
{
	cm_box		b;
	double		lon0,
				lat0,
				kx,
				ky;

	for (size_t i = 0; i < n; i++)
		if (!(fabs(x[i]) <= 180.0) || !(fabs(y[i]) <= 90.0))
			return cm_fail(CM_ERR_INVALID, "point (%g %g) is not a longitude/latitude in degrees",
						   x[i], y[i]);
	b = cm_bounds(x, y, n);
	lon0 = (b.minx + b.maxx) / 2;
	lat0 = (b.miny + b.maxy) / 2;
	ky = EARTH_RADIUS_M * M_PI / 180.0;
	kx = ky * cos(lat0 * M_PI / 180.0);
	for (size_t i = 0; i < n; i++)
	{
		x[i] = (x[i] - lon0) * kx;
		y[i] = (y[i] - lat0) * ky;
	}
	return CM_OK;
}
