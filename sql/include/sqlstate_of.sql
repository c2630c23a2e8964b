-- sqlstate_of(query): 'ok', or the SQLSTATE and message the query raised (the tests' way to
-- record an expected error without stopping the script).  Included by the tests with \i.
CREATE FUNCTION pg_temp.sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
