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
ALTER TABLE voters ADD COLUMN miles_to_poll float8;
UPDATE voters SET miles_to_poll = CASE WHEN voter_id % 17 = 0 THEN NULL
                                       ELSE (abs(hashint4(voter_id + 1500007)) % 120) / 10.0 END;
ALTER TABLE voters ADD COLUMN voted_2024 boolean;
UPDATE voters SET voted_2024 = abs(hashint4(voter_id + 5000003)) / 2147483648.0
    < 1 / (1 + exp(-(-2.2 + 0.03 * age + 1.1 * voted_2020::int + 0.9 * voted_2022::int
                     + 0.25 * contacts)));
SELECT campaign.train('turnout', 'voters', 'voted_2024',
                      ARRAY['age', 'voted_2020', 'voted_2022', 'contacts'], 'logistic');
SELECT campaign.train('support_v3', 'voters', 'voted_2024', ARRAY['age', 'voted_2020'], 'logistic');

-- Geography: 30 census blocks (3 tracts x 2 block groups x 5 blocks) on a grid of squares in
-- lower Manhattan; each voter lives at a point inside its block, three voters to a door.
ALTER TABLE voters ADD COLUMN block_geoid text, ADD COLUMN status text,
                   ADD COLUMN address_id int, ADD COLUMN geom geometry(Point, 4326);
CREATE TABLE tabblock20 AS
SELECT '36061' || lpad((100 * (1 + b / 10))::text, 6, '0') || (1 + b % 10 / 5)::text
           || lpad((b % 5)::text, 3, '0') AS geoid20,
       ST_MakeEnvelope(-73.99 + (b % 6) * 0.002, 40.72 + (b / 6) * 0.002,
                       -73.988 + (b % 6) * 0.002, 40.722 + (b / 6) * 0.002, 4269) AS geom,
       b
FROM generate_series(0, 29) b;
UPDATE voters v SET
    block_geoid = t.geoid20,
    status = CASE WHEN v.voter_id % 20 = 0 THEN 'inactive' ELSE 'active' END,
    address_id = v.voter_id / 3,
    geom = ST_SetSRID(ST_MakePoint(
        ST_XMin(t.geom) + 0.002 * (abs(hashint4(v.voter_id / 3 + 9000003)) % 1000) / 1000.0,
        ST_YMin(t.geom) + 0.002 * (abs(hashint4(v.voter_id / 3 + 9100003)) % 1000) / 1000.0), 4326)
FROM tabblock20 t WHERE t.b = abs(hashint4(v.voter_id / 3 + 8000003)) % 30;
CREATE TABLE block_results AS
SELECT block_geoid, sum(voted_2024::int)::float8 AS successes, count(*)::float8 AS trials
FROM voters GROUP BY block_geoid;

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

-- Bandit events: an email subject test, a default-donation test, volunteer asks by channel.
CREATE TABLE email_events AS
SELECT 'spring-subject'::text AS test, (ARRAY['A', 'B', 'C'])[1 + i % 3] AS arm,
       abs(hashint4(i + 11000003)) % 100 < 20 + 3 * (i % 3) AS opened
FROM generate_series(1, 3000) i;
CREATE TABLE email_sends AS
SELECT arm AS subject, opened FROM email_events;
CREATE TABLE page_views AS
SELECT (ARRAY[10, 25, 50])[1 + i % 3] AS default_amount,
       CASE WHEN abs(hashint4(i + 12000003)) % 100 < 4
            THEN ((ARRAY[10, 25, 50])[1 + i % 3] * (0.5 + (abs(hashint4(i + 13000003)) % 100) / 50.0))::float8
       END AS amount
FROM generate_series(1, 6000) i;
CREATE TABLE asks AS
SELECT (ARRAY['north', 'south'])[1 + i % 2] AS region,
       (ARRAY['call', 'door', 'text'])[1 + i % 3] AS channel,
       abs(hashint4(i + 14000003)) % 100 < 10 + 5 * (i % 3) AS said_yes,
       timestamptz '2026-09-01' + (i % 60) * interval '1 day' AS asked_at
FROM generate_series(1, 3000) i;

-- Walk lists: buildings (footprints around each door), names and addresses, persuasion
-- scores, today's contacts, and a small street cost matrix as pgr_dijkstraCostMatrix returns.
ALTER TABLE voters ADD COLUMN building_id int, ADD COLUMN address text, ADD COLUMN last_name text;
UPDATE voters SET building_id = address_id,
                  address = (10 + address_id % 90) || ' ' || (ARRAY['Mott', 'Mulberry', 'Elizabeth', 'Baxter'])[1 + address_id % 4] || ' St',
                  last_name = (ARRAY['Garcia', 'Smith', 'Chen', 'Okafor', 'Novak', 'Rossi'])[1 + voter_id % 6];
CREATE TABLE buildings AS
SELECT DISTINCT ON (building_id) building_id, ST_Expand(geom, 0.00003) AS geom
FROM voters ORDER BY building_id;
CREATE TABLE scores AS
SELECT voter_id, campaign.predict('turnout', v) AS turnout_p,
       (abs(hashint4(voter_id + 15000003)) % 100) / 100.0 AS persuasion
FROM voters v;
CREATE TABLE contacts_log AS
SELECT voter_id, now() AS contacted_at FROM voters WHERE voter_id % 7 = 0;
CREATE TABLE street_costs AS
SELECT a AS start_vid, b AS end_vid, (abs(a - b) * 80 + (a * b) % 37)::float8 AS agg_cost
FROM generate_series(1, 8) a, generate_series(1, 8) b WHERE a <> b;

-- Scores next to every voter column (created last, so that it has all of them).
CREATE VIEW scored_voters AS
SELECT v.*, campaign.predict('turnout', v) AS p FROM voters v;
