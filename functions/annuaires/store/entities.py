"""Directories and groups (groups and groupements share one kind): keys, lookups, lists."""

from __future__ import annotations

import binascii
from collections.abc import Iterable

from google.api_core import exceptions as gexc
from google.cloud import datastore

from ..codes import is_code
from . import claims
from .base import InvalidCursor

DIRECTORY = "Directory"
GROUP = "Group"
SETTINGS = "Settings"
DIRECTORIES_ADMIN = "directories-admin"
# Long texts that are never filtered on stay out of the indexes.
UNINDEXED = ("password_hash", "comment", "color", "message_subject", "message_body", "history")


def get(client: datastore.Client, kind: str, code: str) -> datastore.Entity | None:
    """One directory or group by code (None for a text that is no code)."""
    return client.get(client.key(kind, code)) if is_code(code) else None


def get_many(client: datastore.Client, kind: str, codes: Iterable[str]) -> dict[str, datastore.Entity]:
    """Several directories or groups in one batch, by code."""
    keys = [client.key(kind, code) for code in dict.fromkeys(codes) if is_code(code)]
    return {e.key.name: e for e in client.get_multi(keys)} if keys else {}


def resolve(
    client: datastore.Client, kind: str, family: str, code_or_initials: str, initials_norm: str
) -> datastore.Entity | None:
    """A directory or group by its code (in any case) or its initials, in one batch then one get."""
    code = code_or_initials.strip().lower()
    code_key = client.key(kind, code) if is_code(code) else None
    claim = claims.claim_key(client, family, "initials", initials_norm)
    found = {e.key: e for e in client.get_multi([k for k in (code_key, claim) if k is not None])}
    if code_key in found:
        return found[code_key]
    if claim in found:
        return client.get(client.key(kind, found[claim]["owner"]))
    return None


def new(client: datastore.Client, kind: str, code: str) -> datastore.Entity:
    """A new directory or group entity, long texts unindexed."""
    return datastore.Entity(key=client.key(kind, code), exclude_from_indexes=UNINDEXED)


def page(
    client: datastore.Client, kind: str, filters: list[tuple[str, str, object]],
    *, limit: int, cursor: str | None = None, order: str | None = None,
) -> tuple[list[datastore.Entity], str | None]:
    """One page of a query, and the cursor of the next page (None at the end)."""
    query = client.query(kind=kind)
    for name, op, value in filters:
        query.add_filter(filter=datastore.query.PropertyFilter(name, op, value))
    if order:
        query.order = [order]
    return fetch_page(query, limit, cursor)


def fetch_page(
    query: datastore.query.Query, limit: int, cursor: str | None
) -> tuple[list[datastore.Entity], str | None]:
    """Up to `limit` results from a cursor (reading on if Datastore ends a batch early), and the next cursor.

    Cursors are URL-safe text, as they travel in addresses and answers.
    """
    iterator = query.fetch(limit=limit, start_cursor=cursor)
    try:
        found = list(iterator)
    except (gexc.BadRequest, binascii.Error, ValueError) as error:
        if cursor is None:
            raise
        raise InvalidCursor() from error
    token = iterator.next_page_token if len(found) == limit else None
    return found, token.decode() if isinstance(token, bytes) else token


def settings(client: datastore.Client, name: str) -> datastore.Entity | None:
    """One settings entity (the directories-admin password…)."""
    return client.get(client.key(SETTINGS, name))


def new_settings(client: datastore.Client, name: str) -> datastore.Entity:
    """A settings entity, nothing indexed."""
    return datastore.Entity(key=client.key(SETTINGS, name), exclude_from_indexes=("password_hash",))


def count(client: datastore.Client, kind: str, up_to: int) -> int:
    """How many entities of a kind there are, counting keys only, up to a bound.

    Not an aggregation query: the emulator does not implement them.
    """
    query = client.query(kind=kind)
    query.keys_only()
    return sum(1 for _ in query.fetch(limit=up_to))
