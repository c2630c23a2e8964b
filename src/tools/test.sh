#!/usr/bin/env bash
# test.sh - `make test`: dependencies, build, unit tests (plain, ASan+UBSan, and TSan for the
# threaded code), then against a
# throwaway cluster that is removed afterwards: the pg_regress and isolation suites, the
# data-safety checks, training progress on a second cluster with campaign preloaded, the Citus
# suite on a coordinator and two workers (when Citus is installed), copies of
# the checkout run from an unreadable parent, a missing locale and another user, the
# dashboard reflection test and the SQL examples of the docs.  Ends with one
# "tests: N passed, N failed" line.
# For quicker iterations while developing: TEST_STEPS picks steps (default all of: unit sanitize
# threads fuzz layers regress isolation datasafety progress citus checkouts dashboards docs
# reference), and
# `make test REGRESS="walk"` runs only the named pg_regress tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh

ensure_packages "$BASE_PACKAGES $TEST_PACKAGES"
# the step log and the fresh reference page live in one directory, removed however this ends
make_temp work -d
log=$work/step.log
passed=0

# Count what a step reports as passed: cmocka's "[  PASSED  ] N test(s)." lines, pg_regress's
# "All N tests passed.", and our own "name: N passed, 0 failed".
count_passed() {
  local n
  n=$(sed -n -e 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' \
             -e 's/^ *All \([0-9]*\) tests passed\. *$/\1/p' \
             -e 's/^[a-z ]*: \([0-9]*\) passed, 0 failed$/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
  passed=$((passed + ${n:-0}))
}

TEST_STEPS=${TEST_STEPS:-unit sanitize threads fuzz layers regress isolation datasafety progress citus checkouts dashboards docs reference}
wanted() { [[ " $TEST_STEPS " == *" $1 "* ]]; }

# Run one step (named by its TEST_STEPS word) with its output shown and logged; stop at the
# first failure.
step() {
  local name=$1 title=$2
  shift 2
  wanted "$name" || return 0
  echo "== $title"
  if ! "$@" 2>&1 | tee "$log"; then
    [ -f regression.diffs ] && head -200 regression.diffs
    echo "tests: $passed passed, 1 failed ($title)"
    exit 1
  fi
  count_passed
}

step unit "unit tests" make -s unit
step sanitize "unit tests under AddressSanitizer and UndefinedBehaviorSanitizer" make -s unit SANITIZE=1
step threads "unit tests of the threaded code under ThreadSanitizer" make -s unit-threads
step fuzz "fuzz corpus replay under AddressSanitizer and UndefinedBehaviorSanitizer" make -s fuzz-replay
echo "== build and install"
build_and_install
step layers "layers: core without PostgreSQL, no call circle between files" /usr/bin/python3 src/tools/layers.py
start_cluster
step regress "regression tests (PostgreSQL $PG_MAJOR on port $PGPORT)" make -s PG_CONFIG="$PG_CONFIG" installcheck
step isolation "isolation tests: concurrent training, deploys during scoring" make -s PG_CONFIG="$PG_CONFIG" isolationcheck
step datasafety "data safety: dump/restore, terminated and canceled training, concurrent versions" bash src/tools/datasafety.sh
# its own cluster, with campaign in shared_preload_libraries (the main one stays without)
step progress "training progress watched from another session (campaign preloaded)" bash src/tools/progress.sh
# three clusters of its own: a Citus coordinator and two workers (skipped without Citus)
step citus "Citus: every capability on a distributed table, compared with one node" bash src/tools/citus.sh
step checkouts "checkouts anywhere: an unreadable parent, a missing locale, a failed start, another user" \
  bash src/tools/checkouts.sh
as_owner "$PG_BIN/createdb" fixtures
as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d fixtures <src/tools/fixtures.sql >/dev/null
step dashboards "dashboard views reflected through SQLAlchemy" /usr/bin/python3 src/tools/dashboards.py fixtures
step docs "SQL examples of the docs" /usr/bin/python3 src/tools/doc_examples.py fixtures
# The reference page must match the catalog; REFERENCE_UPDATE=1 make test rewrites it.
check_reference() {
  local fresh=$work/reference.md
  /usr/bin/python3 src/tools/reference.py fixtures "$fresh"
  if [ "${REFERENCE_UPDATE:-}" = 1 ]; then cp "$fresh" docs/reference.md; fi
  if diff -u docs/reference.md "$fresh"; then
    echo "reference: 1 passed, 0 failed"
  else
    echo "docs/reference.md is stale: run REFERENCE_UPDATE=1 make test and commit it"
    return 1
  fi
}
step reference "docs/reference.md matches the catalog" check_reference
echo "tests: $passed passed, 0 failed"
