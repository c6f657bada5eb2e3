"""The change feed of mail accounts (B5): every change numbered in the order it committed.

Each write of a domain, a site, an account or an alias adds its change in its own transaction, with the
next number of one counter: transactions that change mail data commit one after the other, so a reader
that has seen number N has seen every change before it. The feed names what changed; a reader takes its
state as it is now (a change read late gives the latest state, which a following instance wants).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from google.cloud import datastore

from .base import Schema, query

FEED = "feed"  # the counter's key name: the changes are its children


@dataclass
class MailFeed:
    name: str
    last: int = 0  # the number of the last change


@dataclass
class MailChange:
    """One change: what kind of entity and which one (its key name)."""

    number: int
    feed: str = FEED
    kind: str = ""  # MailSite, MailDomain, MailAccount or MailAlias
    name: str = ""
    at: datetime | None = None


COUNTER = Schema("MailFeed", MailFeed, "name")
CHANGES = Schema("MailChange", MailChange, "number", parent_kind="MailFeed", parent_field="feed",
                 unindexed=("kind", "name", "at"))


def add(client: datastore.Client, changed: list[tuple[str, str]], at: datetime) -> None:
    """Inside the caller's transaction: number these changes (kind, key name) after the last one."""
    counter = COUNTER.get(client, FEED) or MailFeed(FEED)
    changes = [MailChange(counter.last + n, FEED, kind, name, at) for n, (kind, name) in enumerate(changed, start=1)]
    counter.last += len(changes)
    COUNTER.put(client, counter)
    CHANGES.put_many(client, changes)


def since(client: datastore.Client, after: int, limit: int) -> list[MailChange]:
    """The changes numbered after `after`, in order (keys' order), at most `limit`."""
    filters = [("__key__", ">", CHANGES.key(client, after, FEED))] if after else []
    found, _ = CHANGES.page(client, query(client, CHANGES.kind, *filters, ancestor=COUNTER.key(client, FEED)), limit)
    return found
