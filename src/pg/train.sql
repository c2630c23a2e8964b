-- train.sql: training models from a table or query (src/pg/train.c, docs/models.md)

-- Not pinned to a search_path on purpose: the source names a table or query of the caller,
-- resolved in the caller's search_path with the caller's privileges.  Every query the
-- function itself runs is schema-qualified, operators included.
CREATE FUNCTION campaign.train(
    model text,
    source text,
    label text,
    features text[] DEFAULT NULL,
    algorithm text DEFAULT 'gbt',
    params jsonb DEFAULT '{}')
RETURNS bigint
    AS 'MODULE_PATHNAME', 'train' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION campaign.train(text, text, text, text[], text, jsonb) IS
    'Train a model on a table, view or SELECT query and store it as a new version; returns its id';

-- A key of a whole row (src/pg/train_order.c): campaign.train draws params' "sample" with it,
-- in its source query, so on Citus the shards draw it.
CREATE FUNCTION campaign.train_key(seed bigint, "row" record)
RETURNS float8
    AS 'MODULE_PATHNAME', 'train_key' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.train_key(bigint, record) IS
    'A key of a row in [0, 1), a hash of the seed and all the row''s values: train with {"sample": s} keeps the rows whose key is below s';

CREATE VIEW campaign.feature_importance AS
SELECT m.name AS model,
       m.version,
       f.feature,
       f.gain,
       f.cover,
       f.splits
FROM campaign.models m,
     pg_catalog.jsonb_to_recordset(m.metrics -> 'feature_importance')
         AS f(feature text, gain float8, cover float8, splits bigint)
WHERE m.algorithm OPERATOR(pg_catalog.=) 'gbt';
COMMENT ON VIEW campaign.feature_importance IS
    'Per-feature importance of gradient-boosted models: total split gain, hessian cover and split count';
