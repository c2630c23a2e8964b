#!/usr/bin/env bash
# stress.sh - `make stress`: the long reliability tiers (docs/security.md).
#   fuzz      every libFuzzer target in src/fuzz/ for STRESS_FUZZ_SECONDS each (default 1800)
#   sqlsmith  STRESS_SMITH_QUERIES random queries (default 5000) as an unprivileged role
#   valgrind  the regression suite (STRESS_VALGRIND_TESTS, default all) on a cluster run under
#             valgrind memcheck; fails on invalid reads/writes in campaign code
#   cancel    the data-safety checks with a big table (STRESS_CANCEL_ROWS, default 10M rows),
#             then walk routing, turf cutting and the bandit decisions under statement_timeout
#             (src/tools/cancel.sh; STRESS_CANCEL_CHECKS=only skips the data-safety part)
# STRESS_TIERS picks tiers (default "fuzz sqlsmith valgrind cancel").
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh

STRESS_TIERS=${STRESS_TIERS:-fuzz sqlsmith valgrind cancel}
STRESS_FUZZ_SECONDS=${STRESS_FUZZ_SECONDS:-1800}
STRESS_SMITH_QUERIES=${STRESS_SMITH_QUERIES:-5000}
STRESS_VALGRIND_TESTS=${STRESS_VALGRIND_TESTS:-$(ls sql/*.sql | xargs -n1 basename | sed 's/\.sql$//' | tr '\n' ' ')}
STRESS_CANCEL_ROWS=${STRESS_CANCEL_ROWS:-10000000}
ensure_packages "$BASE_PACKAGES clang valgrind sqlsmith"
tier() { [[ " $STRESS_TIERS " == *" $1 "* ]]; }

run_fuzz() {
  make -s fuzz
  local t name dir=
  for t in src/fuzz/bin/fuzz_*; do
    name=$(basename "$t")
    make_temp dir -d
    cp src/fuzz/corpus/"$name"/* "$dir"/ 2>/dev/null || true
    echo "== fuzz $name for $STRESS_FUZZ_SECONDS s"
    "$t" -max_total_time="$STRESS_FUZZ_SECONDS" -max_len=65536 -print_final_stats=1 "$dir" >"$dir.log" 2>&1 \
      || { tail -60 "$dir.log"; echo "stress: $name found a crash (input saved in the current directory)"; exit 1; }
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|cov:" "$dir.log" | tail -3
    echo "stress: $name corpus grew to $(ls "$dir" | wc -l) inputs"
    rm -rf "$dir" "$dir.log"
  done
}

# A database with realistic tables, and a role that can do what a campaign analyst can.
smith_database() {
  createdb smith
  psql -X -q -v ON_ERROR_STOP=1 -d smith >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION campaign CASCADE;
CREATE TABLE voters AS
SELECT i AS id, 18 + abs(hashint4(i)) % 70 AS age, abs(hashint4(i + 1)) % 3 = 0 AS voted_2020,
       (abs(hashint4(i + 2)) % 5)::numeric AS contacts, 'p' || i % 3 AS party,
       ST_SetSRID(ST_MakePoint(-122 + (i % 100) / 1000.0, 37 + (i / 100) / 1000.0), 4326) AS geom,
       abs(hashint4(i + 3)) % 2 = 0 AS turnout
FROM generate_series(1, 5000) i;
CREATE TABLE precincts AS
SELECT p AS id, 'precinct ' || p AS name,
       ST_MakeEnvelope(-122 + p / 100.0, 37, -122 + (p + 1) / 100.0, 37.05, 4326) AS geom
FROM generate_series(0, 9) p;
SELECT campaign.train('smith_turnout', 'voters', 'turnout', ARRAY['age', 'voted_2020', 'contacts'], 'logistic');
CREATE ROLE smith_analyst LOGIN;
ALTER ROLE smith_analyst SET statement_timeout = '2s';
GRANT SELECT ON voters, precincts TO smith_analyst;
GRANT USAGE ON SCHEMA campaign TO smith_analyst;
GRANT SELECT, INSERT ON campaign.models TO smith_analyst;
GRANT SELECT ON campaign.model_catalog TO smith_analyst;
GRANT USAGE ON SEQUENCE campaign.models_id_seq TO smith_analyst;
SQL
}

run_sqlsmith() {
  build_and_install
  start_cluster
  smith_database
  local start log=
  start=$(psql -X -At -d smith -c "SELECT pg_postmaster_start_time()")
  make_temp log
  CLEANUP_PATHS+=("$log.err")
  echo "== sqlsmith: $STRESS_SMITH_QUERIES queries as smith_analyst"
  sqlsmith --target="host=$PGHOST port=$PGPORT dbname=smith user=smith_analyst" \
    --max-queries="$STRESS_SMITH_QUERIES" --seed=42 --verbose --dump-all-queries >"$log" 2>"$log.err" || true
  tail -3 "$log.err"
  echo "stress: campaign objects named in the generated queries:" \
    $(grep -o 'campaign\.[a-z_]*' "$log" | sort | uniq -c | sort -rn | awk '{ printf "%s %s; ", $2, $1 }')
  [ "$(psql -X -At -d smith -c "SELECT pg_postmaster_start_time()")" = "$start" ] \
    || { echo "stress: the server restarted during sqlsmith"; exit 1; }
  if grep -E "terminated by signal|was terminated by exception|PANIC" "$CLUSTER_DIR/server.log"; then
    echo "stress: a backend crashed during sqlsmith"; exit 1
  fi
  echo "stress: sqlsmith ran without a crash (server log $(grep -c ERROR "$CLUSTER_DIR/server.log") errors)"
  rm -f "$log" "$log.err"
  stop_cluster
}

# The cluster's postmaster runs under valgrind; every backend inherits it (--trace-children).
run_valgrind() {
  build_and_install
  start_cluster
  as_owner "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast stop >/dev/null
  local supp=() vgdir="$CLUSTER_DIR/valgrind"
  mkdir -p "$vgdir" && chmod 777 "$vgdir"
  for f in src/tools/valgrind.supp "$("$PG_CONFIG" --pkglibdir)/pgxs/src/tools/valgrind.supp"; do
    [ -f "$f" ] && supp+=("--suppressions=$(realpath "$f")")
  done
  echo "== valgrind memcheck: regression tests $STRESS_VALGRIND_TESTS"
  as_owner valgrind --quiet --trace-children=yes --track-origins=no --leak-check=no --read-var-info=no --fullpath-after= \
    --error-limit=no --num-callers=30 "${supp[@]}" --log-file="$vgdir/%p.log" \
    "$PG_BIN/postgres" -D "$CLUSTER_DIR/data" -p "$PGPORT" -k "$CLUSTER_DIR" -c listen_addresses='' \
    -c fsync=off -c max_parallel_workers_per_gather=0 -c autovacuum=off >"$CLUSTER_DIR/server.log" 2>&1 &
  local pm=$!
  for _ in $(seq 1 240); do
    pg_isready -q && break
    kill -0 $pm 2>/dev/null || { cat "$vgdir"/*.log "$CLUSTER_DIR/server.log"; echo "stress: the server did not start under valgrind"; exit 1; }
    sleep 1
  done
  make -s PG_CONFIG="$PG_CONFIG" installcheck REGRESS="$STRESS_VALGRIND_TESTS" || true
  local invalid ours
  invalid=$(cat "$vgdir"/*.log | grep -cE "Invalid (read|write)" || true)
  ours=$(awk '/^==[0-9]+== [A-Z]/ { err = $0 } /campaign\.so|src\/(core|pg)\// { if (err != "") { print err; err = "" } }' \
           "$vgdir"/*.log | grep -cE "Invalid (read|write)|uninitialised|Conditional jump" || true)
  echo "stress: valgrind logs: $(ls "$vgdir" | wc -l) processes, $invalid invalid reads/writes in all, $ours errors with campaign code on the stack"
  # where the others are, so a reader can judge them (PostgreSQL's own code, or a datum of ours
  # read later by PostgreSQL)
  if [ "$invalid" -gt 0 ]; then
    echo "stress: the invalid reads/writes outside campaign code, by their first frames:"
    awk '/Invalid (read|write)/ { n = 4; line = $0; sub(/^==[0-9]+== /, "", line); key = line; next }
         n > 0 { f = $0; sub(/^==[0-9]+== +/, "", f); sub(/0x[0-9A-F]+: /, "", f); key = key " | " f; n--;
                 if (n == 0) print key }' "$vgdir"/*.log | sort | uniq -c | sort -rn | head -10
  fi
  if [ "$ours" -gt 0 ]; then
    awk '/campaign\.so|src\/(core|pg)\//' "$vgdir"/*.log | head -40
    echo "stress: valgrind found errors in campaign code"; exit 1
  fi
  stop_cluster
}

run_cancel() {
  build_and_install
  start_cluster
  [ "${STRESS_CANCEL_CHECKS:-}" = only ] || BIG_ROWS=$STRESS_CANCEL_ROWS bash src/tools/datasafety.sh
  bash src/tools/cancel.sh
  stop_cluster
}

tier fuzz && run_fuzz
tier sqlsmith && run_sqlsmith
tier valgrind && run_valgrind
tier cancel && run_cancel
echo "stress: all tiers passed ($STRESS_TIERS)"
