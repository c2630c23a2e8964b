/*
 * walk.c - walk lists: walk_route / walk_path aggregates, walk_order / turf / walk_plan window
 * functions, and walk_route_costs and turf_costs over a pgRouting cost matrix
 * (docs/walklists.md).
 *
 * Geometries are read through PostGIS's own ST_AsEWKB, looked up once per call site in the
 * schema of the geometry type, and parsed by the core's EWKB point reader; walk_path builds
 * its line as EWKB and hands it to ST_GeomFromEWKB.  liblwgeom is never linked.
 *
 * The algorithms are the core's, one header per SQL surface: tour.h (the route of walk_route,
 * walk_path and walk_order), turf.h, walk_plan.h, route_costs.h (walk_route_costs' matrix);
 * ewkb.h reads and writes the geometry bytes, walk_state.h is the aggregates' state and
 * walk.h measures lon/lat in metres.  This file reads arguments, rows and settings, calls
 * them and reports their errors.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/syscache.h"
#include "windowapi.h"

#include "campaign.h"
#include "features.h"
#include "status.h"
#include "utils.h"
#include "../core/buffer.h"
#include "../core/ewkb.h"
#include "../core/memory.h"
#include "../core/route_costs.h"
#include "../core/tour.h"
#include "../core/turf.h"
#include "../core/walk.h"
#include "../core/walk_plan.h"
#include "../core/walk_state.h"

#define SRID_LONLAT 4326
#define WALK_SEED 20241105		/* fixed: the same doors always give the same route */
#define WALK_KICKS_CAP_DOORS 2500	/* kicks stop growing past this many doors (5,000 in seconds) */
#define PLAN_ROUNDS 2000		/* walk_plan's search rounds at the default walk_effort */
#define DEFAULT_WALK_EFFORT 40

/* An overflow-checked huge array in the current context (palloc_array is PG 16+ only). */
#define WALK_ARRAY(type, count) \
	((type *) MemoryContextAllocHuge(CurrentMemoryContext, mul_size(sizeof(type), (Size) (count))))

static int	campaign_max_route_points = 100000;
static int	campaign_walk_effort = DEFAULT_WALK_EFFORT;

/*
 * max_route_points bounds a walk list's memory (cost matrices grow with its square), so only
 * a superuser raises it; walk_effort only trades time, which statement_timeout bounds.
 */
void
cm_pg_walk_init(void)
{
	DefineCustomIntVariable("campaign.max_route_points",
							"Most doors one walk list (route, turf partition or plan) may hold.",
							"Larger groups are refused with an error; cut them into turfs first.",
							&campaign_max_route_points,
							100000, 1, CM_TOUR_MAX_NODES,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("campaign.walk_effort",
							"Iterated local search kicks per door when ordering walk lists.",
							"More is slower and closer to the best order; 0 is local search only. "
							"Routes over 2500 doors get the kicks of 2500. walk_plan's search "
							"rounds scale with it too (2000 at the default 40; 0: greedy only).",
							&campaign_walk_effort,
							DEFAULT_WALK_EFFORT, 0, 100000,
							PGC_USERSET, 0, NULL, NULL, NULL);
}

/* ---- reading geometries ----------------------------------------------------------------- */

typedef struct geo_funcs
{
	Oid			geometry_type;
	FmgrInfo	as_ewkb;
	bool		have_from_ewkb;
	FmgrInfo	from_ewkb;
} geo_funcs;

static Oid
postgis_function(Oid geometry_type, const char *name, Oid argtype)
{
	HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(geometry_type));
	Oid			nsp;
	List	   *qualified;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", geometry_type);
	nsp = ((Form_pg_type) GETSTRUCT(tup))->typnamespace;
	ReleaseSysCache(tup);
	qualified = list_make2(makeString(get_namespace_name(nsp)), makeString(pstrdup(name)));
	return LookupFuncName(qualified, 1, &argtype, false);
}

/* The PostGIS functions for the geometry type of argument argno, cached on the call site. */
static geo_funcs *
geo_funcs_for(FunctionCallInfo fcinfo, int argno)
{
	geo_funcs  *g = (geo_funcs *) fcinfo->flinfo->fn_extra;

	if (g == NULL)
	{
		Oid			type = get_fn_expr_argtype(fcinfo->flinfo, argno);

		if (!OidIsValid(type))
			elog(ERROR, "could not determine the geometry type");
		g = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(geo_funcs));
		g->geometry_type = type;
		fmgr_info_cxt(postgis_function(type, "st_asewkb", type), &g->as_ewkb,
					  fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = g;
	}
	return g;
}

/* A usable point from a geometry, or a clear error. */
static void
read_point(geo_funcs *g, Datum geom, double *x, double *y, int32 *srid)
{
	bytea	   *wkb = DatumGetByteaPP(FunctionCall1(&g->as_ewkb, geom));
	cm_ewkb_kind kind;

	CM_PG_CHECK(cm_ewkb_read_point((const uint8_t *) VARDATA_ANY(wkb), VARSIZE_ANY_EXHDR(wkb),
								   &kind, x, y, srid), "could not read a geometry");
	if (kind == CM_EWKB_NOT_POINT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("walk lists need points, got another geometry type"),
				 errhint("Use ST_PointOnSurface(geom) for buildings and parcels.")));
	if (kind == CM_EWKB_EMPTY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("walk lists cannot use an empty point"),
				 errhint("Leave empty geometries out with NOT ST_IsEmpty(geom).")));
	if (kind == CM_EWKB_NONFINITE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("walk lists cannot use a point with a NaN or infinite coordinate")));
}

/* The doors of one route: ids (or row numbers), coordinates, one SRID. */
/* The doors of one walk list (core/walk_state.h, which also (de)serializes it). */
typedef cm_walk_state point_set;

static void
check_route_size(int64 n)
{
	if (n > campaign_max_route_points)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("walk list has more than campaign.max_route_points (%d) doors",
						campaign_max_route_points),
				 errhint("Cut the doors into turfs with campaign.turf, or raise campaign.max_route_points.")));
}

static void
check_srid(point_set *p, int32 srid)
{
	if (!p->have_srid)
	{
		p->srid = srid;
		p->have_srid = true;
	}
	else if (p->srid != srid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("walk list mixes SRIDs %d and %d", p->srid, srid),
				 errhint("Bring every point to one SRID with ST_Transform.")));
}

/* Append a door; memory from the current context (the aggregate's, for aggregates). */
static void
point_set_add(point_set *p, int64 id, double x, double y, int32 srid)
{
	check_srid(p, srid);
	check_route_size(p->n + 1);
	if (p->n == p->cap)
	{
		int64		cap = p->cap ? p->cap * 2 : 64;

		if (p->cap == 0)
		{
			p->id = WALK_ARRAY(int64, cap);
			p->x = WALK_ARRAY(double, cap);
			p->y = WALK_ARRAY(double, cap);
		}
		else
		{
			p->id = repalloc_huge(p->id, sizeof(int64) * cap);
			p->x = repalloc_huge(p->x, sizeof(double) * cap);
			p->y = repalloc_huge(p->y, sizeof(double) * cap);
		}
		p->cap = cap;
	}
	p->id[p->n] = id;
	p->x[p->n] = x;
	p->y[p->n] = y;
	p->n++;
}

static void
point_set_start(point_set *p, double x, double y, int32 srid, bool round_trip)
{
	check_srid(p, srid);
	if (p->has_start && (p->sx != x || p->sy != y || p->round_trip != round_trip))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("start and round_trip must be the same on every row of a walk list")));
	p->has_start = true;
	p->sx = x;
	p->sy = y;
	p->round_trip = round_trip;
}

/*
 * Planar coordinates for the solver: the doors, then the start at index n when there is
 * one; lon/lat is projected to metres around the group.
 */
static void
planar_copy(const point_set *p, double **x, double **y)
{
	int64		total = p->n + (p->has_start ? 1 : 0);

	*x = WALK_ARRAY(double, total);
	*y = WALK_ARRAY(double, total);
	memcpy(*x, p->x, sizeof(double) * p->n);
	memcpy(*y, p->y, sizeof(double) * p->n);
	if (p->has_start)
	{
		(*x)[p->n] = p->sx;
		(*y)[p->n] = p->sy;
	}
	if (p->srid == SRID_LONLAT)
		CM_PG_CHECK(cm_walk_project_lonlat(*x, *y, (size_t) total), "could not measure distances");
}

/* walk_plan's search rounds: PLAN_ROUNDS scaled by campaign.walk_effort (the core cuts them
 * further for large inputs, see plan_rounds in core/walk_plan.c). */
static size_t
plan_rounds(void)
{
	return (size_t) ((int64) PLAN_ROUNDS * campaign_walk_effort / DEFAULT_WALK_EFFORT);
}

/* Kicks per node: campaign.walk_effort, spread thinner past WALK_KICKS_CAP_DOORS. */
static double
walk_effort(int64 n)
{
	if (n > WALK_KICKS_CAP_DOORS)
		return (double) campaign_walk_effort * WALK_KICKS_CAP_DOORS / (double) n;
	return campaign_walk_effort;
}

/* Solve the route; order[0..n) receives door indexes in visiting order. */
static void
point_set_solve(const point_set *p, size_t *order)
{
	double	   *x,
			   *y;
	cm_tour_problem problem = {0};
	size_t		total = (size_t) p->n + (p->has_start ? 1 : 0);
	size_t	   *full = WALK_ARRAY(size_t, total);
	size_t		k = 0;

	planar_copy(p, &x, &y);
	problem.n = total;
	problem.x = x;
	problem.y = y;
	problem.start = p->has_start ? (long) p->n : -1;
	problem.round_trip = p->has_start ? p->round_trip : true;
	problem.seed = WALK_SEED;
	problem.effort = walk_effort((int64) total);
	CM_PG_CHECK(cm_tour_solve(&problem, full, NULL), "could not order the doors");
	for (size_t i = 0; i < total; i++)
		if (!p->has_start || full[i] != (size_t) p->n)
			order[k++] = full[i];
	pfree(full);
	pfree(x);
	pfree(y);
}

/* ---- aggregates ------------------------------------------------------------------------- */

static point_set *
agg_state(FunctionCallInfo fcinfo, MemoryContext ctx)
{
	point_set  *p;

	if (!PG_ARGISNULL(0))
		return (point_set *) PG_GETARG_POINTER(0);
	p = MemoryContextAllocZero(ctx, sizeof(point_set));
	return p;
}

/*
 * Shared transition: id_arg < 0 numbers the rows; start_arg < 0 means no start argument.
 * Geometries are read in the per-row context (ST_AsEWKB's bytea must not pile up in the
 * aggregate context); only the coordinates are kept.
 */
static Datum
walk_trans(FunctionCallInfo fcinfo, int id_arg, int geom_arg, int start_arg)
{
	MemoryContext ctx = cm_pg_aggregate_context(fcinfo, "walk_route");
	MemoryContext old;
	point_set  *p = agg_state(fcinfo, ctx);
	geo_funcs  *g = geo_funcs_for(fcinfo, geom_arg);
	bool		have_start = start_arg >= 0 && !PG_ARGISNULL(start_arg);
	bool		have_door = !PG_ARGISNULL(geom_arg) && (id_arg < 0 || !PG_ARGISNULL(id_arg));
	bool		round_trip = true;
	double		x = 0,
				y = 0,
				sx = 0,
				sy = 0;
	int32		srid = 0,
				start_srid = 0;

	p->geometry_type = g->geometry_type;
	if (have_start)
	{
		round_trip = PG_ARGISNULL(start_arg + 1) ? true : PG_GETARG_BOOL(start_arg + 1);
		read_point(g, PG_GETARG_DATUM(start_arg), &sx, &sy, &start_srid);
	}
	if (have_door)
		read_point(g, PG_GETARG_DATUM(geom_arg), &x, &y, &srid);
	old = MemoryContextSwitchTo(ctx);
	if (have_start)
		point_set_start(p, sx, sy, start_srid, round_trip);
	if (have_door)
		point_set_add(p, id_arg < 0 ? p->n + 1 : PG_GETARG_INT64(id_arg), x, y, srid);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(p);
}

PG_FUNCTION_INFO_V1(walk_route_trans);
Datum
walk_route_trans(PG_FUNCTION_ARGS)
{
	return walk_trans(fcinfo, 1, 2, -1);
}

PG_FUNCTION_INFO_V1(walk_route_trans_start);
Datum
walk_route_trans_start(PG_FUNCTION_ARGS)
{
	return walk_trans(fcinfo, 1, 2, 3);
}

PG_FUNCTION_INFO_V1(walk_path_trans);
Datum
walk_path_trans(PG_FUNCTION_ARGS)
{
	return walk_trans(fcinfo, -1, 1, -1);
}

PG_FUNCTION_INFO_V1(walk_path_trans_start);
Datum
walk_path_trans_start(PG_FUNCTION_ARGS)
{
	return walk_trans(fcinfo, -1, 1, 2);
}

static void
merge_start(point_set *into, const point_set *from)
{
	if (from->has_start)
		point_set_start(into, from->sx, from->sy, from->srid, from->round_trip);
}

PG_FUNCTION_INFO_V1(walk_state_combine);
Datum
walk_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = cm_pg_aggregate_context(fcinfo, "walk_state_combine");
	MemoryContext old;
	point_set  *a = PG_ARGISNULL(0) ? NULL : (point_set *) PG_GETARG_POINTER(0);
	point_set  *b = PG_ARGISNULL(1) ? NULL : (point_set *) PG_GETARG_POINTER(1);

	if (b == NULL)
		PG_RETURN_POINTER(a);
	old = MemoryContextSwitchTo(ctx);
	if (a == NULL)
		a = MemoryContextAllocZero(ctx, sizeof(point_set));
	if (OidIsValid(b->geometry_type))
		a->geometry_type = b->geometry_type;
	merge_start(a, b);
	for (int64 i = 0; i < b->n; i++)
		point_set_add(a, b->id[i], b->x[i], b->y[i], b->srid);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(walk_state_serialize);
Datum
walk_state_serialize(PG_FUNCTION_ARGS)
{
	point_set  *p = (point_set *) PG_GETARG_POINTER(0);
	cm_writer	w;

	(void) cm_pg_aggregate_context(fcinfo, "walk_state_serialize");
	cm_writer_init(&w);
	cm_walk_state_encode(p, &w);
	CM_PG_CHECK(w.status, "could not serialize a walk list state");
	PG_RETURN_BYTEA_P(cm_pg_writer_to_bytea(&w));
}

PG_FUNCTION_INFO_V1(walk_state_deserialize);
Datum
walk_state_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = cm_pg_aggregate_context(fcinfo, "walk_state_deserialize");
	MemoryContext old = MemoryContextSwitchTo(ctx);
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	point_set  *p = palloc0(sizeof(point_set));

	/* arrays from cm_alloc: palloc in ctx, so point_set_add can repalloc them */
	CM_PG_CHECK(cm_walk_state_decode((const uint8_t *) VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in),
									 (uint32) campaign_max_route_points, p),
				"invalid walk list state");
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(p);
}

PG_FUNCTION_INFO_V1(walk_route_final);
Datum
walk_route_final(PG_FUNCTION_ARGS)
{
	point_set  *p;
	size_t	   *order;
	Datum	   *ids;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	p = (point_set *) PG_GETARG_POINTER(0);
	if (p->n == 0)
		PG_RETURN_NULL();
	order = WALK_ARRAY(size_t, p->n);
	point_set_solve(p, order);
	ids = palloc_array(Datum, p->n);
	for (int64 i = 0; i < p->n; i++)
		ids[i] = Int64GetDatum(p->id[order[i]]);
	PG_RETURN_ARRAYTYPE_P(construct_array(ids, (int) p->n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* walk_path: the line from the start (if any) through the doors, closed when a loop. */
PG_FUNCTION_INFO_V1(walk_path_final);
Datum
walk_path_final(PG_FUNCTION_ARGS)
{
	point_set  *p;
	size_t	   *order,
			   *line;
	size_t		k = 0,
				size;
	double	   *x,
			   *y;
	bytea	   *ewkb;
	FmgrInfo	from_ewkb;
	bool		closed;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	p = (point_set *) PG_GETARG_POINTER(0);
	if (p->n == 0)
		PG_RETURN_NULL();
	order = WALK_ARRAY(size_t, p->n);
	point_set_solve(p, order);
	closed = !p->has_start || p->round_trip;
	line = WALK_ARRAY(size_t, p->n + 2);
	/* original coordinates, the start at index n */
	x = WALK_ARRAY(double, p->n + 1);
	y = WALK_ARRAY(double, p->n + 1);
	memcpy(x, p->x, sizeof(double) * p->n);
	memcpy(y, p->y, sizeof(double) * p->n);
	x[p->n] = p->sx;
	y[p->n] = p->sy;
	if (p->has_start)
		line[k++] = (size_t) p->n;
	for (int64 i = 0; i < p->n; i++)
		line[k++] = order[i];
	if (closed)
		line[k++] = line[0];
	if (k == 1)
		line[k++] = line[0];	/* a single door: a zero-length line */
	CM_PG_CHECK(cm_ewkb_linestring_size(k, p->srid, &size), "could not build the path");
	ewkb = palloc(VARHDRSZ + size);
	SET_VARSIZE(ewkb, VARHDRSZ + size);
	cm_ewkb_write_linestring((uint8_t *) VARDATA(ewkb), x, y, line, k, p->srid);
	fmgr_info(postgis_function(p->geometry_type, "st_geomfromewkb", BYTEAOID), &from_ewkb);
	PG_RETURN_DATUM(FunctionCall1(&from_ewkb, PointerGetDatum(ewkb)));
}

/* ---- window functions ------------------------------------------------------------------- */

typedef struct window_result
{
	bool		done;
	int64		rows;
	int32		values[FLEXIBLE_ARRAY_MEMBER];	/* 0: NULL */
} window_result;

static window_result *
window_result_get(WindowObject win, bool *fresh)
{
	int64		rows = WinGetPartitionRowCount(win);
	Size		size;
	window_result *r;

	size = add_size(offsetof(window_result, values), mul_size(sizeof(int32), (Size) rows));
	r = (window_result *) WinGetPartitionLocalMemory(win, size);
	*fresh = !r->done;
	r->rows = rows;
	return r;
}

static Datum
window_arg(WindowObject win, int argno, int64 row, bool *isnull)
{
	bool		isout;

	return WinGetFuncArgInPartition(win, argno, (int) row, WINDOW_SEEK_HEAD, false, isnull, &isout);
}

/* Collect the partition's points; rowmap[k] is the row of door k. */
static void
window_points(FunctionCallInfo fcinfo, WindowObject win, int geom_arg, int start_arg,
			  point_set *p, int64 **rowmap)
{
	geo_funcs  *g = geo_funcs_for(fcinfo, geom_arg);
	int64		rows = WinGetPartitionRowCount(win);

	memset(p, 0, sizeof(*p));
	p->geometry_type = g->geometry_type;
	*rowmap = WALK_ARRAY(int64, rows > 0 ? rows : 1);
	for (int64 row = 0; row < rows; row++)
	{
		bool		isnull;
		Datum		geom = window_arg(win, geom_arg, row, &isnull);
		double		x,
					y;
		int32		srid;

		CHECK_FOR_INTERRUPTS();
		if (start_arg >= 0)
		{
			bool		start_null,
						rt_null = true;
			Datum		start = window_arg(win, start_arg, row, &start_null);
			Datum		rt = start_arg + 1 < PG_NARGS() ? window_arg(win, start_arg + 1, row, &rt_null) : 0;

			if (!start_null)
			{
				read_point(g, start, &x, &y, &srid);
				point_set_start(p, x, y, srid, rt_null ? true : DatumGetBool(rt));
			}
		}
		if (isnull)
			continue;
		read_point(g, geom, &x, &y, &srid);
		(*rowmap)[p->n] = row;
		point_set_add(p, row, x, y, srid);
	}
}

/*
 * Collect the partition's doors into *p (rowmap[k]: the row of door k) and number them:
 * returns number[k] for each door (0: NULL), or NULL when there are no doors.  arg is what
 * the SQL-callable function passes.
 */
typedef int32 *(*door_numbers) (FunctionCallInfo fcinfo, WindowObject win, int arg,
								point_set *p, int64 **rowmap);

/*
 * The shape of every walk list window function: the doors are numbered once per partition,
 * into partition-local memory, and each row reads its own number.
 */
static Datum
window_numbers(FunctionCallInfo fcinfo, door_numbers numbers, int arg)
{
	WindowObject win = PG_WINDOW_OBJECT();
	bool		fresh;
	window_result *r = window_result_get(win, &fresh);
	int64		pos;

	if (fresh)
	{
		point_set	p;
		int64	   *rowmap;
		int32	   *number = numbers(fcinfo, win, arg, &p, &rowmap);

		for (int64 i = 0; number && i < p.n; i++)
			r->values[rowmap[i]] = number[i];
		r->done = true;
	}
	pos = WinGetCurrentPosition(win);
	if (r->values[pos] == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(r->values[pos]);
}

/* walk_order: each door's stop number on the route (start_arg < 0: no start argument). */
static int32 *
walk_order_numbers(FunctionCallInfo fcinfo, WindowObject win, int start_arg, point_set *p,
				   int64 **rowmap)
{
	size_t	   *order;
	int32	   *stop;

	window_points(fcinfo, win, 0, start_arg, p, rowmap);
	if (p->n == 0)
		return NULL;
	order = WALK_ARRAY(size_t, p->n);
	stop = WALK_ARRAY(int32, p->n);
	point_set_solve(p, order);
	for (int64 i = 0; i < p->n; i++)
		stop[order[i]] = (int32) (i + 1);
	return stop;
}

PG_FUNCTION_INFO_V1(walk_order);
Datum
walk_order(PG_FUNCTION_ARGS)
{
	return window_numbers(fcinfo, walk_order_numbers, -1);
}

PG_FUNCTION_INFO_V1(walk_order_start);
Datum
walk_order_start(PG_FUNCTION_ARGS)
{
	return window_numbers(fcinfo, walk_order_numbers, 1);
}

/* An argument that must be the same on every row of the partition (NULL not allowed). */
static Datum
constant_arg(WindowObject win, int argno, const char *name, bool byval, int len)
{
	int64		rows = WinGetPartitionRowCount(win);
	bool		isnull;
	Datum		first = window_arg(win, argno, 0, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name)));
	for (int64 row = 1; row < rows; row++)
	{
		bool		other_null;
		Datum		other = window_arg(win, argno, row, &other_null);

		CHECK_FOR_INTERRUPTS();
		if (other_null || !datumIsEqual(first, other, byval, len))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be the same on every row of a partition", name)));
	}
	return first;
}

/*
 * A number per door of p to fill, and the doors (and start) in planar metres; NULL when
 * there are no doors.
 */
static int32 *
planar_numbers(const point_set *p, double **x, double **y)
{
	if (p->n == 0)
		return NULL;
	planar_copy(p, x, y);
	return WALK_ARRAY(int32, p->n);
}

static int32 *
turf_numbers(FunctionCallInfo fcinfo, WindowObject win, int arg, point_set *p, int64 **rowmap)
{
	int32		doors = DatumGetInt32(constant_arg(win, 1, "doors", true, 4));
	double	   *x,
			   *y;
	int32	   *turf;

	(void) arg;
	if (doors < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("doors per turf must be at least 1, got %d", doors)));
	window_points(fcinfo, win, 0, -1, p, rowmap);
	turf = planar_numbers(p, &x, &y);
	if (turf == NULL)
		return NULL;
	CM_PG_CHECK(cm_walk_turfs(x, y, (size_t) p->n, (size_t) doors, turf), "could not cut turfs");
	return turf;
}

PG_FUNCTION_INFO_V1(turf);
Datum
turf(PG_FUNCTION_ARGS)
{
	return window_numbers(fcinfo, turf_numbers, 0);
}

/*
 * The shift arguments of turf by time and turf_costs: shift and speed positive, minutes per
 * door not negative and at most the shift, all finite.
 */
static void
check_shift(double shift, double per_door, double speed)
{
	if (!isfinite(shift) || shift <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("shift_minutes must be positive and finite, got %g", shift)));
	if (!isfinite(per_door) || per_door < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("minutes_per_door must be finite and not negative, got %g", per_door)));
	if (!isfinite(speed) || speed <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("meters_per_minute must be positive and finite, got %g", speed)));
	if (per_door > shift)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("minutes_per_door (%g) is longer than the shift (%g)", per_door, shift),
				 errhint("One door must fit in a shift.")));
}

/* turf(geom, shift_minutes, minutes_per_door, meters_per_minute): turfs cut by shift time. */
static int32 *
turf_shift_numbers(FunctionCallInfo fcinfo, WindowObject win, int arg, point_set *p,
				   int64 **rowmap)
{
	double		shift = DatumGetFloat8(constant_arg(win, 1, "shift_minutes", FLOAT8PASSBYVAL, 8)),
				per_door = DatumGetFloat8(constant_arg(win, 2, "minutes_per_door", FLOAT8PASSBYVAL, 8)),
				speed = DatumGetFloat8(constant_arg(win, 3, "meters_per_minute", FLOAT8PASSBYVAL, 8));
	double	   *x,
			   *y;
	int32	   *turf;
	size_t		k;
	cm_turf_shift problem = {0};

	(void) arg;
	check_shift(shift, per_door, speed);
	window_points(fcinfo, win, 0, -1, p, rowmap);
	turf = planar_numbers(p, &x, &y);
	if (turf == NULL)
		return NULL;
	problem.n = (size_t) p->n;
	problem.x = x;
	problem.y = y;
	problem.shift = shift;
	problem.per_door = per_door;
	problem.speed = speed;
	CM_PG_CHECK(cm_walk_turfs_shift(&problem, turf, &k), "could not cut turfs");
	return turf;
}

PG_FUNCTION_INFO_V1(turf_shift);
Datum
turf_shift(PG_FUNCTION_ARGS)
{
	return window_numbers(fcinfo, turf_shift_numbers, 0);
}

/* The start of walk_plan: not NULL on the first row (window_points checks it is constant). */
static void
check_plan_start(WindowObject win)
{
	bool		isnull;

	if (WinGetPartitionRowCount(win) == 0)
		return;
	(void) window_arg(win, 3, 0, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("start must not be NULL")));
}

/* walk_plan's values: NULL is 0 (never worth a detour), others finite and not below 0. */
static double *
plan_values(WindowObject win, const point_set *p, const int64 *rowmap)
{
	double	   *value = WALK_ARRAY(double, p->n + 1);

	for (int64 i = 0; i < p->n; i++)
	{
		bool		isnull;
		Datum		v = window_arg(win, 1, rowmap[i], &isnull);

		value[i] = isnull ? 0 : DatumGetFloat8(v);
		if (!isfinite(value[i]) || value[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value must be a finite number not below 0, got %g", value[i])));
	}
	return value;
}

static int32 *
walk_plan_numbers(FunctionCallInfo fcinfo, WindowObject win, int arg, point_set *p,
				  int64 **rowmap)
{
	double		budget = DatumGetFloat8(constant_arg(win, 2, "budget", FLOAT8PASSBYVAL, 8));
	cm_orienteering o = {0};
	double	   *x,
			   *y;
	int32	   *stop;

	(void) arg;
	if (!isfinite(budget) || budget < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("budget must be a finite distance not below 0")));
	check_plan_start(win);
	window_points(fcinfo, win, 0, 3, p, rowmap);
	stop = planar_numbers(p, &x, &y);
	if (stop == NULL)
		return NULL;
	o.value = plan_values(win, p, *rowmap);
	o.n = (size_t) p->n;
	o.x = x;
	o.y = y;
	o.budget = budget;
	o.seed = WALK_SEED;
	o.rounds = plan_rounds();
	CM_PG_CHECK(cm_walk_orienteer(&o, stop, NULL, NULL), "could not plan the shift");
	return stop;
}

PG_FUNCTION_INFO_V1(walk_plan);
Datum
walk_plan(PG_FUNCTION_ARGS)
{
	return window_numbers(fcinfo, walk_plan_numbers, 0);
}

/* ---- walk_route_costs ------------------------------------------------------------------- */

static int
cost_column(TupleDesc desc, const char *name, bool numeric)
{
	int			col = SPI_fnumber(desc, name);
	Oid			type;

	if (col <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("cost query has no column \"%s\"", name),
				 errhint("Give (start_vid, end_vid, agg_cost) as pgr_dijkstraCostMatrix returns them.")));
	type = SPI_gettypeid(desc, col);
	if (numeric ? !(type == FLOAT8OID || type == FLOAT4OID || type == NUMERICOID || type == INT4OID || type == INT8OID)
		: !(type == INT8OID || type == INT4OID || type == INT2OID))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cost query column \"%s\" has type %s", name, format_type_be(type)),
				 errhint(numeric ? "agg_cost must be a number." : "Vertex ids must be integers.")));
	return col;
}

#define COST_FETCH_ROWS 10000		/* cost rows per cursor fetch */
#define CALL_MEMORY_HINT "Raise campaign.call_memory_limit (a superuser setting), or route fewer nodes: cut them into turfs with campaign.turf."

/* Room for at least need rows in from, to and cost (in ctx), asking the call budget first. */
static void
grow_cost_rows(MemoryContext ctx, int64 **from, int64 **to, double **cost, size_t *cap,
			   size_t need)
{
	size_t		bytes,
				next = Max(Max(*cap * 2, need), 1024);
	char	   *what = psprintf("more than %zu cost rows", *cap);

	cm_route_costs_bytes(next, 0, &bytes);
	CM_PG_CHECK_HINT(cm_budget_check(bytes, what), "could not read the cost matrix", CALL_MEMORY_HINT);
	*from = *from ? repalloc_huge(*from, next * sizeof(int64)) :
		MemoryContextAllocHuge(ctx, next * sizeof(int64));
	*to = *to ? repalloc_huge(*to, next * sizeof(int64)) :
		MemoryContextAllocHuge(ctx, next * sizeof(int64));
	*cost = *cost ? repalloc_huge(*cost, next * sizeof(double)) :
		MemoryContextAllocHuge(ctx, next * sizeof(double));
	*cap = next;
}

/*
 * Run the cost query and copy its rows into ctx, through a cursor: the query's own result is
 * never held whole (a matrix of n nodes has about n^2 rows), and the copies ask the call
 * budget (campaign.call_memory_limit) as they grow.
 */
static void
read_costs(const char *sql, MemoryContext ctx, cm_cost_rows *out)
{
	TupleDesc	desc;
	int			cfrom,
				cto,
				ccost;
	Oid			tfrom,
				tto,
				tcost;
	SPIPlanPtr	plan;
	Portal		portal;
	size_t		n = 0,
				cap = 0;
	int64	   *from = NULL,
			   *to = NULL;
	double	   *cost = NULL;

	SPI_connect();
	plan = SPI_prepare(sql, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not prepare the cost query: %s", SPI_result_code_string(SPI_result));
	if (!SPI_is_cursor_plan(plan))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cost query must be a single query returning rows"),
				 errhint("Pass a SELECT such as one over pgr_dijkstraCostMatrix.")));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	desc = portal->tupDesc;
	cfrom = cost_column(desc, "start_vid", false);
	cto = cost_column(desc, "end_vid", false);
	ccost = cost_column(desc, "agg_cost", true);
	tfrom = SPI_gettypeid(desc, cfrom);
	tto = SPI_gettypeid(desc, cto);
	tcost = SPI_gettypeid(desc, ccost);
	grow_cost_rows(ctx, &from, &to, &cost, &cap, 1);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, COST_FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		if (n + SPI_processed > cap)
			grow_cost_rows(ctx, &from, &to, &cost, &cap, n + SPI_processed);
		for (uint64 i = 0; i < SPI_processed; i++, n++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			bool		n1,
						n2,
						n3;
			Datum		f = SPI_getbinval(tup, SPI_tuptable->tupdesc, cfrom, &n1);
			Datum		t = SPI_getbinval(tup, SPI_tuptable->tupdesc, cto, &n2);
			Datum		c = SPI_getbinval(tup, SPI_tuptable->tupdesc, ccost, &n3);

			CHECK_FOR_INTERRUPTS();
			if (n1 || n2 || n3)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("cost query returned a NULL in row %lld", (long long) n + 1)));
			from[n] = (int64) cm_pg_datum_to_double(f, tfrom);
			to[n] = (int64) cm_pg_datum_to_double(t, tto);
			cost[n] = cm_pg_datum_to_double(c, tcost);
			if (!isfinite(cost[n]) || cost[n] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("cost from %lld to %lld must be finite and not negative",
								(long long) from[n], (long long) to[n])));
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	*out = (cm_cost_rows) {n, from, to, cost};
	SPI_finish();
}

/* The directed and symmetric matrices of the cost rows (core/route_costs.h; cm_free both). */
static void
cost_matrices(const cm_cost_rows *rows, const int64 *nodes, size_t n, double **asym, double **sym)
{
	size_t		missing[2];
	cm_status	status;

	CM_PG_CHECK_HINT(cm_route_min_costs(rows, nodes, n, asym), "could not build the cost matrix",
					 CALL_MEMORY_HINT);
	status = cm_route_symmetrise(*asym, nodes, n, sym, missing);
	if (status == CM_ERR_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no cost between nodes %lld and %lld",
						(long long) nodes[missing[0]], (long long) nodes[missing[1]]),
				 errhint("pgr_dijkstraCostMatrix leaves out pairs without a path: connect the network or leave the node out.")));
	CM_PG_CHECK(status, "could not build the cost matrix");
}

/*
 * The route over the matrix (core/route_costs.h builds it): order[0..n) of node indexes, a
 * loop walked the cheaper way round.
 */
static void
solve_costs(const cm_cost_rows *rows, const int64 *nodes, size_t n, int64 start, bool round_trip,
			size_t *order)
{
	cm_tour_problem problem = {0};
	double	   *asym,
			   *sym;

	cost_matrices(rows, nodes, n, &asym, &sym);
	problem.n = n;
	problem.matrix = sym;
	problem.start = (long) start;
	problem.round_trip = round_trip;
	problem.seed = WALK_SEED;
	problem.effort = walk_effort((int64) n);
	CM_PG_CHECK(cm_tour_solve(&problem, order, NULL), "could not order the nodes");
	if (round_trip)
		cm_route_loop_direction(asym, sym, n, order);
	cm_free(asym);
	cm_free(sym);
}

typedef struct costs_result
{
	size_t		n;
	int64	   *nodes;
	size_t	   *order;
} costs_result;

static costs_result *
walk_route_costs_compute(FunctionCallInfo fcinfo, MemoryContext ctx)
{
	costs_result *res = MemoryContextAllocZero(ctx, sizeof(costs_result));
	cm_cost_rows rows;
	cm_status	status;
	int64	   *nodes;
	size_t		n;
	int64		start = 0;
	bool		round_trip = PG_ARGISNULL(2) ? true : PG_GETARG_BOOL(2);
	MemoryContext old;

	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("cost_sql must not be NULL")));
	read_costs(text_to_cstring(PG_GETARG_TEXT_PP(0)), ctx, &rows);
	old = MemoryContextSwitchTo(ctx);
	status = cm_route_nodes(&rows, (size_t) campaign_max_route_points, &nodes, &n);
	if (status == CM_ERR_LIMIT)
		check_route_size((int64) n);	/* the setting's own error and hint */
	CM_PG_CHECK(status, "could not read the cost matrix");
	if (!PG_ARGISNULL(1))
	{
		start = cm_route_node_index(nodes, n, PG_GETARG_INT64(1));
		if (start < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("start node %lld is not in the cost matrix", (long long) PG_GETARG_INT64(1))));
	}
	res->n = n;
	res->nodes = nodes;
	if (n > 0)
	{
		res->order = WALK_ARRAY(size_t, n);
		solve_costs(&rows, nodes, n, start, round_trip, res->order);
	}
	MemoryContextSwitchTo(old);
	return res;
}

PG_FUNCTION_INFO_V1(walk_route_costs);
Datum
walk_route_costs(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	costs_result *res;

	if (SRF_IS_FIRSTCALL())
	{
		TupleDesc	desc;

		funcctx = SRF_FIRSTCALL_INIT();
		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "walk_route_costs must return a record");
		funcctx->tuple_desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		funcctx->user_fctx = walk_route_costs_compute(fcinfo, funcctx->multi_call_memory_ctx);
	}
	funcctx = SRF_PERCALL_SETUP();
	res = (costs_result *) funcctx->user_fctx;
	if (funcctx->call_cntr < (uint64) res->n)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = Int32GetDatum((int32) funcctx->call_cntr + 1);
		values[1] = Int64GetDatum(res->nodes[res->order[funcctx->call_cntr]]);
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
	}
	SRF_RETURN_DONE(funcctx);
}

/* ---- turf_costs ------------------------------------------------------------------------- */

typedef struct turf_costs_result
{
	size_t		n;
	int64	   *nodes;
	int32	   *turf;
} turf_costs_result;

static turf_costs_result *
turf_costs_compute(FunctionCallInfo fcinfo, MemoryContext ctx)
{
	turf_costs_result *res = MemoryContextAllocZero(ctx, sizeof(turf_costs_result));
	cm_cost_rows rows;
	cm_status	status;
	int64	   *nodes;
	size_t		n,
				k;
	MemoryContext old;

	for (int a = 0; a < 4; a++)
		if (PG_ARGISNULL(a))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be NULL",
							(const char *[]) {"cost_sql", "shift_minutes", "minutes_per_door",
							"meters_per_minute"}[a])));
	check_shift(PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3));
	read_costs(text_to_cstring(PG_GETARG_TEXT_PP(0)), ctx, &rows);
	old = MemoryContextSwitchTo(ctx);
	status = cm_route_nodes(&rows, (size_t) campaign_max_route_points, &nodes, &n);
	if (status == CM_ERR_LIMIT)
		check_route_size((int64) n);
	CM_PG_CHECK(status, "could not read the cost matrix");
	res->n = n;
	res->nodes = nodes;
	if (n > 0)
	{
		double	   *asym,
				   *sym;
		cm_turf_shift problem = {0};

		cost_matrices(&rows, nodes, n, &asym, &sym);
		res->turf = WALK_ARRAY(int32, n);
		problem.n = n;
		problem.matrix = sym;
		problem.shift = PG_GETARG_FLOAT8(1);
		problem.per_door = PG_GETARG_FLOAT8(2);
		problem.speed = PG_GETARG_FLOAT8(3);
		CM_PG_CHECK(cm_walk_turfs_shift(&problem, res->turf, &k), "could not cut turfs");
		cm_free(asym);
		cm_free(sym);
	}
	MemoryContextSwitchTo(old);
	return res;
}

PG_FUNCTION_INFO_V1(turf_costs);
Datum
turf_costs(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	turf_costs_result *res;

	if (SRF_IS_FIRSTCALL())
	{
		TupleDesc	desc;

		funcctx = SRF_FIRSTCALL_INIT();
		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "turf_costs must return a record");
		funcctx->tuple_desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		funcctx->user_fctx = turf_costs_compute(fcinfo, funcctx->multi_call_memory_ctx);
	}
	funcctx = SRF_PERCALL_SETUP();
	res = (turf_costs_result *) funcctx->user_fctx;
	if (funcctx->call_cntr < (uint64) res->n)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = Int64GetDatum(res->nodes[funcctx->call_cntr]);
		values[1] = Int32GetDatum(res->turf[funcctx->call_cntr]);
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
	}
	SRF_RETURN_DONE(funcctx);
}
