#!/usr/bin/env bash
# bench.sh - `make bench`: one throwaway cluster, then every src/bench/*.sh (or those named in
# BENCH="gbt rollup"), each printing its figures side by side with its peer.  Figures go to
# docs/performance.md by hand, with the machine they came from.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh

ensure_packages "$BASE_PACKAGES ${BENCH_PACKAGES:-}"
build_and_install
EXTRA_SERVER_OPTS="-c shared_buffers=1GB -c work_mem=256MB -c max_parallel_workers_per_gather=2" start_cluster
as_owner "$PG_BIN/createdb" bench
export PGDATABASE=bench
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m), PostgreSQL $PG_MAJOR"
for script in src/bench/*.sh; do
  name=$(basename "$script" .sh)
  if [ -n "${BENCH:-}" ] && [[ " $BENCH " != *" $name "* ]]; then continue; fi
  echo "== bench: $name"
  bash "$script"
done
