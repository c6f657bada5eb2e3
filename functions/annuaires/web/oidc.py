"""Who calls the task endpoints: Google's OIDC token in production (Cloud Scheduler, Cloud Tasks), the local token otherwise."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping

import google.auth.exceptions
from google.auth import jwt

from annuaires.config import Config
from annuaires.web.google_keys import published_keys

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
ISSUERS = ("https://accounts.google.com", "accounts.google.com")
google_certs = published_keys(GOOGLE_CERTS_URL)


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
