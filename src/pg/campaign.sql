-- campaign install script, assembled at build time from the SQL fragments in src/pg/
-- (one per capability, named like its glue file).  Do not edit the assembled file.
\echo Use "CREATE EXTENSION campaign" to load this file. \quit

-- A schema named campaign that existed before CREATE EXTENSION is adopted by it, so a role
-- that created it could later replace the extension's objects: refuse one that the
-- installing role (or a superuser) does not own.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
               WHERE n.nspname OPERATOR(pg_catalog.=) 'campaign'
                 AND r.rolname OPERATOR(pg_catalog.<>) CURRENT_USER AND NOT r.rolsuper) THEN
        RAISE EXCEPTION 'schema "campaign" belongs to another role'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Drop the schema, or give it to the role that installs the extension, then retry.';
    END IF;
END
$$;

COMMENT ON SCHEMA campaign IS 'campaign: in-database campaign modeling';
