"""Uniqueness claims (A1): one entity per normalised name or initials, owned by one code.

A claim is created in the same transaction as its owner, so that of two concurrent
creations of the same name only one can commit.
"""

from __future__ import annotations

from google.cloud import datastore

from .base import digest

KIND = "Claim"
# Directories have their own names; groups and groupements share theirs.
SCOPES = {"directory": "directory", "group": "group", "groupement": "group"}


def claim_key(client: datastore.Client, family: str, field: str, norm: str) -> datastore.Key:
    """The key of the claim on one normalised value of one field (`name` or `initials`)."""
    return client.key(KIND, f"{SCOPES[family]}:{field}:{digest(norm)}")


def take(client: datastore.Client, family: str, owner: str, wanted: dict[str, str]) -> str | None:
    """Inside a transaction: claim each field's normalised value for `owner`.

    Returns the first field already owned by another code (and then claims nothing), or None.
    """
    keys = {field: claim_key(client, family, field, norm) for field, norm in wanted.items()}
    existing = {e.key: e for e in client.get_multi(list(keys.values()))}
    for field, key in keys.items():
        holder = existing.get(key)
        if holder is not None and holder["owner"] != owner:
            return field
    for key in keys.values():
        if key not in existing:
            entity = datastore.Entity(key=key)
            entity["owner"] = owner
            client.put(entity)
    return None


def release(client: datastore.Client, family: str, field: str, norm: str) -> None:
    """Inside a transaction: drop the claim on an old value."""
    client.delete(claim_key(client, family, field, norm))
