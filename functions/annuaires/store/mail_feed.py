"""The change feed of mail accounts (B5): every change numbered in the order it committed.

Each write of a domain, a site, an account or an alias adds its changes in its own transaction, with the
next numbers of one counter: transactions that change mail data commit one after the other, so a reader
that has seen number N has seen every change before it. A transaction's changes are one entity, a block
keyed by its first number (a block is a root entity: the counter's entity group stays one entity, which the
emulator needs; children of the counter made it copy a growing group at every write). The feed names what
changed; a reader takes its state as it is now (a change read late gives the latest state).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from google.cloud import datastore

from annuaires.store.base import Schema, query

FEED = "feed"  # the counter's key name


@dataclass
class MailFeed:
    name: str
    last: int = 0  # the number of the last change


@dataclass
class Changed:
    kind: str = ""  # MailSite, MailDomain, MailAccount or MailAlias
    name: str = ""  # its key name


@dataclass
class ChangeBlock:
    """The changes of one transaction, numbered from `first`."""

    first: int
    changes: list[Changed] = field(default_factory=list)
    at: datetime | None = None


@dataclass
class MailChange:
    """One numbered change, as readers see it."""

    number: int
    kind: str
    name: str


COUNTER = Schema("MailFeed", MailFeed, "name")
BLOCKS = Schema("MailChanges", ChangeBlock, "first", packed=(("changes", Changed),), unindexed=("at",))


def add(client: datastore.Client, changed: list[tuple[str, str]], at: datetime) -> None:
    """Inside the caller's transaction: number these changes (kind, key name) after the last one."""
    counter = COUNTER.get(client, FEED) or MailFeed(FEED)
    block = ChangeBlock(counter.last + 1, [Changed(kind, name) for kind, name in changed], at)
    counter.last += len(changed)
    COUNTER.put(client, counter)
    BLOCKS.put(client, block)


def since(client: datastore.Client, after: int, limit: int) -> list[MailChange]:
    """The changes numbered after `after` (a number the feed gave), in order: whole blocks, `limit` changes or
    fewer, but at least one block."""
    filters = [("__key__", ">", BLOCKS.key(client, after))] if after else []
    blocks, _ = BLOCKS.page(client, query(client, BLOCKS.kind, *filters), limit, None)
    found: list[MailChange] = []
    for block in blocks:
        if found and len(found) + len(block.changes) > limit:
            break
        found += [MailChange(block.first + n, c.kind, c.name) for n, c in enumerate(block.changes)]
    return found
