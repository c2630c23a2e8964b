-- setup: the same voter file distributed by voter_id (voters) and local (local_voters), a
-- model trained on the local copy, and worker_queries(), the queries a statement sends to
-- the shards (from EXPLAIN VERBOSE).
CREATE TABLE voters AS
SELECT i AS voter_id,
       18 + abs(hashint4(i)) % 72 AS age,
       abs(hashint4(i + 2000003)) % 4 AS contacts,
       abs(hashint4(i + 3000003)) % 100 < 55 AS voted_2020,
       abs(hashint4(i + 4000003)) % 100 < 40 AS voted_2022,
       (ARRAY['dem', 'rep', 'ind'])[1 + abs(hashint4(i + 7000003)) % 3] AS party,
       '36061' || lpad((abs(hashint4(i + 8000003)) % 40)::text, 10, '0') AS block_geoid,
       1 + abs(hashint4(i + 9000003)) % 8 AS turf,
       ST_SetSRID(ST_MakePoint(-73.99 + (abs(hashint4(i + 11)) % 1000) / 50000.0,
                               40.72 + (abs(hashint4(i + 13)) % 1000) / 50000.0), 4326) AS geom
FROM generate_series(1, 6000) i;
ALTER TABLE voters ADD COLUMN voted_2024 boolean, ADD COLUMN p float8;
UPDATE voters SET voted_2024 = abs(hashint4(voter_id + 5000003)) / 2147483648.0
    < 1 / (1 + exp(-(-2.2 + 0.03 * age + 1.1 * voted_2020::int + 0.9 * voted_2022::int
                     + 0.25 * contacts)));
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
