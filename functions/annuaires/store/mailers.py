"""The 25 mailer identities (letters A–Y), one entity each."""

from __future__ import annotations

from google.cloud import datastore

KIND = "Mailer"


def all_mailers(client: datastore.Client) -> dict[str, datastore.Entity]:
    """Every configured mailer, by letter."""
    return {e.key.name: e for e in client.query(kind=KIND).fetch()}


def get(client: datastore.Client, letter: str) -> datastore.Entity | None:
    """One mailer."""
    return client.get(client.key(KIND, letter))


def new(client: datastore.Client, letter: str) -> datastore.Entity:
    """A mailer entity; its sealed password never indexed."""
    return datastore.Entity(key=client.key(KIND, letter), exclude_from_indexes=("password_sealed",))
