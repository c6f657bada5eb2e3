"""Names, initials and codes: how they compare (A1) and how codes are made."""

from __future__ import annotations

import secrets
import unicodedata

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 8


def normalize(text: str) -> str:
    """The form under which two names are the same: no case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def new_code() -> str:
    """A short, URL-safe, unambiguous code, made by the server."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
