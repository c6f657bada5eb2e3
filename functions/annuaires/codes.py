"""Codes of directories and groups: short, URL-safe, unambiguous, made by the server."""

from __future__ import annotations

import secrets

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 8


def new_code() -> str:
    """A fresh code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def is_code(text: str) -> bool:
    """Whether a text has the shape of a code (anything else cannot name an entity: no key is built from it)."""
    return len(text) == CODE_LENGTH and all(c in CODE_ALPHABET for c in text)
