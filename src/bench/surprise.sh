#!/usr/bin/env bash
# surprise.sh - campaign.turnout_surprise(p, voted): 1,000,000 voters in 1,000 precincts,
# GROUP BY precinct against avg(p) and against the normal approximation written in SQL,
# serial and parallel (and parallel == serial); then the core outside the server: the exact
# final function at 1,000-20,000 voters against a pure-Python dynamic program, and the sketch
# at 100,000 and 1,000,000 voters against the exact program in C.
# Run by `make bench` (PGHOST/PGPORT/PGDATABASE are set by src/tools/bench.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_q <<'SQL'
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS campaign;
DROP TABLE IF EXISTS bench_turnout;
-- 1,000 precincts of about 1,000 voters, 2% unscored; votes drawn from the scores
CREATE TABLE bench_turnout AS
SELECT i AS voter_id, 'P' || lpad((abs(hashint4(i)) % 1000)::text, 4, '0') AS precinct,
       CASE WHEN i % 50 = 0 THEN NULL ELSE (abs(hashint4(i + 7)) % 10001) / 10000.0::float8 END AS p,
       (abs(hashint4(i + 11)) % 10000) / 10000.0 < (abs(hashint4(i + 7)) % 10001) / 10000.0 AS voted
FROM generate_series(1, 1000000) i;
VACUUM ANALYZE bench_turnout;
SQL

run_ms() {
  psql_q -At -c "$1" -c "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) $2" |
    sed -n 's/.*"Execution Time": \([0-9.]*\).*/\1/p'
}

# Best of 5 for each query, alternating them so load from other processes hits all alike.
time_set() {
  local settings=$1; shift
  local -a best=()
  for _ in 1 2 3 4 5; do
    local i=0
    for q in "$@"; do
      t=$(run_ms "$settings" "$q")
      if [ -z "${best[$i]:-}" ] || awk "BEGIN{exit !($t < ${best[$i]})}"; then best[$i]=$t; fi
      i=$((i + 1))
    done
  done
  echo "${best[@]}"
}

serial="SET max_parallel_workers_per_gather = 0"
parallel="SET max_parallel_workers_per_gather = 2"
q_avg="SELECT precinct, avg(p), count(*) FILTER (WHERE voted) FROM bench_turnout WHERE p IS NOT NULL GROUP BY precinct"
# the normal approximation a user would write without the aggregate (no skew, no exact tails)
q_normal="SELECT precinct, 0.5 * erfc_approx FROM (SELECT precinct,
            ((count(*) FILTER (WHERE voted) + 0.5 - sum(p)) / sqrt(sum(p * (1 - p)))) AS erfc_approx
          FROM bench_turnout WHERE p IS NOT NULL GROUP BY precinct) q"
q_surprise="SELECT precinct, campaign.turnout_surprise(p, voted) FROM bench_turnout GROUP BY precinct"

echo "precincts: $(psql_q -At -c "SELECT count(DISTINCT precinct) FROM bench_turnout")"
for mode in serial parallel; do
  settings=${!mode}
  read -r t_avg t_normal t_surprise < <(time_set "$settings" "$q_avg" "$q_normal" "$q_surprise")
  awk -v m="$mode" -v a="$t_avg" -v n="$t_normal" -v s="$t_surprise" \
    'BEGIN{printf "%-8s avg(p) %7.1f ms   normal approx. %7.1f ms   turnout_surprise %7.1f ms   ratio to avg %.2f, to normal %.2f\n", m, a, n, s, s / a, s / n}'
done
echo "parallel plan: $(psql_q -At -c "$parallel" -c "EXPLAIN (COSTS OFF) $q_surprise" | grep -E 'Partial|Gather|Workers' | sed 's/^ *//' | paste -sd ';' -)"
psql_q -At <<SQL
$serial;
CREATE TEMP TABLE s AS SELECT precinct, campaign.turnout_surprise(p, voted) AS r FROM bench_turnout GROUP BY precinct;
$parallel;
CREATE TEMP TABLE p AS SELECT precinct, campaign.turnout_surprise(p, voted) AS r FROM bench_turnout GROUP BY precinct;
SELECT 'parallel equals serial: ' ||
       bool_and((s.r).n = (p.r).n AND (s.r).observed = (p.r).observed
                AND abs((s.r).p_below - (p.r).p_below) <= 1e-9 * (s.r).p_below
                AND abs((s.r).p_above - (p.r).p_above) <= 1e-9 * (s.r).p_above)
       || ' over ' || count(*) || ' precincts'
FROM s JOIN p USING (precinct);
SQL
psql_q -c "DROP TABLE bench_turnout"

# the core outside the server
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cc -std=c11 -D_DEFAULT_SOURCE -O2 -ftree-vectorize -Isrc/core -o "$bin/surprise_core" src/bench/surprise_core.c \
  $(ls src/core/*.c) -lm -lpthread
"$bin/surprise_core"
# the reference: the same dynamic program in plain Python floats, as an analyst would write it
/usr/bin/python3 - <<'PY'
import time
for m in (1000, 5000):
    ps = [0.02 + 0.96 * ((i * 7919) % 1009) / 1009.0 for i in range(m)]
    k = m // 2 - 3 * int(m ** 0.5) // 2
    t = time.perf_counter()
    pmf = [1.0]
    for p in ps:
        q = 1.0 - p
        nxt = [0.0] * (len(pmf) + 1)
        for j, v in enumerate(pmf):
            nxt[j] += v * q
            nxt[j + 1] += v * p
        pmf = nxt
    below = sum(pmf[:k + 1])
    print("python DP: %d voters  %.1f ms  (p_below %.6g)" % (m, (time.perf_counter() - t) * 1e3, below))
PY
