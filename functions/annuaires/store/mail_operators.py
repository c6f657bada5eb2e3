"""The people who manage mail accounts (B2): mail admins named by the general admin, and operators of some domains."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from google.cloud import datastore

from annuaires.store.base import Schema


@dataclass
class MailOperator:
    """A sign-in of the mail role: a mail admin (every domain, and the operators), or an operator of its domains."""

    login: str  # lower case
    name: str = ""  # how pages and the audit log name it (its login)
    password_hash: str = ""
    domains: list[str] = field(default_factory=list)  # ASCII domain names (an admin's are all)
    admin: bool = False
    must_change: bool = True  # a password given by someone else is changed at the first sign-in
    password_set: datetime | None = None
    active: bool = True
    created: datetime | None = None
    sessions_epoch: int = 0
    version: int = 0  # of what a mail admin edits (R2)


OPERATORS = Schema("MailOperator", MailOperator, "login", secret=("password_hash",),
                   unindexed=("name", "password_hash", "domains", "password_set", "created", "sessions_epoch"))


def every(client: datastore.Client) -> list[MailOperator]:
    """Every mail admin and operator, by login (a site has a few)."""
    return sorted((OPERATORS.read(e) for e in client.query(kind=OPERATORS.kind).fetch()), key=lambda o: o.login)
