"""Names and initials: how they compare (A1)."""

from __future__ import annotations

import unicodedata


def normalize(text: str) -> str:
    """The form under which two names are the same: no case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())
