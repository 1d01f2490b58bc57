#!/usr/bin/env bash
# The production web tier: the one definition that make run, compose, the
# Dockerfile, the end-to-end tests and bench/api_latency.py all start.
#
#   plain HTTP   -> gunicorn, config.wsgi (WSGI; sync workers, one request at a time each)
#   /ws/...      -> uvicorn, config.asgi  (ASGI; Channels WebSockets only)
#   one client port, LB_WEB_PORT: nginx routes by path, refuses oversized bodies
#   before reading them (JSON 413), and hands gunicorn only whole requests: a slow
#   client costs nginx a connection, never a worker.
#
# Sync workers, 2 x cores + 1 of them (gunicorn's advice; at most 12 by default): each takes the next request
# from one accept queue, so no request waits behind another in a busy worker while one
# is free. Threaded workers kept connections and queues of their own and shared a GIL:
# at 50 clients their P95 was twice their P50 (docs/performance.md).
#
# LB_WEB_PROXY=none leaves the proxy to someone else (compose's proxy service):
# gunicorn then listens on LB_WEB_HOST:LB_WEB_PORT and uvicorn on LB_WS_PORT.
# SIGTERM or SIGINT stops all of it gracefully; if one part dies, the rest stop.
#
# The client address: nginx appends its peer to X-Forwarded-For; Django walks that header
# from the right through LB_TRUSTED_PROXIES (core/proxy.py). Neither server rewrites the
# address from a header: gunicorn never does (its forwarded_allow_ips covers the scheme
# headers only), and uvicorn runs with --no-proxy-headers (its '*' took the leftmost,
# client-written X-Forwarded-For entry).
set -euo pipefail
cd "$(dirname "$0")/.."

py="${PYTHON:-.venv/bin/python}"
[ -x "$py" ] || py=python
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings}"
host="${LB_WEB_HOST:-127.0.0.1}"
port="${LB_WEB_PORT:-8000}"
proxy="${LB_WEB_PROXY:-nginx}"
cores="$(nproc 2>/dev/null || echo 2)"
# At most 12 by default: each worker holds a database connection (PostgreSQL allows 100
# unless told otherwise), and a many-core GPU host would otherwise start dozens.
default_workers=$((2 * cores + 1)); [ "$default_workers" -le 12 ] || default_workers=12
http_workers="${LB_WEB_WORKERS:-$default_workers}"
http_class="${LB_WEB_WORKER_CLASS:-sync}"   # gthread (with LB_WEB_THREADS) where no buffering proxy is in front
http_threads="${LB_WEB_THREADS:-1}"
http_timeout="${LB_WEB_TIMEOUT:-120}"       # a worker busy this long with one request is restarted
ws_workers="${LB_WS_WORKERS:-1}"

run_dir="${LB_WEB_RUN_DIR:-}"
own_run_dir=0
if [ -z "$run_dir" ]; then run_dir="$(mktemp -d /tmp/lb-web.XXXXXX)"; own_run_dir=1; fi
mkdir -p "$run_dir"
chmod 755 "$run_dir"   # nginx's workers (nobody when started as root) reach the sockets

pids=()
stopping=0
stop() {
  stopping=1
  trap - TERM INT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ "$own_run_dir" = 0 ] || rm -rf "$run_dir"
}
trap 'stop; exit 0' TERM INT

if [ "$proxy" = nginx ]; then
  http_bind="unix:$run_dir/http.sock"
  ws_bind=(--uds "$run_dir/ws.sock")
else
  http_bind="$host:$port"
  ws_bind=(--host "$host" --port "${LB_WS_PORT:-$((port + 1))}")
fi

"$py" -m gunicorn config.wsgi:application --bind "$http_bind" \
  --worker-class "$http_class" --workers "$http_workers" --threads "$http_threads" --timeout "$http_timeout" \
  --backlog 2048 --keep-alive 75 --graceful-timeout 20 --log-level warning &
pids+=($!)
"$py" -m uvicorn config.asgi:application "${ws_bind[@]}" --workers "$ws_workers" \
  --no-proxy-headers --no-access-log --log-level warning --timeout-graceful-shutdown 10 &
pids+=($!)

if [ "$proxy" = nginx ]; then
  # The body cap comes from the settings (LB_UPLOAD_MAX_BYTES), the same number the application enforces.
  # Outside the upload paths bodies are small (LB_ANON_BODY_MAX_BYTES); the template says why.
  read -r LB_BODY_MAX_BYTES LB_ANON_BODY_MAX_BYTES < <("$py" -c 'from django.conf import settings
from core.bodylimit import request_body_cap; print(request_body_cap(), settings.LB_ANON_BODY_MAX_BYTES)')
  LB_WEB_LISTEN="$host:$port" LB_HTTP_UPSTREAM="unix:$run_dir/http.sock" LB_WS_UPSTREAM="unix:$run_dir/ws.sock" \
  LB_BODY_MAX_BYTES="$LB_BODY_MAX_BYTES" LB_ANON_BODY_MAX_BYTES="$LB_ANON_BODY_MAX_BYTES" "$py" -c '
import os, re, sys
text = open("deploy/nginx-web.conf.template").read()
sys.stdout.write(re.sub(r"\$\{(LB_[A-Z_]+)\}", lambda m: os.environ[m.group(1)], text))' >"$run_dir/web.conf"
  user_line=""
  [ "$(id -u)" != 0 ] || user_line="user nobody nogroup;"
  cat >"$run_dir/nginx.conf" <<CONF
$user_line
worker_processes ${LB_PROXY_WORKERS:-1};
pid $run_dir/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $run_dir/client_body;
  proxy_temp_path $run_dir/proxy;
  fastcgi_temp_path $run_dir/fastcgi;
  uwsgi_temp_path $run_dir/uwsgi;
  scgi_temp_path $run_dir/scgi;
  include $run_dir/web.conf;
}
CONF
  # Open the client port only once both servers listen: a WebSocket that arrives
  # while uvicorn is still importing the app would get nginx's 502.
  for _ in $(seq 1 600); do
    [ -S "$run_dir/http.sock" ] && [ -S "$run_dir/ws.sock" ] && break
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "serve.sh: a server died at start" >&2; stop; exit 1; }; done
    sleep 0.2
  done
  nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
  "$nginx_bin" -p "$run_dir" -c "$run_dir/nginx.conf" -e stderr -g 'daemon off;' &
  pids+=($!)
fi
echo "web tier on $host:$port (HTTP: gunicorn $http_class ${http_workers}x${http_threads}; /ws/: uvicorn x$ws_workers; proxy: $proxy)" >&2

# Any part exiting takes the tier down (a supervisor restarts it whole).
set +e
wait -n "${pids[@]}"
code=$?
if [ "$stopping" = 0 ]; then
  echo "serve.sh: a web tier process exited ($code); stopping the rest" >&2
  stop
  exit 1
fi
