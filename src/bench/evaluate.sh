#!/usr/bin/env bash
# evaluate.sh - the evaluation aggregates against the same metrics written in plain SQL
# (rank-based AUC with window functions, avg() of the per-row terms), over 1,000,000 scored
# rows, serial and with 2 parallel workers.  Run by `make bench` (PGHOST/PGPORT/PGDATABASE set).
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh
ROWS=${EVAL_BENCH_ROWS:-1000000}

as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -v rows="$ROWS" <<'SQL'
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS campaign;
DROP TABLE IF EXISTS eval_bench;
-- scores with 4 digits (as a model's are after rounding) and outcomes that follow them
CREATE TABLE eval_bench AS
SELECT p, y, least(1, p + (i % 10000) * 1e-9) AS q  -- q: nearly all distinct, the AUC state's worst case
FROM (SELECT i, round((abs(hashint4(i)) / 2147483648.0)::numeric, 4)::float8 AS p,
             abs(hashint4(i + 1)) / 2147483648.0 < abs(hashint4(i)) / 2147483648.0 AS y
      FROM generate_series(1, :rows) i) s;
VACUUM ANALYZE eval_bench;

CREATE FUNCTION pg_temp.ms(query text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; best float8 := 'Infinity';
BEGIN
    FOR i IN 1..3 LOOP
        t0 := clock_timestamp();
        EXECUTE query;
        best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
    END LOOP;
    RETURN best;
END $$;

CREATE TEMP TABLE results (metric text, workers int, campaign_ms float8, sql_ms float8);
CREATE FUNCTION pg_temp.run(workers int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET max_parallel_workers_per_gather = %s', workers);
    INSERT INTO results VALUES
    ('scan only (count)', workers, pg_temp.ms('SELECT count(p) FROM eval_bench'), NULL),
    ('auc, 4-digit scores', workers, pg_temp.ms('SELECT campaign.auc(p, y) FROM eval_bench'),
     pg_temp.ms($q$SELECT (sum(r) FILTER (WHERE y) - count(*) FILTER (WHERE y) * (count(*) FILTER (WHERE y) + 1) / 2.0)
                      / (count(*) FILTER (WHERE y) * count(*) FILTER (WHERE NOT y))
                  FROM (SELECT y, rank() OVER (ORDER BY p) + (count(*) OVER (PARTITION BY p) - 1) / 2.0 AS r
                        FROM eval_bench) s$q$)),
    ('auc, distinct scores', workers, pg_temp.ms('SELECT campaign.auc(q, y) FROM eval_bench'),
     pg_temp.ms($q$SELECT (sum(r) FILTER (WHERE y) - count(*) FILTER (WHERE y) * (count(*) FILTER (WHERE y) + 1) / 2.0)
                      / (count(*) FILTER (WHERE y) * count(*) FILTER (WHERE NOT y))
                  FROM (SELECT y, rank() OVER (ORDER BY q) + (count(*) OVER (PARTITION BY q) - 1) / 2.0 AS r
                        FROM eval_bench) s$q$)),
    ('logloss', workers, pg_temp.ms('SELECT campaign.logloss(p, y) FROM eval_bench'),
     pg_temp.ms($q$SELECT avg(CASE WHEN y THEN -ln(greatest(p, 1e-15)) ELSE -ln(greatest(1 - p, 1e-15)) END)
                  FROM eval_bench$q$)),
    ('brier', workers, pg_temp.ms('SELECT campaign.brier(p, y) FROM eval_bench'),
     pg_temp.ms('SELECT avg((p - y::int) ^ 2) FROM eval_bench')),
    ('lift, 10 bins', workers, pg_temp.ms('SELECT campaign.lift(p, y, 10) FROM eval_bench'),
     pg_temp.ms($q$SELECT d, avg(y::int) FROM (SELECT y, ntile(10) OVER (ORDER BY p DESC) d FROM eval_bench) s
                  GROUP BY d$q$)),
    ('tier + score100 per row', workers,
     pg_temp.ms('SELECT count(campaign.tier(p)), sum(campaign.score100(p)) FROM eval_bench'),
     pg_temp.ms($q$SELECT count(CASE WHEN p < 0.3 THEN 'low' WHEN p < 0.7 THEN 'medium' ELSE 'high' END),
                         sum(floor(p * 100 + 0.5)::int) FROM eval_bench$q$));
END $$;
SELECT pg_temp.run(0);
SELECT pg_temp.run(2);
\echo rows in eval_bench: :rows (best of 3 runs; peer = the same metric in plain SQL)
SELECT metric, workers, round(campaign_ms::numeric, 1) AS campaign_ms, round(sql_ms::numeric, 1) AS sql_ms,
       round((campaign_ms / sql_ms)::numeric, 3) AS ratio
FROM results ORDER BY metric, workers;
-- the figures are only worth something if the results agree
SELECT abs(campaign.auc(p, y) - (SELECT (sum(r) FILTER (WHERE y) - count(*) FILTER (WHERE y) * (count(*) FILTER (WHERE y) + 1) / 2.0)
                      / (count(*) FILTER (WHERE y) * count(*) FILTER (WHERE NOT y))
                  FROM (SELECT y, rank() OVER (ORDER BY p) + (count(*) OVER (PARTITION BY p) - 1) / 2.0 AS r
                        FROM eval_bench) s)) < 1e-9 AS auc_agrees_with_sql
FROM eval_bench;
DROP TABLE eval_bench;
SQL
