-- explain: per-feature contributions of logistic models add up to the log-odds; top-k jsonb;
-- bad input.
\set SHOW_CONTEXT never
\i sql/include/sqlstate_of.sql

CREATE TABLE explain_voters AS
SELECT i AS id,
       18 + abs(hashint4(i)) % 70 AS age,
       abs(hashint4(i + 100000)) % 3 = 0 AS voted_2020,
       (abs(hashint4(i + 200000)) % 5)::float8 AS contacts
FROM generate_series(1, 2000) i;
ALTER TABLE explain_voters ADD COLUMN turnout boolean;
UPDATE explain_voters SET turnout = abs(hashint4(id + 300000)) / 2147483648.0
    < 1 / (1 + exp(-(-3 + 0.05 * age + 1.5 * voted_2020::int)));
SELECT campaign.train('e_model', 'explain_voters', 'turnout',
                      ARRAY['age', 'voted_2020', 'contacts'], 'logistic') > 0 AS trained;

-- One row per feature in model order after (base).
SELECT feature FROM campaign.explain('e_model', (SELECT v FROM explain_voters v WHERE id = 1));
-- Additivity: base + contributions = log-odds of predict, on every row, NULLs included.
WITH rows AS (
    SELECT id, v, campaign.predict('e_model', v) AS p FROM explain_voters v
    UNION ALL
    SELECT 0, ROW(0, NULL::int, true, NULL::float8, NULL::boolean)::explain_voters,
           campaign.predict('e_model', ROW(0, NULL::int, true, NULL::float8, NULL::boolean)::explain_voters)
)
SELECT count(*) AS rows,
       bool_and(abs(s - ln(p / (1 - p))) < 1e-9) AS additive
FROM (SELECT id, p, (SELECT sum(contribution) FROM campaign.explain('e_model', r.v)) AS s
      FROM rows r) t;
-- A missing value contributes 0; the base is the same for every row.
SELECT contribution = 0 AS missing_is_zero
FROM campaign.explain('e_model', ROW(0, NULL::int, true, 1.0::float8, NULL::boolean)::explain_voters)
WHERE feature = 'age';
SELECT count(DISTINCT contribution) = 1 AS one_base
FROM explain_voters v, campaign.explain('e_model', v) e
WHERE e.feature = '(base)';
-- Older voters get a positive age contribution, younger ones a negative one.
SELECT (SELECT contribution FROM campaign.explain('e_model', r) WHERE feature = 'age') > 0 AS old_positive
FROM (SELECT 85 AS age, false AS voted_2020, 2.0::float8 AS contacts) r;
SELECT (SELECT contribution FROM campaign.explain('e_model', r) WHERE feature = 'age') < 0 AS young_negative
FROM (SELECT 18 AS age, false AS voted_2020, 2.0::float8 AS contacts) r;

-- explain_top: the k largest by absolute value, in that order; output = base + all of them.
WITH e AS (SELECT campaign.explain_top('e_model', r, 2) AS j
           FROM (SELECT 85 AS age, true AS voted_2020, 2.0::float8 AS contacts) r),
     full_rows AS (SELECT feature, contribution
                   FROM campaign.explain('e_model', (SELECT r FROM (SELECT 85 AS age, true AS voted_2020, 2.0::float8 AS contacts) r))
                   WHERE feature <> '(base)')
SELECT jsonb_array_length(j -> 'top') AS k,
       (j -> 'top' -> 0 ->> 'feature') = (SELECT feature FROM full_rows ORDER BY abs(contribution) DESC LIMIT 1) AS first_largest,
       abs((j -> 'top' -> 0 ->> 'contribution')::float8) >= abs((j -> 'top' -> 1 ->> 'contribution')::float8) AS descending,
       abs((j ->> 'output')::float8 - (j ->> 'base')::float8 - (SELECT sum(contribution) FROM full_rows)) < 1e-9 AS output_additive,
       abs((j ->> 'output')::float8 - ln(p / (1 - p))) < 1e-9 AS output_is_logodds
FROM e, LATERAL (SELECT campaign.predict('e_model', r) AS p
                 FROM (SELECT 85 AS age, true AS voted_2020, 2.0::float8 AS contacts) r) q;
-- k beyond the feature count returns every feature.
SELECT jsonb_array_length(campaign.explain_top('e_model', r, 100) -> 'top') AS all_features
FROM (SELECT 40 AS age, true AS voted_2020, 1.0::float8 AS contacts) r;
-- Also callable in the select list (one row per feature plus the base per input row).
SELECT count(*) AS select_list_rows
FROM (SELECT campaign.explain('e_model', v) FROM explain_voters v WHERE id <= 3) s;

-- Bad input.
SELECT pg_temp.sqlstate_of($$SELECT campaign.explain_top('e_model', r, 0) FROM (SELECT 1 AS age, true AS voted_2020, 1.0::float8 AS contacts) r$$) AS k_zero;
SELECT pg_temp.sqlstate_of($$SELECT campaign.explain_top('e_model', r, -3) FROM (SELECT 1 AS age, true AS voted_2020, 1.0::float8 AS contacts) r$$) AS k_negative;
SELECT pg_temp.sqlstate_of($$SELECT campaign.explain_top('e_model', r, NULL) FROM (SELECT 1 AS age, true AS voted_2020, 1.0::float8 AS contacts) r$$) AS k_null;
SELECT pg_temp.sqlstate_of($$SELECT * FROM campaign.explain('e_model', NULL::record)$$) AS null_record;
SELECT pg_temp.sqlstate_of($$SELECT campaign.explain_top('e_model', NULL::record, 3)$$) AS null_record_top;
SELECT pg_temp.sqlstate_of($$SELECT * FROM campaign.explain(NULL, ROW(1))$$) AS null_model;
SELECT pg_temp.sqlstate_of($$SELECT e.* FROM (SELECT 1 AS age) r, campaign.explain('no_such_model', r) e$$) AS unknown_model;
SELECT pg_temp.sqlstate_of($$SELECT e.* FROM (SELECT 1 AS age, true AS voted_2020) r, campaign.explain('e_model', r) e$$) AS missing_feature;
SELECT pg_temp.sqlstate_of($$SELECT e.* FROM (SELECT 'x'::text AS age, true AS voted_2020, 1.0::float8 AS contacts) r, campaign.explain('e_model', r) e$$) AS wrong_type;
SELECT pg_temp.sqlstate_of($$SELECT e.* FROM (SELECT 'NaN'::float8 AS age, true AS voted_2020, 1.0::float8 AS contacts) r, campaign.explain('e_model', r) e$$) AS nan_feature;
-- GBT models: exact TreeSHAP; the contributions add up to the log-odds of every row.
SELECT campaign.train('e_gbt', 'explain_voters', 'turnout', ARRAY['age', 'voted_2020'], 'gbt',
                      '{"trees": 20, "depth": 3}') > 0 AS gbt_trained;
SELECT count(*) AS rows,
       bool_and(abs(total - ln(p / (1 - p))) < 1e-9) AS adds_up_to_log_odds,
       bool_or(age_part <> 0) AS age_matters
FROM (SELECT campaign.predict('e_gbt', v) AS p,
             (SELECT sum(contribution) FROM campaign.explain('e_gbt', v)) AS total,
             (SELECT contribution FROM campaign.explain('e_gbt', v) WHERE feature = 'age') AS age_part
      FROM explain_voters v) s;
SELECT jsonb_array_length(campaign.explain_top('e_gbt', v, 1) -> 'top') AS top_k,
       campaign.explain_top('e_gbt', v, 1) -> 'top' -> 0 ->> 'feature' IN ('age', 'voted_2020') AS named
FROM explain_voters v WHERE v.id = 1;
