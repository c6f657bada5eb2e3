"""Following a reference instance (B5): every ten minutes, its change feed since our cursor, applied here.

Each page of the feed gives entities' states as they are at the reference now; applying a state is an upsert
(or a deletion), so applying a page twice changes nothing, and the cursor moves only once a page is written: a
run cut off half-way is resumed by the next without loss or duplicate. What the reference gave is marked
`reference`; local-only accounts, aliases and domains are never touched, and a reference entity that would
take their address is refused and recorded. Writes go in batches (a page is a few commits, not one a change)
and are numbered in this instance's own feed, so that a site can itself be followed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests

from ..store import mail as store
from ..store import mail_feed
from ..store.base import in_transaction, lookup
from ..store.mail import FROM_REFERENCE, LOCAL, MailAccount, MailAddress, MailAlias, MailDomain, MailSite
from ..store.mail_sync import REFERENCE, RUNS, STATES, SyncError, SyncRun, SyncState, latest_runs
from . import mail_values
from .context import Context
from .mail_changes import PAGE
from .mail_changes import STATES as SHARED  # the kinds a feed carries, and their schemas
from .names import sort_key

TIMEOUT = (10, 60)  # seconds to connect to the reference, then to read a page
RUNS_KEPT = timedelta(days=30)
WRITE = 500  # entities a commit
MAX_PAGES = 1000  # a run stops there (half a million changes); the next goes on
ERRORS_KEPT = 100  # errors a run records one by one (the rest counted): a run stays one small entity
log = logging.getLogger("annuaires.mail_sync")

Fetch = Callable[[str], dict]  # a page of the reference's feed after a cursor


class ReferenceUnavailable(Exception):
    """The reference did not answer a page (down, refusing the token, or not a feed)."""


def reference_fetch(url: str, token: str) -> Fetch:
    """Pages of a reference's feed over HTTP, with its export token."""
    def fetch(cursor: str) -> dict:
        try:
            answer = requests.get(f"{url}/api/mail/changes", params={"since": cursor}, timeout=TIMEOUT,
                                  headers={"Authorization": f"Bearer {token}"})
        except requests.RequestException as error:
            raise ReferenceUnavailable(f"the reference does not answer ({type(error).__name__})") from error
        if answer.status_code != 200:
            raise ReferenceUnavailable(f"the reference answers {answer.status_code}")
        try:
            page = answer.json()
            if isinstance(page, dict) and isinstance(page.get("changes"), list) and isinstance(page.get("cursor"), str):
                return page
        except ValueError:
            pass
        raise ReferenceUnavailable("the reference's answer is not a change feed")
    return fetch


def sync(ctx: Context, fetch: Fetch, max_pages: int = MAX_PAGES) -> SyncRun:
    """One run: every page since our cursor (at most `max_pages`), applied; the run recorded, errors and all."""
    state = STATES.get(ctx.client, REFERENCE) or SyncState()
    began, at = time.monotonic(), ctx.now()
    run = SyncRun(None, at, None, state.cursor, state.cursor, expires=at + RUNS_KEPT)
    try:
        for _ in range(max_pages):
            page = fetch(run.cursor)
            applied, errors = apply(ctx, page["changes"])
            run.applied += applied
            run.errors += errors
            if page["cursor"] != run.cursor:
                run.cursor = page["cursor"]
                STATES.put(ctx.client, SyncState(REFERENCE, run.cursor, ctx.now()))
            if not page.get("more", len(page["changes"]) >= PAGE):  # (a reference that does not say: a full page)
                break
    except ReferenceUnavailable as error:
        run.errors.append(SyncError("", str(error)))
    if len(run.errors) > ERRORS_KEPT:
        run.errors[ERRORS_KEPT:] = [SyncError("", f"and {len(run.errors) - ERRORS_KEPT} more")]
    run.finished = ctx.now()
    RUNS.put(ctx.client, run)
    log.info("mail sync: %d applied, %d errors, cursor %s → %s, %.1f s", run.applied, len(run.errors), run.cursor_from,
             run.cursor, time.monotonic() - began)
    return run


def runs(ctx: Context, limit: int = 20) -> list[dict]:
    """The last runs, newest first, as shown to mail admins."""
    return [{"started": r.started, "finished": r.finished, "applied": r.applied, "cursor": r.cursor,
             "cursor_from": r.cursor_from, "errors": [{"name": e.name, "reason": e.reason} for e in r.errors],
             "seconds": round((r.finished - r.started).total_seconds(), 3) if r.finished and r.started else None}
            for r in latest_runs(ctx.client, limit)]


class Page:
    """One page of changes being applied: what is here now, what will be written and deleted."""

    def __init__(self, ctx: Context, changes: list[Any]) -> None:
        self.ctx, self.client = ctx, ctx.client
        self.states: dict[tuple[str, str], dict | None] = {}
        for change in changes:  # a name changed twice in a page has one state: the latest
            if isinstance(change, dict) and change.get("kind") in SHARED and isinstance(change.get("name"), str):
                self.states[(change["kind"], change["name"])] = change.get("state")
        self.puts: list[Any] = []
        self.deletes: list[Any] = []
        self.changed: list[tuple[str, str]] = []
        self.errors: list[SyncError] = []

    def of(self, kind: str) -> list[tuple[str, dict | None]]:
        return [(name, state) for (k, name), state in self.states.items() if k == kind]

    def refuse(self, name: str, reason: str) -> None:
        self.errors.append(SyncError(name, reason))

    def write(self) -> None:
        for start in range(0, len(self.deletes), WRITE):
            self.client.delete_multi(self.deletes[start:start + WRITE])
        for start in range(0, len(self.puts), WRITE):
            self.client.put_multi(self.puts[start:start + WRITE])
        self.puts, self.deletes = [], []


def apply(ctx: Context, changes: list[Any]) -> tuple[int, list[SyncError]]:
    """Apply one page of the reference's changes; how many were applied, and what was refused."""
    page = Page(ctx, changes)
    _apply_sites_and_domains(page)
    page.write()  # the accounts' companions follow the sites just written
    _apply_accounts_and_aliases(page)
    page.write()
    if page.changed:  # numbered in this instance's feed, in a transaction of their own
        in_transaction(ctx.client, lambda: mail_feed.add(ctx.client, page.changed, ctx.now()), lookup_first=True)
    return len(page.changed), page.errors


def _apply_sites_and_domains(page: Page) -> None:
    _apply_roots(page, store.SITES, "a local site of this code", lambda code, state, at: MailSite(
        code, *(str(state.get(n, "")) for n in store.COMPANIONS), int(state.get("retention_days") or 15), FROM_REFERENCE, at))
    _apply_roots(page, store.DOMAINS, "a local domain of this name", lambda name, state, at: MailDomain(
        name, str(state.get("display") or name), str(state.get("site", "")), str(state.get("companion", "")), FROM_REFERENCE, at))


def _apply_roots(page: Page, schema: Any, local_reason: str, record_of: Callable[[str, dict, Any], Any]) -> None:
    """Sites or domains: upserted or deleted, but never one of this instance's own."""
    here = schema.get_many(page.client, [name for name, _ in page.of(schema.kind)])
    for name, state in page.of(schema.kind):
        current = here.get(name)
        if current is not None and current.origin == LOCAL:
            page.refuse(name, local_reason)
        elif state is not None:
            page.puts.append(schema.entity(page.client, record_of(name, state, page.ctx.now())))
            page.changed.append((schema.kind, name))
        elif current is not None:
            page.deletes.append(schema.key(page.client, name))
            page.changed.append((schema.kind, name))


def _apply_accounts_and_aliases(page: Page) -> None:
    """Deletions first (a rename is a deletion and a creation: the new name may take the old one's companions)."""
    client = page.client
    entries = []
    for kind in ("MailAccount", "MailAlias"):
        for name, state in page.of(kind):
            if "@" in name:
                entries.append((kind, name, state))
            else:
                page.refuse(name, "not an address")
    domains = store.DOMAINS.get_many(client, list({store.domain_of(name) for _, name, _ in entries}))
    sites = store.SITES.get_many(client, list({d.site for d in domains.values()}))
    claims = {(kind, name): _claims_of(name, kind, sites, domains[store.domain_of(name)])
              for kind, name, _ in entries if store.domain_of(name) in domains}
    here = {(e.key.kind, e.key.name): e for e in lookup(client, [
        SHARED[kind].key(client, name, store.domain_of(name)) for kind, name, _ in entries])}
    # The claims to read: a new entity's (are they free?) and a deleted one's (are they its own?). A reference
    # entity already here holds its own: an update of it writes the entity alone.
    known = {(kind, name) for kind, name, _ in entries if (kind, name) in here}
    asked = [c for (kind, name), wanted in claims.items() if (kind, name) not in known or page.states[(kind, name)] is None
             for c in wanted]
    held = {e.key.name: store.ADDRESSES.read(e) for e in lookup(client, [
        store.ADDRESSES.key(client, c.address, c.domain) for c in asked])}
    freed: set[str] = set()
    for kind, name, state in entries:
        current = here.get((kind, name))
        if state is not None or current is None or current.get("origin", LOCAL) == LOCAL:
            continue  # (a local-only entity is never touched, even when the reference deletes its namesake)
        own = [c for c in claims.get((kind, name), []) if (h := held.get(c.address)) is not None and h.owner == name]
        page.deletes += [current.key, *(store.ADDRESSES.key(client, c.address, c.domain) for c in own)]
        freed |= {c.address for c in own}
        page.changed.append((kind, name))
    for kind, name, state in entries:
        if state is None:
            continue
        current = here.get((kind, name))
        if current is not None and current.get("origin", LOCAL) == LOCAL:
            page.refuse(name, "a local account or alias has this address")
            continue
        if (kind, name) not in claims:
            page.refuse(name, "its domain is not here")
            continue
        taken = [c for c in claims[(kind, name)] if (kind, name) not in known and c.address not in freed
                 and (h := held.get(c.address)) is not None and h.owner != name]
        if taken:
            page.refuse(name, f"{taken[0].address} is used here by {held[taken[0].address].owner}")
            continue
        if kind == "MailAccount" and not str(state.get("password_hash", "")).startswith("$argon2"):
            page.refuse(name, "its password is not an argon2 hash")
            continue
        entity = _entity(client, kind, name, state, page.ctx.now())
        page.puts += [entity] if (kind, name) in known else [*(store.ADDRESSES.entity(client, c) for c in claims[(kind, name)]),
                                                            entity]
        page.changed.append((kind, name))


def _claims_of(name: str, kind: str, sites: dict[str, MailSite], domain: MailDomain) -> list[MailAddress]:
    """The addresses an account (itself and its companions, at its site) or an alias holds."""
    if kind == "MailAlias":
        return [mail_values.alias_claim(name)]
    return mail_values.account_claims(name, sites.get(domain.site) or mail_values.default_site(domain.site))


def _entity(client: Any, kind: str, name: str, state: dict, at: Any) -> Any:
    """The entity of a reference's state, marked as the reference's."""
    if kind == "MailAlias":
        targets = [str(t) for t in state.get("targets") or []]
        return store.ALIASES.entity(client, MailAlias(name, store.domain_of(name), targets, FROM_REFERENCE, at, at))
    display = str(state.get("display_name", ""))
    quota = state.get("quota_mb")
    account = MailAccount(name, store.domain_of(name), str(state.get("local") or name.split("@")[0]), display,
                          sort_key(display), str(state.get("password_hash", "")), bool(state.get("active", True)),
                          quota if isinstance(quota, int) else None, FROM_REFERENCE, at, at)
    return store.ACCOUNTS.entity(client, account)

