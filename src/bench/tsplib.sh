#!/usr/bin/env bash
# tsplib.sh - public instances (make bench, BENCH="tsplib"): walk_route on TSPLIB instances with
# proven optima, and walk_plan on an OPLib orienteering instance with a proven optimum, plus
# OPLib-style instances built by OPLib's rules (no published value reachable offline: compared
# with the best loops our own solver found for them, a lower bound on the best known).
# Data and sources: src/bench/data/README.md.  TSPLIB's EUC_2D distance is the Euclidean distance
# rounded to the nearest integer per edge; the solver works on exact distances, so each route is
# measured again the TSPLIB way before it is compared with the optimum.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=src/bench/data

# One "instance<TAB>id<TAB>x<TAB>y[<TAB>score]" row per node of every instance file.
tsp_rows() {
  for f in "$DATA"/*.tsp; do
    awk -v name="$(basename "$f" .tsp)" '
      /^NODE_COORD_SECTION/ { on = 1; next }
      /^EOF/ { on = 0 }
      on && NF == 3 { printf "%s\t%s\t%s\t%s\n", name, $1, $2, $3 }' "$f"
  done
}
op_rows() {
  for f in "$DATA"/*.oplib; do
    awk -v name="$(basename "$f" .oplib)" '
      /^NODE_COORD_SECTION/ { sec = "xy"; next }
      /^NODE_SCORE_SECTION/ { sec = "score"; next }
      /^DEPOT_SECTION/ { sec = "" }
      sec == "xy" && NF == 3 { x[$1] = $2; y[$1] = $3; n = $1 > n ? $1 : n }
      sec == "score" && NF == 2 { s[$1] = $2 }
      END { for (i = 1; i <= n; i++) printf "%s\t%d\t%s\t%s\t%s\n", name, i, x[i], y[i], s[i] }' "$f"
  done
}
op_limits() {
  for f in "$DATA"/*.oplib; do
    printf '%s\t%s\n' "$(basename "$f" .oplib)" "$(sed -n 's/^COST_LIMIT *: *//p' "$f")"
  done
}

{
  cat <<'SQL'
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS campaign;
CREATE TABLE tsp_points (instance text, id int, x float8, y float8, PRIMARY KEY (instance, id));
CREATE TABLE tsp_optima (instance text PRIMARY KEY, optimum bigint);
CREATE TABLE op_points (instance text, id int, x float8, y float8, score float8,
                        PRIMARY KEY (instance, id));
CREATE TABLE op_limits (instance text PRIMARY KEY, cost_limit float8);
SQL
  echo 'COPY tsp_points FROM stdin;'; tsp_rows; echo '\.'
  echo 'COPY tsp_optima FROM stdin;'; sed -n 's/^\([^ ]*\) *: *\([0-9]*\)$/\1\t\2/p' "$DATA/optima.txt"; echo '\.'
  echo 'COPY op_points FROM stdin;'; op_rows; echo '\.'
  echo 'COPY op_limits FROM stdin;'; op_limits; echo '\.'
  cat <<'SQL'
-- TSPLIB EUC_2D: nint of the Euclidean distance, per edge
CREATE FUNCTION pg_temp.nint_dist(x1 float8, y1 float8, x2 float8, y2 float8) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT floor(sqrt((x1 - x2) ^ 2 + (y1 - y2) ^ 2) + 0.5)::bigint $$;

-- Length of a closed tour (ids of tsp_points in visiting order) the TSPLIB way; NULL unless the
-- route visits every point exactly once.
CREATE FUNCTION pg_temp.tour_length(inst text, route bigint[]) RETURNS bigint LANGUAGE sql AS $$
    WITH r AS (SELECT k, route[k] AS id, route[k % cardinality(route) + 1] AS next
               FROM generate_subscripts(route, 1) k)
    SELECT CASE WHEN count(DISTINCT r.id) = (SELECT count(*) FROM tsp_points WHERE instance = inst)
                 AND count(*) = count(DISTINCT r.id)
           THEN sum(pg_temp.nint_dist(a.x, a.y, b.x, b.y)) END
    FROM r JOIN tsp_points a ON a.instance = inst AND a.id = r.id
           JOIN tsp_points b ON b.instance = inst AND b.id = r.next
$$;

CREATE FUNCTION pg_temp.tour(inst text, OUT len bigint, OUT ms float8) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); route bigint[];
BEGIN
    SELECT campaign.walk_route(id, ST_MakePoint(x, y) ORDER BY id) INTO route
    FROM tsp_points WHERE instance = inst;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    len := pg_temp.tour_length(inst, route);
END $$;

\echo '-- tours: TSPLIB instances, gap to the proven optimum (TSPLIB nint lengths)'
CREATE TABLE tour_default AS
SELECT o.instance, d.len, d.ms FROM tsp_optima o, LATERAL pg_temp.tour(o.instance) d;
SET campaign.walk_effort = 400;
CREATE TABLE tour_long AS
SELECT o.instance, d.len, d.ms FROM tsp_optima o, LATERAL pg_temp.tour(o.instance) d;
RESET campaign.walk_effort;
CREATE VIEW tour_results AS
SELECT o.instance, (SELECT count(*) FROM tsp_points p WHERE p.instance = o.instance) AS n,
       o.optimum, d.len AS length, 100.0 * (d.len - o.optimum) / o.optimum AS gap,
       d.ms, l.len AS length_400, 100.0 * (l.len - o.optimum) / o.optimum AS gap_400, l.ms AS ms_400
FROM tsp_optima o JOIN tour_default d USING (instance) JOIN tour_long l USING (instance);
SELECT instance, n, optimum, length, round(gap, 2) AS gap_pct, round(ms::numeric) AS ms,
       length_400, round(gap_400, 2) AS gap_pct_effort_400, round(ms_400::numeric) AS ms_effort_400
FROM tour_results ORDER BY n;
SELECT count(*) AS instances, round(avg(gap), 3) AS mean_gap_pct, round(max(gap), 2) AS worst_gap_pct,
       count(*) FILTER (WHERE gap = 0) AS optimal, round(avg(gap_400), 3) AS mean_gap_pct_effort_400
FROM tour_results;

-- Orienteering.  OPLib instances are loops from the depot (node 1) back to it, the form of
-- walk_plan.  Besides the stored OPLib file, generation 2 and 3 instances are built from the
-- TSPLIB coordinates by OPLib's published rules (depot = node 1, cost limit = ceil(optimum / 2),
-- gen2 score 1 + (7141 (i - 1) + 73) mod 100, gen3 score 1 + floor(99 d(1,i) / max_j d(1,j))).
-- Like OPLib's files, gen2 gives the depot its score (always collected) and gen3 gives it 0;
-- the collected value below counts the depot's score.
INSERT INTO op_points
SELECT p.instance || '-gen' || g, p.id, p.x, p.y,
       CASE WHEN g = 2 THEN 1 + (7141 * (p.id - 1) + 73) % 100
            WHEN p.id = 1 THEN 0
            ELSE 1 + floor(99.0 * pg_temp.nint_dist(p.x, p.y, d.x, d.y) / m.far) END
FROM tsp_points p JOIN tsp_points d ON d.instance = p.instance AND d.id = 1
     JOIN (SELECT a.instance, max(pg_temp.nint_dist(a.x, a.y, b.x, b.y)) AS far
           FROM tsp_points a JOIN tsp_points b ON b.instance = a.instance AND b.id = 1
           GROUP BY a.instance) m ON m.instance = p.instance,
     (VALUES (2), (3)) gen(g)
WHERE p.instance IN ('eil51', 'berlin52', 'st70', 'eil76', 'rat99', 'kroA100');
INSERT INTO op_limits
SELECT instance || '-gen' || g, ceil(optimum / 2.0) FROM tsp_optima, (VALUES (2), (3)) gen(g)
WHERE instance IN ('eil51', 'berlin52', 'st70', 'eil76', 'rat99', 'kroA100');
-- Best-known values with their source (src/bench/data/README.md).
CREATE TABLE op_best (instance text PRIMARY KEY, best float8, source text);
INSERT INTO op_best VALUES ('kroA150-gen3-50', 5039, 'optimal, RB&C (gkobeaga/op-solver README)');
-- No published value for the built instances could be read offline.  These are the best loops
-- cm_walk_orienteer itself found with other seeds, more rounds or another reorder effort
-- (docs/performance.md, "Public instances"): lower bounds on the best known, so the percentage
-- against them is an upper bound on walk_plan's percentage of the best known.
INSERT INTO op_best (instance, best) VALUES
    ('eil51-gen2', 1674), ('eil51-gen3', 1397), ('berlin52-gen2', 1897), ('berlin52-gen3', 1036),
    ('st70-gen2', 2267), ('st70-gen3', 2069), ('eil76-gen2', 2465), ('eil76-gen3', 2415),
    ('rat99-gen2', 2905), ('rat99-gen3', 2848), ('kroA100-gen2', 3212), ('kroA100-gen3', 3211);
UPDATE op_best SET source = 'lower bound: found by our own solver' WHERE source IS NULL;

\echo '-- check of the stored OPLib instance: the published RB&C optimal cycle of kroA150-gen3-50'
WITH cyc AS (SELECT k, c[k] AS id, c[k % cardinality(c) + 1] AS next
             FROM (SELECT ARRAY[1, 93, 28, 58, 61, 25, 81, 69, 64, 40, 54, 2, 144, 114, 44, 50, 116,
                   82, 126, 95, 13, 76, 33, 146, 103, 37, 5, 52, 78, 96, 39, 101, 121, 30, 107, 112,
                   132, 29, 46, 3, 14, 48, 100, 71, 41, 136, 128, 43, 123, 115, 120, 149, 55, 83, 34,
                   135, 140, 125, 51, 87, 145, 9, 117, 7, 57, 20, 12, 27, 86, 150, 62, 60, 77, 110,
                   23, 98, 91, 109, 47] AS c) a, generate_subscripts(c, 1) k)
SELECT sum(a.score) AS value, sum(pg_temp.nint_dist(a.x, a.y, b.x, b.y)) AS nint_length,
       (SELECT cost_limit FROM op_limits WHERE instance = 'kroA150-gen3-50') AS cost_limit
FROM cyc JOIN op_points a ON a.instance = 'kroA150-gen3-50' AND a.id = cyc.id
         JOIN op_points b ON b.instance = 'kroA150-gen3-50' AND b.id = cyc.next;

CREATE FUNCTION pg_temp.plan(inst text, OUT value float8, OUT stops int, OUT euclid float8,
                             OUT nint bigint, OUT ms float8) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); budget float8; depot geometry;
BEGIN
    SELECT cost_limit INTO budget FROM op_limits WHERE instance = inst;
    SELECT ST_MakePoint(x, y) INTO depot FROM op_points WHERE instance = inst AND id = 1;
    CREATE TEMP TABLE plan_stops ON COMMIT DROP AS
    SELECT id, campaign.walk_plan(ST_MakePoint(x, y), score, budget, depot) OVER () AS stop
    FROM op_points WHERE instance = inst AND id > 1;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    -- the loop: depot (stop 0), the stops in order, back to the depot
    WITH seq AS (SELECT 1 AS id, 0 AS stop UNION ALL
                 SELECT id, stop FROM plan_stops WHERE stop IS NOT NULL),
         legs AS (SELECT p.x, p.y, p.score,
                         lead(p.x, 1, d.x) OVER (ORDER BY s.stop) AS nx,
                         lead(p.y, 1, d.y) OVER (ORDER BY s.stop) AS ny
                  FROM seq s JOIN op_points p ON p.instance = inst AND p.id = s.id
                       JOIN op_points d ON d.instance = inst AND d.id = 1)
    SELECT sum(score), count(*) - 1, sum(sqrt((x - nx) ^ 2 + (y - ny) ^ 2)),
           sum(pg_temp.nint_dist(x, y, nx, ny))
    INTO value, stops, euclid, nint FROM legs;
    DROP TABLE plan_stops;
END $$;

\echo '-- walk_plan on OPLib-style loops from the depot: collected value, budget'
CREATE TABLE plan_results AS
SELECT l.instance, (SELECT count(*) - 1 FROM op_points p WHERE p.instance = l.instance) AS doors,
       l.cost_limit, r.* FROM op_limits l, LATERAL pg_temp.plan(l.instance) r;
SELECT r.instance, r.doors, r.cost_limit, r.value, b.best AS reference, b.source,
       round((100 * r.value / b.best)::numeric, 2) AS pct, r.stops,
       round(r.euclid::numeric, 2) AS length, r.euclid <= r.cost_limit AS budget_held,
       r.nint AS tsplib_length, r.nint <= r.cost_limit AS oplib_feasible, round(r.ms::numeric) AS ms
FROM plan_results r LEFT JOIN op_best b USING (instance) ORDER BY r.doors, r.instance;
SQL
} | psql -X -q -v ON_ERROR_STOP=1
