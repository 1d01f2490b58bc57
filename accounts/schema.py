"""Teach drf-spectacular our authentication classes (bearer tokens)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token: `lb_<prefix>_<secret>`."}


class OIDCScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.OIDCAuthentication"
    name = "oidcJWT"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A JWT from the configured OIDC issuer (when OIDC_ISSUER is set).",
        }
