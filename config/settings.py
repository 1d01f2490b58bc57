"""The one settings module. Everything comes from the environment (see
``.env.example``), with embedded defaults that run on one machine: SQLite,
Huey on SQLite and a local MLflow server, all under ``LB_DATA_DIR``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_float, env_int, env_list, env_path, env_str
from core.secret_files import SECRET_KEY_FILE, read_secret

BASE_DIR = Path(__file__).resolve().parent.parent
# Importing settings writes nothing anywhere: the data folder is made at run
# time (config.startup, called by manage.py, ASGI, WSGI), the hidden seed on first
# use (jobs.scoring.seed), so an image build leaves no data behind.
DATA_DIR = env_path("LB_DATA_DIR", BASE_DIR / "var")

DEBUG = env_bool("DJANGO_DEBUG", False)
# A deployment sets DJANGO_SECRET_KEY (compose refuses to start without it, and
# `check --deploy` fails: core/checks.py). Without it, this installation's own
# random key, LB_DATA_DIR/secret-key (0600): made at run time by config.startup
# (manage.py, ASGI, WSGI) before anything is signed, only read here. The fixed
# key in the source is for a process that skipped config.startup (the test
# suite); one that did never runs on it (tests/config/test_secret_key.py).
SECRET_KEY_FROM_ENV = bool(env_str("DJANGO_SECRET_KEY"))
SECRET_KEY = (
    env_str("DJANGO_SECRET_KEY") or read_secret(DATA_DIR / SECRET_KEY_FILE) or "dev-only-insecure-key-change-me"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# --- HTTPS (behind a TLS-terminating reverse proxy; see docs/deploy.md) -------
# DJANGO_SECURE=1 (or LB_HTTPS=1): HSTS, redirect to https, secure cookies.
# X-Forwarded-Proto is believed only from LB_TRUSTED_PROXIES (core.proxy), and the client
# address is X-Forwarded-For walked from the right through these (CIDRs): list proxies only.
HTTPS = env_bool("DJANGO_SECURE", False) or env_bool("LB_HTTPS", False)
LB_TRUSTED_PROXIES = env_list("LB_TRUSTED_PROXIES", ["127.0.0.1/32", "::1/128"])
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health(/|$)"]  # probes from inside the deployment speak plain HTTP
    SECURE_HSTS_SECONDS = env_int("LB_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LB_HSTS_INCLUDE_SUBDOMAINS", True)
    # Only allows a submission to the browsers' preload list; nothing is submitted.
    SECURE_HSTS_PRELOAD = env_bool("LB_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "huey.contrib.djhuey",
    "huey.contrib.djhuey.stats",
    "channels",
    "core",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "accounts",
    "teams",
    "phases",
    "submissions",
    "jobs",
    "agents",
    "leaderboard",
    "notifications",  # e-mail about jobs and phases: hears jobs' signals, reads phases
    "fleet",
    "remote_workers",  # the HTTPS API of GPU hosts that hold no secrets (docs/fleet.md)
    "site_wide",  # probes, /api/, /api/me, bootstrap: above every app
    "django_prometheus",
    "csp",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # request metrics for /metrics
    # The client address (request.client_ip, REMOTE_ADDR) from LB_TRUSTED_PROXIES' X-Forwarded-For;
    # before SecurityMiddleware reads X-Forwarded-Proto and before anything reads the address.
    "core.proxy.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files without a separate server
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (CONTENT_SECURITY_POLICY below)
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers, so "count then insert"
    # checks (the per-user concurrency limit) cannot both pass; the backend
    # queues them on a file lock instead of SQLite's sleeping busy handler.
    DATABASES["default"]["ENGINE"] = "config.sqlite_backend"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Connections persist per worker thread like PostgreSQL's: opening one (and
    # its PRAGMAs) on every request was the largest cost of a small API call.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits share it) ----------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    # django-redis keeps one client per server; Django's own RedisCache builds a redis.Redis client (and
    # its table of response callbacks) on every call, about a sixth of an API request's Python here
    # (docs/performance.md).
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A disk cache is shared by every process on the machine, which the rate
    # limiter needs (LocMem would give each process its own counters). DiskCache
    # keeps entries in SQLite files: Django's FileBasedCache listed its whole
    # folder on every set and culled a third of its entries past 300, so with
    # more than 300 active tokens every request missed (docs/performance.md).
    CACHES = {
        "default": {
            "BACKEND": "core.disk_cache.PersistentDiskCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "SHARDS": 4,
            "DATABASE_TIMEOUT": 0.25,  # a write waits this long for a shard's lock, then retries
            "OPTIONS": {"size_limit": env_int("LB_CACHE_SIZE_MB", 256) * 2**20},
        }
    }

# --- Queue ----------------------------------------------------------------
# One queue per pool (jobs/queue.py, jobs/queue_huey.py): a job goes to its resource class's
# pool; a worker consumes the main queue plus the pools in LB_WORKER_POOLS.
HUEY_QUEUE_NAME = env_str("LB_QUEUE_NAME", "leaders-board")
LB_RESOURCE_CLASSES: dict[str, dict] = json.loads(
    env_str(
        "LB_RESOURCE_CLASSES",
        json.dumps(
            {
                "small": {
                    "timeout_s": 900,
                    "memory_mb": 8192,
                    "cpus": 2,
                    "max_procs": 512,
                    "max_output_mb": 1024,
                    "max_output_files": 10000,
                    "gpus": 1,
                    "pool": "default",
                },
                "medium": {
                    "timeout_s": 3600,
                    "memory_mb": 16384,
                    "cpus": 4,
                    "max_procs": 1024,
                    "max_output_mb": 2048,
                    "max_output_files": 10000,
                    "gpus": 1,
                    "pool": "default",
                },
            }
        ),
    )
)
# The platform's scoring pool: outputs uploaded by remote workers (remote_workers/) are scored
# there, next to the hidden data; a local worker serves it by default, like every pool.
LB_SCORING_POOL = env_str("LB_SCORING_POOL", "scoring")
LB_POOLS = sorted({spec.get("pool", "default") for spec in LB_RESOURCE_CLASSES.values()} | {"default", LB_SCORING_POOL})
LB_WORKER_POOLS = env_list("LB_WORKER_POOLS", LB_POOLS)  # the pools this worker serves; default: all
if REDIS_URL:
    HUEY = {
        "name": HUEY_QUEUE_NAME,
        "huey_class": "jobs.queue_huey.PoolRedisHuey",
        "url": REDIS_URL,
        "immediate": False,
        "pools": LB_WORKER_POOLS,
        "all_pools": LB_POOLS,
        "consumer": {"workers": env_int("LB_WORKER_THREADS", 1), "worker_type": "thread"},
    }
else:
    HUEY = {
        "name": HUEY_QUEUE_NAME,
        "huey_class": "jobs.queue_huey.PoolSqliteHuey",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": False,
        "pools": LB_WORKER_POOLS,
        "all_pools": LB_POOLS,
        "consumer": {"workers": env_int("LB_WORKER_THREADS", 1), "worker_type": "thread"},
    }
HUEY_STATS = {"filename": str(DATA_DIR / "huey-stats.sqlite3")}

# --- Tracking -------------------------------------------------------------
MLFLOW_TRACKING_URI = env_str("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
MLFLOW_UI_URL = env_str("MLFLOW_UI_URL", MLFLOW_TRACKING_URI).rstrip("/")
MLFLOW_EXPERIMENT_PREFIX = env_str("LB_MLFLOW_EXPERIMENT_PREFIX", "leaders-board")
TRACKING_RETRIES = env_int("LB_TRACKING_RETRIES", 4)
TRACKING_BACKOFF_S = env_float("LB_TRACKING_BACKOFF_S", 2.0)

# --- Storage --------------------------------------------------------------
STORAGES = {
    "default": {
        # Flushed to disk before the row that names it is written (core/storage.py).
        "BACKEND": "core.storage.DurableFileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "submissions"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
STATIC_URL = "/static/"
# Part of the image (collectstatic at build), never of the data volume.
STATIC_ROOT = env_path("LB_STATIC_ROOT", BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Benchmarks -----------------------------------------------------------
LB_BENCHMARKS = env_list("LB_BENCHMARKS", ["benchmarks.anomaly:benchmarks", "benchmarks.maze:benchmarks"])

# 0: this installation's own random 256-bit seed, kept in LB_DATA_DIR/hidden-seed and
# made by `bootstrap` or its first reader (jobs.scoring.seed), never at import. A fixed
# one must have at least 128 bits (`check --deploy` says so); tests use small ones.
LB_HIDDEN_SEED = env_int("LB_HIDDEN_SEED", 0)


def _benchmark_seed(slug: str, label: str) -> int:
    # HMAC-SHA256(HMAC-SHA256(seed, "<slug>:<generation>"), label): read when data is built, never at import.
    from jobs.scoring.seed import benchmark_seed

    return benchmark_seed(slug, label)


LB_BENCHMARK_OPTIONS = {
    "benchmarks.anomaly": {
        "mvtec_root": env_str("LB_MVTEC_ROOT") or None,
        "categories": env_list("LB_MVTEC_CATEGORIES") or None,
        "seed_for": _benchmark_seed,  # each benchmark its own secret seeds (rotate_hidden_data SLUG)
    },
    "benchmarks.maze": {"seed_for": _benchmark_seed},
}
LB_BENCHMARK_DATA_DIR = DATA_DIR / "benchmarks"

# --- Submissions ----------------------------------------------------------
LB_UPLOAD_MAX_BYTES = env_int("LB_UPLOAD_MAX_BYTES", 200 * 1024 * 1024)
LB_UPLOAD_MAX_FILES = env_int("LB_UPLOAD_MAX_FILES", 2000)
LB_UPLOAD_MAX_UNCOMPRESSED_BYTES = env_int("LB_UPLOAD_MAX_UNCOMPRESSED_BYTES", 1024 * 1024 * 1024)
LB_UPLOAD_MAX_RATIO = env_int("LB_UPLOAD_MAX_RATIO", 200)
# nginx (scripts/serve.sh): the largest body outside the upload paths, signed in or not; the
# upload paths take up to LB_UPLOAD_MAX_BYTES once the application has said the sender is signed in.
LB_ANON_BODY_MAX_BYTES = env_int("LB_ANON_BODY_MAX_BYTES", 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "submissions.upload.KeepPathsHandler",  # Django's parser, keeping folders in file names
    "submissions.upload.LimitedMemoryFileUploadHandler",
    "submissions.upload.LimitedTemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("LB_UPLOAD_MAX_FILES", 2000)

# --- Jobs, scoring, dependencies and rate limits (config/settings_jobs.py) ---
from config.settings_jobs import *  # noqa: E402,F401,F403

# --- Notifications (docs/notifications.md) -----------------------------------
# The address links in e-mails start with, and how long the first event waits for
# others before its digest goes (one e-mail per user per window).
LB_SITE_URL = env_str("LB_SITE_URL", "http://127.0.0.1:8000")
LB_NOTIFY_BATCH_S = env_int("LB_NOTIFY_BATCH_S", 60)

# --- Auth: OIDC, django-allauth, e-mail (config/settings_signin.py) -----------
from config.settings_signin import *  # noqa: E402,F401,F403

# --- CORS (closed unless configured) ----------------------------------------
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/(api|health)/?.*$"

# --- Content-Security-Policy (django-csp) -------------------------------------
# What the pages use and nothing more: scripts and styles from this origin only (the inline
# ones, the fleet page's and the browsable API's <style>, carry the response's nonce),
# fetch and WebSockets to this origin, data: images (canvas exports, Django admin's
# icons). style="" attributes stay allowed (a few templates, Django admin's and DRF's use
# them). The API docs page adds the Swagger UI's CDN (config/urls.py); a response that sets
# its own policy (the job pictures) keeps it.
from urllib.parse import urlsplit as _urlsplit  # noqa: E402

from csp.constants import NONCE, NONE, SELF  # noqa: E402

_FORM_ACTION = [SELF]
if OIDC_ISSUER:  # noqa: F405 (settings_signin): the OIDC sign-in form's POST redirects to the issuer
    _FORM_ACTION.append("{0.scheme}://{0.netloc}".format(_urlsplit(OIDC_ISSUER)))  # noqa: F405
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],  # NONCE: only where a page asks for one (request.csp_nonce)
        "style-src": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],  # fetch, and /ws/... (CSP 3: 'self' covers ws:/wss: of this host)
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": _FORM_ACTION,
    },
}

# --- DRF and the OpenAPI schema (config/settings_api.py) ----------------------
from config.settings_api import *  # noqa: E402,F401,F403

# --- Channels ----------------------------------------------------------------
# Sockets need no cross-process messages (training progress is read from the
# database), so the in-memory layer serves every deployment.
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# One JSON object per line, from every logger (Django's, Huey's, uvicorn's, MLflow's
# and ours), each with the request id or job id it was caused by (core/logcontext.py).
# Importing mlflow would give the "huey", "mlflow", "alembic" and "sqlalchemy.engine"
# loggers its own plain-text handler at WARNING (mlflow/utils/logging_utils.py), after
# this config ran; its public switch, read at that import, leaves them to LOGGING. Set,
# not defaulted: an inherited "true" would silently bring the plain-text lines back.
os.environ["MLFLOW_CONFIGURE_LOGGING"] = "false"
_LOG_LEVEL = env_str("LB_LOG_LEVEL", "INFO")
_OWN_HANDLER = {"handlers": ["console"], "propagate": False}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logcontext.ContextFilter"}},
    "formatters": {"json": {"()": "core.logcontext.json_formatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": _LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # These libraries add their own plain-text handlers unless configured here.
        "huey": {**_OWN_HANDLER, "level": _LOG_LEVEL},
        "sqlalchemy.engine": {"level": "WARNING"},  # MLflow's levels, kept: SQL statements are not news
        "alembic": {"level": "WARNING"},
        "uvicorn": {**_OWN_HANDLER, "level": _LOG_LEVEL},
        "uvicorn.error": {**_OWN_HANDLER, "level": _LOG_LEVEL},
        "uvicorn.access": {**_OWN_HANDLER, "level": _LOG_LEVEL},
    },
}

# --- Agents (model registry, live viewer, training console) ----------------
LB_MODELS_DIR = env_path("LB_MODELS_DIR", DATA_DIR / "models")
LB_MODEL_MAX_BYTES = env_int("LB_MODEL_MAX_BYTES", 64 * 1024 * 1024)
LB_WS_MAX_CONNECTIONS = env_int("LB_WS_MAX_CONNECTIONS", 200)  # per web process
LB_WS_IDLE_TIMEOUT_S = env_float("LB_WS_IDLE_TIMEOUT_S", 600.0)
LB_WS_MAX_SPEED = env_float("LB_WS_MAX_SPEED", 60.0)  # steps per second
LB_VIEWER_MAZES = env_int("LB_VIEWER_MAZES", 50)  # public training mazes offered to the viewer
LB_VIEWER_STEP_TIMEOUT_S = env_float("LB_VIEWER_STEP_TIMEOUT_S", 2.0)  # one policy call; past it the socket closes
LB_VIEWER_INFERENCE_THREADS = env_int("LB_VIEWER_INFERENCE_THREADS", 4)  # per web process, off the event loop
LB_TRAINING_MAX_TIMESTEPS = env_int("LB_TRAINING_MAX_TIMESTEPS", 2_000_000)
LB_TRAINING_PER_HOUR = env_int("LB_TRAINING_PER_HOUR", 5)
LB_TRAINING_POLL_S = env_float("LB_TRAINING_POLL_S", 0.25)
MIDDLEWARE += ["core.observability.RequestLogMiddleware"]

# --- Fleet (workers, pools, GPU telemetry, metrics) ---------------------------
LB_WORKER_HOST = env_str("LB_WORKER_HOST", "")  # the name this worker reports; default: the host name
LB_WORKER_VERSION = env_str("LB_WORKER_VERSION", "")  # default: the git sha of BASE_DIR, if any
LB_GPU_POLL_S = env_float("LB_GPU_POLL_S", 1.0)  # NVML readings, one thread per worker
LB_FLEET_PUSH_S = env_float("LB_FLEET_PUSH_S", 1.0)  # how often /ws/fleet sends the fleet
LB_WORKER_FORGET_AFTER_S = env_float("LB_WORKER_FORGET_AFTER_S", 7 * 86400.0)  # gone workers kept this long
# Addresses or networks (CIDR) that may read /metrics without logging in (Prometheus); staff always may.
LB_METRICS_ALLOW = env_list("LB_METRICS_ALLOW", [])
MIDDLEWARE += ["django_prometheus.middleware.PrometheusAfterMiddleware"]
