"""Names and initials: how they compare (A1) and sort."""

from __future__ import annotations

import hashlib
import unicodedata

SORT_LENGTH = 200


def normalize(text: str) -> str:
    """The form under which two names are the same: no case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def skeleton(text: str) -> str:
    """The form under which two names compare equal."""
    return normalize(text)


def skeleton_key(text: str) -> str:
    """A fixed-length digest of the skeleton, safe inside a key name."""
    return hashlib.sha256(skeleton(text).encode()).hexdigest()


def sort_key(text: str) -> str:
    """The form lists sort a name by: no case, no accents, bounded (an indexed value stays small)."""
    return normalize(text)[:SORT_LENGTH]
