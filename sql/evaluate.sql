-- evaluate: auc, logloss, brier, calibration and lift aggregates, their row helpers, the
-- model_metrics view; hand-computed values, the training metrics, parallel = serial, bad input.
\set SHOW_CONTEXT never
\i sql/include/sqlstate_of.sql

-- Five scored rows (and a NULL one, skipped), small enough to compute by hand:
-- positives 0.9, 0.5, 0.1; negatives 0.5, 0.2.
CREATE TABLE hand (p float8, y boolean);
INSERT INTO hand VALUES (0.9, true), (0.5, true), (0.5, false), (0.2, false), (0.1, true),
                        (NULL, true), (0.3, NULL);
-- AUC: (1 + 1 + 0.5 + 1 + 0 + 0) / 6 pairs; log loss: mean of -ln(.9 .5 .5 .8 .1);
-- Brier: (.01 + .25 + .25 + .04 + .81) / 5.
SELECT round(campaign.auc(p, y)::numeric, 12) = round(3.5 / 6, 12) AS auc_ok,
       round(campaign.logloss(p, y)::numeric, 12)
           = round((-(ln(0.9) + ln(0.5) + ln(0.5) + ln(0.8) + ln(0.1)) / 5)::numeric, 12) AS logloss_ok,
       round(campaign.brier(p, y)::numeric, 12) = 0.272 AS brier_ok
FROM hand;
-- Calibration in 2 bins: [0, 0.5) holds 0.2 and 0.1; [0.5, 1] holds 0.9, 0.5, 0.5.
SELECT campaign.calibration(p, y, 2) FROM hand;
SELECT bin, bin_lower, bin_upper, count, round(mean_predicted::numeric, 6) AS mean_predicted,
       round(observed_rate::numeric, 6) AS observed_rate
FROM campaign.calibration_rows((SELECT campaign.calibration(p, y, 2) FROM hand));
-- Lift in 2 bins by descending score: 2 rows then 3; the tied 0.5 pair straddles the
-- boundary, so each bin gets half of its one positive.  Base rate 3/5.
SELECT bin, min_score, max_score, count, round(mean_predicted::numeric, 6) AS mean_predicted,
       round(observed_rate::numeric, 6) AS observed_rate, round(lift::numeric, 6) AS lift,
       cumulative_count, round(cumulative_rate::numeric, 6) AS cumulative_rate,
       round(cumulative_lift::numeric, 6) AS cumulative_lift, round(gain::numeric, 6) AS gain
FROM campaign.lift_rows((SELECT campaign.lift(p, y, 2) FROM hand));
-- More bins than rows: empty bins are listed with NULL rates.
SELECT bin, count, observed_rate, cumulative_count
FROM campaign.lift_rows((SELECT campaign.lift(p, y, 4) FROM hand WHERE p > 0.4));
SELECT bin, count, mean_predicted FROM campaign.calibration_rows(
    (SELECT campaign.calibration(p, y, 4) FROM hand)) WHERE count = 0;
-- Edge cases: no rows gives NULL; one class gives a NULL AUC but a log loss and Brier score;
-- perfect and inverted rankings; p = 0 and p = 1 are valid (log loss clipped at 1e-15).
SELECT campaign.auc(p, y) IS NULL AS auc_null, campaign.logloss(p, y) IS NULL AS logloss_null,
       campaign.brier(p, y) IS NULL AS brier_null, campaign.calibration(p, y, 3) IS NULL AS cal_null,
       campaign.lift(p, y, 3) IS NULL AS lift_null
FROM hand WHERE false;
SELECT campaign.auc(p, y) IS NULL AS auc_null, round(campaign.brier(p, y)::numeric, 6) AS brier
FROM hand WHERE y;
SELECT campaign.auc(p, p > 0.3) AS perfect, campaign.auc(p, p < 0.3) AS inverted FROM hand;
SELECT round(campaign.logloss(p, y)::numeric, 6) AS clipped_logloss,
       campaign.brier(p, y) AS brier
FROM (VALUES (0.0, true), (1.0, true)) v(p, y);

-- Against the core metric: a logistic model evaluated on its training rows (holdout 0) stores
-- AUC, log loss and Brier from cm_binary_metrics_compute; the aggregates agree.
CREATE TABLE eval_voters AS
SELECT i AS id,
       18 + abs(hashint4(i)) % 70 AS age,
       abs(hashint4(i + 100000)) % 3 = 0 AS voted_2020
FROM generate_series(1, 4000) i;
ALTER TABLE eval_voters ADD COLUMN turnout boolean;
UPDATE eval_voters SET turnout = abs(hashint4(id + 300000)) / 2147483648.0
    < 1 / (1 + exp(-(-3 + 0.05 * age + 1.5 * voted_2020::int)));
SELECT campaign.train('eval_m', 'eval_voters', 'turnout', ARRAY['age', 'voted_2020'], 'logistic',
                      '{"holdout": 0}') > 0 AS trained;
CREATE TABLE eval_scores AS
SELECT id, campaign.predict('eval_m', v) AS p, turnout AS y FROM eval_voters v;
SELECT abs(campaign.auc(p, y) - (m.metrics ->> 'auc')::float8) < 1e-9 AS auc_matches,
       abs(campaign.logloss(p, y) - (m.metrics ->> 'logloss')::float8) < 1e-9 AS logloss_matches,
       abs(campaign.brier(p, y) - (m.metrics ->> 'brier')::float8) < 1e-9 AS brier_matches,
       campaign.auc(p, y) > 0.6 AS auc_is_informative
FROM eval_scores, campaign.models m
WHERE m.name = 'eval_m'
GROUP BY m.metrics;
-- Every calibration and lift table accounts for every row, and the last cumulative lift is 1.
SELECT (SELECT sum(count) FROM campaign.calibration_rows(campaign.calibration(p, y, 10))) AS cal_rows,
       (SELECT sum(count) FROM campaign.lift_rows(campaign.lift(p, y, 10))) AS lift_rows,
       (SELECT round(cumulative_lift::numeric, 9) FROM campaign.lift_rows(campaign.lift(p, y, 10))
         WHERE bin = 10) AS last_cumulative_lift,
       (SELECT bool_and(count = 400) FROM campaign.lift_rows(campaign.lift(p, y, 10))) AS equal_bins,
       (SELECT round(sum(observed_rate * count)::numeric, 6) FROM campaign.lift_rows(campaign.lift(p, y, 10)))
           = count(*) FILTER (WHERE y) AS positives_add_up
FROM eval_scores;
-- Lift is ordered: the top decile responds more than the bottom one.
SELECT (l -> 0 ->> 'observed_rate')::float8 > (l -> 9 ->> 'observed_rate')::float8 AS top_beats_bottom,
       (l -> 0 ->> 'lift')::float8 > 1 AS top_lift_above_1
FROM (SELECT campaign.lift(p, y, 10) AS l FROM eval_scores) s;

-- Parallel plans give the serial results: partial aggregates in workers, states serialized,
-- deserialized and combined in the leader.  Scores rounded to 3 digits share groups.
CREATE TABLE par AS
SELECT round((abs(hashint4(i)) / 2147483648.0)::numeric, 3)::float8 AS p,
       abs(hashint4(i + 7)) / 2147483648.0 < round((abs(hashint4(i)) / 2147483648.0)::numeric, 3) AS y
FROM generate_series(1, 60000) i;
ANALYZE par;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_result AS
SELECT campaign.auc(p, y) AS auc, campaign.logloss(p, y) AS logloss, campaign.brier(p, y) AS brier,
       campaign.calibration(p, y, 10) AS cal, campaign.lift(p, y, 10) AS lift
FROM par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT campaign.auc(p, y), campaign.logloss(p, y), campaign.brier(p, y),
       campaign.calibration(p, y, 10), campaign.lift(p, y, 10)
FROM par;
CREATE FUNCTION pg_temp.workers_launched(query text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' -> 'Plans' -> 0 ->> 'Workers Launched')::int;
END $$;
SELECT pg_temp.workers_launched('SELECT campaign.auc(p, y), campaign.lift(p, y, 10) FROM par') > 0
    AS workers_ran;
SELECT s.auc = p.auc AS auc_equal,
       abs(s.logloss - p.logloss) < 1e-12 AS logloss_equal,
       abs(s.brier - p.brier) < 1e-12 AS brier_equal,
       s.cal = p.cal AS calibration_equal,
       s.lift = p.lift AS lift_equal
FROM serial_result s,
     (SELECT campaign.auc(p, y) AS auc, campaign.logloss(p, y) AS logloss,
             campaign.brier(p, y) AS brier, campaign.calibration(p, y, 10) AS cal,
             campaign.lift(p, y, 10) AS lift
      FROM par) p;
-- By group, in parallel too.
SELECT p < 0.5 AS low_half, round(campaign.auc(p, y)::numeric, 3) BETWEEN 0.5 AND 1 AS auc_ok,
       count(*) FROM par GROUP BY 1 ORDER BY 1;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- The model_metrics view: one row per model version and numeric metric.
SELECT metric, value = (m.metrics ->> metric)::float8 AS same_value
FROM campaign.model_metrics mm JOIN campaign.models m ON m.id = mm.model_id
WHERE mm.name = 'eval_m' ORDER BY metric;
SELECT count(*) AS non_numeric_rows FROM campaign.model_metrics WHERE metric IN ('evaluated_on', 'converged');

-- Bad input: scores outside [0, 1] or NaN, bad bins, hand-made states.
SELECT pg_temp.sqlstate_of($$SELECT campaign.auc(p, true) FROM (VALUES (1.5::float8)) v(p)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.auc(p, true) FROM (VALUES (-0.1::float8)) v(p)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.auc('NaN', true)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.auc('Infinity', true)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.logloss('NaN', true)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.logloss(2, false)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.brier('-Infinity', false)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.calibration(1.01, false, 10)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.lift('NaN', false, 10)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.calibration(0.5, true, 0)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.lift(0.5, true, -3)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.lift(0.5, true, 10001)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.calibration(0.5, true, NULL)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.lift(p, true, b) FROM (VALUES (0.1, 5), (0.2, 6)) v(p, b)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.logloss_accum('{1,2}', 0.5, true)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.brier_accum('{{1,2,3}}', 0.5, true)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.brier_accum('{1,NULL,3}', 0.5, true)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.calibration_rows('{"bin": 1}')$$);

-- The state of auc, calibration and lift: campaign.score_distribution, a type of its own so
-- that Citus aggregates it on the shards.  Its text form is the hex digits of its binary
-- form: version 1, bins (u32), the number of distinct scores (u32), then per score in
-- ascending order the score (float8) and its positive and negative counts (u64), all
-- little-endian.  campaign.score_distribution() returns it; NULL over no rows.
SELECT campaign.score_distribution(p, y) FROM hand;
SELECT campaign.score_distribution(p, y, 2) FROM hand WHERE p > 0.4;
SELECT campaign.score_distribution(p, y) IS NULL AS no_rows FROM hand WHERE false;
-- 9 bytes and 24 a distinct score (docs/evaluate.md).
SELECT octet_length(campaign.score_distribution_send(campaign.score_distribution(p, y)))
           = 9 + 24 * count(DISTINCT p) AS bytes_per_score,
       count(DISTINCT p) AS distinct_scores
FROM par;

-- Scores with ties and without, split in two halves that share most scores.
CREATE TABLE split_scores AS
SELECT i AS id, CASE WHEN i % 3 = 0 THEN round(u::numeric, 2)::float8 ELSE u END AS p,
       abs(hashint4(i + 11)) / 2147483648.0 < u AS y
FROM (SELECT i, (abs(hashint4(i)) / 2147483648.0)::float8 AS u FROM generate_series(1, 20000) i) s;
CREATE TEMP TABLE split_result AS
SELECT campaign.auc(p, y) AS auc, campaign.calibration(p, y, 10) AS cal, campaign.lift(p, y, 10) AS lift,
       campaign.score_distribution(p, y) FILTER (WHERE id % 2 = 0) AS even,
       campaign.score_distribution(p, y) FILTER (WHERE id % 2 = 1) AS odd,
       campaign.score_distribution(p, y, 10) FILTER (WHERE id % 2 = 0) AS even10,
       campaign.score_distribution(p, y, 10) FILTER (WHERE id % 2 = 1) AS odd10
FROM split_scores;
-- Combining by hand: the states of the halves, combined and finished, give the aggregates
-- over all rows exactly, in either order; the halves alone do not.
SELECT campaign.auc_final(campaign.score_dist_combine(even, odd)) = auc AS auc_equal,
       campaign.auc_final(campaign.score_dist_combine(odd, even)) = auc AS either_order,
       campaign.calibration_final(campaign.score_dist_combine(even10, odd10)) = cal AS calibration_equal,
       campaign.lift_final(campaign.score_dist_combine(odd10, even10)) = lift AS lift_equal,
       campaign.auc_final(even) <> auc AS half_differs,
       campaign.score_dist_combine(even, NULL)::text = even::text AS null_right,
       campaign.score_dist_combine(NULL, odd)::text = odd::text AS null_left,
       campaign.score_dist_combine(NULL, NULL) IS NULL AS null_both,
       campaign.auc_final(NULL) IS NULL AS final_of_null
FROM split_result;
-- Counting by hand with the transition function; a state with itself counts its rows twice.
SELECT campaign.auc_final(campaign.score_dist_accum(campaign.score_dist_accum(NULL, 0.8, true), 0.3, false)) AS by_hand,
       campaign.auc_final(campaign.score_dist_combine(s, s)) = campaign.auc_final(s) AS twice_same_auc,
       campaign.score_dist_combine(s, s)::text = (SELECT campaign.score_distribution(p, y) FROM hand, generate_series(1, 2))::text
           AS twice_counts_twice
FROM (SELECT campaign.score_distribution(p, y) AS s FROM hand) h;
SELECT pg_temp.sqlstate_of($$SELECT campaign.score_dist_combine(even, even10) FROM split_result$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.calibration_final(even) FROM split_result$$);

-- Text and binary round trips, of states stored in a table (flat) and fresh ones.
CREATE TABLE states AS
SELECT 'hand' AS name, campaign.score_distribution(p, y) AS s FROM hand
UNION ALL SELECT 'par', campaign.score_distribution(p, y, 10) FROM par
UNION ALL SELECT 'split', campaign.score_distribution(p, y) FROM split_scores
UNION ALL SELECT 'empty', campaign.score_distribution(p, y) FROM hand WHERE p IS NULL;
SELECT name, s::text::campaign.score_distribution::text = s::text AS text_round_trip,
       campaign.score_distribution_send(s) = decode(s::text, 'hex') AS binary_is_the_hex,
       campaign.auc_final(s) IS NOT DISTINCT FROM
           (SELECT campaign.auc(p, y) FROM split_scores WHERE name = 'split') OR name <> 'split' AS auc_kept
FROM states ORDER BY name;
-- COPY in binary sends and receives the type through its send and receive functions.
CREATE FUNCTION pg_temp.copy_binary(source text, target text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/evaluate_states.copy';
BEGIN
    EXECUTE format('COPY (%s) TO %L (FORMAT binary)', source, path);
    RETURN pg_temp.sqlstate_of(format('COPY %s FROM %L (FORMAT binary)', target, path));
END $$;
CREATE TABLE received (name text, s campaign.score_distribution);
SELECT pg_temp.copy_binary('SELECT name, s FROM states', 'received') AS copied;
SELECT name, r.s::text = st.s::text AS same FROM received r JOIN states st USING (name) ORDER BY name;

-- Forged states: every input validates every byte, 22P02 for text and 22P03 for binary.
-- The bytes are the hand state's (4 scores: 0.1, 0.2, 0.5, 0.9), with one thing wrong.
CREATE TABLE forged (name text, b bytea);
INSERT INTO forged
SELECT f.name, f.b
FROM (SELECT campaign.score_distribution_send(s) AS s FROM states WHERE name = 'hand') h,
LATERAL (VALUES
    ('empty', ''::bytea),
    ('header only', substr(h.s, 1, 5)),
    ('truncated group', substr(h.s, 1, 40)),
    ('trailing byte', h.s || '\x00'::bytea),
    ('unknown version', set_byte(h.s, 0, 2)),
    ('more groups than bytes', set_byte(h.s, 5, 5)),
    ('bins over 10000', overlay(h.s placing '\x11270000'::bytea from 2 for 4)),
    ('equal scores', overlay(h.s placing substr(h.s, 10, 8) from 34 for 8)),
    ('descending scores', overlay(h.s placing '\xcdccccccccccec3f'::bytea from 10 for 8)),
    ('score 1.5', overlay(h.s placing '\x000000000000f83f'::bytea from 10 for 8)),
    ('score NaN', overlay(h.s placing '\x000000000000f87f'::bytea from 10 for 8)),
    ('score -0.5', overlay(h.s placing '\x000000000000e0bf'::bytea from 10 for 8)),
    ('no rows in a group', overlay(h.s placing '\x0000000000000000'::bytea from 18 for 8)),
    ('count over 2^53', overlay(h.s placing '\x0000000000000010'::bytea from 18 for 8)),
    ('total over 2^53', overlay(h.s placing '\x0000000000002000'::bytea from 66 for 8))
) f(name, b);
CREATE TABLE received_one (s campaign.score_distribution);
CREATE FUNCTION pg_temp.forged_binary(b bytea) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.copy_binary(format('SELECT %L::bytea', b), 'received_one')
$$;
SELECT name, pg_temp.sqlstate_of(format('SELECT %L::campaign.score_distribution', encode(b, 'hex'))) AS text_input,
       left(pg_temp.forged_binary(b), 5) AS binary_input
FROM forged ORDER BY name;
SELECT count(*) AS received FROM received_one;
-- Text that is not hex digits.
SELECT pg_temp.sqlstate_of($$SELECT '0'::campaign.score_distribution$$);
SELECT pg_temp.sqlstate_of($$SELECT '01000000000000000g'::campaign.score_distribution$$);
SELECT pg_temp.sqlstate_of($$SELECT '\x010000000000000000'::campaign.score_distribution$$);
SELECT pg_temp.sqlstate_of($$SELECT ' 010000000000000000'::campaign.score_distribution$$);
-- Upper-case digits are read too; the output is lower case.
SELECT '010000000001000000000000000000E03F01000000000000000000000000000000'::campaign.score_distribution;

-- Plans that split and combine: partitionwise aggregation (a partial aggregate per
-- partition, combined in memory without flattening), serial and parallel, and a parallel
-- GROUP BY with many groups, give the serial results over the whole table exactly.
CREATE TABLE parts (id int, p float8, y boolean) PARTITION BY HASH (id);
CREATE TABLE parts_0 PARTITION OF parts FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE parts_1 PARTITION OF parts FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE parts_2 PARTITION OF parts FOR VALUES WITH (MODULUS 3, REMAINDER 2);
INSERT INTO parts SELECT id, p, y FROM split_scores;
ANALYZE parts;
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT campaign.auc(p, y), campaign.lift(p, y, 10) FROM parts;
SELECT campaign.auc(p, y) = s.auc AS auc_equal, campaign.calibration(p, y, 10) = s.cal AS calibration_equal,
       campaign.lift(p, y, 10) = s.lift AS lift_equal
FROM parts, split_result s GROUP BY s.auc, s.cal, s.lift;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT campaign.auc(p, y), campaign.lift(p, y, 10) FROM parts;
SELECT campaign.auc(p, y) = s.auc AS auc_equal, campaign.lift(p, y, 10) = s.lift AS lift_equal
FROM parts, split_result s GROUP BY s.auc, s.lift;
RESET enable_partitionwise_aggregate;
EXPLAIN (COSTS OFF)
SELECT id % 500 AS g, campaign.auc(p, y) AS auc, campaign.lift(p, y, 4) AS lift FROM split_scores GROUP BY 1;
CREATE TEMP TABLE parallel_groups AS
SELECT id % 500 AS g, campaign.auc(p, y) AS auc, campaign.lift(p, y, 4) AS lift FROM split_scores GROUP BY 1;
SET max_parallel_workers_per_gather = 0;
SELECT count(*) AS groups, count(*) FILTER (WHERE s.auc IS DISTINCT FROM p.auc OR s.lift <> p.lift) AS differ
FROM (SELECT id % 500 AS g, campaign.auc(p, y) AS auc, campaign.lift(p, y, 4) AS lift
      FROM split_scores GROUP BY 1) s
JOIN parallel_groups p USING (g);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
-- A moving window restarts the state and calls the final function on it between rows.
SELECT id, campaign.auc(p, y) OVER (ORDER BY id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS moving,
       campaign.auc(p, y) OVER (ORDER BY id) = campaign.auc_final(campaign.score_distribution(p, y) OVER (ORDER BY id)) AS running_same
FROM split_scores WHERE id <= 6 ORDER BY id;
