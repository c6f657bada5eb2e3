"""Counters of failed sign-ins, per account, per client and per device, within a window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from google.cloud import datastore

from annuaires.store.base import Schema, digest, in_transaction


@dataclass
class Counter:
    """Attempts counted since the window opened."""

    id: str  # the digest of the counter's name
    failures: int = 0
    since: datetime | None = None
    expires: datetime | None = None  # a TTL policy deletes it (cloudbuild.yaml)


SCHEMA = Schema("Throttle", Counter, "id", unindexed=("failures", "since"))


def _id(name: str) -> str:
    # Counter names hold what clients send (identifiers, forwarded addresses): only their digest makes a key.
    return digest(name)


def reserve(client: datastore.Client, limits: dict[str, int], at: datetime, window: timedelta) -> datetime | None:
    """Count one attempt on each counter (name → limit), unless one has reached its limit: then count none.

    Counted before the password is checked, in one transaction, so that attempts sent in parallel
    cannot all pass; a successful attempt is given back with `release`. Returns None when counted,
    else when the full counter's window ends.
    """
    ids = {name: _id(name) for name in limits}

    def work() -> datetime | None:
        found = SCHEMA.get_many(client, list(ids.values()))
        counters = []
        for name, id_ in ids.items():
            counter = found.get(id_)
            if counter is None or counter.since + window <= at:
                counter = Counter(id_, 0, at, at + window)
            if counter.failures >= limits[name]:
                return counter.since + window
            counters.append(counter)
        for counter in counters:
            counter.failures += 1
            SCHEMA.put(client, counter)
        return None

    return in_transaction(client, work)


def release(client: datastore.Client, names: list[str]) -> None:
    """Give back the attempt counted on each counter (the password was right)."""

    def work() -> None:
        for counter in SCHEMA.get_many(client, [_id(name) for name in names]).values():
            if counter.failures > 0:
                counter.failures -= 1
                SCHEMA.put(client, counter)

    in_transaction(client, work)
