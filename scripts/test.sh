#!/usr/bin/env bash
# README command 2: install everything and run the whole test suite.
#   Pass 1: PostgreSQL + Redis (queue, cache) — every test.
#   Pass 2: the embedded defaults, SQLite + Huey's SQLite queue — the platform core again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh dev
scripts/services.sh
export PYTHONUNBUFFERED=1
pytest=(.venv/bin/python -m pytest -p no:cacheprovider "$@")

echo "=== pass 1: PostgreSQL + Redis ==="
DATABASE_URL="postgres://postgres@127.0.0.1:5432/leaders_board" REDIS_URL="redis://127.0.0.1:6379/14" \
  "${pytest[@]}" tests

echo "=== pass 2: SQLite + SQLite Huey (embedded defaults) ==="
env -u DATABASE_URL -u REDIS_URL "${pytest[@]}" \
  tests/architecture tests/core tests/accounts tests/submissions tests/jobs/test_api.py tests/jobs/test_pipeline.py \
  tests/jobs/test_enqueue_statement.py tests/jobs/test_enqueue_round_trips.py tests/jobs/test_enqueue_check.py \
  tests/jobs/test_job_indexes.py \
  tests/leaderboard tests/fleet tests/site_wide \
  tests/e2e -k "not redis"
