#!/usr/bin/env bash
# citus_install.sh - build and install Citus 13.2.2 from the vendored source when it is missing
# (run by .ci/run before `make test`, whose `citus` step needs it).  Citus is a test dependency
# only: it is not in Debian 12 and its package repository is out of reach, so it is built from
# the `git archive` tarball next to the checkout (../shared/vendor/citus, or $CITUS_SOURCE).
# Root only; prints one line and succeeds when Citus is already installed or cannot be built.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh

CITUS_VERSION=13.2.2
if citus_available; then
  echo "citus: $("$PG_CONFIG" --sharedir)/extension has Citus; nothing to build"
  exit 0
fi
source_dir=""
for d in "${CITUS_SOURCE:-}" ../shared/vendor/citus /work/shared/vendor/citus; do
  if [ -n "$d" ] && [ -f "$d/citus-$CITUS_VERSION.tar.gz" ]; then source_dir=$(cd "$d" && pwd); break; fi
done
if [ -z "$source_dir" ]; then
  echo "citus: no citus-$CITUS_VERSION.tar.gz found (set CITUS_SOURCE); the citus step will be skipped"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "citus: building Citus needs root (apt-get and make install); the citus step will be skipped"
  exit 0
fi
ensure_packages "$BASE_PACKAGES libcurl4-openssl-dev liblz4-dev libzstd-dev libssl-dev libkrb5-dev \
  libselinux1-dev libxslt1-dev libpam0g-dev flex bison patch"
make_temp build -d
tar -xzf "$source_dir/citus-$CITUS_VERSION.tar.gz" -C "$build"
src=$(find "$build" -mindepth 1 -maxdepth 1 -type d | head -1)
# PostgreSQL 15.20 exports have_createdb_privilege(); the patch removes Citus's static copy.
[ -f "$source_dir/pg15.20.patch" ] && (cd "$src" && patch -s -p1 <"$source_dir/pg15.20.patch")
echo "citus: building Citus $CITUS_VERSION (about 10 minutes on 2 cores)"
(cd "$src" && ./configure -q PG_CONFIG="$PG_CONFIG" >/dev/null &&
  make -s -j"$(nproc)" with_llvm=no >/dev/null 2>&1 && make -s install with_llvm=no >/dev/null)
echo "citus: installed Citus $CITUS_VERSION into $("$PG_CONFIG" --pkglibdir)"
