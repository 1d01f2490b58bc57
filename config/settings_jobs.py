"""Job settings: the sandbox, retries and deadlines, dependencies, scoring, and the rate
limits. Star-imported by config/settings.py; like it, reading this module has no side effects."""

from config.env import env_bool, env_float, env_int, env_list, env_str
from sandbox.deps_fetch import DEFAULT_PASS_ENV

# --- Jobs -----------------------------------------------------------------
LB_SANDBOX = env_str("LB_SANDBOX", "bubblewrap")
# docker backend: the sandbox image (Python + ML stack, no platform code or data),
# the engine's CLI (docker or podman) with extra global flags, and an optional
# worker-path=host-path map (default: read from the worker container's own mounts).
LB_SANDBOX_IMAGE = env_str("LB_SANDBOX_IMAGE", "leaders-board-sandbox:latest")
LB_CONTAINER_CLI = env_str("LB_CONTAINER_CLI", "docker")
LB_CONTAINER_CLI_ARGS = env_str("LB_CONTAINER_CLI_ARGS", "")
LB_DOCKER_PATH_MAP = env_str("LB_DOCKER_PATH_MAP", "")
LB_WORKER_GPU = env_str("LB_WORKER_GPU", "")
LB_MAX_ATTEMPTS = env_int("LB_MAX_ATTEMPTS", 3)
LB_HEARTBEAT_S = env_float("LB_HEARTBEAT_S", 5.0)
LB_HEARTBEAT_TIMEOUT_S = env_float("LB_HEARTBEAT_TIMEOUT_S", 60.0)
# Remote workers (remote_workers/, docs/fleet.md): the longest a claim waits for a job (each
# waiting claim holds one web worker), and how long the signed file URLs of a claim stay valid.
LB_WORKER_CLAIM_WAIT_S = env_float("LB_WORKER_CLAIM_WAIT_S", 30.0)
LB_WORKER_URL_TTL_S = env_int("LB_WORKER_URL_TTL_S", 900)
LB_LIVE_POOLS_MEMO_S = env_float("LB_LIVE_POOLS_MEMO_S", 2.0)  # how old the live pools behind a waiting reason may be
LB_PENDING_DEADLINE_S = env_float("LB_PENDING_DEADLINE_S", 6 * 3600.0)
LB_REQUEUE_PENDING_AFTER_S = env_float("LB_REQUEUE_PENDING_AFTER_S", 300.0)
LB_RUN_GRACE_S = env_float("LB_RUN_GRACE_S", 120.0)
LB_SWEEP_INTERVAL_S = env_int("LB_SWEEP_INTERVAL_S", 60)
# Reproduction (leaderboard/reproduction.py): how many top lines of a board are re-run when its phase
# ends (0: none), and the inactive account that owns those re-runs.
LB_REPRODUCE_TOP_K = env_int("LB_REPRODUCE_TOP_K", 3)
LB_PLATFORM_USER = env_str("LB_PLATFORM_USER", "platform")
LB_MAX_ACTIVE_JOBS_PER_USER = env_int("LB_MAX_ACTIVE_JOBS_PER_USER", 3)
LB_DEFAULT_RESOURCE_CLASS = env_str("LB_DEFAULT_RESOURCE_CLASS", "small")
LB_DEPS_TIMEOUT_S = env_int("LB_DEPS_TIMEOUT_S", 600)
# requirements.txt (sandbox/deps.py): the worker downloads wheels, with only these variables of its
# environment (by default sandbox.deps_fetch.DEFAULT_PASS_ENV); the sandboxed install gets none, and no network.
LB_DEPS_PASS_ENV = env_list("LB_DEPS_PASS_ENV", list(DEFAULT_PASS_ENV))
LB_DEPS_ALLOW_SOURCE_BUILDS = env_bool("LB_DEPS_ALLOW_SOURCE_BUILDS", False)  # sdists built in the sandbox, offline
LB_DEPS_CACHE_MAX_GB = env_float("LB_DEPS_CACHE_MAX_GB", 20.0)  # dependency layers, least recently used evicted
# Scoring (and reading config.yaml for MLflow) runs in a limited child (jobs/scoring/isolated.py):
# wall-clock seconds (keep it under LB_RUN_GRACE_S: the sweeper's deadline covers scoring too),
# memory on top of what the forked worker holds (0: the job's resource class's memory_mb),
# the largest file it may write, and whether scoring must refuse to run with the host's network.
LB_SCORING_TIMEOUT_S = env_float("LB_SCORING_TIMEOUT_S", 100.0)
LB_SCORING_MEMORY_MB = env_int("LB_SCORING_MEMORY_MB", 0)
LB_SCORING_MAX_FILE_MB = env_int("LB_SCORING_MAX_FILE_MB", 256)
LB_SCORING_REQUIRE_NO_NETWORK = env_bool("LB_SCORING_REQUIRE_NO_NETWORK", False)
LB_LOG_TAIL_LINES = env_int("LB_LOG_TAIL_LINES", 20)
LB_JOB_LIVE_POLL_S = env_float("LB_JOB_LIVE_POLL_S", 0.5)  # /ws/jobs/<id>/live: how often status and log are read

LB_BENCH_VIEWS = env_bool("LB_BENCH_VIEWS", False)  # adds /api/bench/bare for bench/api_latency.py

# --- Rate limits (DRF throttles on the shared cache; core/throttles.py) ------
LB_RATELIMIT_ENABLE = env_bool("LB_RATELIMIT_ENABLE", True)
LB_RATE_SUBMISSIONS_HOUR = env_str("LB_RATE_SUBMISSIONS_HOUR", "60/h")
LB_RATE_SUBMISSIONS_DAY = env_str("LB_RATE_SUBMISSIONS_DAY", "300/d")
LB_RATE_JOBS_HOUR = env_str("LB_RATE_JOBS_HOUR", "120/h")
LB_RATE_DOWNLOADS_HOUR = env_str("LB_RATE_DOWNLOADS_HOUR", "60/h")  # submitted archives and finals zips
LB_RATE_ANON = env_str("LB_RATE_ANON", "600/m")
