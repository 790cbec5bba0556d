#!/usr/bin/env bash
# `make demo`: runserver with a task worker and the scheduler beside it (stopped together).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
pids=()
cleanup() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT
"$BIN/maillage" worker --queue-name '*' --no-reload -v 0 &
pids+=($!)
"$BIN/maillage" scheduler &
pids+=($!)
echo "Maillage : http://127.0.0.1:$PORT/  (comptes de démonstration dans le README ; travailleur et planificateur lancés)"
"$BIN/maillage" runserver "127.0.0.1:$PORT" &
pids+=($!)
wait -n "${pids[@]}"
