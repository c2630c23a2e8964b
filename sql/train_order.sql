-- train_order: training does not depend on the order of the source's rows (row keys), and
-- params' "sample" draws rows by key.
\set SHOW_CONTEXT never
\i sql/include/sqlstate_of.sql

CREATE TYPE order_party AS ENUM ('dem', 'rep', 'ind');
CREATE TABLE order_voters AS
SELECT i AS id,
       18 + abs(hashint4(i)) % 70 AS age,
       (abs(hashint4(i + 1)) % 6)::numeric / 2 AS contacts,
       CASE WHEN i % 11 = 0 THEN NULL ELSE (abs(hashint4(i + 2)) % 1000) / 10.0 END AS score,
       (ARRAY['dem', 'rep', 'ind'])[1 + abs(hashint4(i + 3)) % 3]::order_party AS party,
       'county ' || abs(hashint4(i + 4)) % 9 AS county,
       1 + abs(hashint4(i + 5)) % 3 AS weight
FROM generate_series(1, 4000) i;
ALTER TABLE order_voters ADD COLUMN turnout boolean;
UPDATE order_voters SET turnout = abs(hashint4(id + 6)) / 2147483648.0
    < 1 / (1 + exp(-(-2.5 + 0.04 * age + 0.3 * contacts + 0.01 * coalesce(score, 50)
                     + CASE party WHEN 'dem' THEN 0.5 ELSE 0 END)));
-- The same rows in other orders: backwards, sorted by a feature, sorted by a category.
CREATE TABLE order_backwards AS SELECT * FROM order_voters ORDER BY id DESC;
CREATE TABLE order_by_score AS SELECT * FROM order_voters ORDER BY score NULLS FIRST, id;
CREATE TABLE order_by_county AS SELECT * FROM order_voters ORDER BY county DESC, age, id;

-- Every score of a model, as one fingerprint: the same model scores every row bit for bit alike.
CREATE FUNCTION order_fingerprint(model text) RETURNS text LANGUAGE sql AS $$
    SELECT md5(string_agg(float8send(campaign.predict(model, v))::text, ',' ORDER BY id))
    FROM order_voters v $$;
-- The metrics that do not measure time.
CREATE FUNCTION order_metrics(model_name text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT metrics - 'training_seconds'::text - 'reading_seconds'::text - 'feature_importance'::text
    FROM campaign.models WHERE name = model_name $$;

-- gbt with text, enum and weight columns, from the four orders: one model.
SELECT source, campaign.train('order_gbt_' || source, source, 'turnout', NULL, 'gbt',
                              '{"trees": 30, "depth": 4, "subsample": 0.8, "weight": "weight",
                                "categorical": ["county"]}') > 0 AS trained
FROM unnest(ARRAY['order_voters', 'order_backwards', 'order_by_score', 'order_by_county']) source;
SELECT count(DISTINCT order_fingerprint('order_gbt_' || source)) AS distinct_models,
       count(DISTINCT order_metrics('order_gbt_' || source)) AS distinct_metrics
FROM unnest(ARRAY['order_voters', 'order_backwards', 'order_by_score', 'order_by_county']) source;
SELECT (order_metrics('order_gbt_order_voters') ->> 'auc')::float8 > 0.6 AS auc_ok,
       (order_metrics('order_gbt_order_voters') ->> 'rows_holdout')::int BETWEEN 700 AND 900
           AS holdout_about_20pct;
-- A query source in an order of its own gives the same model too.
SELECT campaign.train('order_gbt_query', 'SELECT * FROM order_voters ORDER BY age DESC, id',
                      'turnout', NULL, 'gbt',
                      '{"trees": 30, "depth": 4, "subsample": 0.8, "weight": "weight",
                        "categorical": ["county"]}') > 0 AS trained;
SELECT order_fingerprint('order_gbt_query') = order_fingerprint('order_gbt_order_voters') AS same_model;

-- logistic regression, two orders: one model.
SELECT campaign.train('order_logistic_a', 'order_voters', 'turnout',
                      ARRAY['age', 'contacts', 'score'], 'logistic') > 0 AS trained,
       campaign.train('order_logistic_b', 'order_by_score', 'turnout',
                      ARRAY['age', 'contacts', 'score'], 'logistic') > 0 AS trained;
SELECT order_fingerprint('order_logistic_a') = order_fingerprint('order_logistic_b') AS same_model,
       order_metrics('order_logistic_a') = order_metrics('order_logistic_b') AS same_metrics;

-- Another seed: another holdout, another model.
SELECT campaign.train('order_seed_7', 'order_voters', 'turnout', NULL, 'gbt',
                      '{"trees": 30, "depth": 4, "subsample": 0.8, "weight": "weight",
                        "categorical": ["county"], "seed": 7}') > 0 AS trained;
SELECT order_fingerprint('order_seed_7') <> order_fingerprint('order_gbt_order_voters') AS other_model;

-- More rows than the bin sample holds (200,000 for few features): the bin edges come from the
-- rows of the smallest keys; still one model for two orders.  With a memory limit too low to
-- hold every row as doubles, only the sample is kept and the source is read a second time:
-- the same model again.
CREATE TABLE order_large AS
SELECT i AS id, (i % 97) * 1.5 AS a, (i * 7919) % 1000 AS b,
       (abs(hashint4(i)) % 1000) < 300 + (i % 97) * 4 AS y
FROM generate_series(1, 230000) i;
CREATE TABLE order_large_sorted AS SELECT * FROM order_large ORDER BY b, a DESC, id;
SELECT campaign.train('order_large_a', 'order_large', 'y', ARRAY['a', 'b'], 'gbt',
                      '{"trees": 5, "depth": 3}') > 0 AS trained,
       campaign.train('order_large_b', 'order_large_sorted', 'y', ARRAY['a', 'b'], 'gbt',
                      '{"trees": 5, "depth": 3}') > 0 AS trained;
SET campaign.train_memory_limit = '14MB';
SELECT campaign.train('order_large_c', 'order_large_sorted', 'y', ARRAY['a', 'b'], 'gbt',
                      '{"trees": 5, "depth": 3}') > 0 AS trained;
RESET campaign.train_memory_limit;
CREATE FUNCTION order_large_fingerprint(model text) RETURNS text LANGUAGE sql AS $$
    SELECT md5(string_agg(float8send(campaign.predict(model, l))::text, ',' ORDER BY id))
    FROM order_large l WHERE id % 100 = 0 $$;
SELECT order_large_fingerprint('order_large_a') = order_large_fingerprint('order_large_b') AS same_model,
       order_large_fingerprint('order_large_a') = order_large_fingerprint('order_large_c') AS read_twice_same_model,
       order_metrics('order_large_a') = order_metrics('order_large_c') AS same_metrics,
       (order_metrics('order_large_a') ->> 'rows')::int AS rows;

-- campaign.train_key: in [0, 1), the same for the same values whatever the row type.
SELECT min(campaign.train_key(42, v)) >= 0 AND max(campaign.train_key(42, v)) < 1 AS in_range,
       count(DISTINCT campaign.train_key(42, v)) AS distinct_keys,
       abs(avg(campaign.train_key(42, v)) - 0.5) < 0.02 AS uniform,
       count(*) FILTER (WHERE campaign.train_key(42, v) <> campaign.train_key(43, v)) AS seed_changes
FROM order_voters v;
SELECT campaign.train_key(1, ROW(1, 'a'::text)) = campaign.train_key(1, ROW(1, 'a'::text)) AS same,
       campaign.train_key(1, ROW(1, 'a'::text)) <> campaign.train_key(1, ROW(1, 'b'::text)) AS value_matters,
       campaign.train_key(1, ROW(1, NULL::text)) <> campaign.train_key(1, ROW(1, ''::text)) AS null_is_not_empty,
       campaign.train_key(1, NULL::record) IS NULL AS null_row;
-- Fixed-size values kept by reference (uuid, interval, name) and NaN hash by their bytes too.
SELECT campaign.train_key(1, ROW('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '1 day'::interval, 'n'::name))
         = campaign.train_key(1, ROW('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '1 day'::interval, 'n'::name)) AS fixed_same,
       campaign.train_key(1, ROW('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'::uuid, '1 day'::interval, 'n'::name))
         <> campaign.train_key(1, ROW('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '1 day'::interval, 'n'::name)) AS uuid_matters,
       campaign.train_key(1, ROW('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '2 days'::interval, 'n'::name))
         <> campaign.train_key(1, ROW('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '1 day'::interval, 'n'::name)) AS interval_matters,
       campaign.train_key(1, ROW('NaN'::float8)) = campaign.train_key(1, ROW('NaN'::float8)) AS nan_same,
       campaign.train_key(1, ROW('NaN'::float8)) <> campaign.train_key(1, ROW(NULL::float8)) AS nan_is_not_null;
-- An enum hashes by its label (its OID differs from node to node); a dropped column is no value.
CREATE TYPE order_party_copy AS ENUM ('ind', 'rep', 'dem');
SELECT campaign.train_key(5, ROW('rep'::order_party)) = campaign.train_key(5, ROW('rep'::order_party_copy))
           AS enum_by_label;
CREATE TABLE order_dropped (a int, gone text, c text);
INSERT INTO order_dropped VALUES (1, 'x', 'c');
ALTER TABLE order_dropped DROP COLUMN gone;
SELECT campaign.train_key(5, d) = campaign.train_key(5, ROW(1, 'c'::text)) AS dropped_ignored
FROM order_dropped d;

-- "sample": a share of the rows by key, the rows whose key is below it ...
SELECT campaign.train('order_share', 'order_voters', 'turnout', NULL, 'gbt',
                      '{"sample": 0.25, "trees": 10}') > 0 AS trained;
CREATE TABLE order_quarter AS SELECT * FROM order_voters v WHERE campaign.train_key(42, v) < 0.25;
SELECT campaign.train('order_quarter', 'order_quarter', 'turnout', NULL, 'gbt', '{"trees": 10}') > 0 AS trained;
SELECT (order_metrics('order_share') ->> 'rows')::int = (SELECT count(*) FROM order_quarter) AS rows_match,
       (order_metrics('order_share') ->> 'rows')::int BETWEEN 900 AND 1100 AS about_a_quarter,
       order_fingerprint('order_share') = order_fingerprint('order_quarter') AS same_model,
       (SELECT params -> 'sample' FROM campaign.models WHERE name = 'order_share') AS stored_param;
-- ... or a count: the rows with a label of the smallest keys.
UPDATE order_backwards SET turnout = NULL WHERE id % 50 = 0;
SELECT campaign.train('order_count', 'SELECT * FROM order_backwards', 'turnout',
                      ARRAY['age', 'contacts', 'score'], 'logistic', '{"sample": 1500}') > 0 AS trained;
SELECT (order_metrics('order_count') ->> 'rows_train')::int +
       (order_metrics('order_count') ->> 'rows_holdout')::int AS rows_used,
       (order_metrics('order_count') ->> 'rows_skipped')::int AS rows_skipped;
CREATE TABLE order_first_1500 AS
SELECT * FROM order_backwards v WHERE turnout IS NOT NULL ORDER BY campaign.train_key(42, v) LIMIT 1500;
SELECT campaign.train('order_first_1500', 'order_first_1500', 'turnout',
                      ARRAY['age', 'contacts', 'score'], 'logistic') > 0 AS trained;
SELECT order_fingerprint('order_count') = order_fingerprint('order_first_1500') AS same_model;
-- A count above the rows: every row.
SELECT campaign.train('order_count_all', 'order_voters', 'turnout', ARRAY['age'], 'logistic',
                      '{"sample": 1000000}') > 0 AS trained;
SELECT (order_metrics('order_count_all') ->> 'rows_train')::int +
       (order_metrics('order_count_all') ->> 'rows_holdout')::int AS rows_used;

-- Bad samples.
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('order_bad', 'order_voters', 'turnout', NULL, 'gbt', '{"sample": 0}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('order_bad', 'order_voters', 'turnout', NULL, 'gbt', '{"sample": -0.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('order_bad', 'order_voters', 'turnout', NULL, 'gbt', '{"sample": 1.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('order_bad', 'order_voters', 'turnout', NULL, 'gbt', '{"sample": "10%"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('order_bad', 'order_voters', 'turnout', NULL, 'gbt', '{"sample": 1e300}')$$);
SELECT campaign.train('order_bad', 'order_voters', 'turnout', NULL, 'logistic', '{"sample": 2.5}');
-- A share so small that no row is left (the hint says so).
SELECT campaign.train('order_bad', 'order_voters', 'turnout', NULL, 'gbt', '{"sample": 1e-12}');
SELECT count(*) AS bad_models FROM campaign.models WHERE name = 'order_bad';
