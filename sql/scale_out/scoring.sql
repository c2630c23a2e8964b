-- scoring: predict, explain and explain_top on the shards of a distributed table, bit for bit
-- what one node gives, with the model carried by the coordinator (src/pg/scale_out.c).
SET client_min_messages = error;  -- Citus warns that a pg_temp function stays local
\i sql/include/sqlstate_of.sql
RESET client_min_messages;

-- the call runs on the shards, with the model's bytes in the worker query
SELECT count(*) AS worker_queries,
       bool_and(strpos(q, 'SELECT voter_id, campaign.predict(''turnout''::text, ''\x') > 0)
           AS carried
FROM worker_queries('SELECT voter_id, campaign.predict(''turnout'', v) FROM voters v') q;

-- bit-identical scores: by name, by id, from arrays
SELECT digest('SELECT voter_id, float8send(campaign.predict(''turnout'', v)) FROM voters v')
     = digest('SELECT voter_id, float8send(campaign.predict(''turnout'', v)) FROM local_voters v')
       AS by_name_identical;
SELECT id AS turnout_id FROM campaign.model_catalog WHERE name = 'turnout' AND active \gset
SELECT digest('SELECT voter_id, float8send(campaign.predict(' || :turnout_id || ', v)) FROM voters v')
     = digest('SELECT voter_id, float8send(campaign.predict(''turnout'', v)) FROM local_voters v')
       AS by_id_identical;
SELECT campaign.train('turnout_numeric', 'local_voters', 'voted_2024',
                      ARRAY['age', 'contacts'], 'logistic') > 0 AS trained;
SELECT digest('SELECT voter_id, float8send(campaign.predict(''turnout_numeric'', ARRAY[age, contacts]::float8[])) FROM voters')
     = digest('SELECT voter_id, float8send(campaign.predict(''turnout_numeric'', ARRAY[age, contacts]::float8[])) FROM local_voters')
       AS array_identical;

-- explanations
SELECT digest('SELECT voter_id, string_agg(feature || float8send(contribution)::text, '','' ORDER BY feature)
               FROM voters v, campaign.explain(''turnout'', v) GROUP BY voter_id')
     = digest('SELECT voter_id, string_agg(feature || float8send(contribution)::text, '','' ORDER BY feature)
               FROM local_voters v, campaign.explain(''turnout'', v) GROUP BY voter_id')
       AS explain_identical;
SELECT digest('SELECT voter_id, campaign.explain_top(''turnout'', v, 3) FROM voters v')
     = digest('SELECT voter_id, campaign.explain_top(''turnout'', v, 3) FROM local_voters v')
       AS explain_top_identical;
SELECT bool_and(strpos(q, 'campaign.explain_top(''turnout''::text, ''\x') > 0 AND strpos(q, '::bytea, v.*, 3)') > 0) AS explain_top_carried
FROM worker_queries('SELECT campaign.explain_top(''turnout'', v, 3) FROM voters v') q;

-- parallel plans on the workers give the same scores
BEGIN;
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT digest('SELECT voter_id, float8send(campaign.predict(''turnout'', v)) FROM voters v')
     = digest('SELECT voter_id, float8send(campaign.predict(''turnout'', v)) FROM local_voters v')
       AS parallel_identical;
COMMIT;

-- writing scores back: UPDATE is pushed down (the carried form is immutable), and so is
-- INSERT ... SELECT into a table distributed the same way
UPDATE voters v SET p = campaign.predict('turnout', v);
UPDATE local_voters v SET p = campaign.predict('turnout', v);
SELECT digest('SELECT voter_id, float8send(p) FROM voters')
     = digest('SELECT voter_id, float8send(p) FROM local_voters') AS update_identical;
CREATE TABLE voter_scores (voter_id integer, p float8);
SELECT create_distributed_table('voter_scores', 'voter_id', colocate_with => 'voters');
INSERT INTO voter_scores SELECT voter_id, campaign.predict('turnout', v) FROM voters v;
SELECT digest('SELECT voter_id, float8send(p) FROM voter_scores')
     = digest('SELECT voter_id, float8send(p) FROM local_voters') AS insert_select_identical;

-- a prepared statement is replanned when the store changes: a new version takes effect
PREPARE mean_score AS SELECT round(avg(campaign.predict('turnout', v))::numeric, 6) FROM voters v;
PREPARE mean_score_of(text) AS SELECT round(avg(campaign.predict($1, v))::numeric, 6) FROM voters v;
EXECUTE mean_score;
EXECUTE mean_score_of('turnout');
SELECT campaign.train('turnout', 'local_voters', 'voted_2024', ARRAY['age', 'voted_2020'],
                      'logistic') > 0 AS trained_version_2;
EXECUTE mean_score;
EXECUTE mean_score_of('turnout');
SELECT round(avg(campaign.predict('turnout', v))::numeric, 6) AS local_mean FROM local_voters v;
-- PL/pgSQL: the model name is a variable, a parameter bound at each planning
CREATE FUNCTION mean_score_in_plpgsql(model text) RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT round(avg(campaign.predict(model, v))::numeric, 6) FROM voters v);
END $$;
SELECT DISTINCT mean_score_in_plpgsql('turnout') FROM generate_series(1, 8);
-- deploy the first version again (the citus step then deploys version 2 during a statement)
SELECT campaign.deploy('turnout', 1);
EXECUTE mean_score;

-- imported and deleted models, from the coordinator only
SELECT campaign.import_model('turnout_copy', campaign.export_model('turnout')) > 0 AS imported;
SELECT digest('SELECT voter_id, float8send(campaign.predict(''turnout_copy'', v)) FROM voters v')
     = digest('SELECT voter_id, float8send(campaign.predict(''turnout'', v)) FROM local_voters v')
       AS imported_identical;
DELETE FROM campaign.models WHERE name = 'turnout_copy';
SELECT pg_temp.sqlstate_of('SELECT campaign.predict(''turnout_copy'', v) FROM voters v');
SELECT pg_temp.sqlstate_of('SELECT campaign.predict(''no_such_model'', v) FROM voters v');
-- the workers' own stores stay empty: everything came from the coordinator
SELECT result AS worker_models FROM run_command_on_workers('SELECT count(*) FROM campaign.models');

-- a model name that is not a constant cannot be carried: the shards say where models live
SELECT pg_temp.sqlstate_of('SELECT campaign.predict(m, v) FROM voters v, (VALUES (''turnout'')) n(m)');
