-- model: the model store, its catalog view, export/import, deploy, and forged model bytes.
\set SHOW_CONTEXT never
\i sql/include/sqlstate_of.sql

CREATE TABLE model_voters AS
SELECT i AS id, 18 + abs(hashint4(i)) % 70 AS age,
       abs(hashint4(i + 100000)) % 3 = 0 AS voted_2020
FROM generate_series(1, 1500) i;
ALTER TABLE model_voters ADD COLUMN turnout boolean;
UPDATE model_voters SET turnout = abs(hashint4(id + 300000)) / 2147483648.0
    < 1 / (1 + exp(-(-3 + 0.05 * age + 1.5 * voted_2020::int)));
SELECT campaign.train('m_store', 'model_voters', 'turnout', NULL, 'logistic') > 0 AS v1;
SELECT campaign.train('m_store', 'model_voters', 'turnout', ARRAY['age'], 'logistic') > 0 AS v2;

-- pg_dump keeps the models: the table and its sequence are extension configuration.
SELECT c::regclass AS dumped FROM pg_extension e, unnest(e.extconfig) c
WHERE e.extname = 'campaign' ORDER BY 1;

-- The catalog: plain columns for dashboards, active marks the version predict uses.
SELECT name, version, algorithm, label, n_features, features, auc > 0.6 AS auc_ok,
       rows_train + rows_holdout AS rows_used, deployed, active, size_bytes > 0 AS has_bytes
FROM campaign.model_catalog WHERE name = 'm_store' ORDER BY version;
SELECT campaign.deploy('m_store', 1) > 0 AS deployed;
SELECT version, deployed, active FROM campaign.model_catalog WHERE name = 'm_store' ORDER BY version;
SELECT count(*) FILTER (WHERE data_type = 'bytea') AS bytea_columns
FROM information_schema.columns WHERE table_schema = 'campaign' AND table_name = 'model_catalog';
-- Deploy errors.
SELECT pg_temp.sqlstate_of($$SELECT campaign.deploy('m_store', 9)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.deploy('no_model', 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.deploy(NULL, 1)$$);
-- Only one deployed version per name, whatever is written directly.
SELECT pg_temp.sqlstate_of($$UPDATE campaign.models SET deployed = true WHERE name = 'm_store'$$);

-- Export and import: the imported copy predicts exactly like the original.
SELECT campaign.import_model('m_copy', campaign.export_model('m_store')) > 0 AS imported;
SELECT m.algorithm, m.label, m.features, m.params = o.params AS same_params,
       m.metrics = o.metrics AS same_metrics, m.model = o.model AS same_bytes
FROM campaign.models m, campaign.models o
WHERE m.name = 'm_copy' AND o.name = 'm_store' AND o.version = 1;
SELECT bool_and(campaign.predict('m_copy', v) = campaign.predict('m_store', v)) AS same_scores
FROM model_voters v;
SELECT octet_length(campaign.export_model('m_store', 2)) < octet_length(campaign.export_model('m_store', 1)) AS v2_smaller;
SELECT pg_temp.sqlstate_of($$SELECT campaign.export_model('m_store', 7)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.export_model('no_model')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.export_model(NULL)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.import_model(NULL, campaign.export_model('m_store'))$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.import_model('', campaign.export_model('m_store'))$$);

-- Forged bytes are refused with data_corrupted (XX001), never a crash.
SELECT pg_temp.sqlstate_of($$SELECT campaign.import_model('bad', ''::bytea)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.import_model('bad', '\x00010203'::bytea)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.import_model('bad', 'XXXX' || substr(campaign.export_model('m_store'), 5))$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.import_model('bad', substr(campaign.export_model('m_store'), 1, 40))$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.import_model('bad', campaign.export_model('m_store') || '\x00'::bytea)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.import_model('bad', set_byte(campaign.export_model('m_store'), 4, 99))$$);
-- Every truncation and 400 single-byte mutations: each is imported or refused as corrupt.
SELECT count(*) > 300 AS many_truncations, count(*) = count(*) FILTER (WHERE r LIKE 'XX001:%') AS all_refused
FROM (SELECT pg_temp.sqlstate_of(format('SELECT campaign.import_model(%L, substr(%L::bytea, 1, %s))',
             'bad', campaign.export_model('m_store', 2), n)) AS r
      FROM generate_series(0, octet_length(campaign.export_model('m_store', 2)) - 1) n) s;
-- (a mutated name or label byte can also make invalid UTF-8: refused as 22021, see below)
SELECT count(*) AS mutations,
       count(*) FILTER (WHERE r = 'ok' OR r LIKE 'XX001:%' OR r LIKE '22021:%') AS imported_or_refused,
       count(*) FILTER (WHERE r LIKE 'XX001:%') > 100 AS mostly_refused
FROM (SELECT pg_temp.sqlstate_of(format('SELECT campaign.import_model(%L, set_byte(%L::bytea, %s, %s))',
             'bad', b, n % octet_length(b), (n * 37 + 1) % 256)) AS r
      FROM (SELECT campaign.export_model('m_store', 2) AS b) m, generate_series(1, 400) n) s;
DELETE FROM campaign.models WHERE name = 'bad';
-- A stored row whose bytes were damaged in place is reported, not trusted.
UPDATE campaign.models SET model = substr(model, 1, 30) WHERE name = 'm_copy';
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('m_copy', ARRAY[40, 1]::float8[])$$);

-- The bytes of a model with its metadata replaced: helpers to forge metadata and text.  In a
-- model of one feature named "age" the metadata length is the u32 at byte 20 (0-based).
CREATE FUNCTION pg_temp.le32(n int) RETURNS bytea LANGUAGE sql AS $$
SELECT set_byte(set_byte(set_byte(set_byte('\x00000000'::bytea, 0, n % 256), 1, (n / 256) % 256),
                2, (n / 65536) % 256), 3, n / 16777216) $$;
CREATE FUNCTION pg_temp.with_metadata(b bytea, meta bytea) RETURNS bytea LANGUAGE sql AS $$
SELECT substr(b, 1, 20) || pg_temp.le32(length(meta)) || meta
       || substr(b, 25 + get_byte(b, 20) + 256 * get_byte(b, 21) + 65536 * get_byte(b, 22)) $$;
CREATE FUNCTION pg_temp.import_with_metadata(name text, meta bytea) RETURNS text LANGUAGE sql AS $$
SELECT pg_temp.sqlstate_of(format('SELECT campaign.import_model(%L, %L)', name,
       pg_temp.with_metadata(campaign.export_model('m_store', 2), meta))) $$;
SELECT pg_temp.import_with_metadata('m_meta', convert_to('{"label": "turnout", "params": {}, "metrics": {}}', 'UTF8'));
SELECT m.label, m.params, m.metrics,
       campaign.predict('m_meta', ARRAY[40]::float8[]) = campaign.predict(o.id, ARRAY[40]::float8[]) AS same_score
FROM campaign.models m, campaign.models o WHERE m.name = 'm_meta' AND o.name = 'm_store' AND o.version = 2;

-- Every text in the bytes is valid in the database encoding (22021): invalid UTF-8 in a row of
-- campaign.models would make pg_dump's COPY of the whole table fail at restore.  Feature
-- names, the label, other metadata and category values, on import...
SELECT pg_temp.sqlstate_of($$SELECT campaign.import_model('m_text', set_byte(campaign.export_model('m_store', 2), 16, 255))$$) AS feature_name;
SELECT pg_temp.import_with_metadata('m_text', convert_to('{"label": "', 'UTF8') || '\xc3'::bytea
       || convert_to('", "params": {}, "metrics": {}}', 'UTF8')) AS label;
SELECT pg_temp.import_with_metadata('m_text', convert_to('{"label": "turnout", "params": {"note": "', 'UTF8')
       || '\xeda080'::bytea || convert_to('"}, "metrics": {}}', 'UTF8')) AS surrogate_in_params;
CREATE TABLE model_cats AS
SELECT i AS id, (ARRAY['catq1', 'catq2', 'catq3'])[1 + i % 3] AS kind, i % 3 = 0 AS turnout
FROM generate_series(1, 300) i;
SELECT campaign.train('m_cats', 'model_cats', 'turnout', ARRAY['kind'], 'gbt', '{"trees": 2}') > 0 AS trained;
SELECT pg_temp.sqlstate_of(format('SELECT campaign.import_model(%L, %L)', 'm_text',
       set_byte(b, position('\x6361747132'::bytea IN b) - 1, 128))) AS category
FROM (SELECT campaign.export_model('m_cats') AS b) m;
SELECT count(*) AS stored FROM campaign.models WHERE name = 'm_text';
-- ... and whenever stored bytes (written around the checks, e.g. by a superuser) or carried
-- bytes are decoded.
INSERT INTO campaign.models (name, version, algorithm, features, feature_types, model)
SELECT 'm_text_row', 1, algorithm, features, feature_types, set_byte(model, 16, 255)
FROM campaign.models WHERE name = 'm_store' AND version = 2;
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('m_text_row', ARRAY[40]::float8[])$$) AS stored;
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('m_text_row', set_byte(campaign.export_model('m_store', 2), 16, 255), ARRAY[40]::float8[])$$) AS carried;
DELETE FROM campaign.models WHERE name IN ('m_text', 'm_text_row', 'm_cats');
DROP TABLE model_cats;

-- The catalog's metrics are numbers: an import whose metrics the catalog could not show is
-- refused (XX001); other metrics and null are kept.
SELECT pg_temp.import_with_metadata('m_metrics', convert_to('{"label": "turnout", "params": {}, "metrics": {"auc": "not a number"}}', 'UTF8')) AS auc_text;
SELECT pg_temp.import_with_metadata('m_metrics', convert_to('{"label": "turnout", "params": {}, "metrics": {"logloss": 1e400}}', 'UTF8')) AS logloss_huge;
SELECT pg_temp.import_with_metadata('m_metrics', convert_to('{"label": "turnout", "params": {}, "metrics": {"brier": 1e-400}}', 'UTF8')) AS brier_tiny;
SELECT pg_temp.import_with_metadata('m_metrics', convert_to('{"label": "turnout", "params": {}, "metrics": {"rows_train": 1.5}}', 'UTF8')) AS rows_fraction;
SELECT pg_temp.import_with_metadata('m_metrics', convert_to('{"label": "turnout", "params": {}, "metrics": {"rows_holdout": 1e19}}', 'UTF8')) AS rows_huge;
SELECT pg_temp.import_with_metadata('m_metrics', convert_to('{"label": "turnout", "params": {}, "metrics": {"training_seconds": [1]}}', 'UTF8')) AS seconds_array;
SELECT pg_temp.import_with_metadata('m_metrics', convert_to('{"label": "turnout", "params": {}, "metrics": {"auc": null, "rows_train": 1e3, "note": "any", "gain": {"age": 1}}}', 'UTF8')) AS odd_but_fine;
SELECT auc, rows_train FROM campaign.model_catalog WHERE name = 'm_metrics';
-- Rows written around the checks (a superuser, an older dump) do not break the catalog for
-- everyone: a value its column cannot hold shows as NULL.
INSERT INTO campaign.models (name, version, algorithm, features, feature_types, model, metrics)
SELECT 'm_odd', 1, algorithm, features, feature_types, model,
       '{"auc": "not a number", "logloss": 1e400, "brier": [1], "base_rate": 1e-400,
         "rows_train": 1e30, "rows_holdout": "12", "training_seconds": true}'
FROM campaign.models WHERE name = 'm_store' AND version = 2;
SELECT name, auc, logloss, brier, base_rate, rows_train, rows_holdout, training_seconds
FROM campaign.model_catalog WHERE name = 'm_odd';
SELECT count(*) AS versions, bool_and(auc > 0.6 AND rows_train > 1000 AND training_seconds >= 0) AS metrics_shown
FROM campaign.model_catalog WHERE name = 'm_store';
DELETE FROM campaign.models WHERE name IN ('m_meta', 'm_metrics', 'm_odd');

-- A fit that overflows double precision (features of 1e160) is refused before it is stored
-- (22003): it used to be stored, become the active version, and fail every load.
CREATE TABLE model_huge AS
SELECT i AS id, (i % 50) * 1e160::float8 AS wealth, i % 3 = 0 AS turnout FROM generate_series(1, 300) i;
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('m_huge', 'model_huge', 'turnout', ARRAY['wealth'], 'logistic')$$);
SELECT count(*) AS stored FROM campaign.models WHERE name = 'm_huge';
DROP TABLE model_huge;

-- A pooled backend that sees the extension dropped and created again follows the new
-- campaign.models: a call site's cached model is reloaded when a version is stored.
BEGIN;
SET LOCAL client_min_messages = warning;
DROP EXTENSION campaign CASCADE;
CREATE EXTENSION campaign;
SELECT campaign.train('m_again', 'model_voters', 'turnout', ARRAY['age'], 'logistic') > 0 AS trained;
DO $$
DECLARE
    scores float8[] := '{}';
BEGIN
    FOR i IN 1 .. 2 LOOP
        -- one call site, its cache kept across the loop
        scores := scores || campaign.predict('m_again', ARRAY[40]::float8[]);
        IF i = 1 THEN
            PERFORM campaign.train('m_again', 'model_voters', 'turnout', ARRAY['age'], 'logistic',
                                   '{"holdout": 0.5, "seed": 7}');
        END IF;
    END LOOP;
    RAISE WARNING 'second call scores with version 2: %',
        scores[2] = (SELECT campaign.predict(id, ARRAY[40]::float8[]) FROM campaign.models
                     WHERE name = 'm_again' AND version = 2)
        AND scores[1] <> scores[2];
END $$;
ROLLBACK;
SELECT count(*) AS m_store_versions FROM campaign.models WHERE name = 'm_store';
