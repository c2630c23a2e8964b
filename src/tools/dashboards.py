#!/usr/bin/python3
"""dashboards.py - reflect every view of schema campaign the way Superset does (SQLAlchemy) and
run a typical GROUP BY over each, as a BI tool would.

Run by `make test` against the throwaway cluster (PGHOST, PGPORT, PGUSER in the environment),
in a database that already has the extension and some trained models.  A view fails if a
column reflects as an unknown type, as bytea, an array or a composite, or if the GROUP BY fails.
"""
import os
import sys

from sqlalchemy import create_engine, inspect, text, types

PLAIN = (types.String, types.Integer, types.Numeric, types.Float, types.Boolean,
         types.DateTime, types.Date, types.JSON)


def engine_for(database):
    url = "postgresql+psycopg2:///{}?host={}&port={}&user={}".format(
        database, os.environ["PGHOST"], os.environ["PGPORT"], os.environ["PGUSER"])
    return create_engine(url)


def check_view(conn, inspector, view):
    """Return a list of problems with one view (empty when a dashboard can use it)."""
    problems = []
    columns = inspector.get_columns(view, schema="campaign")
    for column in columns:
        if not isinstance(column["type"], PLAIN):
            problems.append("column {} has type {}".format(column["name"], column["type"]))
    dimension = next((c["name"] for c in columns
                      if isinstance(c["type"], (types.String, types.Integer, types.Boolean))), None)
    if dimension is None:
        problems.append("no column to group by")
        return problems
    query = 'SELECT "{0}", count(*) FROM campaign."{1}" GROUP BY "{0}" ORDER BY 2 DESC LIMIT 10'
    try:
        conn.execute(text(query.format(dimension, view))).fetchall()
    except Exception as error:  # the driver's error is the finding
        problems.append("GROUP BY {} failed: {}".format(dimension, error))
    return problems


def main():
    database = sys.argv[1] if len(sys.argv) > 1 else "dashboards"
    engine = engine_for(database)
    inspector = inspect(engine)
    views = sorted(inspector.get_view_names(schema="campaign"))
    passed = failed = 0
    with engine.connect() as conn:
        for view in views:
            problems = check_view(conn, inspector, view)
            status = "ok" if not problems else "FAILED: " + "; ".join(problems)
            print("  campaign.{:<28} {}".format(view, status))
            passed += not problems
            failed += bool(problems)
    if not views:
        print("  no views found in schema campaign")
        failed += 1
    print("dashboards: {} passed, {} failed".format(passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
