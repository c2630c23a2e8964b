-- security: the install script cannot be hijacked, nothing runs with raised privileges,
-- training sees only what the caller may see, and the model store GRANT patterns hold.
\set SHOW_CONTEXT never
\set VERBOSITY terse
\i sql/include/sqlstate_of.sql

-- The extension's functions, from the catalog, so functions added later are checked too.
CREATE TEMP VIEW sec_procs AS
SELECT p.oid::regprocedure AS fn, l.lanname, p.prosecdef, p.proconfig, p.pronamespace::regnamespace AS nsp
FROM pg_proc p
JOIN pg_language l ON l.oid = p.prolang
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension x ON x.oid = d.refobjid AND d.refclassid = 'pg_extension'::regclass AND x.extname = 'campaign';

-- Nothing is SECURITY DEFINER.
SELECT count(*) > 0 AS has_functions, count(*) FILTER (WHERE prosecdef) AS security_definer FROM sec_procs;
-- Every SQL and PL/pgSQL function pins search_path to pg_catalog, pg_temp (C functions are
-- exempt: their internal queries are fully qualified, see docs/architecture.md).
SELECT fn, proconfig FROM sec_procs
WHERE lanname NOT IN ('c', 'internal')
  AND NOT coalesce(proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
ORDER BY 1;
-- Every member object of the extension lives in the campaign schema.
SELECT pg_describe_object(d.classid, d.objid, 0) AS outside_campaign
FROM pg_depend d JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'campaign'
WHERE d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass
  AND (pg_identify_object(d.classid, d.objid, 0)).schema IS DISTINCT FROM 'campaign'
  AND d.classid <> 'pg_namespace'::regclass
ORDER BY 1;
-- Every member object has a comment.
SELECT pg_describe_object(d.classid, d.objid, 0) AS without_comment
FROM pg_depend d JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'campaign'
WHERE d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass
  AND d.classid IN ('pg_proc'::regclass, 'pg_class'::regclass, 'pg_type'::regclass, 'pg_operator'::regclass)
  AND obj_description(d.objid, (SELECT relname FROM pg_class WHERE oid = d.classid)) IS NULL
  AND NOT (d.classid = 'pg_class'::regclass AND (SELECT relkind FROM pg_class WHERE oid = d.objid) IN ('S', 'i'))
  AND NOT (d.classid = 'pg_type'::regclass AND (SELECT typrelid FROM pg_type WHERE oid = d.objid) <> 0)
ORDER BY 1;
-- The installed script has no CREATE OR REPLACE and no SECURITY DEFINER.
SELECT s ~* 'create\s+or\s+replace' AS or_replace, s ~* 'security\s+definer' AS definer,
       s ~* 'create\s+(function|table|view|sequence|type|operator|aggregate|schema)\s+(?!campaign\.)' AS unqualified_create
FROM (SELECT pg_read_file(format('%s/extension/campaign--%s.sql',
                (SELECT setting FROM pg_config WHERE name = 'SHAREDIR'),
                (SELECT extversion FROM pg_extension WHERE extname = 'campaign'))) AS s) f;

-- An unprivileged role that may create objects in public plants look-alikes of what the
-- install script and the functions use; if any ran with the installer's privileges it would
-- log itself and make its owner a superuser.
CREATE ROLE sec_attacker;
CREATE DATABASE sec_plant;
\c sec_plant
\set SHOW_CONTEXT never
\set VERBOSITY terse
\i sql/include/sqlstate_of.sql
CREATE EXTENSION postgis;
GRANT CREATE ON SCHEMA public TO sec_attacker;
SET ROLE sec_attacker;
CREATE TABLE public.attack_log (what text, who text);
GRANT INSERT, SELECT ON public.attack_log TO PUBLIC;
CREATE FUNCTION public.plant(what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.attack_log VALUES (what, current_user);
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE sec_attacker SUPERUSER';
    END IF;
END $$;
-- Better matches than pg_catalog's (exact types beat polymorphic or coerced arguments).
CREATE FUNCTION public.nextval(text) RETURNS bigint LANGUAGE plpgsql AS
    $$ BEGIN PERFORM public.plant('nextval'); RETURN 1; END $$;
CREATE FUNCTION public.cardinality(text[]) RETURNS int LANGUAGE plpgsql AS
    $$ BEGIN PERFORM public.plant('cardinality'); RETURN 1; END $$;
CREATE FUNCTION public.array_to_string(text[], text) RETURNS text LANGUAGE plpgsql AS
    $$ BEGIN PERFORM public.plant('array_to_string'); RETURN ''; END $$;
CREATE FUNCTION public.octet_length(varchar) RETURNS int LANGUAGE plpgsql AS
    $$ BEGIN PERFORM public.plant('octet_length'); RETURN 1; END $$;
CREATE FUNCTION public.pg_extension_config_dump(text, text) RETURNS void LANGUAGE plpgsql AS
    $$ BEGIN PERFORM public.plant('pg_extension_config_dump'); END $$;
-- Same signatures as pg_catalog's: they win for a caller whose search_path puts public first.
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS
    $$ BEGIN PERFORM public.plant('now'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION public.evil_texteq(text, text) RETURNS bool LANGUAGE plpgsql AS
    $$ BEGIN PERFORM public.plant('text ='); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.evil_texteq);
CREATE FUNCTION public.evil_int8eq(bigint, bigint) RETURNS bool LANGUAGE plpgsql AS
    $$ BEGIN PERFORM public.plant('bigint ='); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.evil_int8eq);
CREATE FUNCTION public.evil_int4eq(int, int) RETURNS bool LANGUAGE plpgsql AS
    $$ BEGIN PERFORM public.plant('int ='); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = int, RIGHTARG = int, FUNCTION = public.evil_int4eq);
CREATE FUNCTION public.evil_int4gt(int, int) RETURNS bool LANGUAGE plpgsql AS
    $$ BEGIN PERFORM public.plant('int >'); RETURN $1 OPERATOR(pg_catalog.>) $2; END $$;
CREATE OPERATOR public.> (LEFTARG = int, RIGHTARG = int, FUNCTION = public.evil_int4gt);
CREATE FUNCTION public.evil_arrow(jsonb, text) RETURNS text LANGUAGE plpgsql AS
    $$ BEGIN PERFORM public.plant('->>'); RETURN $1 OPERATOR(pg_catalog.->>) $2; END $$;
CREATE OPERATOR public.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = public.evil_arrow);
-- The attacker also owns a table the victim will train on, so the planted objects are visible.
CREATE TABLE public.sec_voters AS
SELECT i AS id, 18 + abs(hashint4(i)) % 70 AS age, (abs(hashint4(i + 5)) % 3 OPERATOR(pg_catalog.=) 0) AS voted,
       (abs(hashint4(i + 9)) % 2 OPERATOR(pg_catalog.=) 0) AS turnout
FROM generate_series(1, 400) i;
GRANT SELECT ON public.sec_voters TO PUBLIC;
RESET ROLE;
-- The victim installs and uses everything with public first in its search_path.
SET search_path = public, pg_catalog;
CREATE EXTENSION campaign;
SELECT campaign.train('sec_m', 'sec_voters', 'turnout', ARRAY['age', 'voted'], 'logistic') > 0 AS trained;
SELECT campaign.train('sec_m', 'sec_voters', 'turnout', NULL, 'logistic') > 0 AS trained_again;
SELECT campaign.deploy('sec_m', 1) > 0 AS deployed;
SELECT campaign.deploy('sec_m', NULL) > 0 AS undeployed;
SELECT campaign.import_model('sec_copy', campaign.export_model('sec_m', 1)) > 0 AS imported;
SELECT count(campaign.predict('sec_m', v)) AS scored, count(campaign.predict('sec_copy', ARRAY[40, 1]::float8[])) AS scored_array
FROM sec_voters v;
SELECT count(*) AS catalog_rows FROM campaign.model_catalog;
DELETE FROM campaign.models WHERE name OPERATOR(pg_catalog.=) 'sec_copy';
RESET search_path;
-- Nothing the attacker planted ran, and the attacker gained nothing.
SELECT count(*) AS planted_calls, string_agg(DISTINCT what, ', ') AS which FROM public.attack_log;
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'sec_attacker';
-- A schema named campaign that the attacker created beforehand is not silently adopted.
DROP EXTENSION campaign;
DROP SCHEMA campaign;
GRANT CREATE ON DATABASE sec_plant TO sec_attacker;
SET ROLE sec_attacker;
CREATE SCHEMA campaign;
RESET ROLE;
SELECT pg_temp.sqlstate_of('CREATE EXTENSION campaign') AS install_into_foreign_schema;
SELECT count(*) AS campaign_functions_in_attacker_schema FROM pg_proc WHERE pronamespace = 'campaign'::regnamespace;
\c contrib_regression
\set SHOW_CONTEXT never
\set VERBOSITY terse
DROP DATABASE sec_plant;

-- Training runs the source with the caller's privileges: row-level security applies.
\i sql/include/sqlstate_of.sql
CREATE TABLE sec_file AS
SELECT i AS id, 18 + abs(hashint4(i)) % 70 AS age, abs(hashint4(i + 9)) % 2 = 0 AS turnout,
       CASE WHEN i <= 600 THEN 'north' ELSE 'south' END AS region
FROM generate_series(1, 1000) i;
ALTER TABLE sec_file ENABLE ROW LEVEL SECURITY;
CREATE ROLE sec_north;
CREATE POLICY north_only ON sec_file FOR SELECT TO sec_north USING (region = 'north');
GRANT SELECT ON sec_file TO sec_north;
-- Model store roles, as documented in docs/security.md.
CREATE ROLE campaign_reader NOLOGIN;   -- sees the catalog, not the model bytes
GRANT USAGE ON SCHEMA campaign TO campaign_reader;
GRANT SELECT ON campaign.model_catalog TO campaign_reader;
CREATE ROLE campaign_scorer NOLOGIN;   -- scores with models: reads the model bytes
GRANT campaign_reader TO campaign_scorer;
GRANT SELECT ON campaign.models TO campaign_scorer;
CREATE ROLE campaign_trainer NOLOGIN;  -- adds model versions
GRANT campaign_scorer TO campaign_trainer;
GRANT INSERT ON campaign.models TO campaign_trainer;
GRANT USAGE ON SEQUENCE campaign.models_id_seq TO campaign_trainer;
CREATE ROLE campaign_deployer NOLOGIN; -- chooses the version predict uses
GRANT campaign_scorer TO campaign_deployer;
GRANT UPDATE (deployed) ON campaign.models TO campaign_deployer;
GRANT campaign_trainer TO sec_north;
-- (the trainer's model, for the plain INSERTs below)
CREATE TEMP VIEW sec_plain_row AS
SELECT algorithm, label, features, feature_types, params, metrics, model FROM campaign.models
WHERE name = 'sec_rls';
GRANT SELECT ON sec_plain_row TO PUBLIC;

SET ROLE sec_north;
SELECT count(*) AS visible_rows FROM sec_file;
SELECT campaign.train('sec_rls', 'sec_file', 'turnout', ARRAY['age'], 'logistic',
                      '{"holdout": 0.2}') > 0 AS trained;
SELECT (metrics ->> 'rows_train')::int + (metrics ->> 'rows_holdout')::int AS rows_used
FROM campaign.models WHERE name = 'sec_rls';
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('sec_rls2', 'SELECT age, turnout FROM sec_file WHERE region = ''south''', 'turnout', NULL, 'logistic')$$);
-- A trainer may not deploy.
SELECT pg_temp.sqlstate_of($$SELECT campaign.deploy('sec_rls', 1)$$);
-- A trainer's plain INSERT (its grant allows one) keeps the rules of the store: it cannot
-- deploy (42501), take a version that is not the next one (23514: 2147483647 used to make
-- every later training of the name fail with "integer out of range"), or choose the id (428C9);
-- bytes are checked like an import's (XX001).
SELECT pg_temp.sqlstate_of($$INSERT INTO campaign.models (name, version, algorithm, features, feature_types, model, deployed)
    SELECT 'sec_plain', 1, algorithm, features, feature_types, model, true FROM sec_plain_row$$) AS deployed;
SELECT pg_temp.sqlstate_of($$INSERT INTO campaign.models (name, version, algorithm, features, feature_types, model)
    SELECT 'sec_plain', 2147483647, algorithm, features, feature_types, model FROM sec_plain_row$$) AS last_version;
SELECT pg_temp.sqlstate_of($$INSERT INTO campaign.models (name, version, algorithm, features, feature_types, model)
    SELECT 'sec_plain', 2, algorithm, features, feature_types, model FROM sec_plain_row$$) AS skipped_version;
SELECT pg_temp.sqlstate_of($$INSERT INTO campaign.models (id, name, version, algorithm, features, feature_types, model)
    SELECT 1000000, 'sec_plain', 1, algorithm, features, feature_types, model FROM sec_plain_row$$) AS chosen_id;
SELECT pg_temp.sqlstate_of($$INSERT INTO campaign.models (name, version, algorithm, features, feature_types, model)
    SELECT 'sec_plain', 1, algorithm, features, feature_types, substr(model, 1, 20) FROM sec_plain_row$$) AS bad_bytes;
-- The next version is stored, its metadata columns taken from the bytes and created_by,
-- created_at from the session, whatever the INSERT says.
INSERT INTO campaign.models (name, version, algorithm, label, features, feature_types, params, metrics, model,
                             created_by, created_at)
SELECT 'sec_plain', 1, 'gbt', 'forged', ARRAY['x'], ARRAY['boolean'], '{"forged": 1}', '{"auc": 0.99}', model,
       'postgres', '2000-01-01' FROM sec_plain_row;
SELECT p.version, p.algorithm = r.algorithm AND p.label = r.label AND p.features = r.features
       AND p.feature_types = r.feature_types AND p.params = r.params AND p.metrics = r.metrics AS matches_bytes,
       p.created_by, p.created_at > '2000-01-02' AS created_now, p.deployed
FROM campaign.models p, sec_plain_row r WHERE p.name = 'sec_plain';
-- Training and importing number on from it.
SELECT campaign.train('sec_plain', 'sec_file', 'turnout', ARRAY['age'], 'logistic') > 0 AS trained;
SELECT campaign.import_model('sec_plain', campaign.export_model('sec_rls')) > 0 AS imported;
SELECT string_agg(version::text, ',' ORDER BY version) AS versions, bool_and(created_by = 'sec_north') AS all_by_north
FROM campaign.models WHERE name = 'sec_plain';
RESET ROLE;
-- A role that may deploy (UPDATE on the deployed column, what campaign.deploy needs) may also
-- insert a deployed version.
CREATE ROLE sec_lead;
GRANT campaign_trainer, campaign_deployer TO sec_lead;
SET ROLE sec_lead;
INSERT INTO campaign.models (name, version, algorithm, features, feature_types, model, deployed)
SELECT 'sec_plain', 4, algorithm, features, feature_types, model, true FROM sec_plain_row;
SELECT version, created_by FROM campaign.models WHERE name = 'sec_plain' AND deployed;
RESET ROLE;
-- A role granted more than the documented patterns (UPDATE of every column) still cannot make
-- a row disagree with its bytes, rewrite who made it, or leave no version number.
CREATE ROLE sec_editor;
GRANT campaign_trainer TO sec_editor;
GRANT UPDATE ON campaign.models TO sec_editor;
SET ROLE sec_editor;
UPDATE campaign.models SET metrics = '{"auc": 1}', created_by = 'sec_editor' WHERE name = 'sec_plain' AND version = 1;
SELECT metrics = (SELECT metrics FROM sec_plain_row) AS metrics_kept, created_by
FROM campaign.models WHERE name = 'sec_plain' AND version = 1;
SELECT pg_temp.sqlstate_of($$UPDATE campaign.models SET version = 2147483647 WHERE name = 'sec_plain' AND version = 1$$) AS last_version;
RESET ROLE;
-- A role without SELECT on the voter table cannot train on it, and the error shows no data.
CREATE ROLE sec_outsider;
GRANT campaign_trainer TO sec_outsider;
SET ROLE sec_outsider;
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('sec_x', 'sec_file', 'turnout', ARRAY['age'], 'logistic')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('sec_x', 'SELECT age, region AS turnout FROM sec_file', 'turnout', NULL, 'logistic')$$);
RESET ROLE;
-- Readers see the catalog but not the bytes, and cannot score or export.
SET ROLE campaign_reader;
SELECT name, version, rows_train + rows_holdout AS rows_used FROM campaign.model_catalog WHERE name = 'sec_rls';
SELECT pg_temp.sqlstate_of($$SELECT model FROM campaign.models$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.export_model('sec_rls')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.predict('sec_rls', ARRAY[40]::float8[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.train('sec_x', 'sec_file', 'turnout', ARRAY['age'], 'logistic')$$);
RESET ROLE;
-- Scorers score and export, but cannot train, import, deploy or delete.
SET ROLE campaign_scorer;
SELECT campaign.predict('sec_rls', ARRAY[40]::float8[]) BETWEEN 0 AND 1 AS scored;
SELECT octet_length(campaign.export_model('sec_rls')) > 0 AS exported;
SELECT pg_temp.sqlstate_of($$SELECT campaign.import_model('sec_y', campaign.export_model('sec_rls'))$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.deploy('sec_rls', 1)$$);
SELECT pg_temp.sqlstate_of($$DELETE FROM campaign.models WHERE name = 'sec_rls'$$);
RESET ROLE;
-- Deployers deploy, and cannot change anything but the deployed flag.
SET ROLE campaign_deployer;
SELECT campaign.deploy('sec_rls', 1) > 0 AS deployed;
SELECT pg_temp.sqlstate_of($$UPDATE campaign.models SET model = '\x00' WHERE name = 'sec_rls'$$);
RESET ROLE;
SELECT deployed FROM campaign.models WHERE name = 'sec_rls';
-- The settings that protect the server are a superuser's: a role can neither raise nor
-- change them (memory of a training set, training threads, memory of one call's matrices,
-- doors of a walk list); the route effort, which only costs time, stays each session's.
SET ROLE campaign_trainer;
SELECT pg_temp.sqlstate_of($$SET campaign.train_memory_limit = '64GB'$$);
SELECT pg_temp.sqlstate_of($$SET campaign.max_train_threads = 64$$);
SELECT pg_temp.sqlstate_of($$SET campaign.call_memory_limit = '64GB'$$);
SELECT pg_temp.sqlstate_of($$SET campaign.max_route_points = 10000000$$);
SELECT pg_temp.sqlstate_of($$SET campaign.walk_effort = 10$$);
RESET ROLE;
RESET campaign.walk_effort;
SELECT name, context FROM pg_settings WHERE name LIKE 'campaign.%' ORDER BY name;
DELETE FROM campaign.models WHERE name LIKE 'sec\_%';
DROP OWNED BY sec_north, sec_outsider, sec_lead, sec_editor, campaign_reader, campaign_scorer, campaign_trainer, campaign_deployer, sec_attacker;
DROP ROLE sec_north, sec_outsider, sec_lead, sec_editor, campaign_reader, campaign_scorer, campaign_trainer, campaign_deployer, sec_attacker;
