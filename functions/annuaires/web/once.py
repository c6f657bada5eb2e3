"""A secret made by a form post and shown once on the page the post redirects to (post, redirect, then show):
a reload of that page never makes another, and shows it no more.

Between the post and the page, the secret waits in a short-lived cookie, sealed (AES-GCM) under a key of its
own and bound to the session that made it: it opens for that session only, on that page only, once.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import request
from werkzeug.wrappers import Response

from annuaires.services.roles import Principal
from annuaires.web import edge

COOKIE = "annuaires_once"
SECONDS = 300  # long enough for the redirect, short enough that a forgotten tab holds nothing
NONCE_BYTES = 12


def _aead() -> AESGCM:
    return AESGCM(hashlib.sha256(b"annuaires shown once\0" + edge.ctx().device_key).digest())


def _bound(principal: Principal, page: str) -> bytes:
    return hashlib.sha256(f"{page}\0{principal.token}".encode()).digest()


def keep(response: Response, principal: Principal, page: str, secret: str) -> Response:
    """Hand a secret to `page`, for this session only (the response redirects there)."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + _aead().encrypt(nonce, secret.encode(), _bound(principal, page))
    response.set_cookie(COOKIE, base64.urlsafe_b64encode(sealed).decode(), max_age=SECONDS, path=page, httponly=True,
                        samesite="Strict", secure=edge.ctx().config.secure_cookies)
    return response


def take(principal: Principal, page: str) -> str | None:
    """The secret handed to this page for this session, if it has not been shown yet (`forget` it after)."""
    raw = request.cookies.get(COOKIE, "")
    if not raw or len(raw) > 500:
        return None
    try:
        sealed = base64.urlsafe_b64decode(raw.encode())
        return _aead().decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _bound(principal, page)).decode()
    except (ValueError, InvalidTag, UnicodeDecodeError):
        return None


def forget(response: Response, page: str) -> Response:
    """The secret is shown: the browser drops it."""
    response.delete_cookie(COOKIE, path=page, httponly=True, samesite="Strict", secure=edge.ctx().config.secure_cookies)
    return response
