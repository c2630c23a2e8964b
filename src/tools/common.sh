# common.sh - shared by test.sh, demo.sh and bench.sh: dependencies, build, throwaway cluster.
# Sourced, not run.  Every function exits the script on failure.

PG_MAJOR=${PG_MAJOR:-15}
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
export PG_CONFIG=${PG_CONFIG:-$PG_BIN/pg_config}
BASE_PACKAGES="make gcc postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-$PG_MAJOR-postgis-3 libcmocka-dev"
# what the tests use beyond the build: the dashboard reflection test and the docs examples
TEST_PACKAGES="python3-sqlalchemy python3-psycopg2"

# Install the Debian packages named in $1 that are missing (root), or say how to.
ensure_packages() {
  local missing=() p
  for p in $1; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "campaign: missing packages; install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "campaign: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Build and install the extension.  The lock is held until the calling script exits, so that
# several checkouts on one machine never run against each other's installed files.
build_and_install() {
  make -s PG_CONFIG="$PG_CONFIG" >/dev/null
  exec 9>/tmp/campaign-install.lock
  flock 9
  make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# Run a command as the cluster owner: postgres when we are root, ourselves otherwise.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local port
  for port in $(seq 55432 55532); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "$port"; return 0; }
  done
  echo "campaign: no free port in 55432-55532" >&2
  exit 1
}

# Start a throwaway cluster; sets PGHOST, PGPORT, PGUSER, CLUSTER_DIR; stopped by stop_cluster.
start_cluster() {
  CLUSTER_DIR=$(mktemp -d /tmp/campaign-cluster.XXXXXX)
  chmod 755 "$CLUSTER_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$CLUSTER_DIR"
  as_owner "$PG_BIN/initdb" -D "$CLUSTER_DIR/data" -U postgres -A trust --no-sync >"$CLUSTER_DIR/initdb.log" 2>&1 \
    || { cat "$CLUSTER_DIR/initdb.log"; exit 1; }
  export PGPORT=$(free_port) PGHOST=$CLUSTER_DIR PGUSER=postgres
  as_owner "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w \
    -o "-p $PGPORT -k $CLUSTER_DIR -c listen_addresses='' -c fsync=off -c max_worker_processes=8 ${EXTRA_SERVER_OPTS:-}" \
    start >/dev/null || { cat "$CLUSTER_DIR/server.log"; exit 1; }
  trap stop_cluster EXIT
}

stop_cluster() {
  [ -n "${CLUSTER_DIR:-}" ] || return 0
  as_owner "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$CLUSTER_DIR"
  CLUSTER_DIR=
}
