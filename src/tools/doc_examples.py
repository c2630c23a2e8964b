#!/usr/bin/python3
"""doc_examples.py - run every ```sql block of README.md and docs/*.md, so examples never rot.

Each page runs in its own database copied from the template database named on the command
line (built from src/tools/fixtures.sql), its blocks in order in one psql session, stopping at
the first error.  Signatures and other non-runnable listings are written as ```text blocks.
"""
import glob
import os
import re
import subprocess
import sys

FENCE = re.compile(r"^```(\w*)\s*$")


def sql_blocks(path):
    """Yield (line number, text) of each ```sql block of a markdown file."""
    block, start, language = None, 0, ""
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            match = FENCE.match(line.rstrip("\n"))
            if match and block is None:
                block, start, language = [], number, match.group(1)
            elif line.startswith("```") and block is not None:
                if language == "sql":
                    yield start, "".join(block)
                block = None
            elif block is not None:
                block.append(line)


def psql(database, sql):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database],
                          input=sql, capture_output=True, text=True)


def run_page(path, template):
    database = "doc_" + re.sub(r"\W", "_", os.path.basename(path).lower())
    psql("postgres", 'DROP DATABASE IF EXISTS "{0}"; CREATE DATABASE "{0}" TEMPLATE "{1}"'
         .format(database, template))
    passed = failed = 0
    for line, sql in sql_blocks(path):
        result = psql(database, "SET client_min_messages = warning;\n" + sql)
        if result.returncode == 0:
            passed += 1
        else:
            failed += 1
            print("  {}:{}: {}".format(path, line, result.stderr.strip().splitlines()[0]))
    psql("postgres", 'DROP DATABASE "{}"'.format(database))
    return passed, failed


def main():
    template = sys.argv[1]
    passed = failed = 0
    for path in ["README.md"] + sorted(glob.glob("docs/*.md")):
        p, f = run_page(path, template)
        passed, failed = passed + p, failed + f
    print("doc examples: {} passed, {} failed".format(passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
