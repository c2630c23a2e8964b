-- predict.sql: scoring rows with a stored model (src/pg/predict.c, docs/models.md)

-- STABLE: the model comes from the model store, read in the query's snapshot.
CREATE FUNCTION campaign.predict(model text, features record)
RETURNS float8
    AS 'MODULE_PATHNAME', 'predict_by_name' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.predict(text, record) IS
    'Score a row: the model''s features are taken from the record''s columns of the same name';

CREATE FUNCTION campaign.predict(model bigint, features record)
RETURNS float8
    AS 'MODULE_PATHNAME', 'predict_by_id' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.predict(bigint, record) IS
    'Score a row with the model of this id';

CREATE FUNCTION campaign.predict(model text, features float8[])
RETURNS float8
    AS 'MODULE_PATHNAME', 'predict_array_by_name' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.predict(text, float8[]) IS
    'Score feature values given in the model''s feature order (NULL = missing)';

CREATE FUNCTION campaign.predict(model bigint, features float8[])
RETURNS float8
    AS 'MODULE_PATHNAME', 'predict_array_by_id' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.predict(bigint, float8[]) IS
    'Score feature values in the model''s feature order with the model of this id';

-- The carried forms: the model's bytes (as campaign.models stores them) come with the call, so
-- the result depends on the arguments only (IMMUTABLE).  The coordinator of a Citus cluster
-- rewrites predict('name' or id, ...) into them, so the shards need no model store
-- (src/pg/scale_out.c, docs/scale-out.md).  model names the model in error messages.
CREATE FUNCTION campaign.predict(model text, model_bytes bytea, features record)
RETURNS float8
    AS 'MODULE_PATHNAME', 'predict_carried' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.predict(text, bytea, record) IS
    'Score a row with the model whose bytes are given (what a Citus coordinator sends its shards)';

CREATE FUNCTION campaign.predict(model text, model_bytes bytea, features float8[])
RETURNS float8
    AS 'MODULE_PATHNAME', 'predict_array_carried' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.predict(text, bytea, float8[]) IS
    'Score feature values in model order with the model whose bytes are given';
