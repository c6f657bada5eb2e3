"""Sending quotas of the mailers (their relays' limits per minute and per day), shared by every batch and worker.

Reserved in chunks, never counted per message: each entity is written about once a slice at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from google.cloud import datastore

from annuaires.store.base import Schema, in_transaction


@dataclass
class Quota:
    """Messages reserved under one mailer's limit in one period (a minute, a day)."""

    id: str  # "<letter>:<period>", e.g. "B:day:2026-11-24" or "B:minute:2026-11-24T07:05"
    used: int = 0
    expires: datetime | None = None  # a TTL policy deletes it (cloudbuild.yaml)


SCHEMA = Schema("Quota", Quota, "id", unindexed=("used",))


def reserve(client: datastore.Client, quota_id: str, limit: int, wanted: int, expires: datetime) -> int:
    """Reserve up to `wanted` messages under `limit` in one period; how many were granted (0 when it is used up)."""

    def work() -> int:
        quota = SCHEMA.get(client, quota_id) or Quota(quota_id, 0, expires)
        granted = max(0, min(wanted, limit - quota.used))
        if granted:
            quota.used += granted
            SCHEMA.put(client, quota)
        return granted

    return in_transaction(client, work)


def give_back(client: datastore.Client, quota_id: str, unused: int) -> None:
    """Return what a worker reserved and did not send."""
    if unused <= 0:
        return

    def work() -> None:
        quota = SCHEMA.get(client, quota_id)
        if quota is not None:
            quota.used = max(0, quota.used - unused)
            SCHEMA.put(client, quota)

    in_transaction(client, work)
