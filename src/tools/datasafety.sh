#!/usr/bin/env bash
# datasafety.sh - data-safety checks run by `make test` against its throwaway cluster (PGHOST,
# PGPORT, PGUSER set by start_cluster):
#   1. models survive pg_dump/pg_restore into a fresh database and predict identically;
#   2. a backend killed with pg_terminate_backend during training leaves no model rows;
#   3. two sessions training the same model name at once get distinct versions;
#   4. statement_timeout stops a big training within a second and leaves no model rows;
#   5. a timeout while the training threads are at work (past reading) stops it as fast, and
#      the same session then trains again (the worker pool survives the cancel).
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh
BIG_ROWS=${BIG_ROWS:-3000000}
export PGOPTIONS="-c client_min_messages=warning"
make_temp work -d
chmod 777 "$work"

fail() { echo "datasafety: FAILED: $*" >&2; exit 1; }
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"; }

for db in ds_src ds_dst; do q postgres "DROP DATABASE IF EXISTS $db"; done
q postgres "CREATE DATABASE ds_src"
q ds_src "CREATE EXTENSION campaign CASCADE" 2>/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d ds_src >/dev/null <<'SQL'
CREATE TABLE voters AS
SELECT i AS id, 18 + abs(hashint4(i)) % 70 AS age, abs(hashint4(i + 1)) % 3 = 0 AS voted,
       abs(hashint4(i + 2)) % 2 = 0 AS turnout
FROM generate_series(1, 2000) i;
SELECT campaign.train('ds_m', 'voters', 'turnout', ARRAY['age', 'voted'], 'logistic');
SELECT campaign.train('ds_m', 'voters', 'turnout', ARRAY['age'], 'logistic');
SELECT campaign.deploy('ds_m', 1);
SELECT campaign.import_model('ds_copy', campaign.export_model('ds_m', 2));
-- a big table for the kill and timeout checks (kept out of the dump)
CREATE UNLOGGED TABLE big AS SELECT g::float8 AS x, (g % 7)::float8 AS z, g % 2 = 0 AS y FROM generate_series(1, 1) g;
SQL

# 1. dump and restore
fingerprint() {
  q "$1" "SELECT md5(string_agg(concat_ws('|', id, name, version, algorithm, features, params, metrics, md5(model), deployed), ';' ORDER BY id))
          || ':' || (SELECT md5(string_agg(campaign.predict('ds_m', v)::text || '/' || campaign.predict('ds_copy', ARRAY[age]::float8[])::text, ',' ORDER BY id)) FROM voters v)
          FROM campaign.models"
}
before=$(fingerprint ds_src)
"$PG_BIN/pg_dump" -Fc -T big -d ds_src -f "$work/ds.dump"
q postgres "CREATE DATABASE ds_dst"
"$PG_BIN/pg_restore" --exit-on-error -d ds_dst "$work/ds.dump"
after=$(fingerprint ds_dst)
[ "$before" = "$after" ] || fail "restored models differ: $before vs $after"
old_max=$(q ds_dst "SELECT max(id) FROM campaign.models")
new_id=$(q ds_dst "SELECT campaign.train('ds_m', 'voters', 'turnout', ARRAY['age'], 'logistic')")
ver=$(q ds_dst "SELECT version FROM campaign.models WHERE id = $new_id")
[ "$new_id" -gt "$old_max" ] && [ "$ver" = 3 ] || fail "training after restore: id $new_id (max was $old_max), version $ver"
echo "datasafety: pg_dump/pg_restore kept $(q ds_dst 'SELECT count(*) FROM campaign.models') models, identical scores"

# 2. terminate a training backend
q ds_src "INSERT INTO big SELECT g, g % 7, (g::bigint * 7919) % 13 < 6 FROM generate_series(2, $BIG_ROWS) g; ANALYZE big"
psql -X -q -d ds_src -c "SET application_name = 'ds_kill'; SELECT campaign.train('ds_killed', 'big', 'y', NULL, 'logistic')" \
  >"$work/kill.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  [ "$(q ds_src "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ds_kill' AND state = 'active'")" = 1 ] && break
  sleep 0.05
done
sleep 0.5
[ "$(q ds_src "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'ds_kill'")" = 1 ] \
  || fail "training finished before it could be terminated (raise BIG_ROWS)"
wait $pid || true
grep -q "terminating connection" "$work/kill.log" || fail "terminated training: $(cat "$work/kill.log")"
[ "$(q ds_src "SELECT count(*) FROM campaign.models WHERE name = 'ds_killed'")" = 0 ] || fail "a killed training left model rows"
echo "datasafety: a terminated training left no model rows"

# 3. two sessions train the same new name at once
for s in 1 2; do
  q ds_src "SELECT campaign.train('ds_race', 'voters', 'turnout', ARRAY['age'], 'logistic')" >"$work/race$s.log" 2>&1 &
done
wait
versions=$(q ds_src "SELECT string_agg(version::text, ',' ORDER BY version) FROM campaign.models WHERE name = 'ds_race'")
[ "$versions" = "1,2" ] || fail "concurrent trainings got versions '$versions': $(cat "$work"/race*.log)"
echo "datasafety: concurrent trainings of one name got versions $versions"

# 4. statement_timeout stops a big training within a second
out=$(psql -X -q -At -d ds_src 2>&1 <<'SQL' || true
SET statement_timeout = '1s';
\timing on
SELECT campaign.train('ds_timeout', 'big', 'y', NULL, 'gbt', '{"trees": 5000, "holdout": 0}');
SQL
)
ms=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
grep -q "canceling statement due to statement timeout" <<<"$out" || fail "timeout did not cancel: $out"
awk -v ms="$ms" 'BEGIN { exit !(ms != "" && ms + 0 < 2000) }' || fail "training stopped after $ms ms with a 1 s timeout"
[ "$(q ds_src "SELECT count(*) FROM campaign.models WHERE name = 'ds_timeout'")" = 0 ] || fail "a canceled training left model rows"
echo "datasafety: statement_timeout=1s stopped training on $BIG_ROWS rows after $ms ms, no model rows"

# 5. cancel mid-training (200,000 rows read in well under the second), then train again
out=$(psql -X -q -At -d ds_src 2>&1 <<'SQL' || true
SET statement_timeout = '1s';
\timing on
SELECT campaign.train('ds_midway', 'SELECT * FROM big LIMIT 200000', 'y', NULL, 'gbt',
                      '{"trees": 100000, "holdout": 0.2, "threads": 2}');
\timing off
SET statement_timeout = 0;
SELECT campaign.train('ds_after', 'voters', 'turnout', ARRAY['age'], 'gbt', '{"trees": 3, "threads": 2}') > 0 AS trained;
SQL
)
ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$out" | sed -n 1p)
grep -q "canceling statement due to statement timeout" <<<"$out" || fail "timeout did not cancel mid-training: $out"
awk -v ms="$ms" 'BEGIN { exit !(ms != "" && ms + 0 < 2000) }' || fail "mid-training cancel took $ms ms"
[ "$(echo "$out" | tail -1)" = t ] || fail "the session could not train after a cancel: $out"
[ "$(q ds_src "SELECT count(*) FROM campaign.models WHERE name = 'ds_midway'")" = 0 ] || fail "a canceled training left model rows"
echo "datasafety: a timeout in the middle of training stopped it after $ms ms; the session trained again"

for db in ds_src ds_dst; do q postgres "DROP DATABASE $db"; done
echo "datasafety: all checks passed"
