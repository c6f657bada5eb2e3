"""The general admin's identity in production: Identity-Aware Proxy's signed header."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping

import google.auth.exceptions
import google.auth.transport.requests
from google.auth import jwt

IAP_HEADER = "X-Goog-IAP-JWT-Assertion"
IAP_ISSUER = "https://cloud.google.com/iap"
IAP_KEYS_URL = "https://www.gstatic.com/iap/verify/public_key"
KEYS_TTL_SECONDS = 3600

_cache: dict[str, object] = {}


def google_keys() -> Mapping[str, str]:
    """IAP's public keys (key id → PEM), fetched at most once an hour."""
    if _cache.get("until", 0) < time.time():  # type: ignore[operator]
        response = google.auth.transport.requests.Request()(IAP_KEYS_URL, method="GET")
        if response.status != 200:
            raise ValueError(f"IAP keys answered {response.status}")
        _cache.update(keys=json.loads(response.data), until=time.time() + KEYS_TTL_SECONDS)
    return _cache["keys"]  # type: ignore[return-value]


def verified_email(assertion: str, audience: str, keys: Callable[[], Mapping[str, str]] = google_keys) -> str | None:
    """The e-mail in a valid IAP assertion for our audience, or None."""
    if not assertion or not audience:
        return None
    try:
        claims = jwt.decode(assertion, certs=keys(), audience=audience)
    except (ValueError, KeyError, google.auth.exceptions.GoogleAuthError):
        return None
    if claims.get("iss") != IAP_ISSUER:
        return None
    email = claims.get("email")
    return email.lower() if isinstance(email, str) else None
