"""Domain exceptions, declared once and turned into answers at the web edge."""

from __future__ import annotations

# A page cursor a client made up, raised by the store as it reads: bad input too, answered at the edge like the rest.
from annuaires.catalogs import N_
from annuaires.store.base import InvalidCursor as InvalidCursor


class DomainError(Exception):
    """Base of every error a user may cause; `code` is the API's error code."""

    code = N_("conflict")

    def __init__(self, message_key: str = "", **params: object) -> None:
        super().__init__(message_key or self.code)
        self.message_key = message_key or self.code
        self.params = params


class InvalidInput(DomainError):
    """One or more fields are wrong; `fields` maps each field to a message key."""

    code = "invalid_input"

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("invalid_input")
        self.fields = fields


class BadDumpLine(InvalidInput):
    """A line of a dump that cannot be reloaded: which one, and why (nothing was written)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__({"line": str(line)})
        self.message_key, self.params = N_("bad_dump_line"), {"line": line, "reason": reason}


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Forbidden(DomainError):
    code = "forbidden"


class PasswordChangeRequired(DomainError):
    code = N_("password_change_required")


class NotFound(DomainError):
    code = "not_found"


class NameTaken(DomainError):
    code = N_("name_taken")


class InitialsTaken(DomainError):
    code = N_("initials_taken")


class Conflict(DomainError):
    code = N_("conflict")


class TooManyAttempts(DomainError):
    code = N_("too_many_attempts")
