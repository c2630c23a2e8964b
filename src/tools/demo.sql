-- demo.sql - `make demo`: the whole campaign loop on a synthetic city, printed for people.
-- Run by src/tools/demo.sh with -v outdir=<directory for the map files>.
-- Everything is deterministic: every "random" number is a hash of an id, so two runs print the
-- same figures.
\set ON_ERROR_STOP on
\pset footer off
\timing off
SET client_min_messages = warning;
CREATE EXTENSION campaign CASCADE;

-- A uniform number in [0, 1) from an integer key and a stream number (the demo's only randomness).
CREATE FUNCTION pg_temp.u(key bigint, stream int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8(key * 1000003 + stream) & 2147483647) / 2147483648.0 $$;

\echo
\echo '================================================================================'
\echo ' campaign demo: voter file -> turnout model -> block targets -> A/B test -> walk sheets'
\echo '================================================================================'
\echo
\echo '== 1. A synthetic city: households on a street grid, 200,000 voters'
\echo '   (a 12 km x 12 km city, denser downtown; streets every 100 m; all data made up)'

-- Households sit on east-west streets every 100 m, denser towards the centre. x/y are metres
-- from the city centre; the centre is put at 42.33 N, 83.05 W so PostGIS has real coordinates.
CREATE TABLE households AS
WITH raw AS (
    SELECT h,
           -- radius: more households near the centre; angle: uniform
           5800 * pg_temp.u(h, 1) ^ 0.8 AS r,
           2 * pi() * pg_temp.u(h, 2) AS a
    FROM generate_series(1, 100000) h
), snapped AS (
    SELECT h,
           round(r * cos(a) / 8) * 8 AS x,                           -- a house every 8 m
           round(r * sin(a) / 100) * 100
             + CASE WHEN h % 2 = 0 THEN 12 ELSE -12 END AS y         -- either side of a street
    FROM raw
)
SELECT h AS household_id, x, y,
       ST_SetSRID(ST_MakePoint(-83.05 + x / (111320 * cos(radians(42.33))),
                               42.33 + y / 110540), 4326) AS geom,
       -- an address-like label: house number from the position along the street
       (abs(x)::int / 8 * 2 + 100 + (h % 2)) || ' '
         || CASE WHEN x < 0 THEN 'W ' ELSE 'E ' END
         || (round(y / 100) + 61)::int
         || CASE WHEN (round(y / 100) + 61)::int % 10 = 1 AND (round(y / 100) + 61)::int % 100 <> 11 THEN 'st'
                 WHEN (round(y / 100) + 61)::int % 10 = 2 AND (round(y / 100) + 61)::int % 100 <> 12 THEN 'nd'
                 WHEN (round(y / 100) + 61)::int % 10 = 3 AND (round(y / 100) + 61)::int % 100 <> 13 THEN 'rd'
                 ELSE 'th' END || ' St' AS address,
       1 + floor(pg_temp.u(h, 3) * 3)::int AS size                    -- 1 to 3 voters
FROM snapped;

-- Households at the same spot are flats in one building: number them.
UPDATE households h SET address = h.address || ' Apt ' || d.n
FROM (SELECT household_id, row_number() OVER (PARTITION BY address ORDER BY household_id) AS n,
             count(*) OVER (PARTITION BY address) AS flats
      FROM households) d
WHERE d.household_id = h.household_id AND d.flats > 1;

-- Census geography on a grid: tracts 1 km, block groups 500 m, blocks 125 m.  A 15-digit block
-- GEOID = state (26) + county (163) + tract (6 digits) + block (4 digits, the first of which is
-- the block group), so the GEOIDs nest by prefix exactly as the Census Bureau's do.
ALTER TABLE households ADD COLUMN block_geoid text, ADD COLUMN precinct text;
UPDATE households SET
    block_geoid = '26163'
        || lpad((100 * (1 + floor((x + 6000) / 1000) * 12 + floor((y + 6000) / 1000)))::int::text, 6, '0')
        || (1 + floor(mod((x + 6000)::int, 1000) / 500) * 2 + floor(mod((y + 6000)::int, 1000) / 500))::int
        || lpad((floor(mod((x + 6000)::int, 500) / 125) * 4 + floor(mod((y + 6000)::int, 500) / 125))::int::text, 3, '0'),
    -- precincts: 1.5 km squares, numbered across the city
    precinct = 'P-' || lpad((1 + floor((x + 6000) / 1500) * 8 + floor((y + 6000) / 1500))::int::text, 2, '0');

CREATE TABLE voters AS
SELECT row_number() OVER (ORDER BY h.household_id, k)::int AS voter_id,
       h.household_id, h.block_geoid, h.precinct
FROM households h, generate_series(1, h.size) k;

-- Demographics, registration and distance to the polling place (a school at each precinct centre).
ALTER TABLE voters
    ADD COLUMN age int, ADD COLUMN party text, ADD COLUMN registered int,
    ADD COLUMN downtown boolean, ADD COLUMN miles_to_poll float8;
UPDATE voters v SET
    age = 18 + floor(pg_temp.u(voter_id, 10) * pg_temp.u(voter_id, 11) * 77)::int
          + floor(pg_temp.u(voter_id, 12) * 20)::int,
    party = CASE WHEN pg_temp.u(voter_id, 13) < 0.44 THEN 'DEM'
                 WHEN pg_temp.u(voter_id, 13) < 0.75 THEN 'REP' ELSE 'NPA' END,
    downtown = sqrt(h.x ^ 2 + h.y ^ 2) < 2000,
    miles_to_poll = round((sqrt((h.x - (floor((h.x + 6000) / 1500) * 1500 - 5250)) ^ 2
                              + (h.y - (floor((h.y + 6000) / 1500) * 1500 - 5250)) ^ 2)
                          / 1609.34)::numeric, 2)::float8
FROM households h WHERE h.household_id = v.household_id;
-- Registration year: about 15% registered since 2023 (new registrants), younger voters later.
UPDATE voters SET age = least(age, 97),
    registered = CASE WHEN pg_temp.u(voter_id, 14) < 0.15 THEN 2023 + floor(pg_temp.u(voter_id, 15) * 2)::int
                      ELSE greatest(2000 + floor(pg_temp.u(voter_id, 15) * 23)::int, 2024 - (age - 18)) END;

-- Vote history: NULL where the voter was not registered yet (a gap, not a "did not vote").
-- Each voter has a hidden habit; general elections draw more than midterms and primaries.
ALTER TABLE voters ADD COLUMN habit float8,
    ADD COLUMN voted_2016 boolean, ADD COLUMN voted_2018 boolean, ADD COLUMN voted_2020 boolean,
    ADD COLUMN voted_2022 boolean, ADD COLUMN voted_primary_2024 boolean;
UPDATE voters SET habit = -1.2 + 2.6 * pg_temp.u(voter_id, 20) + 0.025 * (age - 45)
                          + CASE party WHEN 'NPA' THEN -0.5 ELSE 0 END;
UPDATE voters SET
    voted_2016 = CASE WHEN registered <= 2016 THEN pg_temp.u(voter_id, 21) < 1 / (1 + exp(-(habit + 0.6))) END,
    voted_2018 = CASE WHEN registered <= 2018 THEN pg_temp.u(voter_id, 22) < 1 / (1 + exp(-(habit - 0.2))) END,
    voted_2020 = CASE WHEN registered <= 2020 THEN pg_temp.u(voter_id, 23) < 1 / (1 + exp(-(habit + 0.8))) END,
    voted_2022 = CASE WHEN registered <= 2022 THEN pg_temp.u(voter_id, 24) < 1 / (1 + exp(-(habit - 0.1))) END,
    voted_primary_2024 = pg_temp.u(voter_id, 25) < 1 / (1 + exp(-(habit - 1.6)));

-- Contact history: doors knocked, calls and texts in the last cycle (about 90,000 attempts).
CREATE TABLE contacts AS
SELECT voter_id,
       (ARRAY['door', 'phone', 'text'])[1 + floor(pg_temp.u(voter_id * 8 + n, 31) * 3)::int] AS channel,
       pg_temp.u(voter_id * 8 + n, 32) < 0.35 AS reached,
       date '2024-09-01' + floor(pg_temp.u(voter_id * 8 + n, 33) * 60)::int AS contacted_on
FROM voters, generate_series(1, 3) n
WHERE pg_temp.u(voter_id * 8 + n, 30) < 0.15;

ALTER TABLE voters ADD COLUMN doors_reached int, ADD COLUMN calls_reached int, ADD COLUMN texts int;
UPDATE voters v SET doors_reached = coalesce(c.doors, 0), calls_reached = coalesce(c.calls, 0),
                    texts = coalesce(c.texts, 0)
FROM (SELECT voter_id, count(*) FILTER (WHERE channel = 'door' AND reached) AS doors,
             count(*) FILTER (WHERE channel = 'phone' AND reached) AS calls,
             count(*) FILTER (WHERE channel = 'text') AS texts
      FROM contacts GROUP BY voter_id) c
WHERE c.voter_id = v.voter_id;
UPDATE voters SET doors_reached = coalesce(doors_reached, 0), calls_reached = coalesce(calls_reached, 0),
                  texts = coalesce(texts, 0)
WHERE doors_reached IS NULL;

-- The outcome: 2024 turnout.  Non-linear on purpose (age effect rises, levels off, then falls for
-- the oldest; distance matters
-- only for older voters far from the poll, a door knock helps young voters most) so trees have
-- something to find that a straight-line model cannot.
ALTER TABLE voters ADD COLUMN is_dem boolean, ADD COLUMN is_rep boolean, ADD COLUMN voted_2024 boolean;
UPDATE voters SET is_dem = party = 'DEM', is_rep = party = 'REP',
    voted_2024 = pg_temp.u(voter_id, 40) < 1 / (1 + exp(-(
        0.4 + 1.3 * habit
        + 0.6 * coalesce(voted_2020::int, 0) + 0.5 * coalesce(voted_2022::int, 0)
        + 0.4 * voted_primary_2024::int
        - CASE WHEN registered >= 2023 THEN 0.7 ELSE 0 END
        + 1.2 * tanh((age - 28) / 8.0) - 0.008 * greatest(age - 72, 0) ^ 2
        - CASE WHEN miles_to_poll > 0.6 AND age >= 70 THEN 1.0 ELSE 0 END
        - CASE WHEN miles_to_poll > 0.8 AND NOT downtown THEN 0.3 ELSE 0 END
        + least(doors_reached, 1) * CASE WHEN age < 35 THEN 1.2 ELSE 0.2 END
        + 0.15 * least(calls_reached, 1))));
CREATE INDEX ON voters (voter_id);
ANALYZE households; ANALYZE voters; ANALYZE contacts;

SELECT to_char(count(*), 'FM999,999') AS voters,
       to_char(count(DISTINCT household_id), 'FM999,999') AS households,
       count(DISTINCT precinct) AS precincts,
       round(avg(age)) AS "average age",
       round(100.0 * avg((registered >= 2023)::int), 1) AS "new registrants %",
       round(100.0 * avg(voted_2024::int), 1) AS "turned out in 2024 %"
FROM voters;

\echo '   Vote history has gaps: a blank means "not registered yet", not "stayed home".'
SELECT CASE WHEN registered >= 2023 THEN 'new (2023 or later)' ELSE 'earlier' END AS registered,
       to_char(count(*), 'FM999,999') AS voters,
       round(100.0 * avg(voted_2020::int), 1) AS "voted 2020 %",
       CASE WHEN count(voted_2020) = 0 THEN 'blank' ELSE 'recorded' END AS "2020 history",
       round(100.0 * avg(voted_primary_2024::int), 1) AS "voted primary 2024 %",
       round(100.0 * avg(voted_2024::int), 1) AS "voted 2024 %"
FROM voters GROUP BY 1 ORDER BY 1;

\echo '   Census geography nests by GEOID prefix (campaign.geoid_parent):'
SELECT block_geoid AS "a block (15 digits)",
       campaign.geoid_parent(block_geoid, 'block_group') AS "its block group (12)",
       campaign.geoid_parent(block_geoid, 'tract') AS "its tract (11)",
       campaign.geoid_parent(block_geoid, 'county') AS "its county (5)"
FROM voters WHERE voter_id = 1;
SELECT count(DISTINCT campaign.geoid_parent(block_geoid, 'tract')) AS tracts,
       count(DISTINCT campaign.geoid_parent(block_geoid, 'block_group')) AS "block groups",
       count(DISTINCT block_geoid) AS blocks,
       (SELECT to_char(count(*), 'FM999,999') FROM contacts) AS "contact attempts (last cycle)"
FROM voters;

\echo
\echo '== 2. Train turnout models inside PostgreSQL: gradient-boosted trees and a logistic baseline'
\echo '   (80% of voters train, 20% are held out to measure; AUC 0.5 = guessing, 1.0 = perfect)'
\set features 'ARRAY[''age'', ''is_dem'', ''is_rep'', ''registered'', ''miles_to_poll'', ''downtown'', ''voted_2016'', ''voted_2018'', ''voted_2020'', ''voted_2022'', ''voted_primary_2024'', ''doors_reached'', ''calls_reached'', ''texts'']'
SELECT campaign.train('turnout', 'voters', 'voted_2024', :features, 'gbt',
                      '{"trees": 150, "depth": 5, "learning_rate": 0.1, "early_stopping_rounds": 15}')
       AS gbt_id \gset
-- The logistic baseline gets the same columns; blank history counts as "did not vote" for it.
CREATE VIEW voters_filled AS
SELECT voter_id, voted_2024, age, is_dem, is_rep, registered, miles_to_poll, downtown,
       coalesce(voted_2016, false) AS voted_2016, coalesce(voted_2018, false) AS voted_2018,
       coalesce(voted_2020, false) AS voted_2020, coalesce(voted_2022, false) AS voted_2022,
       voted_primary_2024, doors_reached, calls_reached, texts
FROM voters;
SELECT campaign.train('turnout_logistic', 'voters_filled', 'voted_2024', :features, 'logistic')
       AS logistic_id \gset
SELECT name AS model, algorithm, round(auc::numeric, 3) AS "holdout AUC",
       round(logloss::numeric, 3) AS "log loss", round(brier::numeric, 3) AS brier,
       to_char(rows_train, 'FM999,999') AS "training voters",
       to_char(rows_holdout, 'FM999,999') AS "holdout voters",
       round(training_seconds::numeric, 1) AS "training seconds"
FROM campaign.model_catalog WHERE name IN ('turnout', 'turnout_logistic') ORDER BY auc DESC;

\echo '   What the trees learned from (share of the total split gain):'
SELECT feature, round((100 * gain / sum(gain) OVER ())::numeric, 1) AS "share of gain %",
       splits AS "times used"
FROM campaign.feature_importance WHERE model = 'turnout'
ORDER BY gain DESC LIMIT 6;

\echo
\echo '== 3. Score every voter (a materialized view) and cut GOTV segments'
CREATE MATERIALIZED VIEW voter_scores AS
SELECT v.voter_id, v.household_id, v.block_geoid, v.precinct,
       campaign.predict('turnout', v) AS turnout_p
FROM voters v;
CREATE INDEX ON voter_scores (voter_id);
-- Segments: campaign.tier cuts at 0.3 and 0.7.  The medium tier is where a GOTV contact pays:
-- the high tier votes anyway, the low tier rarely moves.
CREATE VIEW gotv_segments AS
SELECT voter_id, household_id, block_geoid, precinct, turnout_p,
       campaign.score100(turnout_p) AS score, campaign.tier(turnout_p) AS segment
FROM voter_scores;
CREATE VIEW gotv_targets AS SELECT * FROM gotv_segments WHERE segment = 'medium';
SELECT segment, to_char(count(*), 'FM999,999') AS voters,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "share %",
       round(avg(score)) AS "average score (0-100)",
       round(100.0 * avg(v.voted_2024::int), 1) AS "actually voted in 2024 %"
FROM gotv_segments g JOIN voters v USING (voter_id)
GROUP BY segment ORDER BY min(turnout_p);

\echo
\echo '== 4. The ten best blocks for a canvass weekend (campaign.rollup)'
\echo '   Value of a block = voters in the medium segment who would otherwise stay home:'
\echo '   the expected number, and a 90% range for it (the count is uncertain, voter by voter).'
CREATE VIEW block_targets AS
SELECT block_geoid, campaign.geoid_parent(block_geoid, 'tract') AS tract,
       count(*) AS voters, count(*) FILTER (WHERE segment = 'medium') AS targets,
       campaign.rollup(1 - turnout_p) FILTER (WHERE segment = 'medium') AS stay_home
FROM gotv_segments GROUP BY block_geoid;
SELECT block_geoid AS block, tract, voters, targets AS "GOTV targets",
       round((stay_home).expected::numeric, 1) AS "expected to stay home",
       (stay_home).lo || '-' || (stay_home).hi AS "90% range"
FROM block_targets
WHERE targets > 0
ORDER BY (stay_home).lo DESC, (stay_home).expected DESC, block_geoid LIMIT 10;

\echo
\echo '== 5. A subject-line test for the GOTV email, run as a bandit over five batches'
\echo '   Each batch is split by campaign.allocation: Thompson weights (the chance that a subject is'
\echo '   the best, from what we know so far), at least 1% each so no subject is starved of evidence.'
\echo '   The true open rates (hidden from the bandit) are 18%, 21% and 24%.'
CREATE TABLE subjects (arm int PRIMARY KEY, subject text, true_open_rate float8);
INSERT INTO subjects VALUES (1, 'Your polling place is ready', 0.18),
                            (2, 'We saved you a spot in line', 0.21),
                            (3, 'Your neighbors are voting Tuesday', 0.24);
CREATE TABLE email_sends (batch int, send_no int, arm int, opened boolean);
CREATE TABLE bandit_log (batch int, arm int, planned_share float8, sends int, opens int,
                         p_best_after float8);
DO $$
DECLARE
    batch_size constant int := 2000;
    posts campaign.beta[];
BEGIN
    FOR b IN 1..5 LOOP
        -- what the bandit knows before this batch: a Beta posterior per subject (Beta(1,1) at first)
        SELECT array_agg(coalesce(p.post, ROW(1, 1)::campaign.beta) ORDER BY s.arm) INTO posts
        FROM subjects s
        LEFT JOIN (SELECT arm, campaign.beta_posterior(opened) AS post FROM email_sends GROUP BY arm) p
            USING (arm);
        INSERT INTO bandit_log (batch, arm, planned_share)
        SELECT b, arm, share FROM unnest(campaign.allocation(posts)) WITH ORDINALITY AS w(share, arm);
        -- the batch split by the planned shares (send n goes to the subject whose slice of the
        -- cumulative shares holds it, so each gets its share to within one send), then a
        -- simulated open (seeded, so the demo repeats)
        INSERT INTO email_sends
        SELECT b, n, d.arm, pg_temp.u(b * 100000 + n, 50) < s.true_open_rate
        FROM generate_series(1, batch_size) n,
             LATERAL (SELECT c.arm
                      FROM (SELECT l.arm, sum(l.planned_share) OVER (ORDER BY l.arm) AS upto
                            FROM bandit_log l WHERE l.batch = b) c
                      WHERE c.upto * batch_size >= n - 0.5 ORDER BY c.arm LIMIT 1) d
        JOIN subjects s USING (arm);
        -- and what it knows after
        SELECT array_agg(coalesce(p.post, ROW(1, 1)::campaign.beta) ORDER BY s.arm) INTO posts
        FROM subjects s
        LEFT JOIN (SELECT arm, campaign.beta_posterior(opened) AS post FROM email_sends GROUP BY arm) p
            USING (arm);
        UPDATE bandit_log l SET p_best_after = pb.p,
               sends = (SELECT count(*) FROM email_sends e WHERE e.batch = b AND e.arm = l.arm),
               opens = (SELECT count(*) FROM email_sends e WHERE e.batch = b AND e.arm = l.arm AND opened)
        FROM unnest(campaign.prob_best(posts)) WITH ORDINALITY AS pb(p, arm)
        WHERE l.batch = b AND l.arm = pb.arm;
    END LOOP;
END
$$;
SELECT l.batch, s.subject, round((100 * l.planned_share)::numeric, 1) AS "planned share %",
       l.sends, l.opens, round(100.0 * l.opens / nullif(l.sends, 0), 1) AS "open rate %",
       round((100 * l.p_best_after)::numeric, 1) AS "P(best) after batch %"
FROM bandit_log l JOIN subjects s USING (arm) ORDER BY l.batch, l.arm;
\echo '   The bandit moved sends to the best subject as the evidence came in; final standing:'
SELECT s.subject, to_char(count(*), 'FM999,999') AS sends,
       round(100.0 * avg(opened::int), 1) AS "open rate %",
       round((100 * l.p_best_after)::numeric, 1) AS "P(best) %"
FROM email_sends e JOIN subjects s USING (arm) JOIN bandit_log l ON l.arm = s.arm AND l.batch = 5
GROUP BY s.subject, s.arm, l.p_best_after ORDER BY s.arm;

\echo
\echo '== 6. Walk sheets: one precinct cut into balanced turfs, each ordered into a walking loop'
-- The doors worth knocking: households with at least one GOTV target, in a precinct with about
-- 400 such doors (ten canvassers' worth).
SELECT precinct AS walk_precinct FROM gotv_targets GROUP BY precinct
ORDER BY abs(count(DISTINCT household_id) - 400), precinct LIMIT 1 \gset
CREATE TABLE turf_doors AS
SELECT household_id, h.address, h.geom AS door, t.targets, t.best_score,
       campaign.turf(h.geom, 40) OVER () AS turf
FROM (SELECT household_id, count(*) AS targets, max(score) AS best_score
      FROM gotv_targets WHERE precinct = :'walk_precinct' GROUP BY household_id) t
JOIN households h USING (household_id);
CREATE TABLE walk_sheet AS
SELECT turf, campaign.walk_order(door) OVER (PARTITION BY turf) AS stop,
       household_id, address, targets, best_score, door
FROM turf_doors;
SELECT :'walk_precinct' AS precinct, count(*) AS turfs, sum(n) AS doors,
       min(n) || '-' || max(n) AS "doors per turf",
       round(min(metres)) || '-' || round(max(metres)) AS "loop length (m)"
FROM (SELECT turf, count(*) AS n,
             ST_Length(ST_MakeLine(array_append(array_agg(door ORDER BY stop),
                                                (array_agg(door ORDER BY stop))[1]))::geography) AS metres
      FROM walk_sheet GROUP BY turf) per_turf;
\echo '   Walk sheet for turf 1 (first 15 stops):'
SELECT w.stop, w.address, string_agg(v.party || ' ' || v.age, ', ' ORDER BY v.voter_id) AS "targets (party age)",
       w.best_score AS "turnout score"
FROM walk_sheet w JOIN gotv_targets g USING (household_id) JOIN voters v USING (voter_id)
WHERE w.turf = 1 AND w.stop <= 15
GROUP BY w.stop, w.address, w.best_score ORDER BY w.stop;

-- The map.  The city's own metre grid (x east, y north of the centre) is true to scale, so the
-- SVG is drawn in metres from the top-left corner of the precinct: ST_AsSVG flips y for SVG.
CREATE TABLE routes AS
SELECT turf, count(*) AS doors,
       ST_MakeLine(array_append(array_agg(door ORDER BY stop), (array_agg(door ORDER BY stop))[1])) AS route,
       ST_MakeLine(array_append(array_agg(local ORDER BY stop), (array_agg(local ORDER BY stop))[1])) AS local_route
FROM (SELECT w.*, ST_MakePoint(h.x, h.y) AS local FROM walk_sheet w JOIN households h USING (household_id)) s
GROUP BY turf;
\pset tuples_only on
\pset format unaligned
\o :outdir/routes.svg
WITH frame AS (                      -- the precinct's doors plus a 150 m margin; 160 m for the caption
    SELECT ST_XMin(e) - 150 AS x0, ST_YMax(e) + 150 AS y1,
           ST_XMax(e) - ST_XMin(e) + 300 AS w, ST_YMax(e) - ST_YMin(e) + 300 AS h
    FROM (SELECT ST_Extent(local_route)::geometry AS e FROM routes) s
), colored AS (
    SELECT r.turf, ST_Translate(r.local_route, -f.x0, -f.y1) AS line,
           (ARRAY['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf',
                  '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'])[1 + (r.turf - 1) % 10] AS color
    FROM routes r, frame f
), streets AS (                      -- the east-west streets crossing the frame, every 100 m
    SELECT k * 100 AS y, (k + 61)::text
             || CASE WHEN (k + 61) % 10 = 1 AND (k + 61) % 100 <> 11 THEN 'st'
                     WHEN (k + 61) % 10 = 2 AND (k + 61) % 100 <> 12 THEN 'nd'
                     WHEN (k + 61) % 10 = 3 AND (k + 61) % 100 <> 13 THEN 'rd' ELSE 'th' END || ' St' AS name
    FROM frame, generate_series(ceil((y1 - h) / 100)::int, floor(y1 / 100)::int) k
)
SELECT format('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="1000" height="%s">',
              round(w), round(h + 160), round(1000 * (h + 160) / w))
    || format('<rect x="0" y="0" width="%s" height="%s" fill="white"/>', round(w), round(h + 160))
    || (SELECT string_agg(format('<line x1="0" y1="%2$s" x2="%1$s" y2="%2$s" stroke="#dddddd" stroke-width="10"/>'
                                 '<text x="8" y="%3$s" font-family="sans-serif" font-size="16" fill="#999999">%4$s</text>',
                                 round(w), round(y1 - s.y), round(y1 - s.y - 7), s.name), '' ORDER BY s.y)
        FROM streets s)
    || (SELECT string_agg(format('<path d="%s" fill="none" stroke="%s" stroke-width="4" stroke-linejoin="round"/>',
                                 ST_AsSVG(line, 0, 1), color), '' ORDER BY turf)
        FROM colored)
    || (SELECT string_agg(format('<circle cx="%s" cy="%s" r="5" fill="%s"/>',
                                 round(ST_X(d.geom)::numeric, 1), round(-ST_Y(d.geom)::numeric, 1), c.color), '')
        FROM colored c, LATERAL ST_DumpPoints(c.line) d)
    || (SELECT string_agg(format('<text x="%s" y="%s" font-family="sans-serif" font-size="60" font-weight="bold" '
                                 'fill="%s" stroke="white" stroke-width="10" paint-order="stroke" '
                                 'text-anchor="middle">%s</text>',
                                 round(ST_X(c)::numeric), round(-ST_Y(c)::numeric) + 20, color, turf), '')
        FROM (SELECT turf, color, ST_Centroid(line) AS c FROM colored) l)
    || format('<text x="20" y="%s" font-family="sans-serif" font-size="38">Precinct %s: %s turfs, %s doors '
              'with GOTV targets</text>', round(h + 60), :'walk_precinct',
              (SELECT count(*) FROM routes), (SELECT count(*) FROM walk_sheet))
    || format('<text x="20" y="%s" font-family="sans-serif" font-size="27">Each coloured loop is one '
              'canvasser''s walk; dots are doors; grey lines are streets</text>',
              round(h + 110))
    || format('<line x1="%1$s" y1="%2$s" x2="%3$s" y2="%2$s" stroke="black" stroke-width="6"/>'
              '<text x="%3$s" y="%4$s" font-family="sans-serif" font-size="27" text-anchor="end">500 m</text>',
              round(w - 520), round(h - 20), round(w - 20), round(h - 35))
    || '</svg>'
FROM frame;
\o :outdir/routes.geojson
SELECT json_build_object('type', 'FeatureCollection', 'features',
           (SELECT json_agg(f) FROM (
                SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(route, 6)::json,
                           'properties', json_build_object('kind', 'route', 'precinct', :'walk_precinct',
                                                           'turf', turf, 'doors', doors)) AS f
                FROM routes
                UNION ALL
                SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(door, 6)::json,
                           'properties', json_build_object('kind', 'door', 'turf', turf, 'stop', stop,
                                                           'address', address, 'targets', targets,
                                                           'turnout_score', best_score))
                FROM walk_sheet) fs));
\o
\pset tuples_only off
\pset format aligned

\echo
\echo 'Done. Everything above ran inside PostgreSQL (the throwaway cluster is removed on exit).'
