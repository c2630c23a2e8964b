-- progress: campaign.training_progress on a server without campaign in shared_preload_libraries
-- (make test's main cluster).  The preloaded case, with a training watched from another
-- session, is src/tools/progress.sh.
SET client_min_messages = warning;

-- Not preloaded: no training rows, one row whose note says why, every other column NULL.
SELECT count(*) AS rows, count(note) AS notes, count(pid) AS pids FROM campaign.training_progress;
SELECT note FROM campaign.training_progress;
SELECT num_nulls(pid, user_name, model, algorithm, phase, done, total, unit, percent, rows_read,
                 started, elapsed_seconds, eta_seconds) AS null_columns
FROM campaign.training_progress;

-- Training works the same without preloading, gbt and logistic, and leaves the view unchanged.
CREATE TABLE progress_voters AS
SELECT i AS id, 18 + abs(hashint4(i)) % 70 AS age, abs(hashint4(i + 1)) % 3 = 0 AS voted_2020,
       abs(hashint4(i + 2)) % 2 = 0 AS turnout
FROM generate_series(1, 2000) i;
SELECT campaign.train('p_gbt', 'progress_voters', 'turnout', ARRAY['age', 'voted_2020'], 'gbt',
                      '{"trees": 5}') > 0 AS trained;
SELECT campaign.train('p_logistic', 'progress_voters', 'turnout', ARRAY['age', 'voted_2020'],
                      'logistic') > 0 AS trained;
-- a failed training too
SELECT campaign.train('p_bad', 'progress_voters', 'age', ARRAY['voted_2020'], 'logistic');
SELECT count(*) AS rows, count(pid) AS pids FROM campaign.training_progress;

-- A dashboard role reads it with a plain GRANT.
CREATE ROLE progress_reader NOLOGIN;
GRANT USAGE ON SCHEMA campaign TO progress_reader;
GRANT SELECT ON campaign.training_progress TO progress_reader;
SET ROLE progress_reader;
SELECT count(note) AS notes FROM campaign.training_progress;
RESET ROLE;
DROP OWNED BY progress_reader;
DROP ROLE progress_reader;
DROP TABLE progress_voters;
DELETE FROM campaign.models WHERE name IN ('p_gbt', 'p_logistic');
