#!/usr/bin/env bash
# citus.sh - `make test` step "citus": campaign on a Citus cluster, every capability compared
# with the same query on a local table (docs/scale-out.md).  Three throwaway clusters on
# loopback ports - a coordinator (citus,campaign preloaded) and two workers (citus only: no
# campaign step on a worker) - removed afterwards, pass or fail:
#   1. the pg_regress suite in sql/scale_out/ (expected/scale_out/), run on the coordinator;
#   2. a deploy committed on the coordinator while a slow scoring statement runs: the
#      statement scores with one model version on every shard.
# Without Citus installed (.ci/run builds it: src/tools/citus_install.sh) it prints one line
# saying it was skipped.  Expects the extension installed (test.sh holds the install lock).
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh

skip_without_citus
build_and_install
export PGOPTIONS="-c client_min_messages=warning"
passed=0
fail() { echo "citus: FAILED: $*" >&2; exit 1; }
ok() { echo "citus: $*"; passed=$((passed + 1)); }

start_citus_cluster
echo "citus: coordinator on port $PGPORT, workers on ${CITUS_WORKER_PORTS[*]}"

# 1. the regression suite
pg_regress=$(dirname "$("$PG_CONFIG" --pgxs)")/../test/regress/pg_regress
# pg_regress reads <inputdir>/sql and <inputdir>/expected; results go to results/scale_out
make_temp suite -d
ln -s "$PWD/sql/scale_out" "$suite/sql"
ln -s "$PWD/expected/scale_out" "$suite/expected"
rm -rf results/scale_out && mkdir -p results/scale_out
tests=$(sed -n 's/^test: //p' sql/scale_out/schedule)
if ! "$pg_regress" --use-existing --dbname=postgres --bindir="$PG_BIN" --inputdir="$suite" \
     --outputdir=results/scale_out $tests; then
  head -300 results/scale_out/regression.diffs
  fail "the sql/scale_out suite (results in results/scale_out)"
fi

# 2. A deploy during a slow statement: every row is scored by the version that was active
# when the statement started (the coordinator carried it), none by the one deployed meanwhile.
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d postgres -c "$1"; }
old=$(q "SELECT id FROM campaign.model_catalog WHERE name = 'turnout' AND active")
new=$(q "SELECT id FROM campaign.model_catalog WHERE name = 'turnout' AND NOT active ORDER BY version DESC LIMIT 1")
[ -n "$old" ] && [ -n "$new" ] || fail "the suite left no two versions of model turnout"
make_temp scoring
psql -X -q -At -d postgres -c "SELECT count(*) FILTER (WHERE campaign.predict('turnout', v)
      IS DISTINCT FROM campaign.predict($old::bigint, v)) || ' ' || count(*)
    FROM voters v WHERE voter_id <= 3200 AND pg_sleep(0.02) IS NOT NULL" >"$scoring" 2>&1 &
scorer=$!
sleep 1
q "SELECT campaign.deploy('turnout', (SELECT version FROM campaign.models WHERE id = $new))" >/dev/null
kill -0 "$scorer" 2>/dev/null || fail "the scoring statement ended before the deploy: make it slower"
wait "$scorer" || fail "the scoring statement failed: $(cat "$scoring")"
read -r mixed total <"$scoring"
[ "$mixed" = 0 ] && [ "$total" -gt 0 ] || fail "$mixed of $total rows were scored by another version"
[ "$(q "SELECT id FROM campaign.model_catalog WHERE name = 'turnout' AND active")" = "$new" ] ||
  fail "the deploy did not take effect"
ok "a deploy during a statement: $total rows, all scored by the version active at its start"
echo "citus: $passed passed, 0 failed"
