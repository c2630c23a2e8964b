-- training: the rows of the distributed voters train the same model as their local copy,
-- bit for bit, in whatever order the shards return them; "sample" is drawn on the shards.
-- the features (not voter_id, which is in the rows only to tell them apart)
\set features '{age,voted_2020,voted_2022,contacts,party,block_geoid}'
CREATE FUNCTION trained_on(source text) RETURNS text LANGUAGE sql AS $$
    SELECT format('SELECT voter_id, age, voted_2020, voted_2022, contacts, party, block_geoid, voted_2024 FROM %s',
                  source) $$;
-- what a model's scores and metrics are, without the time it took
CREATE FUNCTION model_fingerprint(model_name text) RETURNS text LANGUAGE sql AS $$
    SELECT digest(format('SELECT voter_id, campaign.predict(%L, v) FROM local_voters v', model_name))
           || ' ' || md5((SELECT (metrics - 'training_seconds'::text - 'reading_seconds'::text)::text
                          FROM campaign.models WHERE name = model_name)) $$;

SELECT campaign.train('order_local', trained_on('local_voters'), 'voted_2024', :'features'::text[], 'gbt',
                      '{"trees": 40, "subsample": 0.8, "categorical": ["block_geoid"]}') > 0 AS trained;
SELECT campaign.train('order_citus_' || run, trained_on('voters'), 'voted_2024', :'features'::text[], 'gbt',
                      '{"trees": 40, "subsample": 0.8, "categorical": ["block_geoid"]}') > 0 AS trained
FROM generate_series(1, 2) run;
SELECT model_fingerprint('order_citus_1') = model_fingerprint('order_local') AS first_run_same,
       model_fingerprint('order_citus_2') = model_fingerprint('order_local') AS second_run_same;
SELECT campaign.train('order_local_logistic', trained_on('local_voters'), 'voted_2024',
                      ARRAY['age', 'voted_2020', 'voted_2022', 'contacts'], 'logistic') > 0 AS trained,
       campaign.train('order_citus_logistic', trained_on('voters'), 'voted_2024',
                      ARRAY['age', 'voted_2020', 'voted_2022', 'contacts'], 'logistic') > 0 AS trained;
SELECT model_fingerprint('order_citus_logistic') = model_fingerprint('order_local_logistic') AS same_model;

-- A share: the shards keep the rows whose key is below it (the filter is in their queries).
SELECT bool_or(q LIKE '%WHERE (campaign.train_key(''42''::bigint, ROW(voter_id, age, %) OPERATOR(pg_catalog.<) ''0.3''%')
           AS filtered_on_the_shards
FROM worker_queries(format('SELECT * FROM (%s) AS campaign_source WHERE campaign.train_key(42, campaign_source) < 0.3',
                           trained_on('voters'))) q;
SELECT campaign.train('sample_local', trained_on('local_voters'), 'voted_2024', :'features'::text[], 'gbt',
                      '{"trees": 20, "sample": 0.3, "categorical": ["block_geoid"]}') > 0 AS trained,
       campaign.train('sample_citus', trained_on('voters'), 'voted_2024', :'features'::text[], 'gbt',
                      '{"trees": 20, "sample": 0.3, "categorical": ["block_geoid"]}') > 0 AS trained;
SELECT model_fingerprint('sample_citus') = model_fingerprint('sample_local') AS same_model,
       (SELECT (metrics ->> 'rows')::int FROM campaign.models WHERE name = 'sample_citus') =
       (SELECT count(*) FROM local_voters v WHERE campaign.train_key(42, ROW(voter_id, age, voted_2020, voted_2022,
                                contacts, party, block_geoid, voted_2024)) < 0.3) AS rows_below_the_share;
-- A count: each shard sends its smallest keys, the coordinator keeps the smallest of all.
SELECT bool_or(q LIKE '%ORDER BY (campaign.train_key(''42''::bigint, ROW(voter_id, %)) LIMIT ''1000''%')
           AS top_rows_on_the_shards
FROM worker_queries(format('SELECT * FROM (%s) AS campaign_source WHERE voted_2024 IS NOT NULL ORDER BY campaign.train_key(42, campaign_source) LIMIT 1000',
                           trained_on('voters'))) q;
SELECT campaign.train('count_local', trained_on('local_voters'), 'voted_2024', :'features'::text[], 'gbt',
                      '{"trees": 20, "sample": 1000, "categorical": ["block_geoid"]}') > 0 AS trained,
       campaign.train('count_citus', trained_on('voters'), 'voted_2024', :'features'::text[], 'gbt',
                      '{"trees": 20, "sample": 1000, "categorical": ["block_geoid"]}') > 0 AS trained;
SELECT model_fingerprint('count_citus') = model_fingerprint('count_local') AS same_model,
       (SELECT (metrics ->> 'rows')::int FROM campaign.models WHERE name = 'count_citus') AS rows;
