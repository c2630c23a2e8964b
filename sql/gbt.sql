-- gbt: gradient-boosted trees trained by campaign.train (src/core/gbt_*.c, docs/gbt.md).
\set SHOW_CONTEXT never
SET client_min_messages = warning;
\i sql/include/sqlstate_of.sql

-- A deterministic voter file with a rule a linear model cannot express: turnout is high for
-- past voters over 40, and for anyone whose contacts are unknown (NULL) it is very low.
CREATE TABLE gbt_voters AS
SELECT i AS id,
       18 + abs(hashint4(i)) % 70 AS age,
       abs(hashint4(i + 100000)) % 2 = 0 AS voted_2020,
       CASE WHEN i % 7 = 0 THEN NULL ELSE (abs(hashint4(i + 200000)) % 5)::float8 END AS contacts,
       (abs(hashint4(i + 400000)) % 1000)::float8 / 1000 AS noise,
       'p' || i % 3 AS party
FROM generate_series(1, 4000) i;
ALTER TABLE gbt_voters ADD COLUMN turnout boolean, ADD COLUMN donation float8;
UPDATE gbt_voters SET
    turnout = abs(hashint4(id + 300000)) / 2147483648.0 <
        CASE WHEN contacts IS NULL THEN 0.05
             WHEN voted_2020 AND age > 40 THEN 0.9
             ELSE 0.2 + 0.05 * contacts END,
    donation = CASE WHEN voted_2020 THEN age * 2 ELSE 10 END + coalesce(contacts, 0) * 5;

-- From a table: metrics from the holdout, importance per feature.
SELECT campaign.train('g_table', 'gbt_voters', 'turnout',
                      ARRAY['age', 'voted_2020', 'contacts', 'noise'], 'gbt',
                      '{"trees": 40, "depth": 4}') > 0 AS trained;
SELECT algorithm, features, feature_types,
       metrics ->> 'evaluated_on' AS evaluated_on,
       (metrics ->> 'auc')::float8 > 0.75 AS auc_ok,
       (metrics ->> 'logloss')::float8 BETWEEN 0.2 AND 0.6 AS logloss_ok,
       (metrics ->> 'brier')::float8 BETWEEN 0.05 AND 0.2 AS brier_ok,
       (metrics ->> 'base_rate')::float8 BETWEEN 0.2 AND 0.6 AS base_rate_ok,
       (metrics ->> 'rows')::int AS rows,
       (metrics ->> 'rows_train')::int + (metrics ->> 'rows_holdout')::int AS rows_split,
       (metrics ->> 'trees')::int AS trees,
       (metrics ->> 'training_seconds')::float8 >= 0 AS timed,
       params
FROM campaign.models WHERE name = 'g_table';
-- The trees beat logistic regression on this rule.
SELECT campaign.train('g_logistic', 'gbt_voters', 'turnout',
                      ARRAY['age', 'voted_2020', 'contacts', 'noise'], 'logistic') > 0 AS trained;
SELECT (g.metrics ->> 'auc')::float8 > (l.metrics ->> 'auc')::float8 + 0.02 AS gbt_better
FROM campaign.models g, campaign.models l WHERE g.name = 'g_table' AND l.name = 'g_logistic';
-- Feature importance: the noise column gets a small share of the gain.
SELECT model, version, feature, gain > 0 AS has_gain, cover > 0 AS has_cover, splits > 0 AS split
FROM campaign.feature_importance WHERE model = 'g_table' ORDER BY feature;
SELECT bool_and(gain < 0.1 * (SELECT sum(gain) FROM campaign.feature_importance WHERE model = 'g_table'))
       AS noise_is_minor
FROM campaign.feature_importance WHERE model = 'g_table' AND feature = 'noise';

-- Predict through campaign.predict: probabilities, NULL contacts learned as their own group.
SELECT bool_and(p BETWEEN 0 AND 1) AS probabilities,
       avg(p) FILTER (WHERE contacts IS NULL) < 0.15 AS null_contacts_low,
       avg(p) FILTER (WHERE voted_2020 AND age > 40 AND contacts IS NOT NULL) > 0.75 AS rule_high
FROM (SELECT v.*, campaign.predict('g_table', v) AS p FROM gbt_voters v) s;
SELECT round(campaign.predict('g_table', ARRAY[60, 1, NULL, 0.5]::float8[])::numeric, 1) <= 0.2
       AS array_null_low,
       campaign.predict('g_table', ARRAY[60, 1, 2, 0.5]::float8[]) > 0.7 AS array_rule_high;

-- From a query, the same seed gives the same model; a different seed with sampling differs.
SELECT campaign.train('g_query', 'SELECT age, voted_2020, contacts, turnout FROM gbt_voters WHERE id <= 3000',
                      'turnout', algorithm => 'gbt',
                      params => '{"trees": 20, "subsample": 0.7, "colsample": 0.7, "seed": 5}') > 0 AS trained;
SELECT campaign.train('g_query', 'SELECT age, voted_2020, contacts, turnout FROM gbt_voters WHERE id <= 3000',
                      'turnout', algorithm => 'gbt',
                      params => '{"trees": 20, "subsample": 0.7, "colsample": 0.7, "seed": 5}') > 0 AS trained;
SELECT campaign.train('g_query', 'SELECT age, voted_2020, contacts, turnout FROM gbt_voters WHERE id <= 3000',
                      'turnout', algorithm => 'gbt',
                      params => '{"trees": 20, "subsample": 0.7, "colsample": 0.7, "seed": 6}') > 0 AS trained;
SELECT (metrics ->> 'rows')::int AS rows FROM campaign.models WHERE name = 'g_query' AND version = 1;
SELECT bool_and(campaign.predict(v1.id, v) = campaign.predict(v2.id, v)) AS same_seed_same_scores,
       bool_and(campaign.predict(v1.id, v) = campaign.predict(v3.id, v)) AS other_seed_same_scores,
       (v1.metrics - 'training_seconds' - 'reading_seconds') =
       (v2.metrics - 'training_seconds' - 'reading_seconds') AS same_metrics
FROM gbt_voters v, campaign.models v1, campaign.models v2, campaign.models v3
WHERE v1.name = 'g_query' AND v1.version = 1 AND v2.name = 'g_query' AND v2.version = 2
  AND v3.name = 'g_query' AND v3.version = 3
GROUP BY v1.metrics, v2.metrics;
-- The thread count does not change the model (threads split features, not rows); nodes of
-- 16384 rows or more are built in parallel.
CREATE TABLE g_big AS
SELECT g % 97 AS a, g % 13 AS b, (g * 7) % 31 AS c,
       abs(hashint4(g)) % 100 < 30 + g % 13 + (g % 97) / 3 AS y
FROM generate_series(1, 30000) g;
SET campaign.max_train_threads = 1;
SELECT campaign.train('g_threads', 'g_big', 'y', NULL,
                      'gbt', '{"trees": 10}') > 0 AS trained;
RESET campaign.max_train_threads;
SELECT campaign.train('g_threads', 'g_big', 'y', NULL,
                      'gbt', '{"trees": 10, "threads": 4}') > 0 AS trained;
SELECT bool_and(campaign.predict(v1.id, v) = campaign.predict(v2.id, v)) AS same_scores
FROM g_big v, campaign.models v1, campaign.models v2
WHERE v1.name = 'g_threads' AND v1.version = 1 AND v2.name = 'g_threads' AND v2.version = 2;
SELECT pg_temp.sqlstate_of($$SET campaign.max_train_threads = 0$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"threads": 65}')$$);

-- gbt is the default algorithm.
SELECT campaign.train('g_default', 'SELECT age, turnout FROM gbt_voters', 'turnout',
                      params => '{"trees": 5}') > 0 AS trained;
SELECT algorithm, (metrics ->> 'trees')::int AS trees FROM campaign.models WHERE name = 'g_default';

-- Early stopping on the holdout keeps the best number of trees.
SELECT campaign.train('g_early', 'gbt_voters', 'turnout', ARRAY['age', 'voted_2020', 'contacts', 'noise'],
                      'gbt', '{"trees": 500, "depth": 8, "learning_rate": 0.5, "min_child_weight": 0,
                               "early_stopping_rounds": 5}') > 0 AS trained;
SELECT (metrics ->> 'trees')::int < 500 AS stopped_early,
       (metrics ->> 'trees_built')::int - (metrics ->> 'trees')::int AS extra_trees_built
FROM campaign.models WHERE name = 'g_early';

-- Regression on a numeric label (donation amounts), with the bin count lowered.
SELECT campaign.train('g_regression', 'gbt_voters', 'donation', ARRAY['age', 'voted_2020', 'contacts'],
                      'gbt', '{"objective": "regression", "trees": 100, "learning_rate": 0.3, "bins": 64}') > 0 AS trained;
SELECT (metrics ->> 'r2')::float8 > 0.95 AS r2_ok, (metrics ->> 'rmse')::float8 < 10 AS rmse_ok,
       metrics ? 'auc' AS has_auc, params ->> 'objective' AS objective
FROM campaign.models WHERE name = 'g_regression';
SELECT abs(campaign.predict('g_regression', ARRAY[60, 1, 0]::float8[]) - 120) < 10 AS near_120;

-- NULL labels are skipped, scale_pos_weight raises the predicted rate.
SELECT campaign.train('g_weight', $$SELECT age, voted_2020, contacts,
                                          CASE WHEN id % 10 = 0 THEN NULL ELSE turnout END AS turnout
                                   FROM gbt_voters$$, 'turnout', algorithm => 'gbt',
                      params => '{"trees": 20, "scale_pos_weight": 5}') > 0 AS trained;
SELECT (metrics ->> 'rows_skipped')::int AS skipped,
       (SELECT avg(campaign.predict('g_weight', v)) FROM gbt_voters v) >
       (SELECT avg(campaign.predict('g_table', v)) FROM gbt_voters v) + 0.1 AS weighted_up
FROM campaign.models WHERE name = 'g_weight';

-- Categorical features: text, varchar and enum columns are categorical.  Turnout depends on a
-- set of parties ({dem, ind, lib}) that is not contiguous in any alphabetical or first-seen
-- order; region is NULL in some rows.
CREATE TYPE gbt_county AS ENUM ('adams', 'baker', 'clark');
CREATE TABLE gbt_cat AS
SELECT i AS id,
       (ARRAY['dem', 'rep', 'ind', 'grn', 'lib', 'npa'])[1 + i % 6] AS party,
       CASE WHEN i % 11 = 0 THEN NULL
            ELSE (ARRAY['north', 'south', 'east', 'west'])[1 + (i / 7) % 4]::varchar END AS region,
       (ARRAY['adams', 'baker', 'clark'])[1 + (i / 5) % 3]::gbt_county AS county,
       10000 + (i / 3) % 40 AS zip,
       i % 50 AS age_band,
       1 + i % 3 AS w
FROM generate_series(1, 3000) i;
ALTER TABLE gbt_cat ADD COLUMN turnout boolean;
UPDATE gbt_cat SET turnout = abs(hashint4(id + 7)) / 2147483648.0 <
    CASE WHEN party IN ('dem', 'ind', 'lib') THEN 0.85 ELSE 0.15 END;
SELECT campaign.train('g_cat', 'gbt_cat', 'turnout', ARRAY['party', 'region', 'county', 'zip', 'age_band'],
                      'gbt', '{"trees": 30, "depth": 3, "categorical": ["zip"]}') > 0 AS trained;
SELECT features, feature_types, (metrics ->> 'auc')::float8 > 0.8 AS auc_ok,
       params -> 'categorical' AS categorical, get_byte(model, 4) AS format_version
FROM campaign.models WHERE name = 'g_cat';
-- The party set is learned: predictions split at the rule (0.85 for three parties, else 0.15).
SELECT party, avg(campaign.predict('g_cat', c)) > 0.5 AS high,
       abs(avg(campaign.predict('g_cat', c)) -
           CASE WHEN party IN ('dem', 'ind', 'lib') THEN 0.85 ELSE 0.15 END) < 0.08 AS near_rule
FROM gbt_cat c GROUP BY party ORDER BY party;
SELECT feature FROM campaign.feature_importance WHERE model = 'g_cat' ORDER BY gain DESC LIMIT 1;
-- Explanations add up to the log-odds of the prediction.
SELECT bool_and(abs(s - ln(p / (1 - p))) < 1e-9) AS explain_sums_to_log_odds
FROM (SELECT (SELECT sum(contribution) FROM campaign.explain('g_cat', c)) AS s,
             campaign.predict('g_cat', c) AS p
      FROM gbt_cat c WHERE id <= 300) t;
SELECT (campaign.explain_top('g_cat', c, 1) -> 'top' -> 0 ->> 'feature') AS top_feature
FROM gbt_cat c WHERE id = 1;
-- An unseen category and NULL both take the learned missing-value direction; text may come
-- in any type (here text for the varchar and enum columns).
SELECT campaign.predict('g_cat', a) = campaign.predict('g_cat', b) AS unseen_is_missing,
       campaign.predict('g_cat', c) = campaign.predict('g_cat', d) AS unseen_zip_is_missing
FROM (SELECT 'whig' AS party, 'north' AS region, 'baker' AS county, 10001 AS zip, 3 AS age_band) a,
     (SELECT NULL::text AS party, 'north' AS region, 'baker' AS county, 10001 AS zip, 3 AS age_band) b,
     (SELECT 'whig' AS party, 'north' AS region, 'baker' AS county, 99999 AS zip, 3 AS age_band) c,
     (SELECT 'whig' AS party, 'north' AS region, 'baker' AS county, NULL::int AS zip, 3 AS age_band) d;
SELECT campaign.predict('g_cat', r) > 0.7 AS dem_high
FROM (SELECT 'dem' AS party, NULL::text AS region, 'adams' AS county, 10002 AS zip, 7 AS age_band) r;
-- A model without categories keeps format version 1 (older builds read it).
SELECT get_byte(model, 4) AS format_version FROM campaign.models WHERE name = 'g_table';
-- Errors: a float8[] cannot carry a category, logistic takes no text, too many categories, a
-- category too long, a categorical column that is not a feature.
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('g_cat', ARRAY[1, 2, 3, 4, 5]::float8[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_cat', 'turnout', ARRAY['party'], 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT ''v'' || i AS voter, i % 2 AS y FROM generate_series(1, 300) i', 'y', NULL, 'gbt')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT repeat(''x'', 1025) AS c, i % 2 AS y FROM generate_series(1, 10) i', 'y', NULL, 'gbt')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_cat', 'turnout', ARRAY['party'], 'gbt', '{"categorical": ["zip"]}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_cat', 'turnout', ARRAY['party'], 'gbt', '{"categorical": [1]}')$$);
-- A damaged categorical model is refused or imported, never a crash (a mutated byte of a name
-- or of the metadata can make invalid UTF-8: refused as 22021).
SELECT count(*) FILTER (WHERE r = 'ok' OR r LIKE 'XX001:%' OR r LIKE '22021:%') AS imported_or_refused
FROM (SELECT pg_temp.sqlstate_of(format('SELECT campaign.import_model(%L, set_byte(%L::bytea, %s, %s))',
             'bad', b, n % octet_length(b), (n * 37 + 1) % 256)) AS r
      FROM (SELECT campaign.export_model('g_cat') AS b) m, generate_series(1, 200) n) s;
DELETE FROM campaign.models WHERE name = 'bad';

-- A weight column: integer weights train the model of the rows repeated that many times, and
-- the metrics are weighted the same way.
SELECT campaign.train('g_w', 'gbt_cat', 'turnout', ARRAY['party', 'age_band'], 'gbt',
                      '{"trees": 10, "weight": "w", "holdout": 0}') > 0 AS trained;
SELECT campaign.train('g_rep', 'SELECT c.* FROM gbt_cat c, generate_series(1, 3) k WHERE k <= c.w',
                      'turnout', ARRAY['party', 'age_band'], 'gbt', '{"trees": 10, "holdout": 0}') > 0 AS trained;
SELECT bool_and(abs(campaign.predict('g_w', c) - campaign.predict('g_rep', c)) < 1e-6) AS same_scores
FROM gbt_cat c;
SELECT round((w.metrics ->> 'auc')::numeric, 6) = round((r.metrics ->> 'auc')::numeric, 6) AS same_auc,
       round((w.metrics ->> 'logloss')::numeric, 6) = round((r.metrics ->> 'logloss')::numeric, 6) AS same_logloss,
       round((w.metrics ->> 'brier')::numeric, 6) = round((r.metrics ->> 'brier')::numeric, 6) AS same_brier,
       round((w.metrics ->> 'base_rate')::numeric, 6) = round((r.metrics ->> 'base_rate')::numeric, 6) AS same_base_rate,
       w.params ->> 'weight' AS weight
FROM campaign.models w, campaign.models r WHERE w.name = 'g_w' AND r.name = 'g_rep';
-- With every column as a feature, the weight column is left out; scale_pos_weight combines.
SELECT campaign.train('g_w_all', 'SELECT party, w, turnout FROM gbt_cat', 'turnout', NULL, 'gbt',
                      '{"trees": 5, "weight": "w", "scale_pos_weight": 2}') > 0 AS trained;
SELECT features FROM campaign.models WHERE name = 'g_w_all';
-- Bad weights: NULL, negative, NaN, not a number, missing column, the label, a feature.
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT party, CASE WHEN id = 5 THEN NULL ELSE 1 END AS w, turnout FROM gbt_cat', 'turnout', ARRAY['party'], 'gbt', '{"weight": "w"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT party, CASE WHEN id = 5 THEN -1 ELSE 1 END AS w, turnout FROM gbt_cat', 'turnout', ARRAY['party'], 'gbt', '{"weight": "w"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT party, CASE WHEN id = 5 THEN ''NaN''::float8 ELSE 1 END AS w, turnout FROM gbt_cat', 'turnout', ARRAY['party'], 'gbt', '{"weight": "w"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_cat', 'turnout', ARRAY['age_band'], 'gbt', '{"weight": "party"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_cat', 'turnout', ARRAY['age_band'], 'gbt', '{"weight": "nope"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_cat', 'turnout', ARRAY['age_band'], 'gbt', '{"weight": "turnout"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_cat', 'turnout', ARRAY['age_band', 'w'], 'gbt', '{"weight": "w"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_cat', 'turnout', ARRAY['age_band'], 'gbt', '{"weight": 2}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT party, 0 AS w, turnout FROM gbt_cat', 'turnout', ARRAY['party'], 'gbt', '{"weight": "w"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_cat', 'turnout', ARRAY['age_band'], 'logistic', '{"weight": "w"}')$$);

-- Bad input: each is a clear error with its SQLSTATE.
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"l2": 1}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"bins": 257}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"bins": 2}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"depth": 17}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"depth": 0}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"trees": 0}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"trees": -5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"trees": 2.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"learning_rate": 0}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"subsample": 0}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"colsample": 1.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"lambda": -1}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"objective": "poisson"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"objective": 1}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'gbt_voters', 'turnout', ARRAY['age'], 'gbt', '{"trees": "many"}')$$);
-- empty source, one class only, label not 0/1, text label, all-NULL feature, date feature
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, turnout FROM gbt_voters WHERE false', 'turnout', NULL, 'gbt')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, true AS turnout FROM gbt_voters', 'turnout', NULL, 'gbt')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, 2 AS turnout FROM gbt_voters', 'turnout', NULL, 'gbt')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, party AS turnout FROM gbt_voters', 'turnout', NULL, 'gbt')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, ''NaN''::float8 AS d FROM gbt_voters', 'd', NULL, 'gbt', '{"objective": "regression"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, NULL::float8 AS empty, turnout FROM gbt_voters', 'turnout', NULL, 'gbt')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, DATE ''2024-11-05'' AS d, turnout FROM gbt_voters', 'turnout', NULL, 'gbt')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT ''-Infinity''::float8 AS age, turnout FROM gbt_voters', 'turnout', NULL, 'gbt')$$);
-- a source query that errors, an unknown table, holdout leaving no training rows
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT 1 / (age - age) AS a, turnout FROM gbt_voters', 'turnout', NULL, 'gbt')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, turnout FROM gbt_voters WHERE', 'turnout', NULL, 'gbt')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'no_such_voters', 'turnout', NULL, 'gbt')$$);
-- the memory estimate is refused up front
SET campaign.train_memory_limit = '1MB';
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT g::float8 AS a, (g * 7 % 13)::float8 AS b, g % 2 AS y FROM generate_series(1, 60000) g', 'y', NULL, 'gbt')$$);
-- (the rows fit, the training's working memory would not)
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT g::float8 AS a, g % 2 AS y FROM generate_series(1, 40000) g', 'y', NULL, 'gbt')$$);
-- the model is bounded as it grows, by the same setting: 100,000 trees of depth 16 stop at
-- the node that would pass 2 MB, in well under the 5 s (they ran on for hours before)
SET campaign.train_memory_limit = '2MB';
SET statement_timeout = '5s';
-- (how many nodes and trees it took depends on the model: masked)
SELECT regexp_replace(pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT g::float8 AS a, (g * 7 % 13)::float8 AS b, g % 2 AS y FROM generate_series(1, 3000) g', 'y', NULL, 'gbt', '{"trees": 100000, "depth": 16, "min_child_weight": 0}')$$),
                      '\(\d+ nodes in \d+ trees\)', '(N nodes in M trees)') AS model_bound;
RESET statement_timeout;
RESET campaign.train_memory_limit;
-- statement_timeout stops a long training and leaves nothing behind
SET statement_timeout = '300ms';
SELECT campaign.train('x', 'SELECT g::float8 AS a, (g * 7 % 13)::float8 AS b, (g * 31 % 101)::float8 AS c, (g % 3 = 0)::int AS y FROM generate_series(1, 100000) g', 'y', NULL, 'gbt', '{"trees": 100000, "depth": 16, "min_child_weight": 0}');
RESET statement_timeout;
SELECT count(*) AS stray_models FROM campaign.models WHERE name = 'x';

-- A damaged gbt model is reported as corrupt, never trusted.
SELECT count(*) > 100 AS many_truncations, count(*) = count(*) FILTER (WHERE r LIKE 'XX001:%') AS all_refused
FROM (SELECT pg_temp.sqlstate_of(format('SELECT campaign.import_model(%L, substr(%L::bytea, 1, %s))',
             'bad', campaign.export_model('g_default'), n)) AS r
      FROM generate_series(0, octet_length(campaign.export_model('g_default')) - 1, 7) n) s;
SELECT count(*) AS mutations,
       count(*) FILTER (WHERE r = 'ok' OR r LIKE 'XX001:%' OR r LIKE '22021:%') AS imported_or_refused,
       count(*) FILTER (WHERE r LIKE 'XX001:%') > 0 AS some_refused
FROM (SELECT pg_temp.sqlstate_of(format('SELECT campaign.import_model(%L, set_byte(%L::bytea, %s, %s))',
             'bad', b, n % octet_length(b), (n * 37 + 1) % 256)) AS r
      FROM (SELECT campaign.export_model('g_default') AS b) m, generate_series(1, 300) n) s;
DELETE FROM campaign.models WHERE name = 'bad';

-- A wide source with long column names: the columns' names and types must outlive the executor
-- that read the rows (300 features; one more, all NULL, is refused by name).
DO $$
BEGIN
  EXECUTE (SELECT 'CREATE TEMP TABLE wide_src AS SELECT (g % 3 = 0) AS y, '
                  || string_agg(format('((g * %s) %% 97)::float8 AS a_rather_long_feature_column_name_number_%s', i, i), ', ')
                  || ' FROM generate_series(1, 400) g'
           FROM generate_series(1, 300) i);
END $$;
SELECT campaign.train('wide', 'wide_src', 'y', NULL, 'gbt', '{"trees": 2, "depth": 2, "holdout": 0}') > 0 AS trained;
SELECT count(*) AS features, bool_and(feature LIKE 'a_rather_long_feature_column_name_number_%') AS names_intact
FROM campaign.feature_importance WHERE model = 'wide';
ALTER TABLE wide_src ADD COLUMN all_null_feature_with_a_rather_long_name float8;
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('wide', 'wide_src', 'y', NULL, 'gbt', '{"trees": 2}')$$);
DELETE FROM campaign.models WHERE name = 'wide';
