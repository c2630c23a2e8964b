#!/usr/bin/env bash
# demo.sh - `make demo`: the same set-up as the tests, then the demo script, then clean-up.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh

ensure_packages "$BASE_PACKAGES"
build_and_install
start_cluster
as_owner "$PG_BIN/createdb" demo
as_owner "$PG_BIN/createdb" demo_copy
as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d demo -f src/tools/demo.sql
