"""The audit log: one entity per administrative act, listing every entity concerned."""

from __future__ import annotations

from datetime import datetime

from google.cloud import datastore

from .base import new_entity

KIND = "Audit"


def entry(
    client: datastore.Client, *, at: datetime, actor: str, actor_name: str, action: str,
    concerns: list[str], detail: str = "",
) -> datastore.Entity:
    """A new audit entry, to be put with the act it records (same transaction)."""
    entity = new_entity(client, KIND, None, unindexed=("detail", "actor", "actor_name"))
    entity.update(at=at, actor=actor, actor_name=actor_name, action=action, concerns=concerns, detail=detail)
    return entity


def latest(client: datastore.Client, concern: str, limit: int = 50) -> list[datastore.Entity]:
    """The latest entries concerning one entity (`directory:CODE`, `group:CODE`…), newest first."""
    query = client.query(kind=KIND)
    query.add_filter(filter=datastore.query.PropertyFilter("concerns", "=", concern))
    query.order = ["-at"]
    return list(query.fetch(limit=limit))
