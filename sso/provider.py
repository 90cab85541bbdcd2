"""The identity provider, from `OIDC_ISSUER` alone: its endpoints and signing keys are read from
its `/.well-known/openid-configuration` on first use (not at start-up, so Candor starts while
the provider is down) and kept for the life of the process."""

from functools import lru_cache

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DISCOVERY_TIMEOUT_SECONDS = 10
# mozilla-django-oidc's setting names, and the discovery document's keys they come from.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


@lru_cache(maxsize=4)
def discovery(issuer: str) -> dict:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = requests.get(url, timeout=DISCOVERY_TIMEOUT_SECONDS).json()
    if document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise ImproperlyConfigured(f"{url} names another issuer: {document.get('issuer')!r}.")
    return document


def provider_setting(attr: str, *default):
    """An OP endpoint from discovery; any other OIDC setting from Django's settings."""
    if attr in ENDPOINTS:
        if not settings.OIDC_ISSUER:
            return ""
        return discovery(settings.OIDC_ISSUER)[ENDPOINTS[attr]]
    return getattr(settings, attr, *default)
