-- surprise.sql: campaign.turnout_surprise(p, voted) against exact references
-- (fractions and mpmath: src/core/test/surprise_references.py; the 25,000-voter group against
-- the exact dynamic program in double precision, relative error 1e-11).

-- Six voters, one certain (p = 1) and one who cannot vote (p = 0); three voted.
-- Exact: P(X <= 3) = 673/800 = 0.84125, P(X >= 3) = 491/800 = 0.61375.
SELECT (s).n, (s).expected, (s).observed, (s).p_below, (s).p_above, (s).exact
FROM (SELECT campaign.turnout_surprise(p, voted) AS s
      FROM (VALUES (0.1::float8, false), (0.5, true), (0.9, true), (1.0, true), (0.0, false),
                   (0.25, false)) v(p, voted)) q;

-- NULL p (an unscored voter) and NULL voted (unknown) leave the row out; an empty group is n = 0.
SELECT (s).n, (s).observed, (s).p_below, (s).p_above
FROM (SELECT campaign.turnout_surprise(p, voted) AS s
      FROM (VALUES (0.5::float8, true), (NULL, true), (0.5, NULL)) v(p, voted)) q;
SELECT (campaign.turnout_surprise(p, voted)).*
FROM (VALUES (0.5::float8, true)) v(p, voted) WHERE false;

-- A model that said impossible (p = 0) for a voter who voted: P(X >= observed) = 0.
SELECT (s).p_below, (s).p_above
FROM (SELECT campaign.turnout_surprise(p, voted) AS s
      FROM (VALUES (0.0::float8, true), (0.5, true)) v(p, voted)) q;

-- 2000 voters (the doubles of surprise_references.py), the first k of them voted: exact to
-- 1e-9 relative, out to tails of 1e-200.
CREATE TABLE sv AS
SELECT i, 0.02::float8 + 0.96::float8 * ((i * 7919) % 1009)::float8 / 1009::float8 AS p
FROM generate_series(0, 24999) i;
CREATE FUNCTION pg_temp.tails(voters int, k int) RETURNS campaign.surprise LANGUAGE sql AS $$
    SELECT campaign.turnout_surprise(p, i < k) FROM sv WHERE i < voters
$$;
SELECT k, (t).exact, (t).observed,
       abs((t).p_below / below - 1) < 1e-9 AS below_exact,
       abs((t).p_above / above - 1) < 1e-9 AS above_exact
FROM (VALUES (450, 1.9569790617116042e-200::float8, 1.0::float8),
             (700, 5.4557732136763398e-59, 1.0),
             (940, 0.00081456277428913641, 0.99932333952390826),
             (1000, 0.52982780291783248, 0.4915862807696608),
             (1060, 0.99951733700607985, 0.00058385036942546192),
             (1550, 1.0, 8.3841472112996815e-202)) r(k, below, above),
     LATERAL (SELECT pg_temp.tails(2000, k) AS t) x
ORDER BY k;

-- 25,000 uncertain voters: past the exact limit, the sketch and its saddlepoint (1e-9 here).
SELECT k, (t).exact, (t).n, round((t).expected::numeric, 6) AS expected,
       abs((t).p_below / below - 1) < 1e-6 AS below_close,
       abs((t).p_above / above - 1) < 1e-6 AS above_close
FROM (VALUES (12000, 6.22744856057699e-14::float8, 0.999999999999941::float8),
             (12240, 8.36489016551244e-05, 0.999921294733104),
             (12500, 0.574341861998938, 0.431623541278224),
             (12800, 0.999998966352207, 1.1141524277194e-06)) r(k, below, above),
     LATERAL (SELECT pg_temp.tails(25000, k) AS t) x
ORDER BY k;

-- Bad probabilities: 22003, as campaign.rollup.
SELECT campaign.turnout_surprise(p, true) FROM (VALUES (1.5::float8)) v(p);
SELECT campaign.turnout_surprise(p, true) FROM (VALUES ('NaN'::float8)) v(p);
\set VERBOSITY sqlstate
SELECT campaign.turnout_surprise(p, true) FROM (VALUES (1.5::float8)) v(p);
SELECT campaign.turnout_surprise(p, true) FROM (VALUES ('NaN'::float8)) v(p);
SELECT campaign.turnout_surprise(p, true) FROM (VALUES ('-Infinity'::float8)) v(p);
SELECT campaign.turnout_surprise(p, true) FROM (VALUES (-0.01::float8)) v(p);
SELECT campaign.surprise_finalfn('{1,2,0,0,1,0,0}');
\set VERBOSITY default

-- Forged states are refused, never trusted (XX001).
SELECT campaign.surprise_finalfn('{1,2,0,0,1,0,0}');
SELECT campaign.surprise_finalfn('{2,1,0,1,1,2,0,0.5}');
SELECT campaign.surprise_finalfn('{2,1,0,1,1,2,0,0.5,NaN}');
SELECT campaign.surprise_finalfn('{{0,0},{0,0}}');
SELECT campaign.surprise_finalfn('{0,0,0,0,1,0,NULL}');
SELECT campaign.surprise_finalfn('{1,0,0,0.5,0,1,1,9999,1}');
SELECT campaign.surprise_finalfn('{1,0,0,0.5,0,1,1,5,1,0.9,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}');
SELECT campaign.surprise_combinefn('{0,0,0,0,1,0,0}', '{1,0,0,0,7,0,0}');
-- Called directly, the transition function works on a copy and the result is a valid state.
SELECT campaign.surprise_transfn('{0,0,0,0,1,0,0}', 0.25, true);
SELECT (campaign.surprise_finalfn(campaign.surprise_transfn(campaign.surprise_transfn(
        '{0,0,0,0,1,0,0}', 0.25, true), 0.5, false))).*;

-- Election night: precincts whose turnout lags the model (docs/surprise.md).
CREATE TABLE sv_voters AS
SELECT i AS voter_id, 'P' || lpad((i % 40)::text, 2, '0') AS precinct,
       0.2::float8 + 0.6::float8 * ((i * 7919) % 1009)::float8 / 1009::float8 AS p,
       -- precinct P07 votes at 80% of its model, the others as the model says (deterministically)
       ((i::bigint * 104729) % 1000)::float8 / 1000 < (0.2 + 0.6 * ((i * 7919) % 1009) / 1009.0)
           * CASE WHEN i % 40 = 7 THEN 0.8 ELSE 1 END AS voted
FROM generate_series(1, 40000) i;
SELECT precinct, (s).n, round((s).expected) AS expected, (s).observed,
       (s).p_below < 1e-6 AS lagging
FROM (SELECT precinct, campaign.turnout_surprise(p, voted) AS s FROM sv_voters GROUP BY precinct) q
WHERE (s).p_below < 0.01 OR (s).p_above < 0.01
ORDER BY (s).p_below;

-- Parallel plans: Partial Aggregate, and the same answers as a serial plan.
CREATE FUNCTION pg_temp.plan_has(query text, node text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        IF line LIKE '%' || node || '%' THEN RETURN true; END IF;
    END LOOP;
    RETURN false;
END $$;
ANALYZE sv_voters;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE sv_serial AS
SELECT precinct, campaign.turnout_surprise(p, voted) AS s FROM sv_voters GROUP BY precinct;
CREATE TABLE sv_serial_all AS SELECT campaign.turnout_surprise(p, i % 3 = 0) AS s FROM sv;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT pg_temp.plan_has('SELECT precinct, campaign.turnout_surprise(p, voted) FROM sv_voters GROUP BY precinct',
                        'Partial') AS partial_aggregate;
CREATE TABLE sv_parallel AS
SELECT precinct, campaign.turnout_surprise(p, voted) AS s FROM sv_voters GROUP BY precinct;
CREATE TABLE sv_parallel_all AS SELECT campaign.turnout_surprise(p, i % 3 = 0) AS s FROM sv;
SELECT count(*) AS precincts,
       bool_and((a.s).n = (b.s).n AND (a.s).observed = (b.s).observed) AS same_counts,
       bool_and(abs((a.s).p_below - (b.s).p_below) <= 1e-9 * (a.s).p_below
                AND abs((a.s).p_above - (b.s).p_above) <= 1e-9 * (a.s).p_above) AS same_tails
FROM sv_serial a JOIN sv_parallel b USING (precinct);
SELECT (a.s).exact, (a.s).n = (b.s).n AS same_n,
       abs((a.s).p_below - (b.s).p_below) <= 1e-9 * (a.s).p_below AS same_below
FROM sv_serial_all a, sv_parallel_all b;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

SELECT proname, provolatile, proparallel FROM pg_proc
WHERE pronamespace = 'campaign'::regnamespace AND proname LIKE '%surprise%' ORDER BY proname;

DROP TABLE sv, sv_voters, sv_serial, sv_parallel, sv_serial_all, sv_parallel_all;
