"""The domain's values and how each is checked: used by the web's forms and by the services themselves.

A check takes what was given and returns the clean value, or raises ValueError with a message key.
Services check what they are given again (`checked`), so tasks and the command line are as safe as the web.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from annuaires.codes import is_code
from annuaires.services.errors import InvalidInput
from annuaires.services.names import skeleton

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAILER_LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXY")  # the 25 mailer identities
NO_MAILER = "Z"  # a group's mailer letter when it has none (A12)
GROUP = "group"
GROUPEMENT = "groupement"
GROUP_TYPES = (GROUP, GROUPEMENT)
NAME_LENGTH, INITIALS_LENGTH = 80, 12
MAX_DIGITS = 19  # a Datastore integer (64 bits) has 19 digits at most
SKELETON_GROWTH = 4  # some characters grow when normalised (U+FDFA gives 18): the compared form is bounded too

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

Check = Callable[[Any], Any]


def _has_control(text: str, allow_newlines: bool) -> bool:
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    return any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co"} and c not in allowed for c in text)


def text(max_length: int, *, min_length: int = 1, multiline: bool = False, strip: bool = True) -> Check:
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


def name(max_length: int) -> Check:
    """A name: text that still says something once what a reader would not see is set aside (A1)."""
    check_text = text(max_length)

    def check(value: Any) -> str:
        value = " ".join(check_text(value).split())
        compared = skeleton(value)
        if not compared:
            raise ValueError("required")
        if len(compared) > SKELETON_GROWTH * max_length:
            raise ValueError("too_long")
        return value

    return check


def initials(value: Any) -> str:
    """Initials: a name that no code could shadow at sign-in (sign-in tries codes first)."""
    value = name(INITIALS_LENGTH)(value)
    if is_code("".join(value.split()).lower()):  # what sign-in would take for a code, spaces left out
        raise ValueError("initials_like_code")
    return value


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


def choice(options: tuple[str, ...], *, nullable: bool = False) -> Check:
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


DIGITS = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")  # ASCII digits only: no "²", "١٢", full-width digits, signs or spaces


class HugeNumber:
    """A JSON number with more digits than any field takes: kept as its text, so that parsing it costs nothing and
    its field says "out of range" (Python would refuse it with its own words beyond 4,300 digits)."""

    def __init__(self, text: str) -> None:
        self.text = text[:40]

    def __repr__(self) -> str:
        return f"HugeNumber({self.text}…)"


def json_integer(text: str) -> int | HugeNumber:
    """How JSON bodies read an integer literal: bounded in digits before Python turns it into an int."""
    return int(text) if len(text) <= MAX_DIGITS + 1 else HugeNumber(text)


def whole_number(value: Any) -> int:
    """The one reading of a whole number coming in (JSON number, form field, query parameter, path segment):
    an int (never a boolean), or ASCII digits; ValueError `not_integer` or `out_of_range` otherwise."""
    if isinstance(value, HugeNumber):
        raise ValueError("out_of_range")
    if isinstance(value, str):
        if not DIGITS.fullmatch(value):
            raise ValueError("out_of_range" if value.isascii() and value.isdigit() else "not_integer")
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not_integer")
    return value


def integer(low: int, high: int, *, nullable: bool = False) -> Check:
    """A whole number within bounds (a JSON number, or ASCII digits from a form)."""

    def check(value: Any) -> int | None:
        if nullable and value in (None, ""):
            return None
        value = whole_number(value)
        if not low <= value <= high:
            raise ValueError("out_of_range")
        return value

    return check


def entity_id(value: Any) -> int | None:
    """A Datastore numeric id from a URL (a member's), or None when it is not one Datastore could have given."""
    try:
        found = whole_number(value)
    except ValueError:
        return None
    return found if 0 < found < 2**63 else None


def boolean(value: Any) -> bool:
    """A JSON boolean, or a form checkbox."""
    if isinstance(value, bool):
        return value
    if value in ("on", "true", "1"):
        return True
    if value in ("off", "false", "0", ""):
        return False
    raise ValueError("invalid_boolean")


NAME = name(NAME_LENGTH)
WEEKDAY = choice(WEEKDAYS, nullable=True)
MAILING_MAILER = choice((*MAILER_LETTERS, NO_MAILER))
GROUP_TYPE = choice(GROUP_TYPES)
MEMBER_NAME = text(120)
COMMENT = text(500, min_length=0, multiline=True)
SUBJECT = text(200, min_length=0)
BODY = text(20000, min_length=0, multiline=True, strip=False)


def checked(**given: tuple[Check, Any]) -> dict[str, Any]:
    """Each value through its check: the clean values, or InvalidInput naming every bad field."""
    values, errors = {}, {}
    for field, (check, value) in given.items():
        try:
            values[field] = check(value)
        except ValueError as problem:
            errors[field] = str(problem)
    if errors:
        raise InvalidInput(errors)
    return values
