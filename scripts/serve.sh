#!/usr/bin/env bash
# `make serve`: the production stack on one machine — migrate, collect static files, then
# gunicorn (several workers), the task worker and the scheduler, stopped together by Ctrl+C.
# Needs DATABASE_URL (PostgreSQL); PORT defaults to 8000.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
export DJANGO_SETTINGS_MODULE=config.settings.production

if [[ "${DATABASE_URL:-}" != postgres* ]]; then
  echo "make serve : DATABASE_URL doit désigner une base PostgreSQL," >&2
  echo "  par exemple DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage make serve" >&2
  exit 2
fi
mkdir -p var
if [[ -z "${MAILLAGE_SECRET_KEY:-}" ]]; then
  if [[ ! -s var/secret_key ]]; then
    (umask 077 && "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key)
  fi
  MAILLAGE_SECRET_KEY="$(cat var/secret_key)"
  export MAILLAGE_SECRET_KEY
  # No secret configured: a local trial. Plain HTTP is allowed on 127.0.0.1 only.
  export MAILLAGE_SECURE_COOKIES=false MAILLAGE_HTTPS=false
  export MAILLAGE_ALLOWED_HOSTS="${MAILLAGE_ALLOWED_HOSTS:-127.0.0.1,localhost}"
  echo "Aucune MAILLAGE_SECRET_KEY : clé générée dans var/secret_key ; HTTP simple autorisé sur 127.0.0.1 (essai local, pas une production)."
  BIND="127.0.0.1:$PORT"
else
  BIND="${MAILLAGE_BIND:-0.0.0.0:$PORT}"
fi
WEB_WORKERS="${MAILLAGE_WEB_WORKERS:-$(( $(nproc) * 2 + 1 ))}"
(( WEB_WORKERS < 2 )) && WEB_WORKERS=2
TASK_WORKERS="${MAILLAGE_TASK_WORKERS:-1}"

"$BIN/maillage" migrate --noinput
"$BIN/maillage" collectstatic --noinput -v 0

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo "Arrêt de Maillage…"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

"$BIN/gunicorn" config.wsgi:application --preload --bind "$BIND" --workers "$WEB_WORKERS" \
  --timeout "${MAILLAGE_WEB_TIMEOUT:-60}" --max-requests 2000 --max-requests-jitter 200 \
  --access-logfile - --log-level warning &
pids+=($!)
for ((i = 1; i <= TASK_WORKERS; i++)); do
  "$BIN/maillage" worker --queue-name '*' --no-reload --worker-id "worker-$(hostname)-$i" &
  pids+=($!)
done
"$BIN/maillage" scheduler &
pids+=($!)
echo "Maillage (production) : http://$BIND/  — $WEB_WORKERS processus web, $TASK_WORKERS travailleur(s), 1 planificateur. Santé : /sante/"
wait -n "${pids[@]}"
echo "Un processus de Maillage s'est arrêté : arrêt des autres." >&2
exit 1
