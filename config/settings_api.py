"""API settings: DRF (authentication, errors, throttles), the token and board caches, and
the OpenAPI schema. Star-imported by config/settings.py; like it, reading this module has
no side effects."""

from config.env import env_int

# --- DRF --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "accounts.authentication.OIDCAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["core.throttles.AnonThrottle"],
    # The client address is REMOTE_ADDR, which core.proxy.ClientAddressMiddleware sets from the
    # trusted hops of X-Forwarded-For; DRF must not read the header again on its own.
    "NUM_PROXIES": 0,
    "DEFAULT_SCHEMA_CLASS": "config.schema.PlatformAutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# API tokens (with their user) are read from the shared cache for this long; every write path
# forgets them at once (accounts/token_cache.py), so this only bounds out-of-band edits. 0: off.
LB_TOKEN_CACHE_S = env_int("LB_TOKEN_CACHE_S", 60)
# Boards are served from the shared cache until a write changes them or a phase boundary
# passes (leaderboard/board_cache.py); this bounds changes no write path reports. 0: off.
LB_BOARD_CACHE_S = env_int("LB_BOARD_CACHE_S", 300)
SPECTACULAR_SETTINGS = {
    "TITLE": "leaders-board API",
    "DESCRIPTION": "Upload submissions, run jobs, read results and leaderboards.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}
