"""The domain's values and how each is checked: used by the web's forms and by the services themselves.

A check takes what was given and returns the clean value, or raises ValueError with a message key.
Services check what they are given again (`checked`), so tasks and the command line are as safe as the web.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from annuaires.catalogs import N_
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
PASSWORD_LENGTH, EMAIL_LENGTH = 128, 254
HOSTNAME_LENGTH = 253  # DNS's (the HOSTNAME pattern says it too)
MAX_DIGITS = 19  # a Datastore integer (64 bits) has 19 digits at most
SKELETON_GROWTH = 4  # some characters grow when normalised (U+FDFA gives 18): the compared form is bounded too

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

Check = Callable[[Any], Any]


def _has_control(text: str, allow_newlines: bool) -> bool:
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    return any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co"} and c not in allowed for c in text)


@dataclass(frozen=True)
class Text:
    """A string of bounded length with no control characters; its bounds are read by the API's description and the
    pages' fields, so that they are written here only."""

    max_length: int
    min_length: int = 1
    multiline: bool = False
    strip: bool = True

    def __call__(self, value: Any) -> str:
        """The clean text, or ValueError."""
        if not isinstance(value, str):
            raise ValueError(N_("not_text"))
        value = value.strip() if self.strip else value
        if self.multiline:
            value = value.replace("\r\n", "\n")
        if _has_control(value, self.multiline):
            raise ValueError(N_("control_characters"))
        if len(value) < self.min_length:
            raise ValueError(N_("required"))
        if len(value) > self.max_length:
            raise ValueError(N_("too_long"))
        return value


def text(max_length: int, *, min_length: int = 1, multiline: bool = False, strip: bool = True) -> Text:
    """A string of bounded length with no control characters."""
    return Text(max_length, min_length, multiline, strip)


@dataclass(frozen=True)
class Name:
    """A name: text that still says something once what a reader would not see is set aside (A1)."""

    max_length: int

    def __call__(self, value: Any) -> str:
        """The name with its spaces made single, or ValueError."""
        value = " ".join(text(self.max_length)(value).split())
        compared = skeleton(value)
        if not compared:
            raise ValueError(N_("required"))
        if len(compared) > SKELETON_GROWTH * self.max_length:
            raise ValueError(N_("too_long"))
        return value


def name(max_length: int) -> Name:
    """A name of at most `max_length` characters (A1)."""
    return Name(max_length)


@dataclass(frozen=True)
class Initials(Name):
    """Initials: a name that no code could shadow at sign-in (sign-in tries codes first)."""

    def __call__(self, value: Any) -> str:
        """The initials, or ValueError (`initials_like_code` for what sign-in would take for a code)."""
        value = super().__call__(value)
        if is_code("".join(value.split()).lower()):  # what sign-in would take for a code, spaces left out
            raise ValueError(N_("initials_like_code"))
        return value


@dataclass(frozen=True)
class Email(Text):
    """An e-mail address, lower-cased domain."""

    def __call__(self, value: Any) -> str:
        """The address, or ValueError."""
        value = super().__call__(value)
        if not EMAIL.match(value):
            raise ValueError(N_("invalid_email"))
        local, _, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}"


initials = Initials(INITIALS_LENGTH)
password = text(PASSWORD_LENGTH, strip=False)  # a password as typed: any characters but control ones, not stripped
email = Email(EMAIL_LENGTH)


def choice(options: tuple[str, ...], *, nullable: bool = False) -> Check:
    """One of a fixed set of values (or null / empty when allowed)."""

    def check(value: Any) -> str | None:
        if nullable and value in (None, ""):
            return None
        if not isinstance(value, str) or value not in options:
            raise ValueError(N_("invalid_choice"))
        return value

    return check


def color(value: Any) -> str:
    """A colour as #rrggbb, or empty."""
    value = text(7, min_length=0)(value)
    if value and not COLOR.match(value):
        raise ValueError(N_("invalid_color"))
    return value.lower()


def hostname(value: Any) -> str:
    """A host name (or IPv4 address), lower-cased."""
    value = text(HOSTNAME_LENGTH)(value)
    if not HOSTNAME.match(value):
        raise ValueError(N_("invalid_hostname"))
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
        raise ValueError(N_("out_of_range"))
    if isinstance(value, str):
        if not DIGITS.fullmatch(value):
            raise ValueError(N_("out_of_range") if value.isascii() and value.isdigit() else N_("not_integer"))
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(N_("not_integer"))
    return value


@dataclass(frozen=True)
class Integer:
    """A whole number within bounds (a JSON number, or ASCII digits from a form); its bounds are read by the API's
    description and the pages' fields."""

    low: int
    high: int
    nullable: bool = False

    def __call__(self, value: Any) -> int | None:
        """The number (None when nullable and absent), or ValueError."""
        if self.nullable and value in (None, ""):
            return None
        value = whole_number(value)
        if not self.low <= value <= self.high:
            raise ValueError(N_("out_of_range"))
        return value


def integer(low: int, high: int, *, nullable: bool = False) -> Integer:
    """A whole number within bounds."""
    return Integer(low, high, nullable)


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
    raise ValueError(N_("invalid_boolean"))


NAME = name(NAME_LENGTH)
WEEKDAY = choice(WEEKDAYS, nullable=True)
MAILING_MAILER = choice((*MAILER_LETTERS, NO_MAILER))
GROUP_TYPE = choice(GROUP_TYPES)
MEMBER_NAME = text(120)
COMMENT = text(500, min_length=0, multiline=True)
SUBJECT = text(200, min_length=0)
BODY = text(20000, min_length=0, multiline=True, strip=False)


@dataclass(frozen=True)
class Field:
    """One field of an act's input: declared beside the act's service, read by the page's form, the JSON API and
    the templates (a field's bounds are its check's)."""

    name: str
    check: Check
    required: bool = True


def checked_input(fields: Iterable[Field], given: Mapping[str, Any]) -> dict[str, Any]:
    """The given values through their fields' checks (a field not given is not checked); InvalidInput naming
    every bad field."""
    return checked(**{f.name: (f.check, given[f.name]) for f in fields if f.name in given})


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
