"""Device cookies (OWASP): a browser that signed in to an account before is not locked out by others' failures.

The cookie holds, for each account this browser signed in to (the newest few), a nonce signed with
the service's key. A sign-in carrying a valid one is counted on that device's own counter instead of
the account's and the client address's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEPT = 8  # accounts remembered per browser
SEPARATOR = "~"


def _signature(key: bytes, account: str, nonce: str) -> str:
    return hmac.new(key, f"{account}|{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def _entries(cookie: str) -> list[tuple[str, str, str]]:
    entries = []
    for item in cookie.split(SEPARATOR)[:KEPT]:
        parts = item.split(".")
        if len(parts) == 3:
            entries.append((parts[0], parts[1], parts[2]))
    return entries


def known_device(key: bytes, cookie: str, account: str) -> str | None:
    """The nonce of this browser's valid device entry for an account (`role:subject`), or None."""
    tag = _tag(account)
    for entry_tag, nonce, signature in _entries(cookie):
        if entry_tag == tag and hmac.compare_digest(signature, _signature(key, account, nonce)):
            return nonce
    return None


def remember(key: bytes, cookie: str, account: str) -> str:
    """The cookie with a fresh entry for this account first, older ones after (the newest few kept)."""
    tag, nonce = _tag(account), secrets.token_urlsafe(12)
    others = [e for e in _entries(cookie) if e[0] != tag]
    entries = [(tag, nonce, _signature(key, account, nonce)), *others][:KEPT]
    return SEPARATOR.join(".".join(e) for e in entries)


def _tag(account: str) -> str:
    # The cookie names no account in clear: a short digest tells entries apart.
    return hashlib.sha256(account.encode()).hexdigest()[:12]
