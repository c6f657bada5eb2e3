"""Names and initials: how they compare (A1)."""

from __future__ import annotations

import functools
import hashlib
import string
import unicodedata
from pathlib import Path

import regex

# Unicode's own confusables.txt (UTS #39), kept verbatim: data/README.md names its source and version.
CONFUSABLES = Path(__file__).resolve().parent.parent / "data" / "confusables.txt"

# The longest skeleton callers accept: 4 × the 80 characters of a name. The bound is on the skeleton, not only on
# the input, because one character can grow a lot (U+FDFA is 18 characters under NFKD).
MAX_SKELETON = 320

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties), as the regex package ships it.
_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}+")

# What survives in a skeleton: letters and digits. Marks (accents), punctuation, symbols, spaces go, and so do
# modifier letters (Lm): they are spacing marks (ʼ ˉ ー), and confusables.txt maps the em dash to ー.
_KEPT = frozenset({"Lu", "Ll", "Lt", "Lo", "Nd", "Nl", "No"})

SORT_LENGTH = 200  # characters of a name its sort key keeps

# Mapping to prototypes then folding settles within 3 rounds for every character of confusables.txt 13.0.0.
_ROUNDS = 4


def normalize(text: str) -> str:
    """The form under which two names are the same: no case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@functools.cache
def _prototypes() -> dict[str, str]:
    """Unicode's confusables.txt as {character: prototype}."""
    table: dict[str, str] = {}
    with CONFUSABLES.open(encoding="utf-8-sig") as lines:
        for line in lines:
            fields = line.split("#", 1)[0].split(";")
            if len(fields) >= 2:
                table[chr(int(fields[0], 16))] = "".join(chr(int(c, 16)) for c in fields[1].split())
    return table


@functools.cache
def _capitals() -> dict[str, str]:
    """Capitals of any script that look like an ASCII capital or digit (UTS #39), mapped to it."""
    # Folding case first would send Cyrillic В to в, and З to з, which look like nothing Latin: such capitals become
    # their ASCII twin before folding. Letters come last: where a letter and a digit share a prototype (I and 1 share
    # l, O and 0 share O), the letter is the twin, so that Greek Ι folds to i as I does.
    prototypes = _prototypes()
    twins = {prototypes.get(c, c): c for c in string.digits + string.ascii_uppercase}
    return {c: twins[p] for c, p in prototypes.items() if p in twins and unicodedata.category(c) in ("Lu", "Lt")}


def _plain(text: str) -> str:
    """Text in NFKD without invisible characters and marks (accents)."""
    # Invisible characters go after NFKD, since NFKD can make one (halfwidth U+FFA0 becomes the Hangul filler U+3164).
    text = _IGNORABLE.sub("", unicodedata.normalize("NFKD", text))
    return "".join(c for c in text if unicodedata.category(c)[0] != "M")


def skeleton(text: str) -> str:
    """The form under which two names or initials compare equal (A1); empty when nothing visible is left."""
    # NFKD first: fullwidth letters and ligatures such as ﬁ become plain letters, accents become marks.
    capitals = _capitals()
    text = "".join(capitals.get(c, c) for c in _plain(text)).casefold()
    # Look-alikes to Unicode's prototype (Cyrillic а → a, ı → i, œ → oe, ’ → '), folded again since a prototype can
    # be a capital (0 → O), carry a mark (ø → o + U+0338) or, once folded, be a look-alike itself (ᗰ → M → m → rn):
    # until nothing changes, so that a skeleton is its own skeleton.
    prototypes = _prototypes()
    for _ in range(_ROUNDS):
        mapped = _plain("".join(prototypes.get(c, c) for c in text)).casefold()
        if mapped == text:
            break
        text = mapped
    return "".join(c for c in text if unicodedata.category(c) in _KEPT)


def fits(text: str) -> bool:
    """Whether a name is short enough to claim: it and its skeleton have at most MAX_SKELETON characters."""
    return len(text) <= MAX_SKELETON and len(skeleton(text)) <= MAX_SKELETON


def skeleton_key(text: str) -> str:
    """A fixed-length digest of the skeleton (64 hex digits), safe inside a Datastore key name."""
    return hashlib.sha256(skeleton(text).encode()).hexdigest()



def sort_key(text: str) -> str:
    """The form lists sort a name by: no case, no accents, bounded (an indexed value stays small)."""
    return normalize(text)[:SORT_LENGTH]
