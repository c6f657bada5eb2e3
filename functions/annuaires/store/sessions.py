"""Server-side sessions: the cookie holds a random token, Datastore its SHA-256."""

from __future__ import annotations

import hashlib
from datetime import datetime

from google.cloud import datastore

from .base import new_entity

KIND = "Session"


def token_key(client: datastore.Client, token: str) -> datastore.Key:
    """The key of a session, from the token the cookie holds (never stored itself)."""
    return client.key(KIND, hashlib.sha256(token.encode()).hexdigest())


def create(
    client: datastore.Client, token: str, *, role: str, subject: str, csrf: str, epoch: int,
    created: datetime, expires: datetime,
) -> None:
    """Store a new session; `epoch` is its entity's `sessions_epoch` when it opened."""
    entity = new_entity(client, KIND, token_key(client, token).name, unindexed=("csrf", "expires", "epoch"))
    entity.update(role=role, subject=subject, csrf=csrf, epoch=epoch, created=created, expires=expires)
    client.put(entity)


def move_to_epoch(client: datastore.Client, token: str, epoch: int) -> None:
    """Inside a transaction: keep one session alive across its entity's new epoch."""
    entity = client.get(token_key(client, token))
    if entity is not None:
        entity["epoch"] = epoch
        client.put(entity)


def get(
    client: datastore.Client, token: str, along: datastore.Key | None = None
) -> tuple[datastore.Entity | None, datastore.Entity | None]:
    """The session a token opens, and the entity at `along` read in the same batch (each or None)."""
    key = token_key(client, token)
    found = {e.key: e for e in client.get_multi([key, along] if along is not None else [key])}
    return found.get(key), found.get(along) if along is not None else None


def delete(client: datastore.Client, token: str) -> None:
    """End one session."""
    client.delete(token_key(client, token))


def end_all(
    client: datastore.Client, role: str, subject: str, *, keep: datastore.Key | None = None
) -> int:
    """End every session of one entity, except `keep`; return how many ended."""
    query = client.query(kind=KIND)
    query.add_filter(filter=datastore.query.PropertyFilter("role", "=", role))
    query.add_filter(filter=datastore.query.PropertyFilter("subject", "=", subject))
    query.keys_only()
    keys = [e.key for e in query.fetch() if e.key != keep]
    for start in range(0, len(keys), 500):
        client.delete_multi(keys[start:start + 500])
    return len(keys)
