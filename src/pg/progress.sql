-- progress.sql: watching campaign.train from other sessions (src/pg/progress.c, docs/progress.md)

CREATE FUNCTION campaign.training_progress_rows(
    OUT pid integer,
    OUT user_name text,
    OUT model text,
    OUT algorithm text,
    OUT phase text,
    OUT done integer,
    OUT total integer,
    OUT unit text,
    OUT percent float8,
    OUT rows_read bigint,
    OUT started timestamptz,
    OUT elapsed_seconds float8,
    OUT eta_seconds float8,
    OUT note text)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'training_progress_rows' LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION campaign.training_progress_rows() IS
    'The rows of campaign.training_progress: trainings running in this database, or a note when campaign is not preloaded';

CREATE VIEW campaign.training_progress AS
SELECT p.pid, p.user_name, p.model, p.algorithm, p.phase, p.done, p.total, p.unit, p.percent,
       p.rows_read, p.started, p.elapsed_seconds, p.eta_seconds, p.note
FROM campaign.training_progress_rows() p;
COMMENT ON VIEW campaign.training_progress IS
    'campaign.train calls running in this database (needs campaign in shared_preload_libraries; otherwise one row with a note)';
