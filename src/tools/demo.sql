-- demo.sql - `make demo`: the campaign loop on a synthetic voter file, printed for people.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION campaign CASCADE;

\echo
\echo '== 1. A synthetic voter file: 20,000 voters, deterministic'
-- Turnout rises with age and past votes, falls for new registrants; contacts help a little.
CREATE TABLE voters AS
SELECT i AS voter_id,
       18 + abs(hashint4(i)) % 72 AS age,
       (abs(hashint4(i + 1000003)) % 100) < 12 AS new_registrant,
       abs(hashint4(i + 2000003)) % 4 AS contacts,
       abs(hashint4(i + 3000003)) % 100 < 55 AS voted_2020,
       abs(hashint4(i + 4000003)) % 100 < 40 AS voted_2022
FROM generate_series(1, 20000) i;
UPDATE voters SET voted_2020 = false, voted_2022 = false WHERE new_registrant;
ALTER TABLE voters ADD COLUMN voted_2024 boolean;
UPDATE voters SET voted_2024 = abs(hashint4(voter_id + 5000003)) / 2147483648.0
    < 1 / (1 + exp(-(-2.2 + 0.03 * age + 1.1 * voted_2020::int + 0.9 * voted_2022::int
                     - 0.4 * new_registrant::int + 0.25 * contacts)));
SELECT count(*) AS voters, round(avg(voted_2024::int) * 100, 1) AS "turnout %" FROM voters;

\echo '== 2. Train a logistic turnout model in the database'
SELECT campaign.train('turnout', 'voters', 'voted_2024',
                      ARRAY['age', 'new_registrant', 'contacts', 'voted_2020', 'voted_2022'],
                      'logistic') AS model_id \gset
SELECT name, version, algorithm, n_features AS features, round(auc::numeric, 3) AS "holdout AUC",
       round(logloss::numeric, 3) AS "log loss", round(brier::numeric, 3) AS brier,
       rows_train AS "training rows", rows_holdout AS "holdout rows"
FROM campaign.model_catalog WHERE name = 'turnout';

\echo '== 3. Score every voter into a materialized view, and cut GOTV segments'
CREATE MATERIALIZED VIEW voter_scores AS
SELECT voter_id, campaign.predict('turnout', v) AS turnout_p FROM voters v;
CREATE VIEW gotv_segments AS
SELECT voter_id, turnout_p,
       CASE WHEN turnout_p < 0.3 THEN 'low' WHEN turnout_p < 0.7 THEN 'medium' ELSE 'high' END AS segment
FROM voter_scores;
SELECT segment AS "segment", count(*) AS voters, round(avg(turnout_p)::numeric, 2) AS "mean score"
FROM gotv_segments GROUP BY segment ORDER BY min(turnout_p);

\echo '== 4. The medium segment is where GOTV contact pays: the first five to call'
SELECT g.voter_id AS voter, v.age, v.voted_2020 AS "voted 2020", v.voted_2022 AS "voted 2022",
       round(g.turnout_p::numeric, 2) AS score
FROM gotv_segments g JOIN voters v USING (voter_id)
WHERE segment = 'medium' ORDER BY abs(g.turnout_p - 0.5), g.voter_id LIMIT 5;

\echo '== 5. Move the model to another database: export, import, same scores'
SELECT campaign.export_model('turnout') AS model_bytes \gset
SELECT round(campaign.predict('turnout', ARRAY[45, 0, 2, 1, 0]::float8[])::numeric, 6) AS "score here";
\c demo_copy
SET client_min_messages = warning;
CREATE EXTENSION campaign CASCADE;
SELECT campaign.import_model('turnout', :'model_bytes') > 0 AS imported;
SELECT round(campaign.predict('turnout', ARRAY[45, 0, 2, 1, 0]::float8[])::numeric, 6) AS "score in demo_copy";
\echo
\echo 'Done. Everything ran inside PostgreSQL; the throwaway cluster is removed on exit.'
