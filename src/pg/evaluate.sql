-- evaluate.sql: evaluation aggregates and the model_metrics view (src/pg/evaluate.c, docs/evaluate.md)

-- auc, calibration and lift share one state: campaign.score_distribution, the exact
-- distribution of the scores seen (one group per distinct score with its positive and
-- negative counts).  A concrete type rather than internal, so that Citus aggregates it on the
-- shards: it moves partial states through the type's output and input functions.  Text form:
-- the hex digits of the binary form; both inputs validate every byte.
CREATE TYPE campaign.score_distribution;

CREATE FUNCTION campaign.score_distribution_in(cstring)
RETURNS campaign.score_distribution
    AS 'MODULE_PATHNAME', 'score_distribution_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score_distribution_in(cstring) IS
    'Input function of campaign.score_distribution: hex digits, validated';

CREATE FUNCTION campaign.score_distribution_out(campaign.score_distribution)
RETURNS cstring
    AS 'MODULE_PATHNAME', 'score_distribution_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score_distribution_out(campaign.score_distribution) IS
    'Output function of campaign.score_distribution: the hex digits of its binary form';

CREATE FUNCTION campaign.score_distribution_recv(internal)
RETURNS campaign.score_distribution
    AS 'MODULE_PATHNAME', 'score_distribution_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score_distribution_recv(internal) IS
    'Receive function of campaign.score_distribution: its binary form, validated';

CREATE FUNCTION campaign.score_distribution_send(campaign.score_distribution)
RETURNS bytea
    AS 'MODULE_PATHNAME', 'score_distribution_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score_distribution_send(campaign.score_distribution) IS
    'Send function of campaign.score_distribution: its binary form';

CREATE TYPE campaign.score_distribution (
    INPUT = campaign.score_distribution_in, OUTPUT = campaign.score_distribution_out,
    RECEIVE = campaign.score_distribution_recv, SEND = campaign.score_distribution_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended);
COMMENT ON TYPE campaign.score_distribution IS
    'State of campaign.auc, calibration and lift: per distinct score, its positive and negative counts';

CREATE FUNCTION campaign.score_dist_accum(campaign.score_distribution, float8, boolean)
RETURNS campaign.score_distribution
    AS 'MODULE_PATHNAME', 'score_dist_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score_dist_accum(campaign.score_distribution, float8, boolean) IS
    'Transition function of campaign.auc: counts a score and its outcome';

CREATE FUNCTION campaign.score_dist_accum(campaign.score_distribution, float8, boolean, integer)
RETURNS campaign.score_distribution
    AS 'MODULE_PATHNAME', 'score_dist_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score_dist_accum(campaign.score_distribution, float8, boolean, integer) IS
    'Transition function of campaign.calibration and campaign.lift: counts a score and its outcome';

CREATE FUNCTION campaign.score_dist_combine(campaign.score_distribution, campaign.score_distribution)
RETURNS campaign.score_distribution
    AS 'MODULE_PATHNAME', 'score_dist_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score_dist_combine(campaign.score_distribution, campaign.score_distribution) IS
    'Combine function of the score-distribution aggregates (parallel plans, Citus): the rows of both states';

CREATE FUNCTION campaign.auc_final(campaign.score_distribution)
RETURNS float8
    AS 'MODULE_PATHNAME', 'auc_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.auc_final(campaign.score_distribution) IS
    'Final function of campaign.auc: the AUC of a score distribution';

CREATE FUNCTION campaign.calibration_final(campaign.score_distribution)
RETURNS jsonb
    AS 'MODULE_PATHNAME', 'calibration_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.calibration_final(campaign.score_distribution) IS
    'Final function of campaign.calibration: the calibration table of a score distribution with bins';

CREATE FUNCTION campaign.lift_final(campaign.score_distribution)
RETURNS jsonb
    AS 'MODULE_PATHNAME', 'lift_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.lift_final(campaign.score_distribution) IS
    'Final function of campaign.lift: the lift table of a score distribution with bins';

CREATE AGGREGATE campaign.auc(p float8, y boolean) (
    SFUNC = campaign.score_dist_accum, STYPE = campaign.score_distribution,
    FINALFUNC = campaign.auc_final, COMBINEFUNC = campaign.score_dist_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.auc(float8, boolean) IS
    'Exact ROC AUC of scores p against outcomes y (ties count one half); NULL with one class only';

CREATE AGGREGATE campaign.calibration(p float8, y boolean, bins integer) (
    SFUNC = campaign.score_dist_accum, STYPE = campaign.score_distribution,
    FINALFUNC = campaign.calibration_final, COMBINEFUNC = campaign.score_dist_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.calibration(float8, boolean, integer) IS
    'Calibration table as a jsonb array: per equal-width score bin, mean predicted and observed rate';

CREATE AGGREGATE campaign.lift(p float8, y boolean, bins integer) (
    SFUNC = campaign.score_dist_accum, STYPE = campaign.score_distribution,
    FINALFUNC = campaign.lift_final, COMBINEFUNC = campaign.score_dist_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.lift(float8, boolean, integer) IS
    'Lift table as a jsonb array: equal-count bins from the highest scores, rate, lift and gain';

-- The state itself, to keep, ship or combine by hand (score_dist_combine, then a final function).
CREATE AGGREGATE campaign.score_distribution(p float8, y boolean) (
    SFUNC = campaign.score_dist_accum, STYPE = campaign.score_distribution,
    COMBINEFUNC = campaign.score_dist_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.score_distribution(float8, boolean) IS
    'The state of campaign.auc over the rows: finish it with campaign.auc_final';

CREATE AGGREGATE campaign.score_distribution(p float8, y boolean, bins integer) (
    SFUNC = campaign.score_dist_accum, STYPE = campaign.score_distribution,
    COMBINEFUNC = campaign.score_dist_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.score_distribution(float8, boolean, integer) IS
    'The state of campaign.calibration and campaign.lift over the rows: finish it with calibration_final or lift_final';

-- logloss and brier are means of a per-row term: PostgreSQL's float8 accumulator state,
-- merged by float8_combine and finished by float8_avg.
CREATE FUNCTION campaign.logloss_accum(float8[], float8, boolean)
RETURNS float8[]
    AS 'MODULE_PATHNAME', 'logloss_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.logloss_accum(float8[], float8, boolean) IS
    'Transition function of campaign.logloss: adds the row''s log loss';

CREATE FUNCTION campaign.brier_accum(float8[], float8, boolean)
RETURNS float8[]
    AS 'MODULE_PATHNAME', 'brier_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.brier_accum(float8[], float8, boolean) IS
    'Transition function of campaign.brier: adds the row''s squared error';

CREATE AGGREGATE campaign.logloss(p float8, y boolean) (
    SFUNC = campaign.logloss_accum, STYPE = float8[], INITCOND = '{0,0,0}',
    FINALFUNC = pg_catalog.float8_avg, COMBINEFUNC = pg_catalog.float8_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.logloss(float8, boolean) IS
    'Mean log loss of scores p against outcomes y (p clipped to [1e-15, 1 - 1e-15])';

CREATE AGGREGATE campaign.brier(p float8, y boolean) (
    SFUNC = campaign.brier_accum, STYPE = float8[], INITCOND = '{0,0,0}',
    FINALFUNC = pg_catalog.float8_avg, COMBINEFUNC = pg_catalog.float8_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.brier(float8, boolean) IS
    'Brier score: mean squared difference between scores p and outcomes y';

-- Unpack the jsonb tables into rows a chart reads.
CREATE FUNCTION campaign.calibration_rows(calibration jsonb)
RETURNS TABLE (bin integer, bin_lower float8, bin_upper float8, count bigint,
               mean_predicted float8, observed_rate float8)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.bin, t.bin_lower, t.bin_upper, t.count, t.mean_predicted, t.observed_rate
    FROM pg_catalog.jsonb_to_recordset(calibration) AS t(
        bin integer, bin_lower float8, bin_upper float8, count bigint,
        mean_predicted float8, observed_rate float8)
    ORDER BY t.bin
$$;
COMMENT ON FUNCTION campaign.calibration_rows(jsonb) IS
    'The rows of a campaign.calibration table: one per bin, for charts';

CREATE FUNCTION campaign.lift_rows(lift jsonb)
RETURNS TABLE (bin integer, min_score float8, max_score float8, count bigint,
               mean_predicted float8, observed_rate float8, lift float8,
               cumulative_count bigint, cumulative_rate float8, cumulative_lift float8,
               gain float8)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.bin, t.min_score, t.max_score, t.count, t.mean_predicted, t.observed_rate, t.lift,
           t.cumulative_count, t.cumulative_rate, t.cumulative_lift, t.gain
    FROM pg_catalog.jsonb_to_recordset(lift) AS t(
        bin integer, min_score float8, max_score float8, count bigint,
        mean_predicted float8, observed_rate float8, lift float8,
        cumulative_count bigint, cumulative_rate float8, cumulative_lift float8, gain float8)
    ORDER BY t.bin
$$;
COMMENT ON FUNCTION campaign.lift_rows(jsonb) IS
    'The rows of a campaign.lift table: one per bin from the highest scores, for charts';

CREATE VIEW campaign.model_metrics AS
SELECT m.id AS model_id,
       m.name,
       m.version,
       e.key AS metric,
       e.value::float8 AS value
FROM campaign.models m
CROSS JOIN LATERAL pg_catalog.jsonb_each(m.metrics) AS e(key, value)
WHERE pg_catalog.jsonb_typeof(e.value) = 'number';
COMMENT ON VIEW campaign.model_metrics IS
    'Model metrics for dashboards: one row per model version and numeric metric';
