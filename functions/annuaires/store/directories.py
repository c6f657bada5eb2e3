"""Directories (annuaires): key = code."""

from __future__ import annotations

from dataclasses import dataclass

from google.cloud import datastore

from annuaires.store.accounts import ACCOUNT_UNINDEXED, Account
from annuaires.store.base import Schema, query


@dataclass
class Directory(Account):
    """A directory: its admin signs in with its code or initials."""

    color: str = ""
    comment: str = ""
    version: int = 0  # of what its admin edits: name, initials, colour, comment (R2)


SCHEMA = Schema("Directory", Directory, "code", unindexed=(*ACCOUNT_UNINDEXED, "color", "comment"), secret=("password_hash",))


def page_by_name(client: datastore.Client, limit: int, cursor: str | None) -> tuple[list[Directory], str | None]:
    """One page of every directory, by name."""
    return SCHEMA.page(client, query(client, SCHEMA.kind, order="name_sort"), limit, cursor)
