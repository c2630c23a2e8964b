-- walk.sql: walk lists - door order, turfs, shift plans (src/pg/walk.c, docs/walklists.md)

-- Aggregate support: the state holds the doors (ids, coordinates, SRID) and the start.
CREATE FUNCTION campaign.walk_route_trans(internal, bigint, geometry)
RETURNS internal AS 'MODULE_PATHNAME', 'walk_route_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.walk_route_trans(internal, bigint, geometry) IS
    'Transition function of campaign.walk_route';
CREATE FUNCTION campaign.walk_route_trans(internal, bigint, geometry, geometry, boolean)
RETURNS internal AS 'MODULE_PATHNAME', 'walk_route_trans_start' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.walk_route_trans(internal, bigint, geometry, geometry, boolean) IS
    'Transition function of campaign.walk_route with a start';
CREATE FUNCTION campaign.walk_path_trans(internal, geometry)
RETURNS internal AS 'MODULE_PATHNAME', 'walk_path_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.walk_path_trans(internal, geometry) IS
    'Transition function of campaign.walk_path';
CREATE FUNCTION campaign.walk_path_trans(internal, geometry, geometry, boolean)
RETURNS internal AS 'MODULE_PATHNAME', 'walk_path_trans_start' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.walk_path_trans(internal, geometry, geometry, boolean) IS
    'Transition function of campaign.walk_path with a start';
CREATE FUNCTION campaign.walk_state_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'walk_state_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.walk_state_combine(internal, internal) IS
    'Combine function of the walk list aggregates (parallel plans)';
CREATE FUNCTION campaign.walk_state_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'walk_state_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.walk_state_serialize(internal) IS
    'Serialize function of the walk list aggregates';
CREATE FUNCTION campaign.walk_state_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'walk_state_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.walk_state_deserialize(bytea, internal) IS
    'Deserialize function of the walk list aggregates (validates every byte)';
CREATE FUNCTION campaign.walk_route_final(internal)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'walk_route_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.walk_route_final(internal) IS
    'Final function of campaign.walk_route: solves the route';
-- STABLE: builds the line through PostGIS functions looked up at run time.
CREATE FUNCTION campaign.walk_path_final(internal)
RETURNS geometry AS 'MODULE_PATHNAME', 'walk_path_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.walk_path_final(internal) IS
    'Final function of campaign.walk_path: solves the route and draws it';

CREATE AGGREGATE campaign.walk_route(id bigint, geom geometry) (
    SFUNC = campaign.walk_route_trans, STYPE = internal,
    FINALFUNC = campaign.walk_route_final,
    COMBINEFUNC = campaign.walk_state_combine,
    SERIALFUNC = campaign.walk_state_serialize, DESERIALFUNC = campaign.walk_state_deserialize,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.walk_route(bigint, geometry) IS
    'Door ids in visiting order of a short closed walking loop that begins at the first door';

CREATE AGGREGATE campaign.walk_route(id bigint, geom geometry, start geometry, round_trip boolean) (
    SFUNC = campaign.walk_route_trans, STYPE = internal,
    FINALFUNC = campaign.walk_route_final,
    COMBINEFUNC = campaign.walk_state_combine,
    SERIALFUNC = campaign.walk_state_serialize, DESERIALFUNC = campaign.walk_state_deserialize,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.walk_route(bigint, geometry, geometry, boolean) IS
    'Door ids in visiting order of a short route from start, back to it when round_trip';

CREATE AGGREGATE campaign.walk_path(geom geometry) (
    SFUNC = campaign.walk_path_trans, STYPE = internal,
    FINALFUNC = campaign.walk_path_final,
    COMBINEFUNC = campaign.walk_state_combine,
    SERIALFUNC = campaign.walk_state_serialize, DESERIALFUNC = campaign.walk_state_deserialize,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.walk_path(geometry) IS
    'The closed walking loop through the doors as a LineString in the input SRID';

CREATE AGGREGATE campaign.walk_path(geom geometry, start geometry, round_trip boolean) (
    SFUNC = campaign.walk_path_trans, STYPE = internal,
    FINALFUNC = campaign.walk_path_final,
    COMBINEFUNC = campaign.walk_state_combine,
    SERIALFUNC = campaign.walk_state_serialize, DESERIALFUNC = campaign.walk_state_deserialize,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.walk_path(geometry, geometry, boolean) IS
    'The route from start through the doors (back to start when round_trip) as a LineString';

-- Window functions: each row's number, computed once per partition.
CREATE FUNCTION campaign.walk_order(geom geometry)
RETURNS integer AS 'MODULE_PATHNAME', 'walk_order' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.walk_order(geometry) IS
    'Stop number of each door on a short closed loop through the partition (NULL geometry: NULL)';
CREATE FUNCTION campaign.walk_order(geom geometry, start geometry, round_trip boolean)
RETURNS integer AS 'MODULE_PATHNAME', 'walk_order_start' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.walk_order(geometry, geometry, boolean) IS
    'Stop number of each door on a short route from start (back to it when round_trip)';
CREATE FUNCTION campaign.turf(geom geometry, doors integer)
RETURNS integer AS 'MODULE_PATHNAME', 'turf' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.turf(geometry, integer) IS
    'Turf number 1..ceil(n/doors) of each door: compact turfs whose sizes differ by at most one';
CREATE FUNCTION campaign.turf(geom geometry, shift_minutes float8, minutes_per_door float8,
                              meters_per_minute float8)
RETURNS integer AS 'MODULE_PATHNAME', 'turf_shift' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.turf(geometry, float8, float8, float8) IS
    'Turf number of each door: as few turfs as fit the shift (doors x minutes_per_door + loop / meters_per_minute), times within 1.3x';
CREATE FUNCTION campaign.walk_plan(geom geometry, value float8, budget float8, start geometry)
RETURNS integer AS 'MODULE_PATHNAME', 'walk_plan' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.walk_plan(geometry, float8, float8, geometry) IS
    'Stop number of the doors worth visiting on a loop from start of length at most budget (NULL: skip)';

-- VOLATILE: runs the caller's query.
CREATE FUNCTION campaign.walk_route_costs(cost_sql text, start bigint DEFAULT NULL,
                                          round_trip boolean DEFAULT true)
RETURNS TABLE (seq integer, node bigint)
    AS 'MODULE_PATHNAME', 'walk_route_costs' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION campaign.walk_route_costs(text, bigint, boolean) IS
    'Visiting order over a pgr_dijkstraCostMatrix-style query of (start_vid, end_vid, agg_cost)';

-- VOLATILE: runs the caller's query.
CREATE FUNCTION campaign.turf_costs(cost_sql text, shift_minutes float8, minutes_per_door float8,
                                    meters_per_minute float8)
RETURNS TABLE (node bigint, turf integer)
    AS 'MODULE_PATHNAME', 'turf_costs' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION campaign.turf_costs(text, float8, float8, float8) IS
    'Turfs by shift time over a pgr_dijkstraCostMatrix-style query of (start_vid, end_vid, agg_cost): one row per node';
