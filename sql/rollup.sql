-- rollup: Poisson-binomial rollups, GEOID levels, empirical Bayes, privacy noise.
\set SHOW_CONTEXT never
\i sql/include/sqlstate_of.sql

-- Small groups of known composition.
CREATE TABLE rv (grp text, p float8);
INSERT INTO rv SELECT 'ten_halves', 0.5 FROM generate_series(1, 10);
INSERT INTO rv VALUES ('mixed', 0.1), ('mixed', 0.2), ('mixed', 0.9), ('mixed', 0.75), ('mixed', NULL),
                      ('certain', 1), ('certain', 1), ('certain', 0), ('only_null', NULL);
-- Binomial(10, 1/2): P(X <= 1) = 11/1024 < 5% <= P(X <= 2), so lo = 2 and hi = 8.
SELECT grp, (r).n, round((r).expected::numeric, 6) AS expected, round((r).sd::numeric, 6) AS sd,
       (r).lo, (r).hi
FROM (SELECT grp, campaign.rollup(p) AS r FROM rv GROUP BY grp) s ORDER BY grp;
-- No rows at all: an empty rollup, not NULL.
SELECT campaign.rollup(p) FROM rv WHERE false;

-- The 5% and 95% quantiles against the exact distribution, enumerated subset by subset in SQL.
CREATE TABLE rv_small AS
SELECT g, i, round((abs(hashint4(g * 100 + i)) % 1000) / 1000.0, 3)::float8 AS p
FROM generate_series(1, 30) g, generate_series(1, 2 + g % 9) i;
WITH members AS (
    SELECT g, array_agg(p ORDER BY i) AS ps FROM rv_small GROUP BY g
), subsets AS (
    SELECT g, mask,
           (SELECT exp(sum(ln(CASE WHEN mask & (1 << (k - 1)) <> 0 THEN ps[k] ELSE 1 - ps[k] END)))
            FROM generate_subscripts(ps, 1) k
            HAVING bool_and(CASE WHEN mask & (1 << (k - 1)) <> 0 THEN ps[k] ELSE 1 - ps[k] END > 0)) AS prob,
           (SELECT count(*) FROM generate_subscripts(ps, 1) k WHERE mask & (1 << (k - 1)) <> 0) AS hits
    FROM members, generate_series(0, (1 << cardinality(ps)) - 1) mask
), pmf AS (
    SELECT g, hits, coalesce(sum(prob), 0) AS prob FROM subsets GROUP BY g, hits
), cdf AS (
    SELECT g, hits, sum(prob) OVER (PARTITION BY g ORDER BY hits) AS cdf FROM pmf
), exact AS (
    SELECT g, min(hits) FILTER (WHERE cdf >= 0.05 - 1e-12) AS lo,
              min(hits) FILTER (WHERE cdf >= 0.95 - 1e-12) AS hi
    FROM cdf GROUP BY g
), ours AS (
    SELECT g, campaign.rollup(p) AS r FROM rv_small GROUP BY g
)
SELECT count(*) AS groups, bool_and((o.r).lo = e.lo) AS lo_exact, bool_and((o.r).hi = e.hi) AS hi_exact,
       bool_or((o.r).lo < (o.r).hi) AS some_spread
FROM exact e JOIN ours o USING (g);

-- Past 1000 voters: the refined normal approximation.  Binomial(2000, 1/2) has exact
-- quantiles 963 and 1037.
SELECT (r).n, (r).expected, round((r).sd::numeric, 4) AS sd, (r).lo, (r).hi
FROM (SELECT campaign.rollup(0.5) AS r FROM generate_series(1, 2000)) s;

-- Bad p.
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup(p) FROM (VALUES (0.5), (-0.1)) v(p)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup(p) FROM (VALUES (1.5::float8)) v(p)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup('NaN')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup('-Infinity')$$);

-- Combining partial states (what parallel workers do), on both sides of the exact limit.
CREATE AGGREGATE pg_temp.rollup_state(float8) (
    SFUNC = campaign.rollup_transfn, STYPE = float8[], INITCOND = '{0,0,0,0,1}');
CREATE TABLE rv_big AS
SELECT i, (abs(hashint4(i)) % 1000) / 1000.0::float8 AS p FROM generate_series(1, 1200) i;
WITH parts AS (
    SELECT (SELECT pg_temp.rollup_state(p) FROM rv_big WHERE i <= 300) AS a,
           (SELECT pg_temp.rollup_state(p) FROM rv_big WHERE i > 300 AND i <= 500) AS b,
           (SELECT pg_temp.rollup_state(p) FROM rv_big WHERE i > 500) AS c
), combined AS (
    SELECT campaign.rollup_finalfn(campaign.rollup_combinefn(a, b)) AS ab,
           campaign.rollup_finalfn(campaign.rollup_combinefn(campaign.rollup_combinefn(a, b), c)) AS abc
    FROM parts
), direct AS (
    SELECT (SELECT campaign.rollup(p) FROM rv_big WHERE i <= 500) AS ab,
           (SELECT campaign.rollup(p) FROM rv_big) AS abc
)
SELECT (c.ab).n AS n_ab, (c.ab).lo = (d.ab).lo AND (c.ab).hi = (d.ab).hi AS ab_same_quantiles,
       abs((c.ab).expected - (d.ab).expected) < 1e-9 AS ab_same_expected,
       (c.abc).n AS n_abc, (c.abc).lo = (d.abc).lo AND (c.abc).hi = (d.abc).hi AS abc_same_quantiles,
       abs((c.abc).sd - (d.abc).sd) < 1e-9 AS abc_same_sd
FROM combined c, direct d;

-- Forged states are refused, never trusted.
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup_finalfn('{1,2,3}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup_finalfn('{1,0.5,0.25,0,5,0.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup_finalfn('{2,0.5,0.25,0,1,0.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup_finalfn('{1,0.5,0.25,0,1,1.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup_finalfn('{1,0.5,0.25,0,1,NaN}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup_finalfn('{1,2,0.25,0,1,0.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup_transfn('{1e300,0,0,0,0}', 0.5)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup_transfn('{{0,0},{0,1}}', 0.5)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup_combinefn('{0,0,0,0,1}', '{1,0.5,0.25,0,1,NULL}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.rollup_combinefn('{0,0,0,0,1}', '{0,0,0,0,1}')$$);
-- Called directly, the transition function leaves its argument alone.
SELECT campaign.rollup_transfn(s, 0.25) AS added, s AS original
FROM (SELECT '{0,0,0,0,1}'::float8[] AS s) v;

-- As a window aggregate: a running total reuses the state after each final call, a moving
-- frame restarts it.
SELECT i, (campaign.rollup(p) OVER running).n AS running_n,
       (campaign.rollup(p) OVER running).expected AS running_expected,
       (campaign.rollup(p) OVER running).hi AS running_hi,
       (campaign.rollup(p) OVER moving).n AS moving_n,
       (campaign.rollup(p) OVER moving).expected AS moving_expected
FROM (VALUES (1, 0.5::float8), (2, 0.25), (3, 1.0), (4, NULL)) v(i, p)
WINDOW running AS (ORDER BY i), moving AS (ORDER BY i ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
ORDER BY i;

-- Parallel plans: Partial Aggregate, and the same answers as a serial plan.
CREATE TABLE rv_par AS
SELECT i, lpad((i % 500)::text, 15, '0') AS block_geoid,
       CASE WHEN i % 97 = 0 THEN NULL ELSE (abs(hashint4(i)) % 10001) / 10000.0::float8 END AS p
FROM generate_series(1, 100000) i;
ANALYZE rv_par;
CREATE FUNCTION pg_temp.plan_has(query text, node text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        IF line LIKE '%' || node || '%' THEN RETURN true; END IF;
    END LOOP;
    RETURN false;
END $$;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE rv_serial AS SELECT block_geoid, campaign.rollup(p) AS r FROM rv_par GROUP BY block_geoid;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT pg_temp.plan_has('SELECT block_geoid, campaign.rollup(p) FROM rv_par GROUP BY block_geoid',
                        'Partial') AS partial_aggregate,
       pg_temp.plan_has('SELECT block_geoid, campaign.rollup(p) FROM rv_par GROUP BY block_geoid',
                        'Gather') AS gather;
CREATE TABLE rv_parallel AS SELECT block_geoid, campaign.rollup(p) AS r FROM rv_par GROUP BY block_geoid;
SELECT count(*) AS blocks,
       bool_and((s.r).n = (p.r).n AND (s.r).lo = (p.r).lo AND (s.r).hi = (p.r).hi) AS same_counts,
       bool_and(abs((s.r).expected - (p.r).expected) < 1e-9
                AND abs((s.r).sd - (p.r).sd) < 1e-9) AS same_moments,
       sum((s.r).n) AS voters
FROM rv_serial s JOIN rv_parallel p USING (block_geoid);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- GEOIDs.
SELECT level, campaign.geoid_parent('360610001001000', level) AS parent,
       campaign.geoid_level(campaign.geoid_parent('360610001001000', level)) AS level_of_parent
FROM unnest(ARRAY['state', 'county', 'tract', 'block_group', 'block']) level;
SELECT campaign.geoid_parent('36061000100', 'county') AS county_of_tract,
       campaign.geoid_parent(NULL, 'tract') AS null_geoid, campaign.geoid_level(NULL) AS null_level;
SELECT pg_temp.sqlstate_of($$SELECT campaign.geoid_level('3606100010')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.geoid_level('36061000100100X')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.geoid_level('')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.geoid_parent(' 36061000100100', 'tract')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.geoid_parent('36061', 'tract')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.geoid_parent('360610001001000', 'zip')$$);

-- Empirical Bayes on synthetic blocks with a known prior per tract: tract 1 Beta(2, 8)
-- (mean 0.2), tract 2 Beta(6, 4) (mean 0.6).  A Beta(a, b) rate with integer a, b is the a-th
-- smallest of a + b - 1 uniforms.
CREATE TABLE eb_blocks AS
SELECT t AS tract, b AS block, 3 + abs(hashint4(t * 10000 + b)) % 150 AS trials,
       (SELECT u FROM (SELECT abs(hashint4(t * 1000000 + b * 100 + j)) / 2147483648.0 AS u
                       FROM generate_series(1, 9) j) us
        ORDER BY u OFFSET (CASE t WHEN 1 THEN 2 ELSE 6 END) - 1 LIMIT 1)::float8 AS true_rate
FROM generate_series(1, 2) t, generate_series(1, 400) b;
ALTER TABLE eb_blocks ADD COLUMN successes float8;
UPDATE eb_blocks SET successes =
    (SELECT count(*) FROM generate_series(1, trials) v
     WHERE abs(hashint4(tract * 7000000 + block * 1000 + v)) / 2147483648.0 < true_rate);
CREATE TABLE eb_out AS
SELECT tract, block, trials, successes, true_rate, successes / trials AS raw,
       campaign.eb_rate(successes, trials) OVER (PARTITION BY tract) AS eb,
       campaign.eb_interval(successes, trials) OVER (PARTITION BY tract) AS ci,
       campaign.eb_rate(successes, trials) OVER (PARTITION BY tract ORDER BY block) AS eb_ordered
FROM eb_blocks;
SELECT tract,
       round(avg(eb)::numeric, 1) AS mean_eb,
       avg((raw - true_rate) ^ 2) > 1.2 * avg((eb - true_rate) ^ 2) AS shrinkage_pays,
       avg(abs(eb - raw)) FILTER (WHERE trials < 15) > 3 * avg(abs(eb - raw)) FILTER (WHERE trials > 120)
           AS small_blocks_move_more,
       bool_and(ci[1] <= eb AND eb <= ci[2]) AS interval_around_mean,
       avg((true_rate BETWEEN ci[1] AND ci[2])::int) BETWEEN 0.8 AND 0.97 AS coverage_near_90,
       bool_and(eb = eb_ordered) AS frame_ignored
FROM eb_out GROUP BY tract ORDER BY tract;
-- A block without voters gets the tract's prior mean; NULL input gives NULL; a partition
-- without any trials gives NULL.
SELECT tract, s, t, round(campaign.eb_rate(s, t) OVER w::numeric, 4) AS eb,
       campaign.eb_interval(s, t) OVER w IS NULL AS no_interval
FROM (VALUES (1, 2.0, 10.0), (1, 8.0, 10.0), (1, 0.0, 0.0), (1, NULL, 5.0), (2, 0.0, 0.0))
     v(tract, s, t)
WINDOW w AS (PARTITION BY tract) ORDER BY tract, s NULLS LAST, t;
SELECT pg_temp.sqlstate_of($$SELECT campaign.eb_rate(s, t) OVER () FROM (VALUES (3.0, 2.0)) v(s, t)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.eb_rate(s, t) OVER () FROM (VALUES (-1.0, 2.0)) v(s, t)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.eb_interval(s, t) OVER () FROM (VALUES ('NaN'::float8, 2.0)) v(s, t)$$);

-- Privacy: noise with the documented scale (20000 draws: bounds are many standard errors wide).
SELECT abs(avg(c) - 100) < 0.1 AS count_unbiased,
       var_samp(c) BETWEEN 1.6 AND 2.1 AS count_variance,   -- 2 e^-1 / (1 - e^-1)^2 = 1.84
       bool_and(c = round(c)) AS whole_numbers
FROM (SELECT campaign.dp_count(100, 1) AS c FROM generate_series(1, 20000)) d;
SELECT min(c) = 0 AS clamped_at_zero, max(c) > 0 AS noisy
FROM (SELECT campaign.dp_count(0, 0.5) AS c FROM generate_series(1, 1000)) d;
SELECT abs(avg(x) - 50) < 0.15 AS sum_unbiased,
       var_samp(x) BETWEEN 7.0 AND 9.0 AS sum_variance       -- Laplace scale 2: 2 * 2^2 = 8
FROM (SELECT campaign.dp_sum(50, 0.5) AS x FROM generate_series(1, 20000)) d;
SELECT var_samp(x) BETWEEN 28 AND 36 AS sensitivity_scales  -- scale 4: 32
FROM (SELECT campaign.dp_sum(50, 0.5, 2) AS x FROM generate_series(1, 20000)) d;
SELECT pg_temp.sqlstate_of($$SELECT campaign.dp_count(10, 0)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.dp_count(10, 'NaN')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.dp_count(1.5, 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.dp_count(-1, 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.dp_sum('Infinity', 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.dp_sum(3, 1, -1)$$);
-- At the edge of double precision: a noise scale that overflows (it returned Infinity) or
-- that vanishes (no noise at all) is an error, not a number.
SELECT pg_temp.sqlstate_of($$SELECT campaign.dp_sum(10, 1e-300, 1e300)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.dp_sum(10, 1e300, 1e-300)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.dp_count(10, 1e-320)$$);
-- trials whose squares overflow (eb_rate was NaN), and an interval that holds its estimate
-- even when the posterior is so skewed that the central 90% leaves the mean out
SELECT pg_temp.sqlstate_of($$SELECT campaign.eb_rate(s, t) OVER () FROM (VALUES (1e308, 1e308), (1, 2)) v(s, t)$$);
SELECT s, t, ci[1] <= eb AND eb <= ci[2] AS holds_estimate
FROM (SELECT s, t, campaign.eb_rate(s, t) OVER () AS eb, campaign.eb_interval(s, t) OVER () AS ci
      FROM (VALUES (0, 1e12), (1e-100, 1), (0, 1)) v(s0, t0), LATERAL (SELECT s0::float8 AS s, t0::float8 AS t) c) e
ORDER BY s, t;
SELECT proname, provolatile, proparallel FROM pg_proc
WHERE pronamespace = 'campaign'::regnamespace AND proname IN ('dp_count', 'dp_sum', 'rollup', 'eb_rate')
ORDER BY proname;
-- Small-cell suppression before publishing.
SELECT campaign.suppress(4, 5) AS hidden, campaign.suppress(5, 5) AS shown;
