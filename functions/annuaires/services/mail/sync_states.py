"""The reference's states (B5), read with the rules of a change typed here: each becomes a clean record, or is
refused with the field and the message key that say why.

A reference is another instance, but what it sends crosses the network and lands in the mail host's files: it
is checked as a form is (addresses, domain names, site codes, lengths, JSON types as they are, never coerced),
and a password hash is an argon2id hash in its exact PHC form and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from annuaires.services.mail import values as mail_values
from annuaires.services.mail.accounts import DISPLAY_NAME
from annuaires.services.names import sort_key
from annuaires.store.mail import COMPANIONS, FROM_REFERENCE, MailAccount, MailAlias, MailDomain, MailSite

LABEL = 100  # characters of a refused name a run keeps


class Refused(ValueError):
    """A change of the reference this instance does not take; its text says why, as a run records it."""


def label(value: Any) -> str:
    """A change's name as a run records it: text, bounded, nothing a page or a log line could misread."""
    text = value if isinstance(value, str) else f"<{type(value).__name__}>"
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text[:LABEL] + ("…" if len(text) > LABEL else "")


def _field(name: str, check: Callable[[Any], Any], value: Any) -> Any:
    try:
        return check(value)
    except ValueError as problem:
        raise Refused(f"{name}: {problem}") from None


def _domain_name(value: Any) -> str:
    """A domain name as stored: its ASCII form, lower case, exactly (what the mail host's files name)."""
    if not isinstance(value, str) or mail_values.domain(value)[0] != value:
        raise ValueError("invalid_domain")
    return value


def _site_code(value: Any) -> str:
    if not isinstance(value, str) or mail_values.site_code(value) != value:
        raise ValueError("invalid_site_code")
    return value


def _address(value: Any) -> str:
    """An address of this site's own as stored: its local part in lower case, its domain ASCII."""
    if not isinstance(value, str) or mail_values.mailbox_address(value).key != value:
        raise ValueError("mailbox_local_part")
    return value


def _strict_boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("invalid_boolean")
    return value


NAMES: dict[str, Callable[[Any], str]] = {"MailSite": _site_code, "MailDomain": _domain_name,
                                          "MailAccount": _address, "MailAlias": _address}
KEY_FIELDS = {"MailSite": "code", "MailDomain": "name", "MailAccount": "address", "MailAlias": "address"}


def name(kind: str, value: Any) -> str:
    """A change's name, as this instance stores that kind's names (Refused otherwise)."""
    try:
        return NAMES[kind](value)
    except ValueError as problem:
        raise Refused(f"not a valid name ({problem})") from None


def _same(kind: str, name: str, state: dict) -> None:
    """A state that names itself names the change's entity (and an account or alias, its domain)."""
    field = KEY_FIELDS[kind]
    if field in state and state[field] != name:
        raise Refused(f"{field}: its state names another")
    if kind in ("MailAccount", "MailAlias") and "domain" in state and state["domain"] != name.rsplit("@", 1)[1]:
        raise Refused("domain: its state names another")


def site(code: str, state: dict, at: datetime) -> MailSite:
    """A site: three different companion domains, its retention a whole number of days."""
    _same("MailSite", code, state)
    companions = [_field(n, _domain_name, state.get(n)) for n in COMPANIONS]
    if len(set(companions)) < len(COMPANIONS):
        raise Refused("companions: three different domains")
    retention = _field("retention_days", mail_values.retention_days, state.get("retention_days", 15))
    return MailSite(code, *companions, retention, FROM_REFERENCE, at)


def domain(name: str, state: dict, at: datetime) -> MailDomain:
    """A domain: its display the Unicode form of its name, its site a site code, a companion's name or none."""
    _same("MailDomain", name, state)
    display = _field("display", lambda v: _display_of(name, v), state.get("display", name))
    site_code = _field("site", _site_code, state.get("site"))
    companion = state.get("companion", "")
    if companion not in ("", *COMPANIONS):
        raise Refused("companion: invalid_choice")
    return MailDomain(name, display, site_code, companion, FROM_REFERENCE, at)


def _display_of(name: str, value: Any) -> str:
    """A domain's display: the Unicode form of the same name."""
    if not isinstance(value, str) or len(value) > 255:
        raise ValueError("invalid_domain")
    ascii_name, display = mail_values.domain(value)
    if ascii_name != name:
        raise ValueError("invalid_domain")
    return display


def account(address: str, state: dict, at: datetime) -> MailAccount:
    """An account: its local part as typed (the same but for case), display name, argon2id hash, activity, quota."""
    _same("MailAccount", address, state)
    local_part, domain_name = address.rsplit("@", 1)
    local = state.get("local", local_part)
    if not isinstance(local, str) or local.lower() != local_part or not mail_values.MAILBOX_LOCAL.fullmatch(local):
        raise Refused("local: mailbox_local_part")
    display = _field("display_name", DISPLAY_NAME, state.get("display_name", ""))
    return MailAccount(address, domain_name, local, display, sort_key(display),
                       _field("password_hash", mail_values.argon2id_hash, state.get("password_hash")),
                       _field("active", _strict_boolean, state.get("active", True)),
                       _field("quota_mb", mail_values.quota_mb, state.get("quota_mb")), FROM_REFERENCE, at, at)


def alias(address: str, state: dict, at: datetime, companion_domains: Collection[str]) -> MailAlias:
    """An alias: its targets as a typed alias's (never itself, never a companion mailbox)."""
    _same("MailAlias", address, state)
    targets = _field("targets", lambda v: mail_values.alias_targets(address, v, companion_domains), state.get("targets"))
    return MailAlias(address, address.rsplit("@", 1)[1], targets, FROM_REFERENCE, at, at)
