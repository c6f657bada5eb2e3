"""Lost updates refused (R2): what people edit carries a version, and a write goes through only if what it changes is
still at the version its writer saw.

A version is an integer property of the entity (0 when it was stored before versions existed), moved on by the
transaction that writes what people edit, and checked in that same transaction. What a writer saw comes as
`Seen`: the versions of the things an answer showed, each named by a short tag of its kind and name (so that
one answer can show many things, and a write checks only the thing it changes), or the one version a page's form
was shown with, or anything at all (If-Match: *).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from annuaires.services.errors import DomainError

TAG_LENGTH = 8  # hexadecimal digits of a thing's tag: 50 things in one answer collide once in 10^8


class Versioned(Protocol):
    version: int


class ChangedElsewhere(DomainError):
    """What a write would change is no longer what its writer saw; `current` is what is stored now (never a secret)."""

    code = "changed_elsewhere"

    def __init__(self, current: Mapping[str, Any] | None = None, message_key: str = "changed_elsewhere") -> None:
        super().__init__(message_key)
        self.current = dict(current or {})


def tag(kind: str, name: object) -> str:
    """A thing's short, stable tag in an ETag: the same in every answer that shows it."""
    return hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()[:TAG_LENGTH]


def part(kind: str, name: object, version: int) -> str:
    """One thing and its version, as an ETag holds it."""
    return f"{tag(kind, name)}-{version}"


def parts(things: Iterable[tuple[str, object, int]]) -> str:
    """The versions of the things an answer shows, as one ETag's content (dots between, each thing once)."""
    return ".".join(dict.fromkeys(part(kind, name, version) for kind, name, version in things))


@dataclass(frozen=True)
class Seen:
    """The versions a writer saw: by tag (an ETag's parts), the one its form was shown with, or any (`*`)."""

    by_tag: Mapping[str, frozenset[int]] = field(default_factory=dict)
    single: int | None = None
    anything: bool = False

    def saw(self, kind: str, name: object, version: int) -> bool:
        """Whether the writer saw this thing at this version."""
        if self.anything:
            return True
        if self.single is not None:
            return self.single == version
        return version in self.by_tag.get(tag(kind, name), ())


def seen_parts(text: str) -> Seen:
    """An ETag's content (or a form's copy of it) read back; ValueError when it is not one of ours."""
    by_tag: dict[str, set[int]] = {}
    for item in text.split(".") if text else ():  # (an empty list's ETag names nothing)
        name, _, version = item.partition("-")
        if len(name) != TAG_LENGTH or not all(c in "0123456789abcdef" for c in name) or not _digits(version):
            raise ValueError("not a version")
        by_tag.setdefault(name, set()).add(int(version))
    return Seen({name: frozenset(versions) for name, versions in by_tag.items()})


def _digits(text: str) -> bool:
    return 0 < len(text) <= 18 and text.isascii() and text.isdigit()


def seen_in_form(text: str) -> Seen:
    """A page form's hidden version: the one thing's version (digits), or an ETag's content; ValueError otherwise."""
    return Seen(single=int(text)) if _digits(text) else seen_parts(text)


def unchanged(seen: Seen | None, kind: str, name: object, record: Versioned, current: Mapping[str, Any]) -> None:
    """Inside the transaction that deletes `record`: refuse unless its writer saw this version of it (no `seen`: a
    script's write, taken as it comes). `current`: what the refusal shows of what is stored now."""
    if seen is not None and not seen.saw(kind, name, record.version):
        raise ChangedElsewhere(current)


def check(seen: Seen | None, kind: str, name: object, record: Versioned, current: Mapping[str, Any]) -> None:
    """Inside the transaction that writes `record`: refuse as `unchanged` does, then move its version on."""
    unchanged(seen, kind, name, record, current)
    record.version += 1


def bump(record: Versioned) -> None:
    """Inside a transaction that changes what people edit, with no one's edit to check (an unsubscribe link)."""
    record.version += 1


def first(at: datetime) -> int:
    """The version a thing starts at when its name may have been used before (an address, a login): its creation
    time in milliseconds, never a version its deleted namesake had, so that a write seen on that one never passes."""
    return int(at.timestamp() * 1000)
