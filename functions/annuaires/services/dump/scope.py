"""What a dump of one directory holds (A15): the directory and everything it references.

The directory and its name claims; the groups and groupements it references now or did (recent, deactivated),
with their name claims, weekly messages, members, batches and their recipients; the audit entries that concern
any of them; the mailers their mailings use. Read a page at a time: never held whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from google.cloud import datastore

from annuaires.codes import is_code
from annuaires.services import values
from annuaires.services.errors import InvalidInput
from annuaires.services.roles import DIRECTORY, GROUP
from annuaires.store import audit, directories, groups, mailers, mailing, members, messages, name_claims
from annuaires.store.base import fetch_page, query

PAGE = 500


def of_directory(client: datastore.Client, code: str) -> Iterator[datastore.Entity]:
    """Every entity a dump of one directory holds, each once; InvalidInput naming `directory` when there is none."""
    found = client.get(directories.SCHEMA.key(client, code)) if is_code(code) else None
    if found is None:
        raise InvalidInput({"directory": "not_found"})
    yield found
    yield from client.get_multi(_name_claim_keys(client, [found], DIRECTORY.family))
    seen_groups: set[str] = set()
    letters: set[str] = set()
    audit_seen: set[int] = set()
    for prop in ("refs", "former_refs"):
        for page in _pages(client, query(client, groups.SCHEMA.kind, (prop, "=", code))):
            listed = [g for g in page if g.key.name not in seen_groups]
            seen_groups.update(g.key.name for g in listed)
            letters.update(g.get("mailer") or "" for g in listed)
            yield from listed
            yield from _per_groups(client, listed, audit_seen)
    yield from _audit(client, f"{DIRECTORY.name}:{code}", audit_seen)
    yield from client.get_multi([mailers.SCHEMA.key(client, letter) for letter in sorted(letters) if letter and letter != values.NO_MAILER])


def _per_groups(client: datastore.Client, groups: list[datastore.Entity], audit_seen: set[int]) -> Iterator[datastore.Entity]:
    """A page of groups' name claims and messages (two lookups), then each one's members, batches and audit."""
    by_family: dict[str, list[datastore.Entity]] = {}
    for group in groups:
        by_family.setdefault(group.get("type") or values.GROUP, []).append(group)
    keys = [key for family, accounts in by_family.items() for key in _name_claim_keys(client, accounts, family)]
    yield from client.get_multi(keys)
    yield from client.get_multi([messages.SCHEMA.key(client, g.key.name) for g in groups])
    for group in groups:
        yield from _descendants(client, members.SCHEMA.kind, group.key)
        for page in _pages(client, query(client, mailing.BATCHES.kind, ("group", "=", group.key.name))):
            for batch in page:
                yield batch
                yield from _descendants(client, mailing.CHUNKS.kind, batch.key)
        yield from _audit(client, f"{GROUP.name}:{group.key.name}", audit_seen)


def _name_claim_keys(client: datastore.Client, accounts: Iterable[datastore.Entity], family: str) -> list[datastore.Key]:
    """The name claims an account holds (A1): they come with their owners, so that a reload keeps names unique."""
    return [name_claims.SCHEMA.key(client, name_claims.claim_id(family, field, account[prop]))
            for account in accounts for field, prop in (("name", "name_key"), ("initials", "initials_key"))
            if account.get(prop)]


def _descendants(client: datastore.Client, kind: str, ancestor: datastore.Key) -> Iterator[datastore.Entity]:
    for page in _pages(client, query(client, kind, ancestor=ancestor)):
        yield from page


def _audit(client: datastore.Client, concern: str, seen: set[int]) -> Iterator[datastore.Entity]:
    """The audit entries that concern one account (as the log names it: `directory:CODE`, `group:CODE`), each once
    in the dump (an entry may concern several)."""
    for page in _pages(client, query(client, audit.SCHEMA.kind, ("concerns", "=", concern))):
        for entry in page:
            if entry.key.id_or_name not in seen:
                seen.add(entry.key.id_or_name)
                yield entry


def _pages(client: datastore.Client, q: Any) -> Iterator[list[datastore.Entity]]:
    cursor = None
    while True:
        found, cursor = fetch_page(client, q, PAGE, cursor)
        yield found
        if cursor is None:
            return
