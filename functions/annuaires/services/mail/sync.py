"""Following a reference instance (B5): every ten minutes, its change feed since our cursor, applied here.

Each page of the feed gives entities' states as they are at the reference now; applying a state is an upsert
(or a deletion), so applying a page twice changes nothing, and the cursor moves only once a page is written: a
run cut off half-way is resumed by the next without loss or duplicate. What the reference gave is marked
`reference`; local-only accounts, aliases and domains are never touched, and a reference entity that would
take their address is refused and recorded. Writes go in batches (a page is a few commits, not one a change)
and are numbered in this instance's own feed, so that a site can itself be followed.

What comes from the reference is read as a typed change is (mail_sync_states): a change that fails is refused
and named in the run, the rest of its page applied. A run records itself whatever it was sent, reads a page of
bounded size, stops when the reference's cursor does not move, and holds a lease: two runs never overlap.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests

from annuaires.services.context import Context
from annuaires.services.mail import sync_states as states
from annuaires.services.mail import values as mail_values
from annuaires.services.mail.feed import PAGE
from annuaires.services.mail.feed import STATES as SHARED  # the kinds a feed carries, and their schemas
from annuaires.services.mail.sync_states import label
from annuaires.store import mail as store
from annuaires.store import mail_feed
from annuaires.store.base import in_transaction, lookup
from annuaires.store.mail import LOCAL, MailAccount, MailAddress, MailAlias, MailDomain, MailSite
from annuaires.store.mail_sync import REFERENCE, RUNS, STATES, SyncError, SyncRun, SyncState, latest_runs

TIMEOUT = (10, 60)  # seconds to connect to the reference, then between two pieces of a page
PAGE_SECONDS = 120  # a page read at most this long (a reference trickling bytes does not hold a run)
MAX_PAGE_BYTES = 8 * 1024 * 1024  # a page read at most this large (a legitimate one is well under 1 MiB)
RUNS_KEPT = timedelta(days=30)
WRITE = 500  # entities a commit
MAX_PAGES = 1000  # a run stops there (half a million changes); the next goes on
RUN_SECONDS = 8 * 60  # a run stops there too: runs start every ten minutes
LEASE = timedelta(minutes=15)  # a run's lease: longer than a run, so that a run that died frees it in time
MAX_CURSOR = 18  # digits of a cursor (as this instance's own feed reads them)
ERRORS_KEPT = 100  # errors a run records one by one (the rest counted): a run stays one small entity
log = logging.getLogger("annuaires.mail_sync")

Fetch = Callable[[str], Any]  # a page of the reference's feed after a cursor (a dict, when the reference is one)


class ReferenceUnavailable(Exception):
    """The reference did not answer a page (down, refusing the token, too large, or not a feed)."""


class LeaseLost(Exception):
    """Another run holds the lease now (this one outlived its own): it stops without moving the cursor."""


def reference_fetch(url: str, token: str) -> Fetch:
    """Pages of a reference's feed over HTTP, with its export token; each read in bounded size and time."""
    def fetch(cursor: str) -> Any:
        began = time.monotonic()
        try:
            with requests.get(f"{url}/api/mail/changes", params={"since": cursor}, timeout=TIMEOUT, stream=True,
                              headers={"Authorization": f"Bearer {token}"}) as answer:
                if answer.status_code != 200:
                    raise ReferenceUnavailable(f"the reference answers {answer.status_code}")
                body = bytearray()
                for piece in answer.iter_content(64 * 1024):
                    body += piece
                    if len(body) > MAX_PAGE_BYTES:
                        raise ReferenceUnavailable(f"the reference's page is larger than {MAX_PAGE_BYTES // 2**20} MiB")
                    if time.monotonic() - began > PAGE_SECONDS:
                        raise ReferenceUnavailable(f"the reference's page took more than {PAGE_SECONDS} s")
        except requests.RequestException as error:
            raise ReferenceUnavailable(f"the reference does not answer ({type(error).__name__})") from error
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise ReferenceUnavailable("the reference's answer is not a change feed") from None
    return fetch


def _is_cursor(value: Any) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= MAX_CURSOR


def _page(page: Any, cursor: str) -> tuple[list[Any], str, bool]:
    """A page's changes, its cursor and whether more follow; ReferenceUnavailable when it is not a feed's page."""
    if not isinstance(page, dict) or not isinstance(page.get("changes"), list):
        raise ReferenceUnavailable("the reference's answer is not a change feed")
    after = page.get("cursor")
    if not _is_cursor(after):
        raise ReferenceUnavailable("the reference's cursor is not a number")
    if int(after) < int(cursor):
        raise ReferenceUnavailable(f"the reference's cursor goes back ({label(after)} after {cursor})")
    more = page.get("more", len(page["changes"]) >= PAGE)  # (a reference that does not say: a full page)
    if not isinstance(more, bool):
        raise ReferenceUnavailable("the reference's `more` is not a boolean")
    return page["changes"], after, more


def sync(ctx: Context, fetch: Fetch, max_pages: int = MAX_PAGES) -> SyncRun:
    """One run: every page since our cursor (at most `max_pages`), applied; the run recorded, errors and all,
    whatever the reference sent (never an exception). A run that finds another one under way does not start."""
    began, at, holder = time.monotonic(), ctx.now(), uuid.uuid4().hex
    run = SyncRun(None, at, None, "0", "0", expires=at + RUNS_KEPT)
    leased = False
    try:
        leased, run.cursor = _take_lease(ctx, holder)
        run.cursor_from = run.cursor
        if not leased:
            run.errors.append(SyncError("", "another run is under way: this one did not start"))
        else:
            _pages(ctx, fetch, run, holder, max_pages, began)
    except ReferenceUnavailable as error:
        run.errors.append(SyncError("", str(error)))
    except LeaseLost:
        run.errors.append(SyncError("", "another run took over: this one stopped"))
    except Exception as error:  # what no rule foresaw: said in the run, tried again by the next one
        log.exception("mail sync: the run stopped")
        run.errors.append(SyncError("", f"the run stopped on an error ({type(error).__name__})"))
    finally:
        if leased:
            _release_lease(ctx, holder)
    if len(run.errors) > ERRORS_KEPT:
        run.errors[ERRORS_KEPT:] = [SyncError("", f"and {len(run.errors) - ERRORS_KEPT} more")]
    run.finished = ctx.now()
    RUNS.put(ctx.client, run)
    log.info("mail sync: %d applied, %d errors, cursor %s → %s, %.1f s", run.applied, len(run.errors), run.cursor_from,
             run.cursor, time.monotonic() - began)
    return run


def _pages(ctx: Context, fetch: Fetch, run: SyncRun, holder: str, max_pages: int, began: float) -> None:
    """The pages since the run's cursor, each applied then its cursor saved, until the reference has no more."""
    for _ in range(max_pages):
        if time.monotonic() - began > RUN_SECONDS:
            run.errors.append(SyncError("", f"stopped after {RUN_SECONDS} s: the next run goes on"))
            return
        changes, cursor, more = _page(fetch(run.cursor), run.cursor)
        applied, errors = apply(ctx, changes)
        run.applied += applied
        run.errors += errors
        if cursor == run.cursor:
            if changes or more:  # (a reference that says "more" but gives the same page again: asked once)
                run.errors.append(SyncError("", "the reference's cursor does not move: stopped"))
            return
        _advance(ctx, holder, cursor)
        run.cursor = cursor
        if not more:
            return


def _take_lease(ctx: Context, holder: str) -> tuple[bool, str]:
    """Take the run's lease unless another run holds it; whether it was taken, and the cursor."""
    def work() -> tuple[bool, str]:
        state = STATES.get(ctx.client, REFERENCE) or SyncState()
        now = ctx.now()
        if state.lease_holder and state.lease_until is not None and state.lease_until > now:
            return False, state.cursor
        state.lease_holder, state.lease_until = holder, now + LEASE
        if not _is_cursor(state.cursor):  # (one an older version took as it came: from the start again, a no-op)
            state.cursor = "0"
        STATES.put(ctx.client, state)
        return True, state.cursor
    return in_transaction(ctx.client, work)


def _advance(ctx: Context, holder: str, cursor: str) -> None:
    """Save the cursor, while this run holds the lease (LeaseLost otherwise)."""
    def work() -> None:
        state = STATES.get(ctx.client, REFERENCE) or SyncState()
        if state.lease_holder != holder:
            raise LeaseLost()
        state.cursor, state.updated = cursor, ctx.now()
        STATES.put(ctx.client, state)
    in_transaction(ctx.client, work)


def _release_lease(ctx: Context, holder: str) -> None:
    def work() -> None:
        state = STATES.get(ctx.client, REFERENCE)
        if state is not None and state.lease_holder == holder:
            state.lease_holder, state.lease_until = "", None
            STATES.put(ctx.client, state)
    try:
        in_transaction(ctx.client, work)
    except Exception:  # the lease then ends on its own
        log.exception("mail sync: the lease was not released")


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
        self.puts: list[Any] = []
        self.deletes: list[Any] = []
        self.changed: list[tuple[str, str]] = []
        self.errors: list[SyncError] = []
        for change in changes:  # a name changed twice in a page has one state: the latest
            self._take(change)

    def _take(self, change: Any) -> None:
        """A change as the page holds it, or refused (a later valid change of the same name is taken)."""
        if not isinstance(change, dict):
            return self.refuse("", f"a change that is not an object ({label(change)})")
        kind, name, state = change.get("kind"), change.get("name"), change.get("state", ...)
        if not isinstance(kind, str) or kind not in SHARED:
            return self.refuse(label(name), f"unknown kind {label(kind)}")
        if isinstance(name, str):
            self.states.pop((kind, name), None)  # an earlier state of it is not the latest: never applied
        try:
            name = states.name(kind, name)
        except states.Refused as error:
            return self.refuse(label(name), str(error))
        if state is not None and not isinstance(state, dict):
            return self.refuse(name, "its state is neither an object nor null")
        self.states[(kind, name)] = state
        return None

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
    """Apply one page of the reference's changes, each checked as a typed one; how many were applied, and what
    was refused."""
    page = Page(ctx, changes)
    _apply_sites_and_domains(page)
    page.write()  # the accounts' companions follow the sites just written
    _apply_accounts_and_aliases(page)
    page.write()
    if page.changed:  # numbered in this instance's feed, in a transaction of their own
        in_transaction(ctx.client, lambda: mail_feed.add(ctx.client, page.changed, ctx.now()), lookup_first=True)
    return len(page.changed), page.errors


def _checked(page: Page, kind: str, read: Callable[[str, dict], Any]) -> dict[str, Any]:
    """The page's states of a kind, each read by its rules: name → record (None: deleted); the rest refused."""
    found: dict[str, Any] = {}
    for name, state in page.of(kind):
        try:
            found[name] = read(name, state) if state is not None else None
        except states.Refused as error:
            page.refuse(name, str(error))
    return found


def _apply_sites_and_domains(page: Page) -> None:
    at = page.ctx.now()
    sites = _checked(page, "MailSite", lambda code, state: states.site(code, state, at))
    companions = {n for site in sites.values() if site is not None for n in site.companion_domains().values()}
    # A companion domain is never a real one (B3), nor one of this instance's own sites.
    mine = {n for n, d in store.DOMAINS.get_many(page.client, sorted(companions)).items() if not d.companion or d.origin == LOCAL}
    for code, site in list(sites.items()):
        if site is not None and (clash := mine.intersection(site.companion_domains().values())):
            page.refuse(code, f"its companion domain {min(clash)} is a real or a local domain here")
            del sites[code]
    _apply_roots(page, store.SITES, sites, "a local site of this code")
    _apply_roots(page, store.DOMAINS, _checked(page, "MailDomain", lambda name, state: states.domain(name, state, at)),
                 "a local domain of this name")


def _apply_roots(page: Page, schema: Any, wanted: dict[str, Any], local_reason: str) -> None:
    """Sites or domains: upserted or deleted, but never one of this instance's own."""
    here = schema.get_many(page.client, list(wanted))
    for name, record in wanted.items():
        current = here.get(name)
        if current is not None and current.origin == LOCAL:
            page.refuse(name, local_reason)
        elif record is not None:
            page.puts.append(schema.entity(page.client, record))
            page.changed.append((schema.kind, name))
        elif current is not None:
            page.deletes.append(schema.key(page.client, name))
            page.changed.append((schema.kind, name))


def _owns(claim: MailAddress | None, name: str, kind: str) -> bool:
    """An address held by this very entity: the same owner, and a claim of its kind (an alias's, or an account's
    own or companion's). An alias and an account of the same address are two owners."""
    return claim is not None and claim.owner == name and (claim.use == "alias") == (kind == "MailAlias")


def _apply_accounts_and_aliases(page: Page) -> None:
    """Deletions first (a rename is a deletion and a creation: the new name may take the old one's companions)."""
    client, at = page.client, page.ctx.now()
    companion_domains = store.companion_domain_names(client)
    records = {"MailAccount": _checked(page, "MailAccount", lambda name, state: states.account(name, state, at)),
               "MailAlias": _checked(page, "MailAlias",
                                     lambda name, state: states.alias(name, state, at, companion_domains))}
    entries = [(kind, name, record) for kind, found in records.items() for name, record in found.items()]
    domains = store.DOMAINS.get_many(client, list({store.domain_of(name) for _, name, _ in entries}))
    sites = store.SITES.get_many(client, list({d.site for d in domains.values()}))
    claims = {(kind, name): _claims_of(name, kind, sites, domains[store.domain_of(name)])
              for kind, name, _ in entries if store.domain_of(name) in domains and not domains[store.domain_of(name)].companion}
    here = {(e.key.kind, e.key.name): e for e in lookup(client, [
        SHARED[kind].key(client, name, store.domain_of(name)) for kind, name, _ in entries])}
    # The claims to read: a new entity's (are they free?) and a deleted one's (are they its own?). A reference
    # entity already here holds its own: an update of it writes the entity alone.
    known = {(kind, name) for kind, name, _ in entries if (kind, name) in here}
    asked = [c for (kind, name), wanted in claims.items() if (kind, name) not in known or records[kind][name] is None
             for c in wanted]
    held = {e.key.name: store.ADDRESSES.read(e) for e in lookup(client, [
        store.ADDRESSES.key(client, c.address, c.domain) for c in asked])}
    freed: set[str] = set()
    for kind, name, record in entries:
        current = here.get((kind, name))
        if record is not None or current is None or current.get("origin", LOCAL) == LOCAL:
            continue  # (a local-only entity is never touched, even when the reference deletes its namesake)
        own = [c for c in claims.get((kind, name), []) if _owns(held.get(c.address), name, kind)]
        page.deletes += [current.key, *(store.ADDRESSES.key(client, c.address, c.domain) for c in own)]
        freed |= {c.address for c in own}
        page.changed.append((kind, name))
    taken_now: dict[str, tuple[str, str]] = {}  # addresses the page's new entities take, and by whom
    for kind, name, record in entries:
        if record is not None and _may_write(page, kind, name, here, claims, known, held, freed, taken_now):
            page.puts += [record_entity(client, record)] if (kind, name) in known else [
                *(store.ADDRESSES.entity(client, c) for c in claims[(kind, name)]), record_entity(client, record)]
            page.changed.append((kind, name))


USES = {"MailAccount": "account", "MailAlias": "alias"}


def _may_write(page: Page, kind: str, name: str, here: dict, claims: dict, known: set, held: dict, freed: set,
               taken_now: dict[str, tuple[str, str]]) -> bool:
    """Whether a reference account or alias may be written: not a local one's, in a real domain here, its
    addresses free (or its own); refused and recorded otherwise."""
    current = here.get((kind, name))
    if current is not None and current.get("origin", LOCAL) == LOCAL:
        page.refuse(name, "a local account or alias has this address")
        return False
    if (kind, name) not in claims:
        page.refuse(name, "its domain is not here")
        return False
    if (kind, name) in known:
        return True
    for claim in claims[(kind, name)]:
        holder = held.get(claim.address)
        other = claim.address not in freed and holder is not None and not _owns(holder, name, kind)
        if other or taken_now.get(claim.address, (kind, name)) != (kind, name):
            owner, use = (holder.owner, holder.use) if other else (taken_now[claim.address][1], USES[taken_now[claim.address][0]])
            page.refuse(name, f"{claim.address} is used here by {owner} ({use})")
            return False
    taken_now.update({c.address: (kind, name) for c in claims[(kind, name)]})
    return True


def record_entity(client: Any, record: MailAccount | MailAlias) -> Any:
    """The entity of a reference's account or alias."""
    return (store.ACCOUNTS if isinstance(record, MailAccount) else store.ALIASES).entity(client, record)


def _claims_of(name: str, kind: str, sites: dict[str, MailSite], domain: MailDomain) -> list[MailAddress]:
    """The addresses an account (itself and its companions, at its site) or an alias holds."""
    if kind == "MailAlias":
        return [mail_values.alias_claim(name)]
    return mail_values.account_claims(name, sites.get(domain.site) or mail_values.default_site(domain.site))
