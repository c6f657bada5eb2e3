"""The export token and the change feed of mail accounts (B4, B5): what the mail host and following instances read.

The feed gives, for each change in commit order, the entity's state as it is now (or null once deleted): a
follower that applies the states in order ends where the reference is, however late it reads.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from annuaires.services import audit, values
from annuaires.services.context import Context
from annuaires.services.errors import InvalidInput, Unauthenticated
from annuaires.services.mail.operators import must_be_mail_admin
from annuaires.services.roles import Principal
from annuaires.store import mail as store
from annuaires.store import mail_feed
from annuaires.store.base import lookup

MIN_TOKEN, MAX_TOKEN = 24, 200
TOKEN = re.compile(r"[\x21-\x7e]+")  # visible ASCII: what a Bearer header carries as typed, byte for byte
PAGE = 500
STATES = {"MailSite": store.SITES, "MailDomain": store.DOMAINS, "MailAccount": store.ACCOUNTS, "MailAlias": store.ALIASES}
PARENTED = {"MailAccount", "MailAlias"}  # children of their domain
NOT_SHARED = {"origin", "search_name", "created", "updated", "version"}  # each instance's own


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def set_export_token(ctx: Context, principal: Principal, token: Any) -> None:
    """Set the token that opens the exports and the feed (24 characters at least); only its hash is kept."""
    must_be_mail_admin(principal)
    token = values.checked(token=(values.text(MAX_TOKEN, strip=False), token))["token"]
    if not TOKEN.fullmatch(token):  # spaces, accents or control characters: it could never match a header
        raise InvalidInput({"token": "token_characters"})
    if len(token) < MIN_TOKEN:
        raise InvalidInput({"token": "token_too_short"})
    store.SETTINGS.put(ctx.client, store.MailSettings("mail", _digest(token), ctx.now()))
    audit.record(ctx, principal, "mail_export_token_set")


def export_token_set_at(ctx: Context, principal: Principal) -> Any:
    """When the export token was last set (None: never; the exports and the feed are closed)."""
    must_be_mail_admin(principal)
    settings = store.SETTINGS.get(ctx.client, "mail")
    return settings.updated if settings and settings.export_token_hash else None


def check_export_token(ctx: Context, token: str) -> None:
    """Unauthenticated unless this is the export token."""
    settings = store.SETTINGS.get(ctx.client, "mail")
    expected = settings.export_token_hash if settings else ""
    if not expected or not hmac.compare_digest(_digest(token).encode(), expected.encode()):
        raise Unauthenticated("wrong_export_token")


def _cursor(since: str | None) -> int:
    if not since:
        return 0
    try:
        return values.integer(0, 10**18)(since)
    except ValueError:
        raise InvalidInput({"since": "invalid_cursor"}) from None


def changes(ctx: Context, since: str | None, limit: int = PAGE) -> dict:
    """The changes after a cursor, at most `limit`, each with its entity's state now; the next cursor, and
    whether more changes follow it."""
    after = _cursor(since)
    found = mail_feed.since(ctx.client, after, limit)
    keys = [STATES[c.kind].key(ctx.client, c.name, store.domain_of(c.name) if c.kind in PARENTED else None) for c in found]
    keys.append(mail_feed.COUNTER.key(ctx.client, mail_feed.FEED))  # read with the states: are there more changes?
    states = {(e.key.kind, e.key.name): e for e in lookup(ctx.client, keys)}
    cursor = found[-1].number if found else after
    counter = states.get(("MailFeed", mail_feed.FEED))
    return {"changes": [{"number": c.number, "kind": c.kind, "name": c.name,
                         "state": _shared(c.kind, states.get((c.kind, c.name)))} for c in found],
            "cursor": str(cursor), "more": bool(counter is not None and counter["last"] > cursor)}


def _shared(kind: str, entity: Any) -> dict | None:
    if entity is None:
        return None
    record = STATES[kind].read(entity)
    return {name: value for name, value in vars(record).items() if name not in NOT_SHARED}
