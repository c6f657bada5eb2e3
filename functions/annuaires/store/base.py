"""The Datastore client, transactions with retry, and shared entity helpers."""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TypeVar

from google.api_core import exceptions as gexc
from google.cloud import datastore

from ..config import Config

T = TypeVar("T")

TRANSACTION_ATTEMPTS = 8


class InvalidCursor(ValueError):
    """A page cursor that Datastore cannot read (made up, or from another query)."""


def make_client(config: Config) -> datastore.Client:
    """A client on the configured project and namespace (the emulator, if its host is set)."""
    return datastore.Client(project=config.project, namespace=config.namespace)


def now() -> datetime:
    """The current time, UTC-aware, at the millisecond Datastore keeps."""
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def digest(text: str) -> str:
    """A fixed-length stand-in for text of any length inside a key name (key names stay under 1,500 bytes)."""
    return hashlib.sha256(text.encode()).hexdigest()


def in_transaction(client: datastore.Client, work: Callable[[], T]) -> T:
    """Run `work` in a transaction, retrying on contention (the library does not)."""
    for attempt in range(TRANSACTION_ATTEMPTS):
        try:
            with client.transaction():
                return work()
        except (gexc.Aborted, gexc.Conflict):
            if attempt == TRANSACTION_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 (jitter, not secrecy)
    raise AssertionError("unreachable")


def new_entity(
    client: datastore.Client, kind: str, name: str | None, *, unindexed: Iterable[str] = ()
) -> datastore.Entity:
    """A new entity with its key, the listed properties kept out of indexes."""
    key = client.key(kind, name) if name is not None else client.key(kind)
    return datastore.Entity(key=key, exclude_from_indexes=tuple(unindexed))
