#!/usr/bin/env bash
# citus.sh - campaign on Citus beside one node (`BENCH=citus make bench`): a coordinator and two
# workers on this machine, a 1,000,000-row voter file distributed by voter_id and the same rows
# in a local table on the coordinator.  Side by side, best of 3: scoring every row, rollup and
# auc GROUP BY block, training from the table; with the bytes that reached the coordinator
# (EXPLAIN ANALYZE's "Tuple data received from nodes") and the model bytes sent to the shards.
# Then the cost of one level of a training split across shards (a histogram of gradient sums
# per node, feature and bin, as an SQL aggregate), for the design in docs/scale-out.md.
# The clusters are its own (bench.sh's single node is not used); skipped without Citus.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh

skip_without_citus
ROWS=${CITUS_BENCH_ROWS:-1000000}
CITUS_SERVER_OPTS="-c shared_buffers=1GB -c work_mem=256MB -c max_parallel_workers_per_gather=0" \
  start_citus_cluster
export PGDATABASE=postgres PGOPTIONS="-c client_min_messages=warning"
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

psql_q >/dev/null <<SQL
\set rows $ROWS
\set blocks 25000
\i sql/include/voter_file.sql
ALTER TABLE voters ADD COLUMN p float8;
UPDATE voters SET p = 1 / (1 + exp(-(-2.2 + 0.03 * age + 1.1 * voted_2020::int + 0.9 * voted_2022::int)));
CREATE TABLE local_voters AS SELECT * FROM voters;
SELECT create_distributed_table('voters', 'voter_id');
SELECT truncate_local_data_after_distributing_table('voters');
VACUUM ANALYZE local_voters;
VACUUM ANALYZE voters;
SELECT campaign.train('turnout', 'local_voters', 'voted_2024',
                      ARRAY['age', 'voted_2020', 'voted_2022', 'contacts', 'party'], 'gbt');
SQL
echo "machine: $(nproc) cores; Citus $(psql_q -c "SELECT extversion FROM pg_extension WHERE extname = 'citus'"):" \
     "coordinator + ${#CITUS_WORKER_PORTS[@]} workers on this machine," \
     "$(psql_q -c "SELECT count(*) FROM citus_shards WHERE table_name = 'voters'::regclass") shards; $ROWS rows"
model_bytes=$(psql_q -c "SELECT length(model) FROM campaign.models WHERE name = 'turnout'")

# Wall time in ms of one run, the result sent to /dev/null.
ms_of() {
  psql_q -c '\timing on' -c "$1" -o /dev/null | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
# The tuple bytes the coordinator received, from EXPLAIN ANALYZE (which Citus cannot run on
# partial aggregates: then the rows it received, one per group and shard, counted).
received() {
  local json
  if json=$(psql_q -c "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) $1" 2>/dev/null); then
    echo "$json" | grep -o '"Tuple data received from nodes": "[^"]*"' | cut -d'"' -f4
  else
    echo "$(psql_q -c "SELECT count(*) FROM (SELECT DISTINCT get_shard_id_for_distribution_column('voters', voter_id), $2 FROM voters) g") rows"
  fi
}
# best of 3 of the distributed (voters) and local (local_voters) forms of a query, side by side;
# $3 names the GROUP BY columns (for counting the rows of a partial aggregate)
side_by_side() {
  local label=$1 query=$2 best_d= best_l= t
  for _ in 1 2 3; do
    t=$(ms_of "${query//@/voters}")
    if [ -z "$best_d" ] || awk "BEGIN{exit !($t < $best_d)}"; then best_d=$t; fi
    t=$(ms_of "${query//@/local_voters}")
    if [ -z "$best_l" ] || awk "BEGIN{exit !($t < $best_l)}"; then best_l=$t; fi
  done
  LAST_CITUS_MS=$best_d LAST_LOCAL_MS=$best_l
  awk -v l="$label" -v d="$best_d" -v o="$best_l" -v b="$(received "${query//@/voters}" "${3:-1}")" \
    'BEGIN{printf "%-30s citus %9.1f ms   one node %9.1f ms   ratio %5.2f   to coordinator: %s\n", l, d, o, d / o, b}'
}

side_by_side "predict, every row" "SELECT sum(campaign.predict('turnout', v)) FROM @ v"
predict_local_ms=$LAST_LOCAL_MS
shards=$(psql_q -c "SELECT count(*) FROM citus_shards WHERE table_name = 'voters'::regclass")
echo "  the model ($model_bytes bytes) went to each of the $shards shard queries as hex: $((2 * model_bytes * shards)) bytes"
side_by_side "rollup GROUP BY block" "SELECT block_geoid, campaign.rollup(p) FROM @ GROUP BY block_geoid" block_geoid
side_by_side "auc GROUP BY block" "SELECT block_geoid, campaign.auc(p, voted_2024) FROM @ GROUP BY block_geoid" block_geoid
side_by_side "auc, whole file" "SELECT campaign.auc(p, voted_2024) FROM @"
side_by_side "training rows (the read)" "SELECT age, voted_2020, voted_2022, contacts, party, voted_2024 FROM @"
read_citus_ms=$LAST_CITUS_MS

train_s() {
  psql_q -c "SELECT campaign.train('bench_$1', '$1', 'voted_2024',
                ARRAY['age', 'voted_2020', 'voted_2022', 'contacts', 'party'], 'gbt')" >/dev/null
  psql_q -c "SELECT round(training_seconds::numeric, 2) FROM campaign.model_catalog
             WHERE name = 'bench_$1' ORDER BY version DESC LIMIT 1"
}
t_dist=$(train_s voters) t_local=$(train_s local_voters)
awk -v d="$t_dist" -v o="$t_local" \
  'BEGIN{printf "%-30s citus %9.2f s    one node %9.2f s    ratio %.2f\n", "train gbt (100 trees)", d, o, d / o}'
# the same model: every score of the first 10,000 voters, bit for bit (the stored bytes differ
# by the training time in their metadata)
same_scores() {
  psql_q -c "SELECT bool_and(float8send(campaign.predict('$1', v)) = float8send(campaign.predict('$2', v)))
             FROM local_voters v WHERE voter_id <= 10000"
}
echo "  same model from the distributed table and the local one: $(same_scores bench_voters bench_local_voters)"

# "sample": the shards send only the rows whose key is below the share
side_by_side "sample 0.1 (the read)" "SELECT * FROM (SELECT voter_id, age, voted_2020, voted_2022, contacts, party, voted_2024 FROM @) s WHERE campaign.train_key(42, s) < 0.1"
train_sample_s() {
  psql_q -c "SELECT campaign.train('bench_sample_$1', 'SELECT voter_id, age, voted_2020, voted_2022, contacts, party, voted_2024 FROM $1', 'voted_2024',
                ARRAY['age', 'voted_2020', 'voted_2022', 'contacts', 'party'], 'gbt', '{\"sample\": 0.1}')" >/dev/null
  psql_q -c "SELECT round(training_seconds::numeric, 2) FROM campaign.model_catalog
             WHERE name = 'bench_sample_$1' ORDER BY version DESC LIMIT 1"
}
t_dist=$(train_sample_s voters) t_local=$(train_sample_s local_voters)
awk -v d="$t_dist" -v o="$t_local" \
  'BEGIN{printf "%-30s citus %9.2f s    one node %9.2f s    ratio %.2f\n", "train gbt, sample 0.1", d, o, d / o}'
echo "  same model from the distributed table and the local one: $(same_scores bench_sample_voters bench_sample_local_voters)"

# One level of a split-across-shards trainer: per (node, feature, bin) the sums of gradient
# and hessian, 32 nodes (the 6th level of a depth-6 tree), 5 features of at most 72 bins.
level="SELECT node, f, bin, sum(g), sum(h) FROM (
  SELECT abs(hashint4(voter_id)) % 32 AS node, p - voted_2024::int AS g, p * (1 - p) AS h,
         age, contacts, voted_2020::int AS v20, voted_2022::int AS v22,
         CASE party WHEN 'dem' THEN 0 WHEN 'rep' THEN 1 ELSE 2 END AS party
  FROM @) r, LATERAL (VALUES (0, age), (1, contacts), (2, v20), (3, v22), (4, party)) x(f, bin)
  GROUP BY node, f, bin"
side_by_side "histogram level (32 nodes)" "$level" "abs(hashint4(voter_id)) % 32, 1"
level_sql_ms=$LAST_LOCAL_MS
side_by_side "histogram level, no rows" "${level/FROM @)/FROM @ WHERE false)}" "1"
level_fixed_ms=$LAST_CITUS_MS

# The split-across-shards trainer on paper (docs/scale-out.md), from the figures above: per
# tree and level, one distributed scan that recomputes each row's margin from the trees so far
# (no state survives between statements on a shard) and adds it to a histogram in C at the
# coordinator's own per-row cost; W worker cores share the rows.
awk -v n="$ROWS" -v pred="$predict_local_ms" -v train="$t_local" -v rd="$read_citus_ms" \
    -v sql="$level_sql_ms" -v o="$level_fixed_ms" 'BEGIN {
  trees = 100; depth = 6; levels = trees * depth
  eval = pred / 1000 / (n * trees)          # s per row and tree scored
  hist = train / (n * levels)                # s per row and level, C histograms (coordinator)
  pull = rd / 1000 / n                       # s per row read through the coordinator
  printf "split training on paper: %.1f ns per row-tree scored, %.1f ns per row-level histogram (C), %.2f us per row-level (SQL), %.2f us per row pulled, %.1f ms per level fixed\n",
    eval * 1e9, hist * 1e9, sql / 1000 / n * 1e6, pull * 1e6, o
  coord = pull + levels * hist                             # s per row, coordinator training
  shard = depth * (trees * hist + eval * trees * trees / 2)  # s per row on one core, split training
  printf "  per row: coordinator %.2f us; split %.2f us / W worker cores; break-even W = %.0f\n",
    coord * 1e6, shard * 1e6, shard / coord
  for (w = 16; w <= 1024; w *= 4) {
    gain = coord - shard / w
    if (gain <= 0) printf "  W = %4d: the split trainer never wins\n", w
    else printf "  W = %4d: the split trainer wins beyond %.0f rows (%.0f levels x %.1f ms fixed)\n", w, levels * o / 1000 / gain, levels, o
  }
}'
