#!/usr/bin/env bash
# README command 1: install, then run web + worker + scheduler + MLflow on the embedded
# defaults (SQLite, Huey on SQLite, a local MLflow server, all under
# LB_DATA_DIR), evaluate the shipped examples and print where to look.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh worker

export LB_DATA_DIR="${LB_DATA_DIR:-$PWD/var}"
export LB_WEB_PORT="${LB_WEB_PORT:-8000}"
export LB_MLFLOW_PORT="${LB_MLFLOW_PORT:-5000}"
export MLFLOW_TRACKING_URI="${MLFLOW_TRACKING_URI:-http://127.0.0.1:$LB_MLFLOW_PORT}"
export LB_SIGNUP="${LB_SIGNUP:-open}"   # a local trial: anyone may make an account (production default: invite)
export PYTHONUNBUFFERED=1
mkdir -p "$LB_DATA_DIR/logs" "$LB_DATA_DIR/mlflow"
py=.venv/bin/python

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

if [ "$MLFLOW_TRACKING_URI" = "http://127.0.0.1:$LB_MLFLOW_PORT" ]; then
  echo "starting MLflow on :$LB_MLFLOW_PORT (store under $LB_DATA_DIR/mlflow)"
  # MLflow 3 also starts its own job runners (GenAI jobs); the platform uses none of them.
  MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false setsid .venv/bin/mlflow server --host 127.0.0.1 --port "$LB_MLFLOW_PORT" --workers 1 \
    --backend-store-uri "sqlite:///$LB_DATA_DIR/mlflow/mlflow.db" \
    --artifacts-destination "$LB_DATA_DIR/mlflow/artifacts" >"$LB_DATA_DIR/logs/mlflow.log" 2>&1 &
  pids+=($!)
fi

$py manage.py migrate --noinput
$py manage.py bootstrap
$py manage.py collectstatic --noinput -v 0

# An admin account for the operator pages, with a password made once and kept
# 0600 (one left 0644 by an older version is made 0600). Without DJANGO_SECRET_KEY,
# the first manage.py call above made this installation's own secret key beside it
# (LB_DATA_DIR/secret-key, 0600: config/startup.py); nothing here uses the source's.
admin_password="$($py -m core.secret_files "$LB_DATA_DIR/admin-password" 12)"
DJANGO_SUPERUSER_PASSWORD="$admin_password" \
  $py manage.py createsuperuser --noinput --username admin --email admin@localhost >/dev/null 2>&1 || true

# The production web tier (nginx on LB_WEB_PORT: HTTP to gunicorn, /ws/ to uvicorn).
setsid scripts/serve.sh >"$LB_DATA_DIR/logs/web.log" 2>&1 &
pids+=($!)
# Workers run no periodic tasks (-n); the one scheduler pushes the sweeps (docs/fleet.md).
setsid $py manage.py run_huey -n >"$LB_DATA_DIR/logs/worker.log" 2>&1 &
pids+=($!)
setsid $py manage.py run_scheduler >"$LB_DATA_DIR/logs/scheduler.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$LB_WEB_PORT/health" >/dev/null 2>&1 && break
  sleep 1
done
curl -fs "http://127.0.0.1:$LB_WEB_PORT/health" || { echo "the stack did not become healthy; see $LB_DATA_DIR/logs" >&2; exit 1; }
echo

token="$($py manage.py issue_token demo --name quickstart 2>/dev/null | tail -n 1)"
$py manage.py run_examples --url "http://127.0.0.1:$LB_WEB_PORT" --token "$token"

cat <<MSG

leaders-board is running.
  Leaderboards   http://127.0.0.1:$LB_WEB_PORT/
  Sign up / in   http://127.0.0.1:$LB_WEB_PORT/accounts/signup/   (then My jobs, Tokens, and the lb CLI: .venv/bin/lb)
  Agents viewer  http://127.0.0.1:$LB_WEB_PORT/agents/
  API docs       http://127.0.0.1:$LB_WEB_PORT/api/docs/
  Admin          http://127.0.0.1:$LB_WEB_PORT/admin/   (admin / $admin_password)
  MLflow         ${MLFLOW_UI_URL:-$MLFLOW_TRACKING_URI}
  Demo token     $token
Logs in $LB_DATA_DIR/logs. Press Ctrl-C to stop.
MSG
if [ "${LB_QUICKSTART_EXIT:-0}" = 1 ]; then exit 0; fi
wait
