"""The 25 mailer identities (letters A–Y): key = the letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from google.cloud import datastore

from annuaires.store.base import Schema


@dataclass
class Mailer:
    """An SMTP identity the weekly mailing sends under; its password only sealed."""

    letter: str
    sender: str = ""  # the From header: an address, with a display name or not
    smtp_host: str = ""
    smtp_port: int = 587
    username: str = ""
    starttls: bool = True
    password_sealed: bytes | None = None
    per_minute: int | None = None  # the relay's sending limits
    per_day: int | None = None
    updated: datetime | None = None
    version: int = 0  # (R2)


SCHEMA = Schema("Mailer", Mailer, "letter", unindexed=("password_sealed", "sender", "username"), secret=("password_sealed",))


def all_mailers(client: datastore.Client) -> dict[str, Mailer]:
    """Every configured mailer, by letter (25 at most)."""
    return {e.key.name: SCHEMA.read(e) for e in client.query(kind=SCHEMA.kind).fetch(limit=25)}
