"""Members of a group or groupement: child entities of their group, id given by Datastore."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from google.cloud import datastore

from annuaires.store.base import Schema, query


@dataclass
class Member:
    """An alterconso of a group, or a producteur of a groupement."""

    id: int | None
    group: str
    name: str = ""
    email: str = ""
    email_norm: str = ""  # one address once in a group
    active: bool = True
    created: datetime | None = None
    version: int = 0  # of its name, address and state (R2)


SCHEMA = Schema("Member", Member, "id", unindexed=("name", "email"), parent_kind="Group", parent_field="group")


def of_group(client: datastore.Client, group: str, *, limit: int, cursor: str | None = None,
             email: str | None = None) -> tuple[list[Member], str | None]:
    """One page of a group's members, in the order they were added, and the next page's cursor."""
    if email is not None:
        q = query(client, SCHEMA.kind, ("email_norm", "=", email), ancestor=client.key("Group", group))
    else:
        q = query(client, SCHEMA.kind, ancestor=client.key("Group", group), order="created")
    return SCHEMA.page(client, q, limit, cursor)


def any_order(client: datastore.Client, group: str, *, limit: int, cursor: str | None = None) -> tuple[list[Member], str | None]:
    """One page of a group's members in no particular order (no sort: the emulator answers a quarter faster)."""
    return SCHEMA.page(client, query(client, SCHEMA.kind, ancestor=client.key("Group", group)), limit, cursor)


def new(group: str, name: str, email: str, at: datetime) -> Member:
    """A member not stored yet (Datastore gives its id)."""
    return Member(None, group, name, email, email.lower(), True, at)


def put_new(client: datastore.Client, member: Member) -> Member:
    """Store a new member and learn its id (inside the caller's transaction, if any)."""
    return put_new_many(client, [member])[0]


def all_of_group(client: datastore.Client, group: str) -> list[Member]:
    """Every member of a group (for checks over the whole group, such as an import's)."""
    return [SCHEMA.read(e) for e in query(client, SCHEMA.kind, ancestor=client.key("Group", group)).fetch()]


def put_new_many(client: datastore.Client, new_members: list[Member]) -> list[Member]:
    """Store new members in one batch, their ids allocated together (inside the caller's transaction, if any)."""
    entities = [SCHEMA.entity(client, m) for m in new_members]
    keys = client.allocate_ids(entities[0].key, len(entities))
    for entity, key, member in zip(entities, keys, new_members, strict=True):
        entity.key, member.id = key, key.id
    client.put_multi(entities)
    return new_members
