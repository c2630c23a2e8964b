# common.sh - shared by test.sh, demo.sh, bench.sh and the test steps: locale, dependencies,
# build, install, throwaway clusters and temporary files that are removed however the script
# ends.  Sourced, not run.  Every function exits the script on failure.
#
# Paths handed to a program that runs as the cluster owner are absolute (or the input comes on
# stdin): as root, those programs run as postgres from /, because postgres may not be able to
# enter the checkout (a clone under /root, mode 700).

# A locale the machine lacks (LANG=en_US.UTF-8 over SSH to a minimal Debian) makes initdb fail
# and perl (apt-get) warn: use C.UTF-8, which every Debian 12 has, for this run instead.
if [ -n "$(locale 2>&1 >/dev/null)" ]; then
  export LC_ALL=C.UTF-8
fi

# PostgreSQL: the one PG_CONFIG names, else Debian's PostgreSQL $PG_MAJOR (default 15).
if [ -n "${PG_CONFIG:-}" ] && [ -x "$PG_CONFIG" ]; then
  PG_MAJOR=$("$PG_CONFIG" --version | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')
fi
PG_MAJOR=${PG_MAJOR:-15}
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
[ -x "$PG_CONFIG" ] && PG_BIN=$("$PG_CONFIG" --bindir)
BASE_PACKAGES="make gcc postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-$PG_MAJOR-postgis-3 libcmocka-dev"
# what the tests use beyond the build: the dashboard reflection test and the docs examples
TEST_PACKAGES="python3-sqlalchemy python3-psycopg2"

# The prefix for a command that needs root, for the messages that tell a user what to run.
as_root_prefix() {
  if command -v sudo >/dev/null 2>&1; then echo "sudo "; fi
}

# ---- clean-up: everything registered here goes when the script exits, pass or fail ---------
CLEANUP_PATHS=()
CLUSTER_DIRS=()
cleanup() {
  stop_cluster
  [ ${#CLEANUP_PATHS[@]} -eq 0 ] || rm -rf "${CLEANUP_PATHS[@]}"
  CLEANUP_PATHS=()
}
trap cleanup EXIT

# make_temp VAR [-d]: a new file (or directory) in $TMPDIR (/tmp), named in VAR, removed on exit.
make_temp() {
  local path
  path=$(mktemp ${2:-} "${TMPDIR:-/tmp}/campaign-${1,,}.XXXXXX")
  CLEANUP_PATHS+=("$path")
  printf -v "$1" '%s' "$path"
}

# Install the Debian packages named in $1 that are missing (root), or say how to.
ensure_packages() {
  local missing=() p
  for p in $1; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    local sudo
    sudo=$(as_root_prefix)
    echo "campaign: missing Debian packages; as root, run:" >&2
    echo "  ${sudo}apt-get update && ${sudo}apt-get install -y ${missing[*]}" >&2
    echo "then run this command again as yourself." >&2
    exit 1
  fi
  echo "campaign: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ---- build and install ---------------------------------------------------------------------
EXTVERSION=$(sed -n "s/^default_version = '\(.*\)'/\1/p" campaign.control)

# Whether the installed extension is byte for byte what this checkout built (the build is
# reproducible across checkout paths: see PG_CFLAGS in the Makefile).
installed_is_current() {
  local lib ext
  lib=$("$PG_CONFIG" --pkglibdir) ext=$("$PG_CONFIG" --sharedir)/extension
  cmp -s campaign.so "$lib/campaign.so" && cmp -s campaign.control "$ext/campaign.control" &&
    cmp -s "campaign--$EXTVERSION.sql" "$ext/campaign--$EXTVERSION.sql"
}

# Build and install the extension.  The lock (on PostgreSQL's extension directory, so no file
# is left behind) is held until the calling script exits, so that several checkouts on one
# machine never run against each other's installed files; a script started by one that holds
# it (CAMPAIGN_INSTALL_LOCKED) shares it.  Without write access to PostgreSQL's directories,
# an up-to-date installation is used as it is, and otherwise the one command that needs root
# is printed.
build_and_install() {
  make -s PG_CONFIG="$PG_CONFIG" >/dev/null
  if [ -z "${CAMPAIGN_INSTALL_LOCKED:-}" ]; then
    exec 9<"$("$PG_CONFIG" --sharedir)/extension"
    flock 9
    export CAMPAIGN_INSTALL_LOCKED=1
  fi
  if [ "$(id -u)" -ne 0 ] && ! { [ -w "$("$PG_CONFIG" --pkglibdir)" ] &&
                                 [ -w "$("$PG_CONFIG" --sharedir)/extension" ]; }; then
    installed_is_current && return 0
    echo "campaign: the extension built here is not installed yet; as root, run:" >&2
    echo "  $(as_root_prefix)make -C $PWD PG_CONFIG=$PG_CONFIG install" >&2
    echo "then run this command again as yourself." >&2
    exit 1
  fi
  make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# ---- throwaway clusters --------------------------------------------------------------------
# Run a command as the cluster owner: postgres when we are root, ourselves otherwise; from /,
# so that a program never tries to return to a directory its user cannot enter.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && exec runuser -u postgres -- "$@")
  else
    (cd / && exec "$@")
  fi
}

free_port() {
  local port
  for port in $(seq 55432 55532); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "$port"; return 0; }
  done
  echo "campaign: no free port in 55432-55532" >&2
  exit 1
}

# Start a throwaway cluster; sets PGHOST, PGPORT, PGUSER, CLUSTER_DIR.  It is stopped and
# removed on exit (or by stop_cluster).  Locale and encoding are fixed (C.UTF-8, UTF8), so
# every machine runs the tests on the same kind of cluster whatever its own locale.
start_cluster() {
  CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/campaign-cluster.XXXXXX")
  CLUSTER_DIRS+=("$CLUSTER_DIR")
  chmod 755 "$CLUSTER_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$CLUSTER_DIR"
  as_owner "$PG_BIN/initdb" -D "$CLUSTER_DIR/data" -U postgres -A trust --no-sync \
    --locale=C.UTF-8 --encoding=UTF8 >"$CLUSTER_DIR/initdb.log" 2>&1 \
    || { cat "$CLUSTER_DIR/initdb.log"; exit 1; }
  export PGPORT=$(free_port) PGHOST=$CLUSTER_DIR PGUSER=postgres
  as_owner "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w \
    -o "-p $PGPORT -k $CLUSTER_DIR -c listen_addresses='' -c fsync=off -c max_worker_processes=8 ${EXTRA_SERVER_OPTS:-}" \
    start >/dev/null || { cat "$CLUSTER_DIR/server.log"; exit 1; }
}

# Stop and remove the clusters this script started (also done on exit).
stop_cluster() {
  local dir
  for dir in ${CLUSTER_DIRS[@]+"${CLUSTER_DIRS[@]}"}; do
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
  done
  CLUSTER_DIRS=()
  CLUSTER_DIR=
}

# Whether Citus is installed for this PostgreSQL (src/tools/citus_install.sh builds it).
citus_available() {
  [ -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ]
}

# Exit (successfully) with one line when Citus is not installed.
skip_without_citus() {
  if ! citus_available; then
    echo "citus: skipped, Citus is not installed (bash src/tools/citus_install.sh builds it)"
    exit 0
  fi
}

# A Citus cluster of throwaway clusters on loopback ports: two workers (citus preloaded, no
# campaign step of their own) and a coordinator (citus,campaign preloaded) where campaign is
# created, which Citus creates on the workers.  PGPORT and PGHOST then name the coordinator,
# CITUS_WORKER_PORTS the workers.  Extra server options in CITUS_SERVER_OPTS.
start_citus_node() {
  EXTRA_SERVER_OPTS="-c listen_addresses=127.0.0.1 -c shared_preload_libraries=$1 -c max_connections=200 ${CITUS_SERVER_OPTS:-}" \
    start_cluster
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE EXTENSION citus" >/dev/null
}
start_citus_cluster() {
  CITUS_WORKER_PORTS=()
  start_citus_node citus
  CITUS_WORKER_PORTS+=("$PGPORT")
  start_citus_node citus
  CITUS_WORKER_PORTS+=("$PGPORT")
  start_citus_node citus,campaign
  {
    echo "SELECT citus_set_coordinator_host('127.0.0.1', $PGPORT);"
    for port in "${CITUS_WORKER_PORTS[@]}"; do echo "SELECT citus_add_node('127.0.0.1', $port);"; done
    echo "CREATE EXTENSION campaign CASCADE;"
  } | psql -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null
}
