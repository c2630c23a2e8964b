-- fixtures.sql - the sample tables that docs/ examples and the dashboard test run against:
-- a small deterministic voter file with a trained model, and the roles the docs grant to.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS campaign CASCADE;

CREATE TABLE voters AS
SELECT i AS voter_id,
       18 + abs(hashint4(i)) % 72 AS age,
       abs(hashint4(i + 2000003)) % 4 AS contacts,
       abs(hashint4(i + 3000003)) % 100 < 55 AS voted_2020,
       abs(hashint4(i + 4000003)) % 100 < 40 AS voted_2022,
       'P-' || lpad((1 + abs(hashint4(i + 6000003)) % 12)::text, 2, '0') AS precinct,
       (ARRAY['dem', 'rep', 'ind'])[1 + abs(hashint4(i + 7000003)) % 3] AS party
FROM generate_series(1, 3000) i;
ALTER TABLE voters ADD COLUMN voted_2024 boolean;
UPDATE voters SET voted_2024 = abs(hashint4(voter_id + 5000003)) / 2147483648.0
    < 1 / (1 + exp(-(-2.2 + 0.03 * age + 1.1 * voted_2020::int + 0.9 * voted_2022::int
                     + 0.25 * contacts)));
SELECT campaign.train('turnout', 'voters', 'voted_2024',
                      ARRAY['age', 'voted_2020', 'voted_2022', 'contacts'], 'logistic');

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['analysts', 'dashboards', 'leads'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END $$;
