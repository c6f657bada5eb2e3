"""Who calls the task endpoints: Google's OIDC token in production (Cloud Scheduler, Cloud Tasks), the local token otherwise."""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Callable, Mapping

import google.auth.exceptions
import google.auth.transport.requests
from google.auth import jwt

from ..config import Config

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
ISSUERS = ("https://accounts.google.com", "accounts.google.com")
KEYS_TTL_SECONDS = 3600

_cache: dict[str, object] = {}


def google_certs() -> Mapping[str, str]:
    """Google's OAuth2 signing certificates (key id → PEM), fetched at most once an hour."""
    if _cache.get("until", 0) < time.time():  # type: ignore[operator]
        response = google.auth.transport.requests.Request()(GOOGLE_CERTS_URL, method="GET")
        if response.status != 200:
            raise ValueError(f"Google's certificates answered {response.status}")
        _cache.update(keys=json.loads(response.data), until=time.time() + KEYS_TTL_SECONDS)
    return _cache["keys"]  # type: ignore[return-value]


def task_caller_allowed(config: Config, authorization: str, certs: Callable[[], Mapping[str, str]] = google_certs) -> bool:
    """Whether an Authorization header is the scheduler's or the task queue's (anything else is refused)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    if config.emulator:
        return bool(config.tasks_token) and hmac.compare_digest(token.encode(), config.tasks_token.encode())
    if not (config.tasks_audience and config.tasks_service_account):
        return False
    try:
        claims = jwt.decode(token, certs=certs(), audience=config.tasks_audience)
    except (ValueError, KeyError, google.auth.exceptions.GoogleAuthError):
        return False
    return (claims.get("iss") in ISSUERS and claims.get("email_verified") is True
            and str(claims.get("email", "")).lower() == config.tasks_service_account)
