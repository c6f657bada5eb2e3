"""What a dump of one directory holds (A15): the directory and everything it references.

The directory and its claims; the groups and groupements it references now or did (recent, deactivated),
with their claims, weekly messages, members, batches and their recipients; the audit entries that concern
any of them; the mailers their mailings use. Read a page at a time: never held whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from google.cloud import datastore

from annuaires.codes import is_code
from annuaires.services.errors import InvalidInput
from annuaires.store import name_claims as claims
from annuaires.store.base import fetch_page, query

PAGE = 500


def of_directory(client: datastore.Client, code: str) -> Iterator[datastore.Entity]:
    """Every entity a dump of one directory holds, each once; InvalidInput naming `directory` when there is none."""
    found = client.get(client.key("Directory", code)) if is_code(code) else None
    if found is None:
        raise InvalidInput({"directory": "not_found"})
    yield found
    yield from client.get_multi(_claim_keys(client, [found], "directory"))
    seen_groups: set[str] = set()
    letters: set[str] = set()
    audit_seen: set[int] = set()
    for prop in ("refs", "former_refs"):
        for page in _pages(client, query(client, "Group", (prop, "=", code))):
            groups = [g for g in page if g.key.name not in seen_groups]
            seen_groups.update(g.key.name for g in groups)
            letters.update(g.get("mailer") or "" for g in groups)
            yield from groups
            yield from _per_groups(client, groups, audit_seen)
    yield from _audit(client, f"directory:{code}", audit_seen)
    yield from client.get_multi([client.key("Mailer", letter) for letter in sorted(letters) if letter and letter != "Z"])


def _per_groups(client: datastore.Client, groups: list[datastore.Entity], audit_seen: set[int]) -> Iterator[datastore.Entity]:
    """A page of groups' claims and messages (two lookups), then each one's members, batches and audit."""
    by_family: dict[str, list[datastore.Entity]] = {}
    for group in groups:
        by_family.setdefault(group.get("type") or "group", []).append(group)
    keys = [key for family, members in by_family.items() for key in _claim_keys(client, members, family)]
    yield from client.get_multi(keys)
    yield from client.get_multi([client.key("Message", g.key.name) for g in groups])
    for group in groups:
        yield from _descendants(client, "Member", group.key)
        for page in _pages(client, query(client, "MailingBatch", ("group", "=", group.key.name))):
            for batch in page:
                yield batch
                yield from _descendants(client, "RecipientChunk", batch.key)
        yield from _audit(client, f"group:{group.key.name}", audit_seen)


def _claim_keys(client: datastore.Client, accounts: Iterable[datastore.Entity], family: str) -> list[datastore.Key]:
    """The claims an account holds (A1): they come with their owners, so that a reload keeps names unique."""
    return [client.key("Claim", claims.claim_id(family, field, account[prop]))
            for account in accounts for field, prop in (("name", "name_key"), ("initials", "initials_key"))
            if account.get(prop)]


def _descendants(client: datastore.Client, kind: str, ancestor: datastore.Key) -> Iterator[datastore.Entity]:
    for page in _pages(client, query(client, kind, ancestor=ancestor)):
        yield from page


def _audit(client: datastore.Client, concern: str, seen: set[int]) -> Iterator[datastore.Entity]:
    """The audit entries that concern one account (as the log names it: `directory:CODE`, `group:CODE`), each once
    in the dump (an entry may concern several)."""
    for page in _pages(client, query(client, "Audit", ("concerns", "=", concern))):
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
