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
