-- train: campaign.train from tables and queries, its parameters, and every bad input.
\set SHOW_CONTEXT never
\i sql/include/sqlstate_of.sql

-- A deterministic synthetic voter file: turnout rises with age, past voting and contacts.
CREATE TABLE train_voters AS
SELECT i AS id,
       18 + abs(hashint4(i)) % 70 AS age,
       abs(hashint4(i + 100000)) % 3 = 0 AS voted_2020,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (abs(hashint4(i + 200000)) % 5)::numeric END AS contacts,
       'p' || i % 3 AS party
FROM generate_series(1, 3000) i;
ALTER TABLE train_voters ADD COLUMN turnout boolean;
UPDATE train_voters SET turnout = abs(hashint4(id + 300000)) / 2147483648.0
    < 1 / (1 + exp(-(-3 + 0.05 * age + 1.5 * voted_2020::int + 0.3 * coalesce(contacts, 0))));

-- From a table, with listed features: stored with metrics from the holdout.
SELECT campaign.train('t_table', 'train_voters', 'turnout',
                      ARRAY['age', 'voted_2020', 'contacts'], 'logistic') > 0 AS trained;
SELECT name, version, algorithm, label, features, feature_types,
       metrics ->> 'evaluated_on' AS evaluated_on,
       (metrics ->> 'auc')::float8 BETWEEN 0.7 AND 1 AS auc_ok,
       (metrics ->> 'logloss')::float8 BETWEEN 0.2 AND 0.69 AS logloss_ok,
       (metrics ->> 'brier')::float8 BETWEEN 0.05 AND 0.25 AS brier_ok,
       (metrics ->> 'rows_train')::int + (metrics ->> 'rows_holdout')::int AS rows_used,
       (metrics ->> 'rows_holdout')::int BETWEEN 500 AND 700 AS holdout_about_20pct,
       (metrics ->> 'converged')::boolean AS converged,
       params, created_by = current_user AS by_me, deployed
FROM campaign.models WHERE name = 't_table';

-- From a query (trailing semicolon allowed); features default to every other column.
SELECT campaign.train('t_query', 'SELECT age, voted_2020, turnout FROM train_voters WHERE id <= 2000;',
                      'turnout', algorithm => 'logistic') > 0 AS trained;
SELECT features, (metrics ->> 'rows_train')::int + (metrics ->> 'rows_holdout')::int AS rows_used
FROM campaign.models WHERE name = 't_query';
-- Schema-qualified and quoted names, and a 0/1 integer label.
CREATE SCHEMA "Field Data";
CREATE TABLE "Field Data"."Voters" AS SELECT age, turnout::int AS "Voted" FROM train_voters;
SELECT campaign.train('t_quoted', '"Field Data"."Voters"', 'Voted', algorithm => 'logistic') > 0 AS trained;
-- Training again adds a version; the same seed gives the same model.
SELECT campaign.train('t_table', 'train_voters', 'turnout',
                      ARRAY['age', 'voted_2020', 'contacts'], 'logistic') > 0 AS trained;
SELECT count(*) AS versions, max(version) AS newest,
       count(DISTINCT metrics - 'training_seconds') AS distinct_metrics
FROM campaign.models WHERE name = 't_table';
SELECT bool_and(campaign.predict(v1.id, v) = campaign.predict(v2.id, v)) AS same_scores
FROM train_voters v,
     campaign.models v1, campaign.models v2
WHERE v1.name = 't_table' AND v1.version = 1 AND v2.name = 't_table' AND v2.version = 2;
-- Parameters: defaults are recorded; holdout 0 evaluates on the training rows.
SELECT campaign.train('t_params', 'train_voters', 'turnout', ARRAY['age'], 'logistic',
                      '{"l2": 10, "holdout": 0, "seed": 7, "max_iterations": 50}') > 0 AS trained;
SELECT params, metrics ->> 'evaluated_on' AS evaluated_on, (metrics ->> 'rows_holdout')::int AS holdout
FROM campaign.models WHERE name = 't_params';
-- NULL labels are skipped and counted; NaN features are missing values.
SELECT campaign.train('t_nulls',
    $$SELECT CASE WHEN id % 4 = 0 THEN 'NaN'::float8 ELSE age END AS age,
             CASE WHEN id % 5 = 0 THEN NULL ELSE turnout END AS turnout FROM train_voters$$,
    'turnout', algorithm => 'logistic') > 0 AS trained;
SELECT (metrics ->> 'rows_skipped')::int AS skipped FROM campaign.models WHERE name = 't_nulls';

-- Bad input: each is a clear error with its SQLSTATE.
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age'], 'logistic', '{"depth": 3}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age'], 'logistic', '{"holdout": 1.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age'], 'logistic', '{"l2": "big"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age'], 'logistic', '{"seed": 1.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age'], 'logistic', '[1, 2]')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age'], 'svm')$$);
-- gbt is the default algorithm; logistic's parameters do not apply to it.
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age'], params => '{"l2": 1}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train(NULL, 'train_voters', 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', NULL, 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', NULL, NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('', 'train_voters', 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train(repeat('m', 64), 'train_voters', 'turnout', ARRAY['age'], 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'no_such_table', 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, turnout FROM train_voters WHERE', 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT 1 / (age - age) AS a, turnout FROM train_voters', 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, turnout FROM train_voters WHERE false', 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, true AS turnout FROM train_voters', 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, 2 AS turnout FROM train_voters', 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, party AS turnout FROM train_voters', 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'no_label', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age', 'height'], 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age', 'age'], 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age', 'turnout'], 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age', NULL], 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY[]::text[], 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, NULL::float8 AS empty, turnout FROM train_voters', 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT ''Infinity''::float8 AS age, turnout FROM train_voters', 'turnout', NULL, 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, age * 2 AS twice, turnout FROM train_voters', 'turnout', NULL, 'logistic', '{"l2": 0}')$$);
-- A data-modifying source is refused and changes nothing.
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'WITH d AS (DELETE FROM train_voters RETURNING age, turnout) SELECT * FROM d', 'turnout', NULL, 'logistic')$$);
SELECT count(*) FROM train_voters;
-- The analyst's frictions: a name used twice in the source (the label as a feature, or two
-- features of one name) is refused, not trained on; ...
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, turnout, turnout FROM train_voters', 'turnout', NULL, 'logistic')$$) AS label_twice;
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, age, turnout FROM train_voters', 'turnout', NULL, 'logistic')$$) AS feature_twice;
-- ... two statements are one error of their own (not the wrapper's syntax error) ...
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, turnout FROM train_voters; SELECT 1', 'turnout', NULL, 'logistic')$$) AS two_statements;
-- ... a table whose name starts like a keyword is a table ...
CREATE TABLE selections AS SELECT age, turnout FROM train_voters;
CREATE TABLE tablet AS SELECT age, turnout FROM train_voters;
SELECT campaign.train('x_selections', 'selections', 'turnout', NULL, 'logistic') > 0 AS selections_is_a_table,
       campaign.train('x_tablet', 'tablet', 'turnout', NULL, 'logistic') > 0 AS tablet_is_a_table;
-- ... a name in the wrong case gets a hint ...
\set VERBOSITY default
CREATE TABLE cased AS SELECT age AS "Age", turnout AS "Voted" FROM train_voters;
SELECT campaign.train('x', 'cased', 'voted', NULL, 'logistic');
SELECT campaign.train('x', 'cased', 'Voted', ARRAY['age'], 'logistic');
-- ... early stopping without a holdout is refused ...
SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age'], 'gbt', '{"early_stopping_rounds": 5, "holdout": 0}');
-- ... and warnings (the model is stored): an identifier among the features, numbers kept as
-- text, a holdout of a few rows, a holdout of one class.
SELECT campaign.train('x_warn_id', 'SELECT id, age, turnout FROM train_voters', 'turnout', NULL, 'gbt', '{"trees": 2}') > 0 AS trained;
SELECT campaign.train('x_warn_text', 'SELECT age::text AS age, turnout FROM train_voters', 'turnout', NULL, 'gbt', '{"trees": 2}') > 0 AS trained;
SELECT campaign.train('x_warn_text_forced', 'SELECT age::text AS age, turnout FROM train_voters', 'turnout', NULL, 'gbt', '{"trees": 2, "categorical": ["age"]}') > 0 AS trained_without_warning;
SELECT campaign.train('x_warn_small', 'SELECT age, turnout FROM train_voters LIMIT 100', 'turnout', NULL, 'logistic') > 0 AS trained;
SELECT campaign.train('x_warn_class', 'SELECT age, id = 7 AS turnout FROM train_voters', 'turnout', NULL, 'gbt', '{"trees": 2}') > 0 AS trained;
\set VERBOSITY terse
DELETE FROM campaign.models WHERE name LIKE 'x\_%';
DROP TABLE selections, tablet, cased;
-- The memory limit refuses a training set that would not fit.
SET campaign.train_memory_limit = '1MB';
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT g::float8 AS x, g % 2 AS y FROM generate_series(1, 200000) g', 'y', NULL, 'logistic')$$);
RESET campaign.train_memory_limit;
-- Settings under campaign.* are reserved: a typo is an error, not a silent placeholder.
SELECT pg_temp.sqlstate_of($$SET campaign.train_memory_limt = '1GB'$$);
-- Failed trainings left no rows behind.
SELECT count(*) AS stray_models FROM campaign.models WHERE name = 'x';

-- The caller's privileges apply to the source.
CREATE ROLE campaign_test_intruder;
GRANT USAGE ON SCHEMA campaign TO campaign_test_intruder;
GRANT INSERT, SELECT ON campaign.models TO campaign_test_intruder;
GRANT USAGE ON SEQUENCE campaign.models_id_seq TO campaign_test_intruder;
SET ROLE campaign_test_intruder;
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'train_voters', 'turnout', ARRAY['age'], 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('x', 'SELECT age, turnout FROM public.train_voters', 'turnout', NULL, 'logistic')$$);
RESET ROLE;
DROP OWNED BY campaign_test_intruder;
DROP ROLE campaign_test_intruder;
