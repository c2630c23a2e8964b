-- evaluate.sql: evaluation aggregates and the model_metrics view (src/pg/evaluate.c, docs/evaluate.md)

-- auc, calibration and lift share one state: the exact distribution of the scores seen
-- (one group per distinct score with its positive and negative counts).
CREATE FUNCTION campaign.score_dist_accum(internal, float8, boolean)
RETURNS internal
    AS 'MODULE_PATHNAME', 'score_dist_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score_dist_accum(internal, float8, boolean) IS
    'Transition function of campaign.auc: counts a score and its outcome';

CREATE FUNCTION campaign.score_dist_accum(internal, float8, boolean, integer)
RETURNS internal
    AS 'MODULE_PATHNAME', 'score_dist_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score_dist_accum(internal, float8, boolean, integer) IS
    'Transition function of campaign.calibration and campaign.lift: counts a score and its outcome';

CREATE FUNCTION campaign.score_dist_combine(internal, internal)
RETURNS internal
    AS 'MODULE_PATHNAME', 'score_dist_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score_dist_combine(internal, internal) IS
    'Combine function of the score-distribution aggregates (parallel plans)';

CREATE FUNCTION campaign.score_dist_serialize(internal)
RETURNS bytea
    AS 'MODULE_PATHNAME', 'score_dist_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score_dist_serialize(internal) IS
    'Serialization function of the score-distribution aggregates';

CREATE FUNCTION campaign.score_dist_deserialize(bytea, internal)
RETURNS internal
    AS 'MODULE_PATHNAME', 'score_dist_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score_dist_deserialize(bytea, internal) IS
    'Deserialization function of the score-distribution aggregates (validates every byte)';

CREATE FUNCTION campaign.auc_final(internal)
RETURNS float8
    AS 'MODULE_PATHNAME', 'auc_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.auc_final(internal) IS 'Final function of campaign.auc';

CREATE FUNCTION campaign.calibration_final(internal)
RETURNS jsonb
    AS 'MODULE_PATHNAME', 'calibration_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.calibration_final(internal) IS 'Final function of campaign.calibration';

CREATE FUNCTION campaign.lift_final(internal)
RETURNS jsonb
    AS 'MODULE_PATHNAME', 'lift_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.lift_final(internal) IS 'Final function of campaign.lift';

CREATE AGGREGATE campaign.auc(p float8, y boolean) (
    SFUNC = campaign.score_dist_accum, STYPE = internal,
    FINALFUNC = campaign.auc_final,
    COMBINEFUNC = campaign.score_dist_combine,
    SERIALFUNC = campaign.score_dist_serialize, DESERIALFUNC = campaign.score_dist_deserialize,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.auc(float8, boolean) IS
    'Exact ROC AUC of scores p against outcomes y (ties count one half); NULL with one class only';

CREATE AGGREGATE campaign.calibration(p float8, y boolean, bins integer) (
    SFUNC = campaign.score_dist_accum, STYPE = internal,
    FINALFUNC = campaign.calibration_final,
    COMBINEFUNC = campaign.score_dist_combine,
    SERIALFUNC = campaign.score_dist_serialize, DESERIALFUNC = campaign.score_dist_deserialize,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.calibration(float8, boolean, integer) IS
    'Calibration table as a jsonb array: per equal-width score bin, mean predicted and observed rate';

CREATE AGGREGATE campaign.lift(p float8, y boolean, bins integer) (
    SFUNC = campaign.score_dist_accum, STYPE = internal,
    FINALFUNC = campaign.lift_final,
    COMBINEFUNC = campaign.score_dist_combine,
    SERIALFUNC = campaign.score_dist_serialize, DESERIALFUNC = campaign.score_dist_deserialize,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.lift(float8, boolean, integer) IS
    'Lift table as a jsonb array: equal-count bins from the highest scores, rate, lift and gain';

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
