"""The audit log: one entity per administrative act, listing every entity concerned."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from google.cloud import datastore

from annuaires.store.base import Schema, query


@dataclass
class Entry:
    """One act: who did it, what, on which entity, and every account that sees it."""

    id: int | None
    at: datetime | None = None
    actor: str = ""  # `role:subject`
    actor_name: str = ""
    action: str = ""
    target: str = ""  # `kind:code` of the entity acted on, if not the actor itself
    target_name: str = ""
    detail: str = ""
    concerns: list[str] = field(default_factory=list)


SCHEMA = Schema("Audit", Entry, "id", unindexed=("actor", "actor_name", "target", "target_name", "detail"))


def add(client: datastore.Client, entry: Entry) -> None:
    """Store a new entry (inside the caller's transaction, if any); its id comes from Datastore."""
    client.put(SCHEMA.entity(client, entry))


def latest(client: datastore.Client, concern: str, limit: int, cursor: str | None = None) -> tuple[list[Entry], str | None]:
    """One page of the entries concerning one account (`directory:CODE`…), newest first."""
    return SCHEMA.page(client, query(client, SCHEMA.kind, ("concerns", "=", concern), order="-at"), limit, cursor)
