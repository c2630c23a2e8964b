-- garden: call every function, aggregate and window function of the extension, found in the
-- catalog, with NULLs, empties, NaN/Infinity, extreme integers, huge strings and odd
-- geometries.  Every call must end in a result or a clean error with a SQLSTATE.  Each call
-- runs in its own subtransaction that is rolled back, so calls do not see each other's
-- writes.  The output is summaries only, so it stays the same when functions are added.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET statement_timeout = '300s';
-- Let aggregates run as parallel plans so combine/serialize/deserialize functions are called.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT pg_postmaster_start_time() AS garden_postmaster_start \gset

-- Fixtures a realistic call can use: a small voter table and a trained model.
CREATE TABLE garden_voters AS
SELECT i AS id, 18 + abs(hashint4(i)) % 70 AS age, abs(hashint4(i + 7)) % 3 = 0 AS voted_2020,
       ST_SetSRID(ST_MakePoint(-122 + i / 1000.0, 37 + (i % 17) / 1000.0), 4326) AS geom
FROM generate_series(1, 300) i;
ALTER TABLE garden_voters ADD COLUMN turnout boolean;
UPDATE garden_voters SET turnout = (age + id) % 3 = 0;
SELECT campaign.train('g_model', 'garden_voters', 'turnout', ARRAY['age', 'voted_2020'], 'logistic') > 0 AS fixture;
CREATE TABLE garden_rows AS SELECT g FROM generate_series(1, 5000) g;
ANALYZE garden_rows;

-- Sample expressions for an argument type; the first one is the baseline (a sensible value),
-- unless garden_named gives a better baseline for the argument's name.
CREATE FUNCTION pg_temp.garden_samples(t regtype) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    elem oid := (SELECT typelem FROM pg_type WHERE oid = t AND typcategory = 'A');
    e text[];
BEGIN
    IF coalesce(elem, 0) <> 0 THEN
        SELECT array_agg(format('(%s)::%s', x, format_type(elem, NULL))) INTO e
          FROM unnest(pg_temp.garden_samples(elem)) x;
        RETURN ARRAY[format('ARRAY[%s, %s]', e[1], e[1]), '''{}''', format('ARRAY[NULL, %s]', e[1]),
                     format('ARRAY[%s]', array_to_string(e[2:], ', ')),
                     format('array_fill(%s, ARRAY[2, 2])', e[1]),
                     format('array_fill(%s, ARRAY[100000])', e[1]), format('array_fill(%s, ARRAY[0])', e[1]),
                     format('ARRAY[%s]', e[1])];
    END IF;
    RETURN CASE t
    WHEN 'text'::regtype THEN ARRAY['''g_model''', '''''', ''' ''', 'repeat(''x'', 1000000)',
        '''SELECT 1''', '''a"b;--''', '''garden_voters''', '''Ω''']
    WHEN 'name'::regtype THEN ARRAY['''g_model''', '''''', 'repeat(''x'', 63)']
    WHEN 'varchar'::regtype THEN ARRAY['''g_model''', '''''', 'repeat(''x'', 1000000)']
    WHEN 'bool'::regtype THEN ARRAY['true', 'false']
    WHEN 'int2'::regtype THEN ARRAY['1', '0', '-1', '32767', '-32768']
    WHEN 'int4'::regtype THEN ARRAY['1', '0', '-1', '2', '2147483647', '-2147483648']
    WHEN 'int8'::regtype THEN ARRAY['1', '0', '-1', '9223372036854775807', '-9223372036854775808']
    WHEN 'float4'::regtype THEN ARRAY['0.5', '0', '-1', '''NaN''', '''Infinity''', '''-Infinity''', '3.4e38']
    WHEN 'float8'::regtype THEN ARRAY['0.5', '0', '-0.0', '-1', '''NaN''', '''Infinity''', '''-Infinity''',
        '1e308', '-1e308', '5e-324']
    WHEN 'numeric'::regtype THEN ARRAY['0.5', '0', '-1', '''NaN''', '''Infinity''', '''-Infinity''', '1e1000']
    WHEN 'bytea'::regtype THEN ARRAY['campaign.export_model(''g_model'')', '''''', '''\x00''',
        'substr(campaign.export_model(''g_model''), 1, 20)', 'decode(repeat(''ff'', 100000), ''hex'')',
        'campaign.export_model(''g_model'') || ''\x00''::bytea']
    WHEN 'jsonb'::regtype THEN ARRAY['''{}''', '''[]''', '''null''', '''"x"''', '''{"seed": 1e308}''',
        '''{"holdout": "NaN"}''', '''{"": null}''', 'repeat(''['', 1000)::text || repeat('']'', 1000)']
    WHEN 'json'::regtype THEN ARRAY['''{}''', '''[]''', '''null''', '''{"a": -1e400}''']
    WHEN 'record'::regtype THEN ARRAY['(SELECT v FROM garden_voters v ORDER BY id LIMIT 1)', 'ROW()',
        'ROW(NULL)', 'ROW(1, ''x'')', '(SELECT r FROM (SELECT ''NaN''::float8 AS age, NULL::bool AS voted_2020) r)',
        '(SELECT r FROM (SELECT ''x''::text AS age, 1e308::float8 AS voted_2020) r)']
    WHEN 'regclass'::regtype THEN ARRAY['''garden_voters''', '''pg_class''', '''campaign.models''']
    WHEN 'timestamptz'::regtype THEN ARRAY['''2024-11-05''', '''infinity''', '''-infinity''', '''epoch''']
    WHEN 'timestamp'::regtype THEN ARRAY['''2024-11-05''', '''infinity''', '''-infinity''']
    WHEN 'date'::regtype THEN ARRAY['''2024-11-05''', '''infinity''', '''-infinity''']
    WHEN 'interval'::regtype THEN ARRAY['''1 hour''', '''0''', '''-1 day''', '''178000000 years''']
    ELSE CASE WHEN format_type(t, NULL) IN ('geometry', 'geography') THEN
        ARRAY['''SRID=4326;POINT(-122 37)''', '''POINT EMPTY''', '''GEOMETRYCOLLECTION EMPTY''',
              '''SRID=4326;POLYGON EMPTY''', '''SRID=4326;LINESTRING(-122 37, -122 37)''',
              '''SRID=4326;POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))''', '''SRID=4326;MULTIPOINT(0 0, 0 0)''',
              '''SRID=4326;POLYGON((-122 37, -121 37, -121 38, -122 38, -122 37))''',
              '''SRID=4326;GEOMETRYCOLLECTION(POINT(0 0), LINESTRING EMPTY)''',
              '''POINT(1e300 -1e300)''']
    ELSE ARRAY['NULL'] END
    END;
END $$;

-- Better baselines where the argument name says what is expected.
CREATE TABLE pg_temp.garden_named (argname text, argtype regtype, expr text);
INSERT INTO pg_temp.garden_named VALUES
    ('model', 'text', '''g_model'''),
    ('model', 'int8', '(SELECT min(id) FROM campaign.models WHERE name = ''g_model'')'),
    ('source', 'text', '''garden_voters'''),
    ('label', 'text', '''turnout'''),
    ('features', 'text[]', 'ARRAY[''age'', ''voted_2020'']'),
    ('features', 'float8[]', 'ARRAY[40, 1]'),
    ('algorithm', 'text', '''logistic'''),
    ('version', 'int4', '1'),
    ('bytes', 'bytea', 'campaign.export_model(''g_model'')');

-- The extension's callable objects.  Functions taking or returning internal (aggregate
-- support, planner hooks) and trigger functions are not SQL-callable; they are reached
-- through their aggregate, or counted as exempt.
CREATE TEMP VIEW garden_objects AS
SELECT p.oid::regprocedure AS fn, p.prokind, p.proretset, p.provariadic <> 0 AS variadic,
       format('%I.%I', n.nspname, p.proname) AS qname, a.aggkind, coalesce(a.aggnumdirectargs, 0) AS ndirect,
       p.pronargs, p.pronargdefaults,
       p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype, 'internal'::regtype)
           OR 'internal'::regtype = ANY (p.proargtypes::oid[]) AS exempt
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension x ON x.oid = d.refobjid AND d.refclassid = 'pg_extension'::regclass AND x.extname = 'campaign'
LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid;

-- The input arguments of a function with their sample expressions, polymorphic types
-- resolved to float8.
CREATE FUNCTION pg_temp.garden_args(f regprocedure)
RETURNS TABLE (pos int, argtype text, samples text[]) LANGUAGE sql AS $$
    WITH args AS (
        SELECT t.pos::int, t.typ::regtype AS typ,
               (SELECT nm FROM unnest(p.proargnames, p.proargmodes) WITH ORDINALITY u(nm, mode, o)
                 WHERE coalesce(mode, 'i') IN ('i', 'b', 'v') ORDER BY o OFFSET t.pos - 1 LIMIT 1) AS argname
        FROM pg_proc p, unnest(p.proargtypes::oid[]) WITH ORDINALITY t(typ, pos)
        WHERE p.oid = f),
    resolved AS (
        SELECT pos, argname,
               CASE WHEN typ IN ('anyelement'::regtype, 'anynonarray'::regtype, 'anycompatible'::regtype,
                                 'anycompatiblenonarray'::regtype) THEN 'float8'::regtype
                    WHEN typ IN ('anyarray'::regtype, 'anycompatiblearray'::regtype) THEN 'float8[]'::regtype
                    WHEN typ = '"any"'::regtype THEN 'text'::regtype
                    ELSE typ END AS typ
        FROM args)
    SELECT pos, format_type(typ, NULL),
           coalesce((SELECT array_agg(expr) FROM pg_temp.garden_named g
                      WHERE g.argname = r.argname AND g.argtype = r.typ), '{}')
           || pg_temp.garden_samples(typ) || ARRAY['NULL']
    FROM resolved r ORDER BY pos
$$;

CREATE TEMP TABLE garden_calls (fn regprocedure, sql text, sqlstate text, message text);

-- Run one statement in a subtransaction that is always rolled back; record how it ended.
CREATE FUNCTION pg_temp.garden_run(f regprocedure, q text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
BEGIN
    BEGIN
        EXECUTE q;
        RAISE EXCEPTION 'garden rollback' USING ERRCODE = 'ZG000';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    END;
    INSERT INTO garden_calls VALUES (f, left(q, 300), CASE st WHEN 'ZG000' THEN 'ok' ELSE st END, left(msg, 200));
END $$;

-- The statements for one argument list: a plain call, or for aggregates zero-row, one-row,
-- three-row (values alternating with the baseline), one-row groups, a moving window and a
-- parallel plan; window functions over zero, one and several rows.
CREATE FUNCTION pg_temp.garden_statements(o garden_objects, vals text[], base text[], parallel bool)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    plain text := array_to_string(vals, ', ');
    mixed text;
    direct text;
    rest text;
BEGIN
    IF o.variadic AND o.pronargs > 0 THEN
        plain := array_to_string(vals[1:o.pronargs - 1] || ('VARIADIC ' || vals[o.pronargs]), ', ');
    END IF;
    IF o.prokind = 'p' THEN
        RETURN NEXT format('CALL %s(%s)', o.qname, plain);
        RETURN;
    ELSIF o.prokind = 'f' THEN
        RETURN NEXT format('SELECT %s(%s)', o.qname, plain);
        RETURN;
    END IF;
    SELECT string_agg(CASE WHEN v = b THEN v ELSE format('CASE WHEN g %% 2 = 0 THEN %s ELSE %s END', b, v) END, ', ')
      INTO mixed FROM unnest(vals, base) u(v, b);
    IF o.prokind = 'w' THEN
        FOREACH rest IN ARRAY ARRAY['0', '1', '4'] LOOP
            RETURN NEXT format('SELECT %s(%s) OVER (ORDER BY g) FROM generate_series(1, %s) g', o.qname, mixed, rest);
        END LOOP;
        RETURN;
    END IF;
    IF o.aggkind IN ('o', 'h') THEN
        direct := array_to_string(vals[1:o.ndirect], ', ');
        rest := array_to_string(vals[o.ndirect + 1:], ', ');
        RETURN NEXT format('SELECT %s(%s) WITHIN GROUP (ORDER BY %s) FROM generate_series(1, 3) g', o.qname, direct, rest);
        RETURN NEXT format('SELECT %s(%s) WITHIN GROUP (ORDER BY %s) FROM generate_series(1, 0) g', o.qname, direct, rest);
        RETURN;
    END IF;
    RETURN NEXT format('SELECT %s(%s) FROM generate_series(1, 0) g', o.qname, mixed);
    RETURN NEXT format('SELECT %s(%s) FROM generate_series(1, 1) g', o.qname, mixed);
    RETURN NEXT format('SELECT %s(%s) FROM generate_series(1, 3) g', o.qname, mixed);
    RETURN NEXT format('SELECT %s(%s) FROM generate_series(1, 3) g GROUP BY g', o.qname, mixed);
    RETURN NEXT format('SELECT %s(%s) OVER (ORDER BY g ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM generate_series(1, 5) g',
                       o.qname, mixed);
    IF parallel THEN
        RETURN NEXT format('SELECT %s(%s) FROM garden_rows', o.qname, mixed);
    END IF;
END $$;

-- Calls per function: all baselines, all NULLs, only the required arguments, then each
-- argument in turn through all its samples with the others at their baseline.
DO $$
DECLARE
    o garden_objects;
    samples text[];
    base text[];
    vals text[];
    n int;
    q text;
    s text;
BEGIN
    FOR o IN SELECT * FROM garden_objects WHERE NOT exempt ORDER BY fn::text LOOP
        n := o.pronargs;
        SELECT array_agg(format('(%s)::%s', a.samples[1], a.argtype) ORDER BY a.pos)
          INTO base FROM pg_temp.garden_args(o.fn) a;
        base := coalesce(base, '{}');
        FOR q IN SELECT pg_temp.garden_statements(o, base, base, true) LOOP
            PERFORM pg_temp.garden_run(o.fn, q);
        END LOOP;
        IF n > 0 THEN
            SELECT array_agg(format('NULL::%s', a.argtype) ORDER BY a.pos) INTO vals FROM pg_temp.garden_args(o.fn) a;
            FOR q IN SELECT pg_temp.garden_statements(o, vals, base, true) LOOP
                PERFORM pg_temp.garden_run(o.fn, q);
            END LOOP;
        END IF;
        IF o.prokind = 'f' AND o.pronargdefaults > 0 AND NOT o.variadic THEN
            PERFORM pg_temp.garden_run(o.fn, format('SELECT %s(%s)', o.qname,
                                       array_to_string(base[1:n - o.pronargdefaults], ', ')));
        END IF;
        FOR i IN 1 .. n LOOP
            SELECT a.samples INTO samples FROM pg_temp.garden_args(o.fn) a WHERE a.pos = i;
            FOREACH s IN ARRAY samples[2:] LOOP
                vals := base;
                vals[i] := format('(%s)::%s', s, (SELECT a.argtype FROM pg_temp.garden_args(o.fn) a WHERE a.pos = i));
                FOR q IN SELECT pg_temp.garden_statements(o, vals, base, false) LOOP
                    PERFORM pg_temp.garden_run(o.fn, q);
                END LOOP;
            END LOOP;
        END LOOP;
    END LOOP;
END $$;

-- Summaries.  Every callable object was called many times (a function without arguments has
-- one call to make), and something got past the parser.
SELECT count(*) > 0 AS objects_found,
       count(*) FILTER (WHERE NOT exempt AND NOT EXISTS (SELECT 1 FROM garden_calls c WHERE c.fn = o.fn)) AS never_called,
       bool_and(exempt OR (SELECT count(*) FROM garden_calls c WHERE c.fn = o.fn)
                          >= CASE WHEN o.pronargs = 0 THEN 1 ELSE 3 END) AS each_called_3_times
FROM garden_objects o;
SELECT count(*) > 100 AS many_calls, count(*) FILTER (WHERE sqlstate = 'ok') > 0 AS some_succeeded,
       count(*) FILTER (WHERE sqlstate <> 'ok') > 0 AS some_refused
FROM garden_calls;
-- Objects the generator could not call at all (every call failed to resolve): must be empty,
-- otherwise garden_samples needs a sample for a new argument type.
SELECT fn FROM garden_calls GROUP BY fn
HAVING bool_and(sqlstate IN ('42883', '42725', '42P18', '42804', '42846', '42601')) ORDER BY 1;
-- Unclean endings: internal errors (XX000, elog), plpgsql RAISE without a SQLSTATE (P0001),
-- assertion failures (P0004) and system errors (58xxx).  Must be empty.
SELECT fn, sqlstate, message, sql FROM garden_calls
WHERE sqlstate IN ('XX000', 'XX002', 'P0001', 'P0004') OR sqlstate LIKE '58%'
ORDER BY 1, 2, 4;
-- The server did not restart and the fixture model is untouched (every call was rolled back).
SELECT pg_postmaster_start_time() = :'garden_postmaster_start'::timestamptz AS same_postmaster,
       (SELECT count(*) FROM campaign.models WHERE name = 'g_model') AS g_model_versions;
