-- explain.sql: per-feature contributions to a prediction (src/pg/explain.c, docs/explain.md)

-- STABLE: the model comes from the model store, read in the query's snapshot.
CREATE FUNCTION campaign.explain(model text, features record)
RETURNS TABLE (feature text, contribution float8)
    AS 'MODULE_PATHNAME', 'explain_by_name' LANGUAGE C STABLE PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION campaign.explain(text, record) IS
    'Contribution of each feature to the row''s log-odds, plus a (base) row; they add up to the raw output';

CREATE FUNCTION campaign.explain_top(model text, features record, k integer)
RETURNS jsonb
    AS 'MODULE_PATHNAME', 'explain_top_by_name' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.explain_top(text, record, integer) IS
    'The k features with the largest absolute contributions to the row''s log-odds, as jsonb for dashboards';

-- The carried forms, as for campaign.predict(text, bytea, record) (docs/scale-out.md).
CREATE FUNCTION campaign.explain(model text, model_bytes bytea, features record)
RETURNS TABLE (feature text, contribution float8)
    AS 'MODULE_PATHNAME', 'explain_carried' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION campaign.explain(text, bytea, record) IS
    'Contributions of each feature with the model whose bytes are given (what a Citus coordinator sends its shards)';

CREATE FUNCTION campaign.explain_top(model text, model_bytes bytea, features record, k integer)
RETURNS jsonb
    AS 'MODULE_PATHNAME', 'explain_top_carried' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.explain_top(text, bytea, record, integer) IS
    'The k largest contributions with the model whose bytes are given (what a Citus coordinator sends its shards)';
