#!/usr/bin/env bash
# gen_corpus.sh - writes the seed corpus of src/fuzz/fuzz_model.c: real models trained and
# exported by the server (PGHOST/PGPORT/PGDATABASE of a cluster with the extension), plus
# deterministic mutations of them (truncations, byte changes, grown counts).
# Usage: gen_corpus.sh OUTDIR
#        gen_corpus.sh states CORPUS_ROOT   the seeds of the aggregate-state targets
#                                           (fuzz_*_state, written by gen_states.py, no server)
set -euo pipefail
if [ "${1:-}" = states ]; then
  exec python3 "$(dirname "$0")/gen_states.py" "${2:?usage: gen_corpus.sh states CORPUS_ROOT}"
fi
out=${1:?usage: gen_corpus.sh OUTDIR}
mkdir -p "$out"
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DROP TABLE IF EXISTS fuzz_voters;
CREATE TABLE fuzz_voters AS
SELECT i AS id, 18 + abs(hashint4(i)) % 70 AS age, abs(hashint4(i + 1)) % 3 = 0 AS voted,
       (abs(hashint4(i + 3)) % 5)::numeric AS contacts, abs(hashint4(i + 2)) % 2 = 0 AS turnout,
       (ARRAY['dem', 'rep', 'ind'])[1 + i % 3] AS party
FROM generate_series(1, 500) i;
SELECT campaign.train('fuzz_1', 'fuzz_voters', 'turnout', ARRAY['age'], 'logistic');
SELECT campaign.train('fuzz_3', 'fuzz_voters', 'turnout', ARRAY['age', 'voted', 'contacts'], 'logistic');
SELECT campaign.train('fuzz_l2', 'fuzz_voters', 'turnout', ARRAY['age', 'voted', 'contacts'], 'logistic', '{"l2": 0, "holdout": 0}');
-- a gbt model with a categorical feature (format version 2); more of its mutations come from
-- a core-built model committed as *_gbt_cat_* inputs
SELECT campaign.train('fuzz_cat', 'fuzz_voters', 'turnout', ARRAY['age', 'party'], 'gbt', '{"trees": 3, "depth": 2}');
SQL
# one line per input: file name and hex bytes
psql -X -At -F ' ' <<'SQL' | while read -r name hex; do printf '%s' "$hex" | xxd -r -p > "$out/$name"; done
WITH m AS (SELECT name, campaign.export_model(name) AS b FROM campaign.models WHERE name LIKE 'fuzz\_%')
SELECT 'real_' || name, encode(b, 'hex') FROM m
UNION ALL
SELECT format('trunc_%s_%s', name, n), encode(substr(b, 1, n), 'hex')
FROM m, generate_series(0, octet_length(b) - 1, 7) n WHERE name = 'fuzz_3'
UNION ALL
SELECT format('byte_%s_%s', name, n), encode(set_byte(b, n % octet_length(b), (get_byte(b, n % octet_length(b)) + 1 + n) % 256), 'hex')
FROM m, generate_series(0, 120) n WHERE name = 'fuzz_3'
UNION ALL
SELECT format('ff_%s_%s', name, n), encode(overlay(b placing '\xffffffff'::bytea from n for 4), 'hex')
FROM m, generate_series(1, octet_length(b) - 4, 5) n WHERE name = 'fuzz_1'
UNION ALL
SELECT 'tail_' || name, encode(b || '\x00'::bytea, 'hex') FROM m;
SQL
psql -X -q -c "DELETE FROM campaign.models WHERE name LIKE 'fuzz\_%'; DROP TABLE fuzz_voters"
echo "gen_corpus: $(ls "$out" | wc -l) inputs in $out"
