"""Counters of sign-in attempts, per account and per client, within a window."""

from __future__ import annotations

from datetime import datetime, timedelta

from google.cloud import datastore

from .base import digest, in_transaction

KIND = "Throttle"


def _key(client: datastore.Client, name: str) -> datastore.Key:
    # Counter names hold what clients send (identifiers, forwarded addresses): only their digest makes a key.
    return client.key(KIND, digest(name))


def reserve(client: datastore.Client, limits: dict[str, int], at: datetime, window: timedelta) -> bool:
    """Count one attempt on each counter (name → limit), unless one has reached its limit: then count none.

    Counted before the password is checked, in one transaction, so that attempts sent in
    parallel cannot all pass; a successful attempt is given back with `release`.
    """
    keys = {name: _key(client, name) for name in limits}

    def work() -> bool:
        found = {e.key.name: e for e in client.get_multi(list(keys.values()))}
        counters = []
        for name, key in keys.items():
            entity = found.get(key.name)
            if entity is None or entity["since"] + window <= at:
                entity = datastore.Entity(key=key)
                # `expires` lets Datastore's TTL policy delete old counters (cloudbuild.yaml).
                entity.update(failures=0, since=at, expires=at + window)
            if entity["failures"] >= limits[name]:
                return False
            counters.append(entity)
        for entity in counters:
            entity["failures"] += 1
        client.put_multi(counters)
        return True

    return in_transaction(client, work)


def release(client: datastore.Client, names: list[str]) -> None:
    """Give back the attempt counted on each counter (the password was right)."""
    keys = [_key(client, name) for name in names]

    def work() -> None:
        found = [e for e in client.get_multi(keys) if e["failures"] > 0]
        for entity in found:
            entity["failures"] -= 1
        client.put_multi(found)

    in_transaction(client, work)
