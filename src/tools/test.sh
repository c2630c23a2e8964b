#!/usr/bin/env bash
# test.sh - `make test`: dependencies, build, unit tests (plain and ASan+UBSan), then the
# pg_regress suite against a throwaway cluster that is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh

ensure_packages "$BASE_PACKAGES"
echo "== unit tests"
make -s unit
echo "== unit tests under AddressSanitizer and UndefinedBehaviorSanitizer"
make -s unit SANITIZE=1
echo "== fuzz corpus replay under AddressSanitizer and UndefinedBehaviorSanitizer"
make -s fuzz-replay
echo "== build and install"
build_and_install
start_cluster
echo "== regression tests (PostgreSQL $PG_MAJOR on port $PGPORT)"
status=0
make -s PG_CONFIG="$PG_CONFIG" installcheck || status=$?
if [ $status -ne 0 ]; then
  [ -f regression.diffs ] && head -200 regression.diffs
  echo "campaign: regression tests failed"
  exit $status
fi
echo "== data safety: dump/restore, terminated and canceled training, concurrent versions"
bash src/tools/datasafety.sh
echo "campaign: all tests passed"
