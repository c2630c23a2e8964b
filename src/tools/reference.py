#!/usr/bin/python3
"""reference.py - write docs/reference.md from the catalog of a database with the extension:
every function, aggregate, window function, type, table, view and setting, with its signature
and its COMMENT.  `make test` regenerates it and fails when the committed page is stale, so the
reference always matches the install script.

usage: reference.py DATABASE [OUTPUT]   (PGHOST, PGPORT, PGUSER from the environment)
"""
import sys

import psycopg2

ROUTINES = """
SELECT CASE p.prokind WHEN 'a' THEN 'Aggregates'
                      WHEN 'w' THEN 'Window functions'
                      ELSE 'Functions' END,
       'campaign.' || p.proname || '(' || pg_get_function_arguments(p.oid) || ')',
       pg_get_function_result(p.oid),
       coalesce(obj_description(p.oid, 'pg_proc'), '')
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'campaign'
WHERE pg_get_function_result(p.oid) IS DISTINCT FROM 'trigger'
ORDER BY 1, p.proname, 2
"""

RELATIONS = """
SELECT CASE c.relkind WHEN 'v' THEN 'Views' WHEN 'm' THEN 'Views'
                      WHEN 'r' THEN 'Tables' ELSE NULL END,
       'campaign.' || c.relname,
       (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                          ORDER BY a.attnum)
        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
       coalesce(obj_description(c.oid, 'pg_class'), '')
FROM pg_class c
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'campaign'
WHERE c.relkind IN ('r', 'v', 'm')
ORDER BY 1, 2
"""

TYPES = """
SELECT 'Types', 'campaign.' || t.typname,
       CASE WHEN t.typtype = 'c' THEN
           (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                              ORDER BY a.attnum)
            FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0)
       ELSE t.typtype::text END,
       coalesce(obj_description(t.oid, 'pg_type'), '')
FROM pg_type t
JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'campaign'
ORDER BY 2
"""

SETTINGS = """
SELECT 'Settings', name, setting || coalesce(' ' || unit, ''),
       short_desc || coalesce(' ' || extra_desc, '')
FROM pg_settings WHERE name LIKE 'campaign.%' ORDER BY name
"""

HEADINGS = ["Functions", "Aggregates", "Window functions", "Types", "Tables", "Views",
            "Settings"]
COLUMN = {"Functions": "returns", "Aggregates": "returns", "Window functions": "returns",
          "Types": "fields", "Tables": "columns", "Views": "columns", "Settings": "default"}


def cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def main():
    conn = psycopg2.connect(dbname=sys.argv[1])
    cur = conn.cursor()
    cur.execute("LOAD 'campaign'")
    rows = []
    for query in (ROUTINES, RELATIONS, TYPES, SETTINGS):
        cur.execute(query)
        rows += [r for r in cur.fetchall() if r[0] is not None]
    lines = ["# Reference", "",
             "Every object the extension installs, generated from the catalog by",
             "`src/tools/reference.py` (`make test` fails when this page is stale).", ""]
    for heading in HEADINGS:
        items = [r for r in rows if r[0] == heading]
        if not items:
            continue
        lines += ["## " + heading, "",
                  "| name | {} | purpose |".format(COLUMN[heading]), "|---|---|---|"]
        lines += ["| `{}` | {} | {} |".format(cell(r[1]), cell(r[2] or ""), cell(r[3]))
                  for r in items]
        lines.append("")
    text = "\n".join(lines)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
