#!/usr/bin/env bash
# progress.sh - campaign.training_progress with campaign in shared_preload_libraries, run by
# `make test` (step "progress") on a throwaway cluster of its own started with the preload (the
# main test cluster stays without it, as most installs are; sql/progress.sql checks that case):
#   1. an idle server shows no rows (and no note);
#   2. a gbt training watched from another session shows its model, phase, rows read and a
#      growing trees count with an ETA; canceled, its row disappears;
#   3. a logistic training shows up while it reads; terminated, its row disappears;
#   4. a training that fails and one that succeeds leave no row;
#   5. another role sees its own trainings only, unless it has pg_read_all_stats.
# Expects the extension installed (test.sh has done it and holds the install lock).
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh
BIG_ROWS=${BIG_ROWS:-1000000}
EXTRA_SERVER_OPTS="-c shared_preload_libraries=campaign" start_cluster
export PGOPTIONS="-c client_min_messages=warning"
make_temp work -d
chmod 777 "$work"
passed=0

fail() { echo "progress: FAILED: $*" >&2; exit 1; }
ok() { echo "progress: $*"; passed=$((passed + 1)); }
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d progress -c "$1"; }

# Poll (every 50 ms, at most $2 seconds) until query $1 prints "t".
wait_for() {
  local deadline=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(q "$1")" = t ] && return 0
    sleep 0.05
  done
  return 1
}

# Start a training in the background as role $1 under application_name $2; sets bg and
# train_pid (the backend's pid).
start_training() {
  local role=$1 name=$2 call=$3
  psql -X -q -d progress -c "SET ROLE $role; SET application_name = '$name'; SELECT $call" \
    >"$work/$name.log" 2>&1 &
  bg=$!
  wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = '$name' AND state = 'active'" 30 \
    || fail "training $name did not start: $(cat "$work/$name.log")"
  train_pid=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = '$name'")
}

q_postgres() { psql -X -q -v ON_ERROR_STOP=1 -At -d postgres -c "$1"; }
q_postgres "CREATE DATABASE progress"
q "CREATE EXTENSION campaign CASCADE" 2>/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d progress >/dev/null <<SQL
CREATE TABLE big AS
SELECT g::float8 AS x, (g % 7)::float8 AS z, (g::bigint * 7919) % 13 < 6 AS y
FROM generate_series(1, $BIG_ROWS) g;
ANALYZE big;
CREATE FUNCTION slow(x float8) RETURNS float8 LANGUAGE plpgsql VOLATILE
    AS 'BEGIN PERFORM pg_sleep(0.0001); RETURN x; END';
CREATE TABLE small AS SELECT g::float8 AS x, g % 2 = 0 AS y FROM generate_series(1, 1000) g;
CREATE ROLE prog_analyst;
CREATE ROLE prog_other;
CREATE ROLE prog_stats IN ROLE pg_read_all_stats;
GRANT USAGE ON SCHEMA campaign TO prog_analyst, prog_other, prog_stats;
GRANT SELECT ON big, small TO prog_analyst;
GRANT SELECT, INSERT ON campaign.models TO prog_analyst;
GRANT USAGE ON SEQUENCE campaign.models_id_seq TO prog_analyst;
GRANT SELECT ON campaign.training_progress TO prog_analyst, prog_other, prog_stats;
SQL

# 1. idle
[ "$(q "SELECT count(*) FROM campaign.training_progress")" = 0 ] \
  || fail "idle server shows rows: $(q "SELECT * FROM campaign.training_progress")"
ok "an idle preloaded server shows no rows"

# 2. gbt, watched, then canceled
start_training prog_analyst prog_gbt \
  "campaign.train('watched', 'big', 'y', ARRAY['x', 'z'], 'gbt', '{\"trees\": 100000, \"holdout\": 0.1}')"
row="SELECT * FROM campaign.training_progress WHERE pid = $train_pid"
wait_for "SELECT coalesce(bool_and(phase = 'training' AND done > 0), false) FROM campaign.training_progress WHERE pid = $train_pid" 60 \
  || fail "no trees_done > 0 for pid $train_pid: $(q "$row") $(cat "$work/prog_gbt.log")"
first=$(q "SELECT done FROM campaign.training_progress WHERE pid = $train_pid")
check=$(q "SELECT user_name = 'prog_analyst' AND model = 'watched' AND algorithm = 'gbt' AND unit = 'trees'
                  AND total = 100000 AND rows_read = $BIG_ROWS AND percent BETWEEN 0 AND 100
                  AND started <= now() AND elapsed_seconds > 0 AND eta_seconds > 0 AND note IS NULL
           FROM campaign.training_progress WHERE pid = $train_pid")
[ "$check" = t ] || fail "unexpected row: $(q "$row")"
wait_for "SELECT done > $first FROM campaign.training_progress WHERE pid = $train_pid" 30 \
  || fail "trees done did not grow past $first: $(q "$row")"
ok "a gbt training on $BIG_ROWS rows is visible from another session with a growing trees count ($first, then $(q "SELECT done FROM campaign.training_progress WHERE pid = $train_pid"))"

# 5. visibility (while the same training runs)
as_role() { q "SET ROLE $1; SELECT count(*) FROM campaign.training_progress WHERE pid = $train_pid"; }
[ "$(as_role prog_other)" = 0 ] || fail "prog_other sees prog_analyst's training"
[ "$(as_role prog_stats)" = 1 ] || fail "a pg_read_all_stats member does not see the training"
[ "$(as_role prog_analyst)" = 1 ] || fail "prog_analyst does not see its own training"
ok "other roles see the training only with pg_read_all_stats"

[ "$(q "SELECT pg_cancel_backend($train_pid)")" = t ] || fail "could not cancel $train_pid"
wait "$bg" || true
grep -q "canceling statement due to user request" "$work/prog_gbt.log" || fail "cancel: $(cat "$work/prog_gbt.log")"
wait_for "SELECT count(*) = 0 FROM campaign.training_progress WHERE pid = $train_pid" 5 \
  || fail "a canceled training left its row: $(q "$row")"
ok "a canceled training's row disappears"

# 3. logistic while reading, then terminated
# (each row sleeps 0.1 ms, so reading outlasts the polling)
start_training postgres prog_logistic "campaign.train('read', 'SELECT slow(x) AS x, z, y FROM big', 'y', ARRAY['x', 'z'], 'logistic')"
wait_for "SELECT coalesce(bool_and(phase = 'reading' AND rows_read > 0 AND algorithm = 'logistic'
                                   AND unit = 'iterations' AND total = 100 AND done = 0
                                   AND eta_seconds IS NULL), false)
          FROM campaign.training_progress WHERE pid = $train_pid" 30 \
  || fail "logistic training not seen while reading: $(q "SELECT * FROM campaign.training_progress WHERE pid = $train_pid") $(cat "$work/prog_logistic.log")"
[ "$(q "SELECT pg_terminate_backend($train_pid)")" = t ] || fail "could not terminate $train_pid"
wait "$bg" || true
wait_for "SELECT count(*) = 0 FROM campaign.training_progress WHERE pid = $train_pid" 5 \
  || fail "a terminated training left its row"
ok "a logistic training is visible while it reads; terminated, its row disappears"

# 4. failed and successful trainings
psql -X -q -d progress -c "SELECT campaign.train('bad', 'small', 'x', NULL, 'logistic')" >"$work/bad.log" 2>&1 || true
grep -q "a binary model needs 0/1" "$work/bad.log" || fail "bad training: $(cat "$work/bad.log")"
[ "$(q "SELECT campaign.train('good', 'small', 'y', NULL, 'gbt', '{\"trees\": 3}') > 0")" = t ] || fail "small training"
[ "$(q "SELECT count(*) FROM campaign.training_progress")" = 0 ] \
  || fail "finished trainings left rows: $(q "SELECT * FROM campaign.training_progress")"
ok "failed and successful trainings leave no row"

q_postgres "DROP DATABASE progress"
echo "progress: $passed passed, 0 failed"
