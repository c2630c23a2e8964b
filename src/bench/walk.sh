#!/usr/bin/env bash
# walk.sh - walk list benchmark (make bench): tour quality and speed on uniform and clustered
# instances, side by side with pgRouting's pgr_TSPeuclidean on the same 400 points, and turf
# cutting against ST_ClusterKMeans.  Gaps are against a long run of our own solver
# (campaign.walk_effort = 2000) as the reference.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh
ensure_packages "postgresql-$PG_MAJOR-pgrouting"

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pgrouting;
CREATE EXTENSION IF NOT EXISTS campaign;
-- instances: uniform in a 10 km square (metres), and clustered (20 Gaussian blocks)
CREATE TABLE inst AS
SELECT kind, n, i AS id,
       CASE kind WHEN 'uniform' THEN ST_MakePoint(10000 * u1, 10000 * u2)
            ELSE ST_MakePoint(10000 * c1 + 300 * g1, 10000 * c2 + 300 * g2) END AS geom
FROM (VALUES ('uniform'), ('clustered')) k(kind),
     (VALUES (50), (100), (400), (1000), (5000)) s(n),
     LATERAL generate_series(1, n) i,
     LATERAL (SELECT ((hashint4(i * 7 + n)::int8 + 2147483648) % 1000003) / 1000003.0 AS u1,
                     ((hashint4(i * 13 + n + 1)::int8 + 2147483648) % 1000003) / 1000003.0 AS u2,
                     (abs(hashint4((i % 20) * 31 + n)) % 1000003) / 1000003.0 AS c1,
                     (abs(hashint4((i % 20) * 37 + n + 5)) % 1000003) / 1000003.0 AS c2,
                     sqrt(-2 * ln(((hashint4(i * 17 + n)::int8 + 2147483648) % 1000003 + 1) / 1000004.0))
                       * cos(2 * pi() * ((hashint4(i * 19 + n)::int8 + 2147483648) % 1000003) / 1000003.0) AS g1,
                     sqrt(-2 * ln(((hashint4(i * 23 + n)::int8 + 2147483648) % 1000003 + 1) / 1000004.0))
                       * cos(2 * pi() * ((hashint4(i * 29 + n)::int8 + 2147483648) % 1000003) / 1000003.0) AS g2) r;

CREATE FUNCTION pg_temp.tour(k text, sz int, OUT len float8, OUT ms float8) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    SELECT ST_Length(campaign.walk_path(geom)) INTO len FROM inst WHERE kind = k AND n = sz;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;

\echo '-- tours: default effort vs reference (walk_effort = 2000)'
CREATE TABLE results AS
SELECT k.kind, s.n, d.len, d.ms FROM (VALUES ('uniform'), ('clustered')) k(kind),
       (VALUES (50), (100), (400), (1000), (5000)) s(n), LATERAL pg_temp.tour(k.kind, s.n) d;
SET campaign.walk_effort = 2000;
CREATE TABLE reference AS
SELECT k.kind, s.n, d.len, d.ms FROM (VALUES ('uniform'), ('clustered')) k(kind),
       (VALUES (50), (100), (400), (1000)) s(n), LATERAL pg_temp.tour(k.kind, s.n) d;
RESET campaign.walk_effort;
SELECT r.kind, r.n, round(r.ms::numeric, 1) AS ms,
       round((100 * (r.len / f.len - 1))::numeric, 2) AS gap_pct_vs_reference,
       round(f.ms::numeric) AS reference_ms
FROM results r LEFT JOIN reference f USING (kind, n) ORDER BY r.kind DESC, r.n;

\echo '-- side by side with pgr_TSPeuclidean on the same 400 points'
CREATE FUNCTION pg_temp.pgr(k text, OUT len float8, OUT ms float8) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    SELECT max(agg_cost) INTO len FROM pgr_TSPeuclidean(
        format('SELECT id::int AS id, ST_X(geom) AS x, ST_Y(geom) AS y FROM inst WHERE kind = %L AND n = 400', k));
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;
SELECT k.kind, round(c.len::numeric) AS campaign_len, round(p.len::numeric) AS pgr_len,
       round((100 * (1 - c.len / p.len))::numeric, 1) AS campaign_shorter_pct,
       round(c.ms::numeric, 1) AS campaign_ms, round(p.ms::numeric, 1) AS pgr_ms,
       round((p.ms / c.ms)::numeric, 1) AS speedup
FROM (VALUES ('uniform'), ('clustered')) k(kind), LATERAL pg_temp.tour(k.kind, 400) c,
     LATERAL pg_temp.pgr(k.kind) p;

\echo '-- turfs: 10,000 doors into 100 turfs vs ST_ClusterKMeans (summed tour length of the turfs)'
CREATE TABLE doors10k AS
SELECT i AS id, ST_MakePoint(10000 * ((hashint4(i)::int8 + 2147483648) % 1000003) / 1000003.0,
                             10000 * ((hashint4(i + 99991)::int8 + 2147483648) % 1000003) / 1000003.0) AS geom
FROM generate_series(1, 10000) i;
CREATE FUNCTION pg_temp.turf_ms(OUT ms float8) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    CREATE TEMP TABLE t_turf AS SELECT id, geom, campaign.turf(geom, 100) OVER () AS t FROM doors10k;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;
CREATE FUNCTION pg_temp.kmeans_ms(OUT ms float8) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    CREATE TEMP TABLE t_km AS SELECT id, geom, ST_ClusterKMeans(geom, 100) OVER () AS t FROM doors10k;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;
SELECT round(a.ms::numeric) AS turf_ms, round(b.ms::numeric) AS kmeans_ms FROM pg_temp.turf_ms() a, pg_temp.kmeans_ms() b;
-- hull_cover: summed convex hull area of the turfs over the hull of all doors (compact,
-- non-interleaving turfs stay at or under 1)
CREATE TEMP TABLE all_hull AS SELECT ST_Area(ST_ConvexHull(ST_Collect(geom))) AS a FROM doors10k;
SELECT 'campaign.turf' AS method, round(sum(l)::numeric) AS summed_tour_len, min(c) AS smallest, max(c) AS largest,
       round((sum(h) / (SELECT a FROM all_hull))::numeric, 3) AS hull_cover
FROM (SELECT ST_Length(campaign.walk_path(geom)) AS l, count(*) AS c,
             ST_Area(ST_ConvexHull(ST_Collect(geom))) AS h FROM t_turf GROUP BY t) x
UNION ALL
SELECT 'ST_ClusterKMeans', round(sum(l)::numeric), min(c), max(c), round((sum(h) / (SELECT a FROM all_hull))::numeric, 3)
FROM (SELECT ST_Length(campaign.walk_path(geom)) AS l, count(*) AS c,
             ST_Area(ST_ConvexHull(ST_Collect(geom))) AS h FROM t_km GROUP BY t) x;
SQL
