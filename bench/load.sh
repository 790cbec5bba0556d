#!/usr/bin/env bash
# Load test: the production stack (gunicorn + worker + scheduler, PostgreSQL) under 50 users.
#   bash bench/load.sh [USERS] [DURATION]        (defaults: 50 users, 5m)
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres); creates the database maillage_load, loads
# the demo into it, starts `make serve` on port 8765 (BENCH_PORT), runs locust on the same
# machine, stops. BENCH_DATABASE_URL: another database; BENCH_SKIP_DEMO=1: keep its data.
# BENCH_SCENARIO=guichet: families of the guichet unique (bench/load/guichet_locustfile.py), each
# logged in with its own account made by bench/load/families.py, instead of the mixed visitors.
# BENCH_SPAWN_RATE: users started per second (5 by default).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS="${1:-50}"
DURATION="${2:-5m}"
PORT="${BENCH_PORT:-8765}"
BIN=.venv/bin
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/maillage_load}"
mkdir -p bench/out
test -x "$BIN/locust" || "$BIN/python" -m pip install --quiet -r bench/requirements.lock

if [[ "${BENCH_SKIP_DEMO:-}" != 1 ]]; then
  admin="${DATABASE_URL%/*}/postgres"
  db="${DATABASE_URL##*/}"
  psql "$admin" -qc "DROP DATABASE IF EXISTS \"$db\"" -qc "CREATE DATABASE \"$db\""
  "$BIN/maillage" migrate --noinput -v 0
  "$BIN/maillage" load_demo
fi
LOCUSTFILE=bench/load/locustfile.py
# e-mails sent by the worker (receipts, the demo's letters): kept in memory (no SMTP server on
# the bench machine)
export MAILLAGE_EMAIL_BACKEND="${MAILLAGE_EMAIL_BACKEND:-django.core.mail.backends.locmem.EmailBackend}"
if [[ "${BENCH_SCENARIO:-}" == guichet ]]; then
  LOCUSTFILE=bench/load/guichet_locustfile.py
  "$BIN/python" bench/load/families.py "$USERS"
fi

PORT=$PORT bash scripts/serve.sh > bench/out/serve.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
# collectstatic (compression of the vendored assets) takes minutes on a loaded machine
for _ in $(seq 1 "${BENCH_START_TIMEOUT:-600}"); do
  curl -fs "http://127.0.0.1:$PORT/sante/" >/dev/null 2>&1 && break
  sleep 1
done
curl -fs "http://127.0.0.1:$PORT/sante/" || { echo "Le serveur ne répond pas (bench/out/serve.log)"; exit 1; }
echo
"$BIN/locust" -f "$LOCUSTFILE" --headless -u "$USERS" -r "${BENCH_SPAWN_RATE:-5}" -t "$DURATION" \
  --host "http://127.0.0.1:$PORT" --csv bench/out/load --only-summary 2>&1 | tail -40
"$BIN/python" - <<'PY'
import csv
import json
rows = list(csv.DictReader(open("bench/out/load_stats.csv")))
total = next(r for r in rows if r["Name"] == "Aggregated")
print(f"requêtes {total['Request Count']}, échecs {total['Failure Count']}, "
      f"médiane {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms")
pages = json.load(open("bench/out/pages.json"))
print(f"pages (sans l'envoi du mot de passe) : requêtes {pages['requests']}, "
      f"échecs {pages['failures']}, médiane {pages['p50']} ms, p95 {pages['p95']} ms, "
      f"p99 {pages['p99']} ms")
PY
