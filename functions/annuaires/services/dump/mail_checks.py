"""The mail kinds as a reload takes them (A15, R1, B5): read with the rules of the reference's sync
(mail_sync_states), so that one rule serves the sync, the reload and a change typed here.

The sync's rules take a state (a dict of JSON values) and build the record the service would store; a line's
properties are read into such a state, and what the rule builds must be what the line holds. A refusal names the
property and the message key that say why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from annuaires.services.mail import sync_states as mail_sync_states
from annuaires.services.mail.sync_states import Refused
from annuaires.store.entity_json import LineError
from annuaires.store.mail import COMPANIONS, FROM_REFERENCE, LOCAL

if TYPE_CHECKING:
    from annuaires.services.dump.checks import Props

ORIGINS = (LOCAL, FROM_REFERENCE)
AT = datetime(2000, 1, 1, tzinfo=UTC)  # the time the rules stamp on what they build: compared, never stored
# Companion domains a line can know alone: none but by their suffix (`*.secours`…), which the alias rule applies.
NO_COMPANION_DOMAINS: frozenset[str] = frozenset()


def _checked(kind: str, props: Props, build: Callable[[str, dict], Any], *fields: str) -> Any:
    """The record the sync's rule builds from the line's key and properties; LineError naming the field otherwise."""
    try:
        key = mail_sync_states.name(kind, props.name)
    except Refused as problem:
        raise LineError(f"a {kind}'s key is {problem}") from problem
    origin = props.text("origin") if "origin" in props else LOCAL
    if origin not in ORIGINS:
        raise LineError(f"origin is refused (invalid_choice: {LOCAL} or {FROM_REFERENCE})")
    try:
        return build(key, props.state(*fields))
    except Refused as problem:
        raise LineError(f"{problem} (refused by the rule of a typed change and of the reference's sync)") from problem


def _same(props: Props, built: Any, *fields: str) -> None:
    """What the rule gives back is what the line holds (a value it cleans differs: the form never writes it)."""
    for field in fields:
        if field in props and props.value(field) != getattr(built, field):
            raise LineError(f"{field} is not as the form that makes it writes it")


def site(props: Props) -> None:
    """A site: three different companion domains, its retention a whole number of days."""
    built = _checked("MailSite", props, lambda key, state: mail_sync_states.site(key, state, AT),
                     *COMPANIONS, "retention_days")
    _same(props, built, *COMPANIONS, "retention_days")


def domain(props: Props) -> None:
    """A domain: its display the Unicode form of its name, its site a site code, a companion's name or none."""
    built = _checked("MailDomain", props, lambda key, state: mail_sync_states.domain(key, state, AT),
                     "display", "site", "companion")
    _same(props, built, "display", "site", "companion")


def account(props: Props) -> None:
    """An account: its local part as typed, display name, argon2id hash, activity, quota."""
    fields = ("local", "display_name", "password_hash", "active", "quota_mb")
    built = _checked("MailAccount", props, lambda key, state: mail_sync_states.account(key, state, AT), *fields)
    _same(props, built, *fields)


def alias(props: Props) -> None:
    """An alias: its targets as a typed alias's (never itself, never a companion mailbox)."""
    built = _checked("MailAlias", props, lambda key, state: mail_sync_states.alias(key, state, AT, NO_COMPANION_DOMAINS),
                     "targets")
    _same(props, built, "targets")
