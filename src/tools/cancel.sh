#!/usr/bin/env bash
# cancel.sh - the cancellation checks of `make stress` (tier cancel) beyond training (which
# datasafety.sh checks): walk routing, turf cutting, walk plans, walk_route_costs over a
# large cost query, and the bandit decision functions on inputs big enough to outlast the
# timeout must stop within one second of statement_timeout (1 s), against the cluster of
# PGHOST/PGPORT/PGUSER.  The Beta-arm bandit functions at the most arms they accept finish in
# about 0.1 s: that is reported (they cannot outlast it); the revenue ones take minutes there.
#   CANCEL_ROUTE_DOORS  doors of the routes and plans (default 5000; high campaign.walk_effort)
#   CANCEL_TURF_DOORS   doors of the partition cut into turfs (default 3,000,000)
#   CANCEL_ARMS         arms of the bandit decisions (default 10000, the most accepted)
#   CANCEL_COST_NODES   nodes of walk_route_costs' cost query (default 5000: 25M rows)
set -euo pipefail
CANCEL_ROUTE_DOORS=${CANCEL_ROUTE_DOORS:-5000}
CANCEL_TURF_DOORS=${CANCEL_TURF_DOORS:-3000000}
CANCEL_ARMS=${CANCEL_ARMS:-10000}
CANCEL_COST_NODES=${CANCEL_COST_NODES:-5000}
export PGOPTIONS="-c client_min_messages=warning"
db=cancel_checks

fail() { echo "cancel: FAILED: $*" >&2; exit 1; }
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"; }

q postgres "DROP DATABASE IF EXISTS $db"
q postgres "CREATE DATABASE $db"
q $db "CREATE EXTENSION campaign CASCADE"
# Doors on a jittered lon/lat grid (about 100 m apart), and arms with shapes below 1, whose
# singular densities make the quadrature of prob_best and expected_loss slowest.
psql -X -q -v ON_ERROR_STOP=1 -d $db >/dev/null <<SQL
CREATE TABLE doors AS
SELECT i AS id, ST_SetSRID(ST_MakePoint(-122 + (i % 1000) * 0.001 + (abs(hashint4(i)) % 100) * 0.00001,
                                        37 + (i / 1000) * 0.001), 4326) AS geom,
       (abs(hashint4(i + 1)) % 10)::float8 AS value
FROM generate_series(1, $CANCEL_TURF_DOORS) i;
CREATE TABLE arms AS
SELECT i, ROW(0.5 + (i % 7) * 0.1, 0.5 + (i % 5) * 0.1)::campaign.beta AS arm
FROM generate_series(1, $CANCEL_ARMS) i;
CREATE TABLE revenue_arms AS
SELECT i, ROW(0.5 + (i % 7) * 0.1 + i * 1e-5, 0.5 + (i % 5) * 0.1, 2 + (i % 3) + i * 1e-4,
              10 + (i % 11) + i * 1e-3)::campaign.revenue AS arm
FROM generate_series(1, $CANCEL_ARMS) i;
ANALYZE doors, arms, revenue_arms;
SQL

# Run one statement under a 1 s timeout: it must be canceled, within 2 s of its start.
# A fourth argument "bounded" marks an input that is already the largest accepted: finishing
# before the timeout then means the work cannot outlast it at all, which is reported, not failed.
check() {
  local name=$1 settings=$2 sql=$3 bounded=${4:-} out ms
  out=$(psql -X -q -At -d $db 2>&1 <<SQL || true
$settings
SET statement_timeout = '1s';
\timing on
$sql;
SQL
)
  ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$out" | tail -1)
  if [ "$bounded" = bounded ] && ! grep -q "ERROR" <<<"$out" &&
     awk -v ms="$ms" 'BEGIN { exit !(ms != "" && ms + 0 < 1000) }'; then
    echo "cancel: $name finishes in $ms ms at the largest accepted input: nothing to cancel"
    return 0
  fi
  # a here-string, not echo | grep -q: grep quitting early would fail the pipe (pipefail)
  grep -q "canceling statement due to statement timeout" <<<"$out" \
    || fail "$name was not canceled (make the input bigger?): $out"
  awk -v ms="$ms" 'BEGIN { exit !(ms != "" && ms + 0 < 2000) }' || fail "$name stopped after $ms ms with a 1 s timeout"
  echo "cancel: $name stopped after $ms ms (timeout 1000 ms)"
}

route_doors="SELECT * FROM doors WHERE id <= $CANCEL_ROUTE_DOORS"
check "walk_route of $CANCEL_ROUTE_DOORS doors, walk_effort 100000" "SET campaign.walk_effort = 100000;" \
  "SELECT cardinality(campaign.walk_route(id, geom)) FROM ($route_doors) d"
check "walk_path of $CANCEL_ROUTE_DOORS doors, walk_effort 100000" "SET campaign.walk_effort = 100000;" \
  "SELECT ST_NPoints(campaign.walk_path(geom)) FROM ($route_doors) d"
check "walk_order over $CANCEL_ROUTE_DOORS doors, walk_effort 100000" "SET campaign.walk_effort = 100000;" \
  "SELECT max(o) FROM (SELECT campaign.walk_order(geom) OVER () AS o FROM ($route_doors) d) s"
check "walk_plan over $CANCEL_ROUTE_DOORS doors" "" \
  "SELECT max(o) FROM (SELECT campaign.walk_plan(geom, value, 1e6, ST_SetSRID(ST_MakePoint(-121.5, 37.002), 4326)) OVER () AS o FROM ($route_doors) d) s"
check "turf over a partition of $CANCEL_TURF_DOORS doors" "SET campaign.max_route_points = 10000000; SET work_mem = '1GB';" \
  "SELECT max(t) FROM (SELECT campaign.turf(geom, 50) OVER () AS t FROM doors) s"
for f in prob_best expected_loss; do
  check "$f of $CANCEL_ARMS arms" "" "SELECT cardinality(campaign.$f(array_agg(arm))) FROM arms" bounded
done
check "allocation (top_two) of $CANCEL_ARMS arms" "" \
  "SELECT cardinality(campaign.allocation(array_agg(arm), 'top_two', 0)) FROM arms" bounded
for f in revenue_prob_best revenue_expected_loss; do
  check "$f of $CANCEL_ARMS revenue arms" "" "SELECT cardinality(campaign.$f(array_agg(arm))) FROM revenue_arms"
done
check "revenue_allocation (top_two) of $CANCEL_ARMS revenue arms" "" \
  "SELECT cardinality(campaign.revenue_allocation(array_agg(arm), 'top_two', 0)) FROM revenue_arms"
# the cost rows come through a cursor (CHECK_FOR_INTERRUPTS per row), under campaign.call_memory_limit
check "walk_route_costs of $CANCEL_COST_NODES nodes" "" \
  "SELECT count(*) FROM campaign.walk_route_costs('SELECT a AS start_vid, b AS end_vid, abs(a - b)::float8 AS agg_cost FROM generate_series(1, $CANCEL_COST_NODES) a, generate_series(1, $CANCEL_COST_NODES) b WHERE a <> b')"

q postgres "DROP DATABASE $db"
echo "cancel: all checks passed"
