#!/usr/bin/env bash
# README command 2: install everything and run the whole test suite.
#   Pass 1: PostgreSQL + Redis (queue, cache) — every test.
#   Pass 2: the embedded defaults, SQLite + Huey's SQLite queue — the platform core again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh dev
scripts/services.sh
export PYTHONUNBUFFERED=1
echo "=== lint: ruff check, ruff format --check (config in pyproject.toml) ==="
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Compile the project's modules once: with PYTHONDONTWRITEBYTECODE set (as in CI's environment) every
# server, worker and manage.py the tests start would compile the modules it imports again (0.2 s each).
.venv/bin/python -m compileall -q -x '/\.venv/|/\.git/|/node_modules/' . >/dev/null
SECONDS=0
# Tests run in parallel (pytest-xdist): most of their time is spent waiting on servers, workers and
# sandboxes they start, so more workers than cores still helps. LB_TEST_WORKERS=0 runs them in-process.
# Each worker is its own installation (tests/settings.py): data dir, PostgreSQL test database (suffixed
# _gw0, _gw1, …) and Redis databases. --dist loadgroup with the groups tests/conftest.py sets keeps each
# module on one worker (its module-scoped web tier or stack starts once) and every podman test on one
# worker (the sandbox images are built once).
workers="${LB_TEST_WORKERS:-3}"
[[ "$workers" =~ ^[0-9]$ ]] && [ "$workers" -le 4 ] || { echo "LB_TEST_WORKERS must be 0 to 4" >&2; exit 2; }
# --no-loadscope-reorder: groups go out in collection order, slow modules first (tests/conftest.py).
parallel=(); [ "$workers" -gt 0 ] && parallel=(-n "$workers" --dist loadgroup --no-loadscope-reorder)
# The 30 slowest tests of each pass end its output: where to look when the run grows past its budget.
pytest=(.venv/bin/python -m pytest -p no:cacheprovider --durations=30 "${parallel[@]}" "$@")
# Redis databases 16-2N .. 15: the suite's own (REDIS_URL, one per worker) and the stacks' it starts
# (LB_TEST_REDIS_URL, one per worker); tests/settings.py adds the worker's index to each.
slots=$((workers > 0 ? workers : 1))

echo "=== pass 1: PostgreSQL + Redis ($workers workers) ==="
DATABASE_URL="postgres://postgres@127.0.0.1:5432/leaders_board" \
  REDIS_URL="redis://127.0.0.1:6379/$((16 - 2 * slots))" LB_TEST_REDIS_URL="redis://127.0.0.1:6379/$((16 - slots))" \
  "${pytest[@]}" tests
echo "=== pass 1 took $SECONDS s ==="
SECONDS=0

# Pass 2 repeats only what can behave differently on SQLite. Left out, because pass 1 already ran them in
# exactly this configuration: tests that start their own server on a fresh SQLite data dir whatever
# DATABASE_URL says (the web tier, tests/support/webtier.py; the countdown page's server), the embedded
# disk cache's subprocess tests (always without REDIS_URL), and tests/architecture (reads source, no
# database). tests/e2e stays: its stacks take the suite's database and the queue that goes with it
# (tests/e2e/conftest.py: PostgreSQL + Redis in pass 1, SQLite + SQLite Huey here). Also left out: the
# benchmarks on a remote worker (what they prove happens on the worker's host; the server's claim and
# report on SQLite are tests/e2e/test_remote_worker.py's).
not_in_pass_2=(
  tests/e2e/test_remote_worker_benchmarks.py
  tests/core/test_client_address_web_tier.py tests/core/test_csp_browser.py tests/core/test_embedded_cache.py
  tests/submissions/test_archive_bomb_web_tier.py
  tests/leaderboard/test_oversized_body_refused.py tests/leaderboard/test_countdown_browser.py
  tests/leaderboard/test_web_tier_anonymous_body.py tests/leaderboard/test_web_tier_early_answer.py
  tests/leaderboard/test_web_tier_one_port.py tests/leaderboard/test_web_tier_slow_client.py
  tests/leaderboard/test_web_tier_spreads_load.py
)

echo "=== pass 2: SQLite + SQLite Huey (embedded defaults, $workers workers) ==="
env -u DATABASE_URL -u REDIS_URL LB_TEST_REDIS_URL="redis://127.0.0.1:6379/$((16 - slots))" "${pytest[@]}" "${not_in_pass_2[@]/#/--ignore=}" \
  tests/core tests/accounts tests/submissions tests/jobs/test_api.py tests/jobs/test_pipeline.py \
  tests/jobs/test_enqueue_statement.py tests/jobs/test_enqueue_round_trips.py tests/jobs/test_enqueue_check.py \
  tests/jobs/test_job_indexes.py tests/jobs/test_quota_rule_one_place.py tests/jobs/test_team_quota_race.py \
  tests/leaderboard tests/fleet tests/site_wide tests/notifications \
  tests/e2e -k "not redis"
echo "=== pass 2 took $SECONDS s ==="
