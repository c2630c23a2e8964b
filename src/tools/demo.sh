#!/usr/bin/env bash
# demo.sh - `make demo`: the same set-up as the tests, then the demo script, then clean-up.
# The map files land in ./demo-output (gitignored); the cluster is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh

started=$(date +%s)
ensure_packages "$BASE_PACKAGES"
build_and_install
start_cluster
as_owner "$PG_BIN/createdb" demo
outdir="$PWD/demo-output"
mkdir -p "$outdir"
# psql runs as the caller (trust authentication over the cluster's socket), so the map files
# belong to whoever ran `make demo`.
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -v outdir="$outdir" -d demo -f "$PWD/src/tools/demo.sql"
echo
echo "Map of the walking routes:  $outdir/routes.svg      (open it in any web browser)"
echo "Same routes and doors:      $outdir/routes.geojson  (QGIS, geojson.io, Metabase, Superset)"
echo "Demo finished in $(( $(date +%s) - started )) s."
