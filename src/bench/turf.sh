#!/usr/bin/env bash
# turf.sh - turfs by shift time (make bench, BENCH=turf): campaign.turf(geom, shift, minutes per
# door, metres per minute) on uniform and clustered doors beside ST_ClusterKMeans at the same
# number of turfs and at the number k-means needs to fit the shift; then turf_costs over street
# distances from pgRouting (pgr_dijkstraCostMatrix on a street grid).  A turf's time is its
# doors x minutes per door + its loop (campaign.walk_path, default effort) / metres per minute.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh
ensure_packages "postgresql-$PG_MAJOR-pgrouting"

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pgrouting;
CREATE EXTENSION IF NOT EXISTS campaign;
-- 5,000 doors: uniform in a 3 km square, and clustered (25 villages of 200, 80 m spread, 6 km)
DROP TABLE IF EXISTS sdoors, sturf, skm, sresult;
CREATE TABLE sdoors AS
SELECT kind, i AS id,
       CASE kind WHEN 'uniform' THEN ST_MakePoint(3000 * u1, 3000 * u2)
            ELSE ST_MakePoint(6000 * c1 + 80 * g1, 6000 * c2 + 80 * g2) END AS geom
FROM (VALUES ('uniform'), ('clustered')) k(kind), generate_series(1, 5000) i,
     LATERAL (SELECT ((hashint4(i * 7 + 3)::int8 + 2147483648) % 1000003) / 1000003.0 AS u1,
                     ((hashint4(i * 13 + 4)::int8 + 2147483648) % 1000003) / 1000003.0 AS u2,
                     ((hashint4((i % 25) * 31 + 1)::int8 + 2147483648) % 1000003) / 1000003.0 AS c1,
                     ((hashint4((i % 25) * 37 + 6)::int8 + 2147483648) % 1000003) / 1000003.0 AS c2,
                     sqrt(-2 * ln(((hashint4(i * 17 + 2)::int8 + 2147483648) % 1000003 + 1) / 1000004.0))
                       * cos(2 * pi() * ((hashint4(i * 19 + 2)::int8 + 2147483648) % 1000003) / 1000003.0) AS g1,
                     sqrt(-2 * ln(((hashint4(i * 23 + 2)::int8 + 2147483648) % 1000003 + 1) / 1000004.0))
                       * cos(2 * pi() * ((hashint4(i * 29 + 2)::int8 + 2147483648) % 1000003) / 1000003.0) AS g2) r;

-- shift 180 minutes, 1.5 minutes a door, 70 m a minute
CREATE FUNCTION pg_temp.cut(k text, OUT ms float8) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    INSERT INTO sturf SELECT k, id, geom, campaign.turf(geom, 180, 1.5, 70) OVER (ORDER BY id) FROM sdoors WHERE kind = k;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;
CREATE TABLE sturf (kind text, id int, geom geometry, t int);
CREATE TEMP TABLE cut_ms AS SELECT kind, pg_temp.cut(kind) AS ms FROM (VALUES ('uniform'), ('clustered')) v(kind);

-- turfs' times and loops of any numbering
CREATE FUNCTION pg_temp.times(k text, tbl text) RETURNS TABLE (turfs bigint, summed float8, longest float8,
    shortest float8, over_shift bigint) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        SELECT count(*), sum(l), max(m), min(m), count(*) FILTER (WHERE m > 180) FROM
            (SELECT ST_Length(campaign.walk_path(geom)) AS l,
                    count(*) * 1.5 + ST_Length(campaign.walk_path(geom)) / 70 AS m
             FROM %I WHERE kind = %L GROUP BY t) x $q$, tbl, k);
END $$;
CREATE FUNCTION pg_temp.kmeans(k text, n int, OUT ms float8) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    DELETE FROM skm WHERE kind = k;
    INSERT INTO skm SELECT k, id, geom, ST_ClusterKMeans(geom, n) OVER () FROM sdoors WHERE kind = k;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;
CREATE TABLE skm (kind text, id int, geom geometry, t int);

\echo '-- campaign.turf by shift time (180 min, 1.5 min a door, 70 m a minute) beside ST_ClusterKMeans at the same k'
CREATE TABLE sresult AS
SELECT c.kind, c.ms AS turf_ms, a.*, pg_temp.kmeans(c.kind, a.turfs::int) AS km_ms
FROM cut_ms c, LATERAL pg_temp.times(c.kind, 'sturf') a;
SELECT r.kind, r.turfs, round(r.turf_ms::numeric) AS turf_ms, round(r.summed::numeric) AS summed_loops,
       round(r.shortest::numeric, 1) AS shortest_min, round(r.longest::numeric, 1) AS longest_min,
       round((r.longest / r.shortest)::numeric, 3) AS ratio,
       round(k.summed::numeric) AS kmeans_summed, round((r.summed / k.summed)::numeric, 3) AS vs_kmeans,
       round(k.longest::numeric) AS kmeans_longest_min, round((k.longest / k.shortest)::numeric, 2) AS kmeans_ratio,
       k.over_shift AS kmeans_over_shift, round(r.km_ms::numeric) AS kmeans_ms
FROM sresult r, LATERAL pg_temp.times(r.kind, 'skm') k ORDER BY r.kind DESC;

\echo '-- ST_ClusterKMeans at the fewest turfs (from the same k up) where every turf fits the shift'
CREATE FUNCTION pg_temp.kmeans_fit(k text, start int) RETURNS TABLE (turfs int, summed float8, ratio float8)
LANGUAGE plpgsql AS $$
DECLARE j int := start;
        r record;
BEGIN
    LOOP
        PERFORM pg_temp.kmeans(k, j);
        SELECT * INTO r FROM pg_temp.times(k, 'skm');
        IF r.over_shift = 0 OR j >= 3 * start THEN
            RETURN QUERY SELECT j, r.summed, r.longest / r.shortest;
            RETURN;
        END IF;
        j := j + 1;
    END LOOP;
END $$;
SELECT r.kind, r.turfs AS turf_turfs, f.turfs AS kmeans_turfs, round(r.summed::numeric) AS turf_summed,
       round(f.summed::numeric) AS kmeans_summed, round(f.ratio::numeric, 2) AS kmeans_ratio
FROM sresult r, LATERAL pg_temp.kmeans_fit(r.kind, r.turfs::int) f ORDER BY r.kind DESC;

\echo '-- street distances: turf_costs over pgr_dijkstraCostMatrix on a 30 x 30 grid of 100 m blocks, 400 doors at corners'
DROP TABLE IF EXISTS sways, svert;
CREATE TABLE svert AS SELECT i * 30 + j + 1 AS id, i, j FROM generate_series(0, 29) i, generate_series(0, 29) j;
CREATE TABLE sways AS
SELECT row_number() OVER () AS id, a.id AS source, b.id AS target, 100.0 AS cost, 100.0 AS reverse_cost
FROM svert a JOIN svert b ON (b.i = a.i + 1 AND b.j = a.j) OR (b.i = a.i AND b.j = a.j + 1);
CREATE TEMP TABLE sdoor_nodes AS
SELECT id FROM svert ORDER BY hashint4(id * 11) LIMIT 400;
CREATE FUNCTION pg_temp.street(OUT ms float8, OUT turfs bigint) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    CREATE TEMP TABLE st AS SELECT * FROM campaign.turf_costs(
        $q$SELECT * FROM pgr_dijkstraCostMatrix('SELECT id, source, target, cost, reverse_cost FROM sways',
                                               (SELECT array_agg(id) FROM sdoor_nodes), directed => false)$q$,
        180, 1.5, 70);
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    SELECT count(DISTINCT turf) INTO turfs FROM st;
END $$;
SELECT round(ms::numeric) AS turf_costs_ms, turfs FROM pg_temp.street();
SQL
