#!/usr/bin/env bash
# rollup.sh - campaign.rollup(p) against avg(p) over GROUP BY block_geoid: 1,000,000 voters in
# ~25,000 blocks, serial and parallel (goal: rollup <= 1.3x avg), plus parallel == serial.
# Run by `make bench` (PGHOST/PGPORT/PGDATABASE are set by src/tools/bench.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_q <<'SQL'
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS campaign;
DROP TABLE IF EXISTS bench_voters;
-- ~25,000 blocks of 10 to 70 voters (mean 40), as in a mid-sized county
CREATE TABLE bench_voters AS
SELECT i AS voter_id,
       '36061' || lpad((abs(hashint4(i)) % 25000)::text, 10, '0') AS block_geoid,
       CASE WHEN i % 50 = 0 THEN NULL ELSE (abs(hashint4(i + 7)) % 10001) / 10000.0::float8 END AS p
FROM generate_series(1, 1000000) i;
VACUUM ANALYZE bench_voters;
SQL

# Execution time in ms of one run (EXPLAIN ANALYZE without per-node timing: no clock calls
# per row, no row transfer to the client).
run_ms() {
  psql_q -At -c "$1" -c "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) $2" |
    sed -n 's/.*"Execution Time": \([0-9.]*\).*/\1/p'
}

# Best of 5 for each of two queries, alternating them so load from other processes on the
# machine hits both alike.  Prints "best_a best_b".
time_pair() {
  local settings=$1 a= b= t
  for _ in 1 2 3 4 5; do
    t=$(run_ms "$settings" "$2"); if [ -z "$a" ] || awk "BEGIN{exit !($t < $a)}"; then a=$t; fi
    t=$(run_ms "$settings" "$3"); if [ -z "$b" ] || awk "BEGIN{exit !($t < $b)}"; then b=$t; fi
  done
  echo "$a $b"
}

serial="SET max_parallel_workers_per_gather = 0"
parallel="SET max_parallel_workers_per_gather = 2"
q_avg="SELECT block_geoid, avg(p) FROM bench_voters GROUP BY block_geoid"
q_rollup="SELECT block_geoid, campaign.rollup(p) FROM bench_voters GROUP BY block_geoid"

echo "blocks: $(psql_q -At -c "SELECT count(DISTINCT block_geoid) FROM bench_voters")"
for mode in serial parallel; do
  settings=${!mode}
  read -r t_avg t_rollup < <(time_pair "$settings" "$q_avg" "$q_rollup")
  awk -v m="$mode" -v a="$t_avg" -v r="$t_rollup" \
    'BEGIN{printf "%-8s avg(p) %8.1f ms   rollup(p) %8.1f ms   ratio %.2f (goal <= 1.30)\n", m, a, r, r / a}'
done

echo "parallel plan: $(psql_q -At -c "$parallel" -c "EXPLAIN (COSTS OFF) $q_rollup" | grep -E 'Partial|Gather|Workers' | sed 's/^ *//' | paste -sd ';' -)"
psql_q -At <<SQL
$serial;
CREATE TEMP TABLE s AS SELECT block_geoid, campaign.rollup(p) AS r FROM bench_voters GROUP BY block_geoid;
$parallel;
CREATE TEMP TABLE p AS SELECT block_geoid, campaign.rollup(p) AS r FROM bench_voters GROUP BY block_geoid;
SELECT 'parallel equals serial: ' ||
       bool_and((s.r).n = (p.r).n AND (s.r).lo = (p.r).lo AND (s.r).hi = (p.r).hi
                AND abs((s.r).expected - (p.r).expected) < 1e-9 AND abs((s.r).sd - (p.r).sd) < 1e-9)
       || ' over ' || count(*) || ' blocks'
FROM s JOIN p USING (block_geoid);
SQL
psql_q -c "DROP TABLE bench_voters"
