"""Groups and groupements (one kind, one name space, A1): key = code. Their weekly message lives apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

from google.cloud import datastore

from annuaires.store.accounts import ACCOUNT_UNINDEXED, Account
from annuaires.store.base import Schema, fetch_page, query


class Former(TypedDict):
    """A directory that referenced a group recently, and until when it lists it (A9): an embedded entity."""

    directory: str
    until: datetime


@dataclass
class Group(Account):
    """A group or groupement, the directories that reference it, its mailing settings and deliveries."""

    type: str = "group"
    refs: list[str] = field(default_factory=list)  # directories referencing it now
    history: list[Former] = field(default_factory=list)  # {"directory", "until"}: recently referencing (A9)
    former_refs: list[str] = field(default_factory=list)  # directories listing it as recent or deactivated
    deactivated_by: str | None = None
    deactivated_at: datetime | None = None
    mailing_day: str | None = None
    mailer: str = "Z"
    mailing_responsible: str | None = None
    deliveries: list[str] = field(default_factory=list)  # groups a groupement delivers
    version: int = 0  # of its mailing configuration, the part directories edit (R2)


SCHEMA = Schema("Group", Group, "code", unindexed=(*ACCOUNT_UNINDEXED, "history"), secret=("password_hash",))


def referenced_by(client: datastore.Client, directory: str, limit: int, cursor: str | None) -> tuple[list[Group], str | None]:
    """One page of the groups a directory references, by name."""
    return SCHEMA.page(client, query(client, SCHEMA.kind, ("refs", "=", directory), order="name_sort"), limit, cursor)


def formerly_referenced_by(client: datastore.Client, directory: str, limit: int,
                           cursor: str | None) -> tuple[list[Group], str | None]:
    """One page of the groups a directory lists as recent or deactivated, by name."""
    q = query(client, SCHEMA.kind, ("former_refs", "=", directory), order="name_sort")
    return SCHEMA.page(client, q, limit, cursor)


def suppliers_of(client: datastore.Client, group: str, limit: int, cursor: str | None) -> tuple[list[Group], str | None]:
    """One page of the groupements delivering a group."""
    return SCHEMA.page(client, query(client, SCHEMA.kind, ("deliveries", "=", group), order="name_sort"), limit, cursor)


def due_on(client: datastore.Client, day: str, limit: int, cursor: str | None) -> tuple[list[str], str | None]:
    """One page of the codes of the groups whose mailing day is `day` (keys only: each is read again in its transaction)."""
    q = query(client, SCHEMA.kind, ("mailing_day", "=", day))
    q.keys_only()
    found, next_cursor = fetch_page(client, q, limit, cursor)
    return [e.key.name for e in found], next_cursor
