-- model.sql: the model store (src/pg/model.c, docs/models.md)

CREATE SEQUENCE campaign.models_id_seq;

CREATE TABLE campaign.models (
    id            bigint PRIMARY KEY DEFAULT pg_catalog.nextval('campaign.models_id_seq'),
    name          text NOT NULL CHECK (pg_catalog.octet_length(name) BETWEEN 1 AND 63),
    version       integer NOT NULL CHECK (version > 0),
    algorithm     text NOT NULL,
    label         text,
    features      text[] NOT NULL,
    feature_types text[] NOT NULL,
    params        jsonb NOT NULL DEFAULT '{}',
    metrics       jsonb NOT NULL DEFAULT '{}',
    model         bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by    name NOT NULL DEFAULT CURRENT_USER,
    deployed      boolean NOT NULL DEFAULT false,
    CONSTRAINT models_name_version_key UNIQUE (name, version)
);
ALTER SEQUENCE campaign.models_id_seq OWNED BY campaign.models.id;
CREATE UNIQUE INDEX models_one_deployed ON campaign.models (name) WHERE deployed;
COMMENT ON TABLE campaign.models IS
    'The model store: one row per trained or imported model version';

-- pg_dump keeps user models (the table is created by the extension, its rows are data)
SELECT pg_catalog.pg_extension_config_dump('campaign.models', '');
SELECT pg_catalog.pg_extension_config_dump('campaign.models_id_seq', '');

CREATE FUNCTION campaign.models_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'models_changed' LANGUAGE C;
COMMENT ON FUNCTION campaign.models_changed() IS
    'Trigger: tells cached models in every session that the model store changed';
CREATE TRIGGER models_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaign.models
    FOR EACH STATEMENT EXECUTE FUNCTION campaign.models_changed();

-- Whoever inserts or updates a row, it agrees with its bytes and the store's rules (see
-- models_check in model.c and docs/security.md); rows written by a superuser, pg_restore's
-- included, are taken as they are.
CREATE FUNCTION campaign.models_check() RETURNS trigger
    AS 'MODULE_PATHNAME', 'models_check' LANGUAGE C;
COMMENT ON FUNCTION campaign.models_check() IS
    'Trigger: a stored model row agrees with its bytes, is the next version, and is deployed only by a role that may deploy';
CREATE TRIGGER models_check
    BEFORE INSERT OR UPDATE ON campaign.models
    FOR EACH ROW EXECUTE FUNCTION campaign.models_check();

CREATE VIEW campaign.model_catalog AS
SELECT m.id,
       m.name,
       m.version,
       m.algorithm,
       m.label,
       pg_catalog.cardinality(m.features) AS n_features,
       pg_catalog.array_to_string(m.features, ', ') AS features,
       -- a metric its column cannot hold (from a superuser or an older release) is NULL, so
       -- one odd row never makes the catalog fail for everyone (silent jsonpath: no error)
       pg_catalog.jsonb_path_query_first(m.metrics, 'strict $.auc ? (@.type() == "number").double()', '{}', true)::float8 AS auc,
       pg_catalog.jsonb_path_query_first(m.metrics, 'strict $.logloss ? (@.type() == "number").double()', '{}', true)::float8 AS logloss,
       pg_catalog.jsonb_path_query_first(m.metrics, 'strict $.brier ? (@.type() == "number").double()', '{}', true)::float8 AS brier,
       pg_catalog.jsonb_path_query_first(m.metrics, 'strict $.base_rate ? (@.type() == "number").double()', '{}', true)::float8 AS base_rate,
       pg_catalog.jsonb_path_query_first(m.metrics, 'strict $.rows_train ? (@.type() == "number" && @ >= -9e18 && @ <= 9e18)', '{}', true)::bigint AS rows_train,
       pg_catalog.jsonb_path_query_first(m.metrics, 'strict $.rows_holdout ? (@.type() == "number" && @ >= -9e18 && @ <= 9e18)', '{}', true)::bigint AS rows_holdout,
       pg_catalog.jsonb_path_query_first(m.metrics, 'strict $.training_seconds ? (@.type() == "number").double()', '{}', true)::float8 AS training_seconds,
       m.params::text AS params,
       m.created_at,
       m.created_by::text AS created_by,
       m.deployed,
       m.id = pg_catalog.first_value(m.id) OVER (
           PARTITION BY m.name ORDER BY m.deployed DESC, m.version DESC) AS active,
       pg_catalog.octet_length(m.model) AS size_bytes
FROM campaign.models m;
COMMENT ON VIEW campaign.model_catalog IS
    'Models for dashboards: one row per version, metrics as columns, active = the one predict uses';

CREATE FUNCTION campaign.export_model(model text, version integer DEFAULT NULL)
RETURNS bytea
    AS 'MODULE_PATHNAME', 'export_model' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.export_model(text, integer) IS
    'The bytes of a model (the active version unless one is given), for campaign.import_model';

CREATE FUNCTION campaign.import_model(model text, bytes bytea)
RETURNS bigint
    AS 'MODULE_PATHNAME', 'import_model' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION campaign.import_model(text, bytea) IS
    'Validate exported model bytes and store them as the next version of a model; returns its id';

CREATE FUNCTION campaign.deploy(model text, version integer)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    chosen bigint;
BEGIN
    IF model IS NULL THEN
        RAISE EXCEPTION 'model name must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- lock the versions of this name so concurrent deploys take turns
    PERFORM 1 FROM campaign.models m WHERE m.name = deploy.model FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" does not exist', model USING ERRCODE = 'undefined_object';
    END IF;
    IF version IS NOT NULL THEN
        SELECT m.id INTO chosen FROM campaign.models m
         WHERE m.name = deploy.model AND m.version = deploy.version;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'model "%" has no version %', model, version
                USING ERRCODE = 'undefined_object';
        END IF;
    END IF;
    UPDATE campaign.models m SET deployed = false
     WHERE m.name = deploy.model AND m.deployed AND m.id IS DISTINCT FROM chosen;
    IF chosen IS NULL THEN
        -- back to the default: predict uses the newest version
        SELECT m.id INTO chosen FROM campaign.models m
         WHERE m.name = deploy.model ORDER BY m.version DESC LIMIT 1;
    ELSE
        UPDATE campaign.models m SET deployed = true WHERE m.id = chosen AND NOT m.deployed;
    END IF;
    RETURN chosen;
END
$$;
COMMENT ON FUNCTION campaign.deploy(text, integer) IS
    'Pin the version of a model that predict uses (NULL: back to the newest); returns its id';
