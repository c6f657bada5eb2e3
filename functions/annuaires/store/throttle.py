"""Counters of failed sign-ins, per account and per client."""

from __future__ import annotations

from datetime import datetime, timedelta

from google.cloud import datastore

from .base import in_transaction

KIND = "Throttle"


def blocked(
    client: datastore.Client, names: dict[str, int], at: datetime, window: timedelta
) -> bool:
    """Whether any counter (name → limit) has reached its limit within the window."""
    keys = [client.key(KIND, name) for name in names]
    return any(
        entity["since"] + window > at and entity["failures"] >= names[entity.key.name]
        for entity in client.get_multi(keys)
    )


def record_failure(
    client: datastore.Client, names: list[str], at: datetime, window: timedelta
) -> None:
    """Count one failure on each counter, starting a new window where the old one ended."""
    keys = [client.key(KIND, name) for name in names]

    def work() -> None:
        found = {e.key.name: e for e in client.get_multi(keys)}
        for key in keys:
            entity = found.get(key.name)
            if entity is None or entity["since"] + window <= at:
                entity = datastore.Entity(key=key)
                # `expires` lets Datastore's TTL policy delete old counters (cloudbuild.yaml).
                entity.update(failures=0, since=at, expires=at + window)
            entity["failures"] += 1
            client.put(entity)

    in_transaction(client, work)


def clear(client: datastore.Client, name: str) -> None:
    """Forget the failures of one counter (after a successful sign-in)."""
    client.delete(client.key(KIND, name))
