#!/usr/bin/env bash
# gbt.sh - campaign.train(algorithm 'gbt') against XGBoost 1.7 (tree_method=hist), on a
# generated voter file of GBT_BENCH_ROWS rows (default 1,000,000) x 16 numeric features,
# split 80/20.  Side by side: wall time of training (campaign reads the table; XGBoost gets the
# training rows already in memory), holdout AUC, peak memory.  Also sklearn's
# HistGradientBoostingClassifier and campaign's logistic model on the same split.
# Run by `make bench` (BENCH=gbt make bench for this one only; GBT_BENCH_SKLEARN=0 skips sklearn).
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh
ensure_packages "python3-xgboost python3-sklearn python3-psycopg2 python3-numpy"
ROWS=${GBT_BENCH_ROWS:-1000000}

echo "generating $ROWS voters"
psql -q -v ON_ERROR_STOP=1 -v rows="$ROWS" <<'SQL'
CREATE EXTENSION IF NOT EXISTS campaign CASCADE;
DROP TABLE IF EXISTS bench_voters;
-- Turnout depends on age (non-linear), vote history (missing for new registrants), party
-- strength, contacts and their interaction with history, distance to the polls, and noise.
CREATE UNLOGGED TABLE bench_voters AS
WITH r AS (
  SELECT i,
         random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5,
         random() AS u6, random() AS u7, random() AS u8
  FROM generate_series(1, :rows) i)
SELECT i AS id,
       (18 + floor(u1 * 70))::float8 AS age,
       CASE WHEN u2 < 0.15 THEN NULL ELSE (u3 < 0.7)::int::float8 END AS voted_2020,
       CASE WHEN u2 < 0.25 THEN NULL ELSE (u4 < 0.45)::int::float8 END AS voted_2018,
       CASE WHEN u2 < 0.35 THEN NULL ELSE (u5 < 0.6)::int::float8 END AS voted_2016,
       CASE WHEN u2 < 0.35 THEN NULL ELSE (u6 < 0.35)::int::float8 END AS voted_2014,
       round((u7 * 100)::numeric, 1)::float8 AS partisan_score,
       floor(u8 * 6)::float8 AS contacts,
       round((-ln(1 - random()) * 3)::numeric, 2)::float8 AS miles_to_poll,
       floor(random() * 40)::float8 AS years_registered,
       CASE WHEN random() < 0.3 THEN NULL ELSE round((20 + random() * 180)::numeric)::float8 END AS income_k,
       floor(random() * 5)::float8 AS household_size,
       (random() < 0.4)::int::float8 AS owns_home,
       (random() < 0.2)::int::float8 AS moved_recently,
       random() AS noise_1,
       random() AS noise_2,
       random() AS noise_3,
       (i % 5 = 0) AS holdout
FROM r;
ALTER TABLE bench_voters ADD COLUMN turnout boolean;
UPDATE bench_voters SET turnout = random() < 1 / (1 + exp(-(
    -2.0 + 0.04 * least(age, 70) - 0.0004 * greatest(age - 70, 0) ^ 2
    + coalesce(1.4 * voted_2020, 0.3) + coalesce(0.9 * voted_2018, 0.2)
    + coalesce(0.5 * voted_2016, 0.1) + coalesce(0.3 * voted_2014, 0)
    + 0.02 * abs(partisan_score - 50)
    + 0.25 * contacts * (1 - coalesce(voted_2020, 0.5))
    - 0.15 * least(miles_to_poll, 10) + 0.02 * years_registered
    + 0.004 * coalesce(income_k, 60) + 0.3 * owns_home - 0.6 * moved_recently)));
-- vacuum now: otherwise autovacuum wakes up on the million dead rows the UPDATE left while
-- one of the contestants is being timed
VACUUM ANALYZE bench_voters;
CREATE UNLOGGED TABLE bench_train AS SELECT * FROM bench_voters WHERE NOT holdout;
ALTER TABLE bench_train DROP COLUMN holdout, DROP COLUMN id;
VACUUM ANALYZE bench_train;
SQL

/usr/bin/python3 - <<'PY'   # Debian's python, where the Debian packages are
import os, resource, time, subprocess, json, sys
import numpy as np
import psycopg2

FEATURES = ["age", "voted_2020", "voted_2018", "voted_2016", "voted_2014", "partisan_score",
            "contacts", "miles_to_poll", "years_registered", "income_k", "household_size",
            "owns_home", "moved_recently", "noise_1", "noise_2", "noise_3"]

def auc(p, y):
    order = np.argsort(p, kind="mergesort")
    p, y = p[order], y[order]
    ranks = np.empty(len(p))
    i = 0
    while i < len(p):              # average ranks over ties
        j = i
        while j + 1 < len(p) and p[j + 1] == p[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2 + 1
        i = j + 1
    pos = y.sum()
    return (ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * (len(y) - pos))

def fetch(conn, where):
    cur = conn.cursor()
    cur.execute("SELECT %s, turnout::int FROM bench_voters WHERE %s" % (", ".join(FEATURES), where))
    rows = cur.fetchall()
    a = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=np.float64)
    return a[:, :-1], a[:, -1]

def cpu_seconds(pid):
    # user + system time of a process and all its threads: unlike wall time, the load other
    # processes put on the machine hardly changes it
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def status_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])

conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
cur.execute("SELECT pg_backend_pid()")
backend = cur.fetchone()[0]
X_hold, y_hold = fetch(conn, "holdout")
holdout_ids = "holdout"

def campaign_train(name, algorithm, params):
    # a fresh backend per model, so its peak RSS is this training's
    c = psycopg2.connect("")
    c.autocommit = True
    k = c.cursor()
    k.execute("SET campaign.max_train_threads = 2")
    k.execute("SELECT pg_backend_pid()")
    pid = k.fetchone()[0]
    before = status_kb(pid, "VmRSS")
    cpu0 = cpu_seconds(pid)
    t0 = time.time()
    k.execute("SELECT campaign.train(%s, 'bench_train', 'turnout', NULL, %s, %s)",
              (name, algorithm, json.dumps(params)))
    seconds = time.time() - t0
    cpu = cpu_seconds(pid) - cpu0
    peak = status_kb(pid, "VmHWM")
    c.close()
    cur.execute("SELECT campaign.predict(%s, ARRAY[" + ", ".join(FEATURES) + "]::float8[]) FROM bench_voters WHERE holdout ORDER BY id", (name,))
    p = np.array([r[0] for r in cur.fetchall()])
    cur.execute("SELECT turnout::int FROM bench_voters WHERE holdout ORDER BY id")
    y = np.array([r[0] for r in cur.fetchall()], dtype=float)
    return seconds, auc(p, y), peak, before, cpu

gbt_params = {"trees": 100, "depth": 6, "learning_rate": 0.1, "bins": 256, "holdout": 0,
              "min_child_weight": 1, "lambda": 1, "threads": 2}
c_sec, c_auc, c_peak, c_before, c_cpu = campaign_train("bench_gbt", "gbt", gbt_params)
l_sec, l_auc, _, _, _ = campaign_train("bench_logistic", "logistic", {"holdout": 0})

# XGBoost and sklearn in a child process each, so their peak RSS is their own.
child = r'''
import sys, time, resource, json
import numpy as np, psycopg2
FEATURES = %r
which = sys.argv[1]
conn = psycopg2.connect("")
cur = conn.cursor()
def fetch(where):
    cur.execute("SELECT %%s, turnout::int FROM bench_voters WHERE %%s ORDER BY id" %% (", ".join(FEATURES), where))
    a = np.array([[np.nan if v is None else v for v in r] for r in cur.fetchall()], dtype=np.float64)
    return a[:, :-1], a[:, -1]
X, y = fetch("NOT holdout")
Xh, yh = fetch("holdout")
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
cpu0 = cpu()
t0 = time.time()
if which == "xgboost":
    import xgboost as xgb
    d = xgb.DMatrix(X, label=y, nthread=2)
    b = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6,
                   "eta": 0.1, "max_bin": 256, "nthread": 2, "min_child_weight": 1, "lambda": 1},
                  d, num_boost_round=100)
    seconds = time.time() - t0
    cpu_s = cpu() - cpu0
    p = b.predict(xgb.DMatrix(Xh, nthread=2))
else:
    from sklearn.ensemble import HistGradientBoostingClassifier
    m = HistGradientBoostingClassifier(max_iter=100, max_depth=6, learning_rate=0.1,
                                       max_bins=255, early_stopping=False, random_state=0)
    m.fit(X, y)
    seconds = time.time() - t0
    cpu_s = cpu() - cpu0
    p = m.predict_proba(Xh)[:, 1]
from sklearn.metrics import roc_auc_score
print(json.dumps({"seconds": seconds, "cpu": cpu_s, "auc": roc_auc_score(yh, p),
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
''' % (FEATURES,)
env = dict(os.environ, OMP_NUM_THREADS="2")
res = {}
for which in ("xgboost", "sklearn") if os.environ.get("GBT_BENCH_SKLEARN", "1") != "0" else ("xgboost",):
    out = subprocess.run([sys.executable, "-c", child, which], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        print(out.stderr)
        raise SystemExit(1)
    res[which] = json.loads(out.stdout.strip().splitlines()[-1])

x = res["xgboost"]
s = res.get("sklearn", {"seconds": float("nan"), "cpu": float("nan"), "auc": float("nan"),
                       "peak_kb": float("nan")})
print("rows: %d training, %d holdout; 16 features; 100 trees, depth 6, eta 0.1, 256 bins, 2 threads"
      % (len(X_hold) * 4, len(X_hold)))
print("%-34s %10s %8s %10s %14s" % ("", "train s", "CPU s", "AUC", "peak RSS MB"))
print("%-34s %10.2f %8.2f %10.4f %14.0f" % ("campaign gbt (reads the table)", c_sec, c_cpu, c_auc, c_peak / 1024))
print("%-34s %10.2f %8.2f %10.4f %14.0f" % ("xgboost 1.7 hist (rows in memory)", x["seconds"], x["cpu"], x["auc"], x["peak_kb"] / 1024))
print("%-34s %10.2f %8.2f %10.4f %14.0f" % ("sklearn HistGradientBoosting", s["seconds"], s["cpu"], s["auc"], s["peak_kb"] / 1024))
print("%-34s %10.2f %8s %10.4f %14s" % ("campaign logistic", l_sec, "-", l_auc, "-"))
cur.execute("SELECT (metrics ->> 'reading_seconds')::float8 FROM campaign.models WHERE name = 'bench_gbt'")
print("campaign gbt: %.2f s of the %.2f s read and quantized the source" % (cur.fetchone()[0], c_sec))
print("campaign/xgboost wall time ratio: %.2f (goal <= 0.5)" % (c_sec / x["seconds"]))
print("campaign/xgboost CPU time ratio: %.2f (both with 2 threads; steadier than wall time on a loaded machine)"
      % (c_cpu / x["cpu"]))
print("campaign - xgboost holdout AUC: %+.4f (goal >= -0.002)" % (c_auc - x["auc"]))
print("campaign/xgboost peak RSS ratio: %.2f (goal <= 0.5; backend RSS includes %.0f MB before training, shared buffers it touched count too)"
      % (c_peak / x["peak_kb"], c_before / 1024))
PY
