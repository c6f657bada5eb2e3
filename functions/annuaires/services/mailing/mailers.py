"""The general admin's mailer identities: SMTP settings, passwords write-only and sealed (A12, A13)."""

from __future__ import annotations

from email.utils import getaddresses

from annuaires.adapters.secrets_box import SecretBox
from annuaires.services import audit, values, versions
from annuaires.services.context import Context
from annuaires.services.errors import InvalidInput, NotFound
from annuaires.services.roles import Principal
from annuaires.store import mailers
from annuaires.store.base import in_transaction
from annuaires.store.mailers import Mailer

LETTERS = values.MAILER_LETTERS
# What a stored SMTP password was given for: change one of them without retyping it and it is cleared, so that a
# password never goes to a host (or a port, a TLS setting, a login) it was not typed for.
PASSWORD_BOUND_TO = ("smtp_host", "smtp_port", "starttls", "username")
SMTP_PORT = values.integer(1, 65535)
USERNAME = values.text(254, min_length=0)
PER_MINUTE = values.integer(1, 100_000, nullable=True)  # a relay's sending limits
PER_DAY = values.integer(1, 10_000_000, nullable=True)


def sender(value: object) -> str:
    """A From header: an address, with a display name or not ("Alterconsos Lyon <lyon@example.org>")."""
    text = values.text(320)(value)
    found = getaddresses([text])
    if len(found) != 1:
        raise ValueError("invalid_sender")  # one sender, not a list
    display, address = found[0]
    if not address or any(c in display for c in '<>"'):
        raise ValueError("invalid_sender")
    address = values.email(address)
    return f"{display} <{address}>" if display else address


def mailer_view(letter: str, mailer: Mailer | None) -> dict:
    """A mailer as shown: never its password, only whether it has one."""
    mailer = mailer or Mailer(letter)
    return {
        "letter": letter, "from": mailer.sender, "smtp_host": mailer.smtp_host, "smtp_port": mailer.smtp_port,
        "username": mailer.username, "starttls": mailer.starttls, "has_password": bool(mailer.password_sealed),
        "per_minute": mailer.per_minute, "per_day": mailer.per_day, "version": mailer.version,
    }


def is_configured(mailer: Mailer | dict | None) -> bool:
    """Whether a mailer can send: it has a relay and a sender (a group's mailing may only choose such a one)."""
    if isinstance(mailer, dict):
        return bool(mailer.get("smtp_host") and mailer.get("from"))
    return mailer is not None and bool(mailer.smtp_host and mailer.sender)


def mailing_mailer(ctx: Context, letter: str) -> str:
    """A group's mailing mailer as chosen: Z (none) or a configured mailer's letter (A12)."""
    letter = values.MAILING_MAILER(letter)
    if letter != values.NO_MAILER and not is_configured(mailers.SCHEMA.get(ctx.client, letter)):
        raise ValueError("mailer_not_configured")
    return letter


def list_mailers(ctx: Context) -> list[dict]:
    """The 25 mailers, configured or not, in letter order."""
    found = mailers.all_mailers(ctx.client)
    return [mailer_view(letter, found.get(letter)) for letter in LETTERS]


def set_mailer(ctx: Context, principal: Principal, letter: str, settings: dict, *, seen: versions.Seen | None = None) -> dict:
    """Configure one mailer; a missing password keeps the stored one only while what it was given for stays the same
    (PASSWORD_BOUND_TO); empty username and password mean no authentication."""
    if letter not in LETTERS:
        raise NotFound()  # Z means no mailer: there is no mailer Z
    given = values.checked(**{"from": (sender, settings.get("from"))},
        smtp_host=(values.hostname, settings.get("smtp_host")),
        smtp_port=(SMTP_PORT, settings.get("smtp_port")),
        username=(USERNAME, settings.get("username", "")),
        starttls=(values.boolean, settings.get("starttls", True)),
        per_minute=(PER_MINUTE, settings.get("per_minute")),
        per_day=(PER_DAY, settings.get("per_day")),
    )
    given["sender"] = given.pop("from")
    password = settings.get("password")
    if password is not None:
        password = values.checked(password=(values.text(512, min_length=0, strip=False), password))["password"]
    if password is None and not given["username"]:
        password = ""  # no username: a relay without authentication
    if password and not ctx.config.secrets_key:
        raise InvalidInput({"password": "no_secrets_key"})
    sealed = SecretBox(ctx.config.secrets_key).seal(password, letter) if password else None

    def work() -> Mailer:
        mailer = mailers.SCHEMA.get(ctx.client, letter) or Mailer(letter)
        versions.check(seen, "Mailer", letter, mailer, mailer_view(letter, mailer))  # as it was seen (R2)
        moved = any(getattr(mailer, field) != given[field] for field in PASSWORD_BOUND_TO)
        for field, value in given.items():
            setattr(mailer, field, value)
        mailer.updated = ctx.now()
        if password is not None or moved:  # a missing password keeps the stored one, for the same host only
            mailer.password_sealed = sealed
        mailers.SCHEMA.put(ctx.client, mailer)
        audit.record(ctx, principal, "mailer_configured", target=f"mailer:{letter}", target_name=letter,
                     detail=f"{mailer.sender} ({mailer.smtp_host})")
        return mailer

    return mailer_view(letter, in_transaction(ctx.client, work))
