#!/usr/bin/env bash
# predict.sh - scoring speed: SELECT sum(campaign.predict('bench_gbt', v)) FROM bench_voters v
# over the 1,000,000-row voter file of gbt.sh with its 100-tree depth-6 model, one backend and
# no parallel workers, against XGBoost's own predict of the same rows (already in memory) with
# nthread=1 and a model trained with the same parameters.  Also the bare scan, and the query
# with 2 parallel workers.  Builds the table and model with gbt.sh when they are missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh
ensure_packages "python3-xgboost python3-psycopg2 python3-numpy"

if [ "$(psql -tAc "SELECT count(*) FROM pg_class WHERE relname = 'bench_voters'" 2>/dev/null)" != 1 ] ||
   [ "$(psql -tAc "SELECT count(*) FROM campaign.models WHERE name = 'bench_gbt'" 2>/dev/null)" = 0 ]; then
  GBT_BENCH_SKLEARN=0 bash src/bench/gbt.sh >/dev/null
fi

/usr/bin/python3 - <<'PY'
import time
import numpy as np
import psycopg2
import xgboost as xgb

FEATURES = ["age", "voted_2020", "voted_2018", "voted_2016", "voted_2014", "partisan_score",
            "contacts", "miles_to_poll", "years_registered", "income_k", "household_size",
            "owns_home", "moved_recently", "noise_1", "noise_2", "noise_3"]
conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()

def best_of(sql, settings, runs=3):
    for s in settings:
        cur.execute(s)
    times = []
    for _ in range(runs):
        t0 = time.time()
        cur.execute(sql)
        cur.fetchall()
        times.append(time.time() - t0)
    return min(times)

serial = ["SET max_parallel_workers_per_gather = 0"]
parallel = ["SET max_parallel_workers_per_gather = 2", "SET parallel_setup_cost = 0",
            "SET parallel_tuple_cost = 0", "SET min_parallel_table_scan_size = 0"]
cur.execute("SELECT count(*) FROM bench_voters")
rows = cur.fetchone()[0]
best_of("SELECT count(*) FROM bench_voters", serial, 1)          # warm the cache
scan_col = best_of("SELECT sum(age) FROM bench_voters", serial)
scan_row = best_of("SELECT count(v) FROM bench_voters v", serial)
score = best_of("SELECT sum(campaign.predict('bench_gbt', v)) FROM bench_voters v", serial)
score_par = best_of("SELECT sum(campaign.predict('bench_gbt', v)) FROM bench_voters v", parallel)

cur.execute("SELECT %s, turnout::int, holdout FROM bench_voters ORDER BY id" % ", ".join(FEATURES))
a = np.array([[np.nan if v is None else float(v) for v in r] for r in cur.fetchall()])
X, y, hold = a[:, :16], a[:, 16], a[:, 17] == 1
booster = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6,
                     "eta": 0.1, "max_bin": 256, "nthread": 2, "min_child_weight": 1,
                     "lambda": 1}, xgb.DMatrix(X[~hold], label=y[~hold], nthread=2), 100)
booster.set_param({"nthread": 1})
times = []
for _ in range(3):
    matrix = xgb.DMatrix(X, nthread=1)   # a fresh matrix each run: XGBoost caches predictions per matrix
    t0 = time.time()
    booster.predict(matrix)
    times.append(time.time() - t0)
xgb_predict = min(times)

print("rows: %d; model: 100 trees, depth 6; best of 3 runs" % rows)
print("%-58s %8.3f s" % ("bare scan: SELECT sum(age)", scan_col))
print("%-58s %8.3f s" % ("bare scan with whole rows: SELECT count(v)", scan_row))
print("%-58s %8.3f s" % ("campaign.predict, one backend, no parallel workers", score))
print("%-58s %8.3f s" % ("campaign.predict, 2 parallel workers", score_par))
print("%-58s %8.3f s" % ("xgboost 1.7 predict, nthread=1, rows in memory", xgb_predict))
print("campaign/xgboost scoring time ratio: %.2f (goal <= 1.0)" % (score / xgb_predict))
print("speed-up with 2 parallel workers: %.2fx" % (score / score_par))
PY
