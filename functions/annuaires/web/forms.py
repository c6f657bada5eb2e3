"""Input at the edge: JSON bodies and form posts turned into clean values, or field errors."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..services.errors import InvalidInput
from ..services.names import normalize

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAILERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
NORMALIZED_GROWTH = 4


def _has_control(text: str, allow_newlines: bool) -> bool:
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    return any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co"} and c not in allowed for c in text)


@dataclass(frozen=True)
class Field:
    """One expected input field: how to check it and turn it into a value."""

    name: str
    check: Callable[[Any], Any]
    required: bool = True


def text(max_length: int, *, min_length: int = 1, multiline: bool = False, strip: bool = True) -> Callable[[Any], str]:
    """A string of bounded length with no control characters."""

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("not_text")
        value = value.strip() if strip else value
        if multiline:
            value = value.replace("\r\n", "\n")
        if _has_control(value, multiline):
            raise ValueError("control_characters")
        if len(value) < min_length:
            raise ValueError("required")
        if len(value) > max_length:
            raise ValueError("too_long")
        return value

    return check


def name(max_length: int) -> Callable[[Any], str]:
    """A name or initials: text that still says something once case, accents and spaces are set aside (A1)."""
    check_text = text(max_length)

    def check(value: Any) -> str:
        value = " ".join(check_text(value).split())
        normalized = normalize(value)
        if not normalized:
            raise ValueError("required")
        # Some characters grow when normalised (U+FDFA gives 18): the compared form is bounded too.
        if len(normalized) > NORMALIZED_GROWTH * max_length:
            raise ValueError("too_long")
        return value

    return check


def password(value: Any) -> str:
    """A password as typed: any characters but control ones, not stripped."""
    return text(128, strip=False)(value)


def email(value: Any) -> str:
    """An e-mail address, lower-cased domain."""
    value = text(254)(value)
    if not EMAIL.match(value):
        raise ValueError("invalid_email")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def choice(options: tuple[str, ...], *, nullable: bool = False) -> Callable[[Any], str | None]:
    """One of a fixed set of values (or null / empty when allowed)."""

    def check(value: Any) -> str | None:
        if nullable and value in (None, ""):
            return None
        if not isinstance(value, str) or value not in options:
            raise ValueError("invalid_choice")
        return value

    return check


def color(value: Any) -> str:
    """A colour as #rrggbb, or empty."""
    value = text(7, min_length=0)(value)
    if value and not COLOR.match(value):
        raise ValueError("invalid_color")
    return value.lower()


def hostname(value: Any) -> str:
    """A host name (or IPv4 address), lower-cased."""
    value = text(253)(value)
    if not HOSTNAME.match(value):
        raise ValueError("invalid_hostname")
    return value.lower()


def integer(low: int, high: int) -> Callable[[Any], int]:
    """A whole number within bounds (a JSON number, or digits from a form)."""

    def check(value: Any) -> int:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("not_integer")
        if not low <= value <= high:
            raise ValueError("out_of_range")
        return value

    return check


def boolean(value: Any) -> bool:
    """A JSON boolean, or a form checkbox."""
    if isinstance(value, bool):
        return value
    if value in ("on", "true", "1"):
        return True
    if value in ("off", "false", "0", ""):
        return False
    raise ValueError("invalid_boolean")


def parse(data: Mapping[str, Any] | None, fields: list[Field], *, partial: bool = False) -> dict[str, Any]:
    """Check every field of the input; raise InvalidInput naming each bad field.

    With `partial`, missing fields are left out (PATCH); unknown fields are always refused.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput({"body": "invalid_body"})
    known = {f.name for f in fields}
    errors = {name: "unknown_field" for name in data if name not in known and name != "csrf"}
    values: dict[str, Any] = {}
    for field in fields:
        if field.name not in data:
            if field.required and not partial:
                errors[field.name] = "required"
            continue
        try:
            values[field.name] = field.check(data[field.name])
        except ValueError as problem:
            errors[field.name] = str(problem)
    if errors:
        raise InvalidInput(errors)
    return values
