"""Uniqueness claims (A1): one entity per name or initials skeleton, owned by one code.

A claim is created in the same transaction as its owner, so that of two concurrent creations
of the same name only one can commit. Its key holds the skeleton's digest, never the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.cloud import datastore

from annuaires.store.base import Schema

# Directories have their own names; groups and groupements share theirs.
SCOPES = {"directory": "directory", "group": "group", "groupement": "group"}


@dataclass
class Claim:
    """Who holds one name or initials: `scope:field:digest` → owner's code."""

    id: str
    owner: str = ""


SCHEMA = Schema("Claim", Claim, "id")


def claim_id(family: str, field: str, key: str) -> str:
    """The id of the claim on one field's skeleton digest (`name` or `initials`)."""
    return f"{SCOPES[family]}:{field}:{key}"


def take(client: datastore.Client, family: str, owner: str, wanted: dict[str, str]) -> str | None:
    """Inside a transaction: claim each field's digest for `owner`.

    Returns the first field already owned by another code (and then claims nothing), or None.
    """
    ids = {field: claim_id(family, field, key) for field, key in wanted.items()}
    existing = SCHEMA.get_many(client, list(ids.values()))
    for field, id_ in ids.items():
        holder = existing.get(id_)
        if holder is not None and holder.owner != owner:
            return field
    for id_ in ids.values():
        if id_ not in existing:
            SCHEMA.put(client, Claim(id_, owner))
    return None


def release(client: datastore.Client, family: str, field: str, key: str) -> None:
    """Inside a transaction: drop the claim on an old value."""
    client.delete(SCHEMA.key(client, claim_id(family, field, key)))


def owner(client: datastore.Client, family: str, field: str, key: str) -> str | None:
    """The code holding a claim, if any."""
    claim = SCHEMA.get(client, claim_id(family, field, key))
    return claim.owner if claim else None
