"""Server-side sessions: the cookie holds a random token, Datastore its SHA-256."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from google.cloud import datastore

from annuaires.store.base import Schema


@dataclass
class Session:
    """One open session of one role; `epoch` is its account's sessions epoch when it opened (A4)."""

    id: str  # SHA-256 of the cookie's token
    role: str = ""
    subject: str = ""
    csrf: str = ""
    epoch: int = 0
    created: datetime | None = None
    expires: datetime | None = None  # a TTL policy deletes it (cloudbuild.yaml)


SCHEMA = Schema("Session", Session, "id", unindexed=("csrf", "epoch", "created"))


def token_id(token: str) -> str:
    """The id of a session, from the token the cookie holds (never stored itself)."""
    return hashlib.sha256(token.encode()).hexdigest()


def get_with(client: datastore.Client, token: str, along: datastore.Key | None) -> tuple[Session | None, datastore.Entity | None]:
    """The session a token opens, and the entity at `along` read in the same batch (each or None)."""
    key = SCHEMA.key(client, token_id(token))
    found = {e.key: e for e in client.get_multi([key, along] if along is not None else [key])}
    session = found.get(key)
    return (SCHEMA.read(session) if session is not None else None), (found.get(along) if along is not None else None)


def move_to_epoch(client: datastore.Client, token: str, epoch: int) -> None:
    """Inside a transaction: keep one session alive across its account's new epoch."""
    session = SCHEMA.get(client, token_id(token))
    if session is not None:
        session.epoch = epoch
        SCHEMA.put(client, session)


def delete(client: datastore.Client, token: str) -> None:
    """End one session."""
    client.delete(SCHEMA.key(client, token_id(token)))

