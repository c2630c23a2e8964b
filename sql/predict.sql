-- predict: scoring rows by name, by id and from arrays; deploy and cache refresh; bad input.
\set SHOW_CONTEXT never
\i sql/include/sqlstate_of.sql
CREATE FUNCTION pg_temp.explain_lines(statement text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || statement;
END $$;

CREATE TABLE predict_voters AS
SELECT i AS id,
       18 + abs(hashint4(i)) % 70 AS age,
       abs(hashint4(i + 100000)) % 3 = 0 AS voted_2020,
       'p' || i % 3 AS party
FROM generate_series(1, 2000) i;
ALTER TABLE predict_voters ADD COLUMN turnout boolean;
UPDATE predict_voters SET turnout = abs(hashint4(id + 300000)) / 2147483648.0
    < 1 / (1 + exp(-(-3 + 0.05 * age + 1.5 * voted_2020::int)));
SELECT campaign.train('p_model', 'predict_voters', 'turnout', ARRAY['age', 'voted_2020'], 'logistic') AS v1_id
\gset

-- Probabilities in (0, 1), rising with age and with past voting; all call forms agree.
SELECT count(*) AS rows,
       bool_and(p > 0 AND p < 1) AS in_unit_interval,
       bool_and(p = p_id AND p = p_arr AND p = p_arr_id) AS forms_agree
FROM (SELECT campaign.predict('p_model', v) AS p,
             campaign.predict(:v1_id::bigint, v) AS p_id,
             campaign.predict('p_model', ARRAY[age, voted_2020::int]::float8[]) AS p_arr,
             campaign.predict(:v1_id::bigint, ARRAY[age, voted_2020::int]::float8[]) AS p_arr_id
      FROM predict_voters v) s;
SELECT campaign.predict('p_model', ARRAY[70, 1]::float8[]) > campaign.predict('p_model', ARRAY[20, 1]::float8[]) AS older_more_likely,
       campaign.predict('p_model', ARRAY[40, 1]::float8[]) > campaign.predict('p_model', ARRAY[40, 0]::float8[]) AS voters_more_likely;
-- Mean prediction is close to the observed rate (a calibrated model).
SELECT abs(avg(campaign.predict('p_model', v)) - avg(turnout::int)) < 0.03 AS calibrated FROM predict_voters v;
-- Features are matched by name: column order and extra columns do not matter.
SELECT round(campaign.predict('p_model', r)::numeric, 12) = round(campaign.predict('p_model', ARRAY[55, 0]::float8[])::numeric, 12) AS by_name
FROM (SELECT 'x'::text AS note, false AS voted_2020, 55::bigint AS age) r;
-- Works on views, subqueries, numeric and domain columns.
CREATE DOMAIN years AS int CHECK (VALUE >= 0);
CREATE VIEW predict_view AS SELECT id, age::years AS age, voted_2020 FROM predict_voters;
SELECT bool_and(abs(campaign.predict('p_model', v) - campaign.predict('p_model', ARRAY[age, voted_2020::int]::float8[])) < 1e-12) AS view_ok
FROM predict_view v;
SELECT round(campaign.predict('p_model', r)::numeric, 12) = round(campaign.predict('p_model', ARRAY[33.5, 1]::float8[])::numeric, 12) AS numeric_ok
FROM (SELECT 33.5::numeric AS age, true AS voted_2020) r;
-- NULL features are missing values (the training mean), not errors.
SELECT campaign.predict('p_model', r) BETWEEN 0 AND 1 AS missing_ok
FROM (SELECT NULL::int AS age, NULL::boolean AS voted_2020) r;
SELECT campaign.predict('p_model', ARRAY[NULL, 1]::float8[]) = campaign.predict('p_model', r) AS array_missing_ok
FROM (SELECT NULL::int AS age, true AS voted_2020) r;

-- A new version is used as soon as it exists; deploy pins a version; NULL unpins.
SELECT campaign.train('p_model', 'SELECT age, turnout FROM predict_voters', 'turnout', NULL, 'logistic') AS v2_id
\gset
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('p_model', ARRAY[40, 1]::float8[])$$) AS v2_takes_one_feature;
SELECT campaign.predict('p_model', ARRAY[40]::float8[]) = campaign.predict(:v2_id::bigint, ARRAY[40]::float8[]) AS newest_used;
SELECT campaign.deploy('p_model', 1) = :v1_id AS deployed_v1;
SELECT campaign.predict('p_model', ARRAY[40, 1]::float8[]) = campaign.predict(:v1_id::bigint, ARRAY[40, 1]::float8[]) AS pinned_used;
SELECT campaign.deploy('p_model', NULL) = :v2_id AS unpinned;
SELECT campaign.predict('p_model', ARRAY[40]::float8[]) = campaign.predict(:v2_id::bigint, ARRAY[40]::float8[]) AS newest_again;
-- A cached call site notices a deploy made between two of its calls.
DO $$
DECLARE
    voter predict_voters;
    before float8;
    after float8;
    i int;
BEGIN
    SELECT * INTO voter FROM predict_voters WHERE id = 1;
    FOR i IN 1..2 LOOP
        IF i = 2 THEN
            PERFORM campaign.deploy('p_model', 1);
        END IF;
        after := campaign.predict('p_model', voter);
        IF i = 1 THEN
            before := after;
        END IF;
    END LOOP;
    RAISE NOTICE 'cache refreshed after deploy: %', before <> after;
END $$;
SELECT campaign.deploy('p_model', NULL) = :v2_id AS unpinned;

-- Bad input.
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('no_model', v) FROM predict_voters v$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict(-1::bigint, v) FROM predict_voters v$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict(NULL::text, v) FROM predict_voters v$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('p_model', NULL::record)$$);
SELECT pg_temp.sqlstate_of(format($$SELECT campaign.predict(%s::bigint, r) FROM (SELECT 40 AS age) r$$, :v1_id));
SELECT pg_temp.sqlstate_of(format($$SELECT campaign.predict(%s::bigint, r) FROM (SELECT 'forty'::text AS age, true AS voted_2020) r$$, :v1_id));
SELECT pg_temp.sqlstate_of(format($$SELECT campaign.predict(%s::bigint, r) FROM (SELECT 40 AS age, 1 AS voted_2020) r$$, :v1_id));
SELECT pg_temp.sqlstate_of(format($$SELECT campaign.predict(%s::bigint, r) FROM (SELECT 'NaN'::float8 AS age, true AS voted_2020) r$$, :v1_id));
SELECT pg_temp.sqlstate_of(format($$SELECT campaign.predict(%s::bigint, r) FROM (SELECT '-Infinity'::float8 AS age, true AS voted_2020) r$$, :v1_id));
SELECT pg_temp.sqlstate_of(format($$SELECT campaign.predict(%s::bigint, ARRAY[1, 2, 3]::float8[])$$, :v1_id));
SELECT pg_temp.sqlstate_of(format($$SELECT campaign.predict(%s::bigint, ARRAY[[1, 2], [3, 4]]::float8[])$$, :v1_id));
SELECT pg_temp.sqlstate_of(format($$SELECT campaign.predict(%s::bigint, ARRAY['NaN', 1]::float8[])$$, :v1_id));
SELECT pg_temp.sqlstate_of(format($$SELECT campaign.predict(%s::bigint, NULL::float8[])$$, :v1_id));

-- The carried forms (what a Citus coordinator sends its shards): the model's bytes as an
-- argument give the same scores bit for bit, need no model store, and validate the bytes.
SELECT bool_and(float8send(campaign.predict('p_model', v)) =
                float8send(campaign.predict('p_model', (SELECT model FROM campaign.models WHERE id = :v2_id), v)))
       AS carried_identical,
       count(*) AS rows
FROM predict_voters v;
SELECT float8send(campaign.predict('p_model', ARRAY[40]::float8[])) =
       float8send(campaign.predict('p_model', campaign.export_model('p_model'), ARRAY[40]::float8[]))
       AS carried_array_identical;
-- bytes from a column (not a constant) are compared row by row: two models in one scan
SELECT count(DISTINCT round(campaign.predict(m.name, m.model, v)::numeric, 12)) AS two_models
FROM predict_voters v, campaign.models m
WHERE m.name = 'p_model' AND m.id IN (:v1_id, :v2_id) AND v.age = 40 AND v.voted_2020;
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('p_model', NULL::bytea, v) FROM predict_voters v$$);
-- a NULL in a column of bytes, after rows that were scored (the cache holds a model)
SELECT pg_temp.sqlstate_of(format($$SELECT campaign.predict('p_model', b, ARRAY[40]::float8[])
    FROM (SELECT model, 1 FROM campaign.models WHERE id = %s UNION ALL SELECT NULL, 2 ORDER BY 2) m(b, o)$$, :v2_id));
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('p_model', '\x434d504d0200'::bytea, v) FROM predict_voters v$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('forged', '\xdeadbeef'::bytea, ARRAY[1]::float8[])$$);
-- without Citus the calls are left as they are (nothing is carried)
SELECT bool_or(line LIKE '%campaign.predict(''p_model''::text, v.*)%') AS left_as_is
FROM (SELECT * FROM pg_temp.explain_lines('SELECT campaign.predict(''p_model'', v) FROM predict_voters v')) e(line);

-- Reading models needs SELECT on the model store.
CREATE ROLE campaign_test_scorer;
GRANT USAGE ON SCHEMA campaign TO campaign_test_scorer;
SET ROLE campaign_test_scorer;
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('p_model', ARRAY[40]::float8[])$$);
RESET ROLE;
GRANT SELECT ON campaign.models TO campaign_test_scorer;
SET ROLE campaign_test_scorer;
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('p_model', ARRAY[40]::float8[])$$);
RESET ROLE;
DROP OWNED BY campaign_test_scorer;
DROP ROLE campaign_test_scorer;
