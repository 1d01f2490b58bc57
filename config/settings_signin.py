"""Sign-in settings: bearer JWTs from an OIDC issuer, django-allauth (local
accounts and the browser OIDC flow) and e-mail. Star-imported by
config/settings.py; like it, reading this module has no side effects."""

from config.env import env_float, env_list, env_str

OIDC_ISSUER = env_str("OIDC_ISSUER", "")
OIDC_AUDIENCE = env_str("OIDC_AUDIENCE", "")
OIDC_JWKS_URL = env_str("OIDC_JWKS_URL", "")
OIDC_ALGORITHMS = env_list("OIDC_ALGORITHMS", ["RS256", "ES256"])
OIDC_USERNAME_CLAIM = env_str("OIDC_USERNAME_CLAIM", "preferred_username")  # a username *hint* only
# A token naming a key id the cached JWKS lacks makes a refetch (key rotation) at most this often
# per process; sooner, it is refused without one (anyone can send a fresh kid).
OIDC_JWKS_MIN_REFRESH_S = env_float("OIDC_JWKS_MIN_REFRESH_S", 60.0)
# Browser sign-in (authorization-code flow) with the same issuer; off unless a client id is set.
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "")
OIDC_PROVIDER_ID = env_str("OIDC_PROVIDER_ID", "oidc")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "Single sign-on")
# Staff rights come from the issuer only through this explicit mapping: a
# member of any of these groups (claim OIDC_GROUPS_CLAIM) is made staff.
OIDC_STAFF_GROUPS = env_list("OIDC_STAFF_GROUPS", [])
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")

# Who may create a local account: open, invite (an invitation code from
# staff) or closed. `make run` sets open.
LB_SIGNUP = env_str("LB_SIGNUP", "invite")
EMAIL_URL = env_str("EMAIL_URL", "")

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/jobs/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email" + ("*" if EMAIL_URL else ""), "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory" if EMAIL_URL else "none"
ACCOUNT_LOGOUT_ON_GET = False
# An identity from the issuer is linked by (issuer, sub) only: never to an
# existing account by e-mail or username.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "APPS": [
            {
                "provider_id": OIDC_PROVIDER_ID,
                "name": OIDC_PROVIDER_NAME,
                "client_id": OIDC_CLIENT_ID,
                "secret": OIDC_CLIENT_SECRET,
                "settings": {"server_url": OIDC_ISSUER, "fetch_userinfo": False},
            }
        ]
        if OIDC_CLIENT_ID and OIDC_ISSUER
        else [],
        "SCOPE": ["openid", "profile", "email"],
    }
}
if EMAIL_URL:
    import urllib.parse as _url

    _email = _url.urlsplit(EMAIL_URL)
    EMAIL_BACKEND = (
        "django.core.mail.backends.console.EmailBackend"
        if _email.scheme == "console"
        else "django.core.mail.backends.smtp.EmailBackend"
    )
    EMAIL_HOST, EMAIL_PORT = _email.hostname or "localhost", _email.port or 25
    EMAIL_HOST_USER = _url.unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = _url.unquote(_email.password or "")
    EMAIL_USE_TLS = _email.scheme in {"smtp+tls", "submission"}
    DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "leaders-board@localhost")
else:
    # No mail server configured: notifications (notifications/) print to the log rather than try
    # localhost:25; sign-up verification stays off (above), as without any EMAIL_URL.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "leaders-board@localhost")
