-- setup: the same voter file distributed by voter_id (voters) and local (local_voters), a
-- model trained on the local copy, and worker_queries(), the queries a statement sends to
-- the shards (from EXPLAIN VERBOSE).
\set rows 6000
\set blocks 40
\i sql/include/voter_file.sql
ALTER TABLE voters ADD COLUMN turf integer, ADD COLUMN geom geometry, ADD COLUMN p float8;
UPDATE voters SET turf = 1 + abs(hashint4(voter_id + 9000003)) % 8,
    geom = ST_SetSRID(ST_MakePoint(-73.99 + (abs(hashint4(voter_id + 11)) % 1000) / 50000.0,
                                   40.72 + (abs(hashint4(voter_id + 13)) % 1000) / 50000.0), 4326);
CREATE TABLE local_voters AS SELECT * FROM voters;
SELECT create_distributed_table('voters', 'voter_id');
SELECT count(*) AS shards FROM citus_shards WHERE table_name = 'voters'::regclass;

SELECT campaign.train('turnout', 'local_voters', 'voted_2024',
                      ARRAY['age', 'voted_2020', 'voted_2022', 'contacts', 'party'], 'gbt') > 0 AS trained;

CREATE FUNCTION worker_queries(statement text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || statement LOOP
        IF line ~ '^\s*Query: ' THEN
            RETURN NEXT regexp_replace(line, '^\s*Query: ', '');
        END IF;
    END LOOP;
END $$;

-- a digest of per-row values, bit for bit (float8send), in voter order
CREATE FUNCTION digest(q text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    d text;
BEGIN
    EXECUTE format('SELECT md5(string_agg(k::text || '':'' || coalesce(v::text, ''null''), '','' ORDER BY k))'
                   ' FROM (%s) s(k, v)', q) INTO d;
    RETURN d;
END $$;
