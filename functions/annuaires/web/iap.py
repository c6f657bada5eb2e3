"""The general admin's identity in production: Identity-Aware Proxy's signed header."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import google.auth.exceptions
from google.auth import jwt

from annuaires.web.google_keys import published_keys

IAP_HEADER = "X-Goog-IAP-JWT-Assertion"
IAP_ISSUER = "https://cloud.google.com/iap"
IAP_KEYS_URL = "https://www.gstatic.com/iap/verify/public_key"
google_keys = published_keys(IAP_KEYS_URL)


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
