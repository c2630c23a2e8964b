-- campaign install script, assembled at build time from the SQL fragments in src/pg/
-- (one per capability, named like its glue file).  Do not edit the assembled file.
\echo Use "CREATE EXTENSION campaign" to load this file. \quit

COMMENT ON SCHEMA campaign IS 'campaign: in-database campaign modeling';
