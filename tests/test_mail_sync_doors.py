"""The reference sync (B5) as an attacker's reference drives it: every change checked as a typed one, an address
with one owner of one kind, every run recorded whatever the page holds, a cursor that does not move, two runs at
once, a page too large to read."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from annuaires.services.context import Context
from annuaires.services.mail import sync as mail_sync
from annuaires.services.passwords import Passwords
from annuaires.store import mail
from annuaires.store import mail_sync as sync_store
from annuaires.store.base import make_client
from tests.test_mail_accounts import PASSWORD, account
from tests.test_mail_changes import TOKEN
from tests.test_mail_export_doors import exports_of, well_formed

HASH = Passwords("fast").hash(PASSWORD)
TASKS = {"Authorization": "Bearer test-tasks-token"}


def site_state(code: str, **more: Any) -> dict:
    return {"kind": "MailSite", "name": code, "state": {"code": code, "secours": f"{code}.secours", "backup": f"{code}.backup",
                                                        "archives": f"{code}.archives", "retention_days": 15, **more}}


def domain_state(name: str, site: str = "rf", companion: str = "", **more: Any) -> dict:
    return {"kind": "MailDomain", "name": name, "state": {"name": name, "display": name, "site": site,
                                                          "companion": companion, **more}}


def account_state(address: str, **more: Any) -> dict:
    local, domain = address.rsplit("@", 1)
    return {"kind": "MailAccount", "name": address, "state": {
        "address": address, "domain": domain, "local": local, "display_name": "Réf", "password_hash": HASH, "active": True,
        "quota_mb": None, **more}}


def alias_state(address: str, targets: Any, **more: Any) -> dict:
    return {"kind": "MailAlias", "name": address, "state": {"address": address, "domain": address.rsplit("@", 1)[1],
                                                            "targets": targets, **more}}


def deleted(kind: str, name: str) -> dict:
    return {"kind": kind, "name": name, "state": None}


REFERENCE_SITE = [site_state("rf"), domain_state("ref.org"),
                  *(domain_state(f"rf.{c}", companion=c) for c in ("secours", "backup", "archives"))]


def pages(*given: Any) -> Callable[[str], Any]:
    """A reference answering these pages in turn, each with the next cursor (then nothing new)."""
    def fetch(cursor: str) -> Any:
        number = int(cursor)
        if number >= len(given):
            return {"changes": [], "cursor": cursor, "more": False}
        page = given[number]
        return page if not isinstance(page, list) else {"changes": page, "cursor": str(number + 1),
                                                        "more": number + 1 < len(given)}
    return fetch


def errors_of(run) -> dict[str, str]:
    return {e.name: e.reason for e in run.errors}


def test_b5_a_reference_change_is_checked_as_a_typed_one(ctx, mail_admin, new_api):
    mail_admin.put("/api/mail/export-token", {"token": TOKEN}, expect=204)
    injected = HASH + "::::::userdb_mail=/tmp\nlocaluser@site.example:{PLAIN}pwned"
    run = mail_sync.sync(ctx, pages(REFERENCE_SITE, [
        account_state("mallory@ref.org", password_hash=injected),
        account_state("plain@ref.org", password_hash="{PLAIN}secret"),
        account_state("argon2i@ref.org", password_hash=HASH.replace("$argon2id$", "$argon2i$")),
        domain_state("bad\ninjected.example OK"),
        site_state("evil", secours="../../../tmp/pwn"),
        site_state("days", retention_days="1d; touch /tmp/x; #"),
        site_state("same", backup="same.secours"),
        site_state("real", secours="auf.org"),  # a real domain here
        site_state("theirs", secours="fr.secours"),  # a local site's companion
        account_state("a b@ref.org"),
        account_state("Upper@ref.org"),
        account_state("stringly@ref.org", active="false"),
        account_state("quota@ref.org", quota_mb="100"),
        account_state("long@ref.org", display_name="x" * 2000),
        account_state("other@ref.org", domain="autre.org"),
        alias_state("five@ref.org", 5),
        alias_state("secours@ref.org", ["good@ref.org", "good@rf.secours"]),
        alias_state("spaced@ref.org", ["x y@example.org"]),
        account_state("good@ref.org", quota_mb=100),
        alias_state("contact@ref.org", ["good@ref.org", "x@example.org"]),
    ]))
    assert errors_of(run) == {
        "mallory@ref.org": "password_hash: invalid_password_hash",
        "plain@ref.org": "password_hash: invalid_password_hash",
        "argon2i@ref.org": "password_hash: invalid_password_hash",
        "bad?injected.example OK": "not a valid name (invalid_domain)",
        "evil": "secours: invalid_domain",
        "days": "retention_days: invalid_retention_days",
        "same": "companions: three different domains",
        "real": "its companion domain auf.org is a real or a local domain here",
        "theirs": "its companion domain fr.secours is a real or a local domain here",
        "a b@ref.org": "not a valid name (mailbox_local_part)",
        "Upper@ref.org": "not a valid name (mailbox_local_part)",
        "stringly@ref.org": "active: invalid_boolean",
        "quota@ref.org": "quota_mb: invalid_quota",
        "long@ref.org": "display_name: too_long",
        "other@ref.org": "domain: its state names another",
        "five@ref.org": "targets: targets_required",
        "secours@ref.org": "targets: target_is_companion",
        "spaced@ref.org": "targets: invalid_address",
    }
    assert run.cursor == "2" and run.applied == 5 + 2  # the site, its four domains, the good account and alias
    found = exports_of(new_api())
    for name, text in found.items():
        well_formed(name, text)
        for word in ("pwned", "injected", "/tmp", "touch", "mallory", "PLAIN"):
            assert word not in text, (name, word)
    assert "good@ref.org:{ARGON2ID}" in found["dovecot_passwd"] and "storage=100M" in found["dovecot_passwd"]
    assert "contact@ref.org good@ref.org,x@example.org\n" in found["virtual_alias_maps"]


def test_b5_an_address_has_one_owner_of_one_kind(ctx, mail_admin, datastore_client):
    account(mail_admin, "jean@auf.org")
    mail_admin.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["jean@auf.org"]}, expect=201)
    claims_before = {e.key.name: dict(e) for e in datastore_client.query(kind="MailAddress").fetch()}
    run = mail_sync.sync(ctx, pages([
        alias_state("jean@auf.org", ["x@example.org"]),  # a local account's address
        alias_state("jean@fr.secours", ["x@example.org"]),  # its companion's
        account_state("contact@auf.org"),  # a local alias's address
        account_state("marie@auf.org"), alias_state("marie@auf.org", ["x@example.org"]),  # one page, both kinds
    ], [deleted("MailAlias", "jean@auf.org"), deleted("MailAccount", "contact@auf.org")]))
    assert errors_of(run) == {"jean@auf.org": "jean@auf.org is used here by jean@auf.org (account)",
                              "jean@fr.secours": "its domain is not here",
                              "contact@auf.org": "contact@auf.org is used here by contact@auf.org (alias)",
                              "marie@auf.org": "marie@auf.org is used here by marie@auf.org (account)"}
    assert run.applied == 1  # marie's account alone
    claims = {e.key.name: dict(e) for e in datastore_client.query(kind="MailAddress").fetch()}
    assert {k: v for k, v in claims.items() if not k.startswith("marie@")} == claims_before  # nothing taken, nothing freed
    assert claims["marie@auf.org"]["use"] == "account"
    assert mail.ALIASES.get(datastore_client, "jean@auf.org", "auf.org") is None
    assert mail.ACCOUNTS.get(datastore_client, "contact@auf.org", "auf.org") is None
    assert mail.ALIASES.get(datastore_client, "contact@auf.org", "auf.org").origin == "local"
    # The reference's deletions freed nothing of the local owners: no second owner can be made.
    mail_admin.post("/api/mail/accounts", {"address": "jean@auf.org", "password": PASSWORD}, expect=409)
    mail_admin.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["x@example.org"]}, expect=409)
    # The reference's own alias, deleted there, frees its own claim only.
    mail_sync.sync(ctx, pages([], [], [alias_state("bureau@auf.org", ["jean@auf.org"])],
                              [deleted("MailAlias", "bureau@auf.org")]))
    assert "bureau@auf.org" not in {e.key.name for e in datastore_client.query(kind="MailAddress").fetch()}


MALFORMED_PAGES = [
    None, [], "oops", 5, {"changes": {}}, {"changes": None, "cursor": "1"}, {"changes": [], "cursor": 5},
    {"changes": [], "cursor": "abc"}, {"changes": [], "cursor": "١٢"}, {"changes": [], "cursor": "9" * 40},
    {"changes": [], "cursor": "1", "more": "yes"}, {"cursor": "1"},
]
MALFORMED_CHANGES = [
    "oops", [1, 2], 5, None, {}, {"kind": ["MailAccount"], "name": "a@ref.org", "state": {}},
    {"kind": "MailAccount", "name": "a@ref.org"}, {"kind": "MailAccount", "name": "a@ref.org", "state": "oops"},
    {"kind": "MailAccount", "name": "a@ref.org", "state": [1, 2]}, {"kind": "MailSession", "name": "x", "state": {}},
    {"kind": "MailAccount", "name": {"a": 1}, "state": {}}, {"kind": "MailAccount", "name": "x@", "state": {}},
    {"kind": "MailAccount", "name": "a" * 2000 + "@ref.org", "state": {}}, {"kind": "MailAccount", "name": 5, "state": None},
    alias_state("t@ref.org", 5), alias_state("t2@ref.org", {"a": 1}), alias_state("t3@ref.org", ["a@b.c"] * 51),
    site_state("rf2", retention_days="abc"), site_state("rf3", retention_days=True), site_state("rf4", retention_days=1.5),
    site_state("rf5", retention_days=10**30), account_state("q@ref.org", quota_mb=-1),
    account_state("h@ref.org", password_hash=None), account_state("h2@ref.org", password_hash=HASH + "\n"),
    account_state("l@ref.org", local="autre"), account_state("d@ref.org", display_name=["x"]),
    domain_state("ref2.org", site="../x"), domain_state("ref3.org", companion="evil"), domain_state("ref4.org", display="autre.org"),
    domain_state("REF5.org"), {"kind": "MailDomain", "name": "ref6.org", "state": {"site": None}},
]


def test_b5_every_run_records_itself_whatever_the_page_holds(ctx, mail_admin):
    for page in MALFORMED_PAGES:
        run = mail_sync.sync(ctx, lambda cursor, page=page: page)
        assert run.errors and run.applied == 0 and run.cursor == "0", page
    good = account_state("good@auf.org")
    run = mail_sync.sync(ctx, pages([*REFERENCE_SITE, *MALFORMED_CHANGES, good]))
    assert run.cursor == "1" and run.applied == 6, errors_of(run)  # the rest of the page applied, the cursor moved
    assert len(run.errors) == len(MALFORMED_CHANGES)
    assert all(len(e.name) <= 101 and e.name.isprintable() and e.reason for e in run.errors)
    assert len(mail_sync.runs(ctx, limit=50)) == len(MALFORMED_PAGES) + 1
    assert mail_admin.get("/api/mail/accounts/good@auf.org", expect=200).get_json()["origin"] == "reference"


def test_b5_a_later_change_of_a_name_refused_keeps_its_earlier_state_out(ctx, datastore_client):
    run = mail_sync.sync(ctx, pages([*REFERENCE_SITE, account_state("x@ref.org"),
                                     account_state("x@ref.org", password_hash="nope")]))
    assert errors_of(run) == {"x@ref.org": "password_hash: invalid_password_hash"}
    assert mail.ACCOUNTS.get(datastore_client, "x@ref.org", "ref.org") is None


def test_b5_a_reference_whose_cursor_does_not_move_is_asked_once_more(ctx):
    asked = []
    full = [account_state(f"m{n}@ref.org") for n in range(mail_sync.PAGE)]

    def stuck(cursor: str) -> dict:
        asked.append(cursor)
        return {"changes": REFERENCE_SITE + full, "cursor": "7"}  # full, never says `more`, always the same cursor

    run = mail_sync.sync(ctx, stuck)
    assert asked == ["0", "7"]
    assert run.cursor == "7" and run.errors[-1].reason == "the reference's cursor does not move: stopped"
    back = mail_sync.sync(ctx, lambda cursor: {"changes": [deleted("MailAccount", "m0@ref.org")], "cursor": "3"})
    assert back.cursor == "7" and back.applied == 0 and "goes back" in back.errors[0].reason


def test_b5_a_cursor_an_older_version_stored_as_it_came_starts_over(ctx, datastore_client):
    sync_store.STATES.put(datastore_client, sync_store.SyncState(sync_store.REFERENCE, "abc"))
    run = mail_sync.sync(ctx, pages(REFERENCE_SITE))
    assert (run.cursor_from, run.cursor, run.applied, run.errors) == ("0", "1", 5, [])


def other_context(ctx: Context) -> Context:
    """The same instance seen by another worker: a Datastore client of its own."""
    return dataclasses.replace(ctx, client_factory=lambda: make_client(ctx.config))


def test_b5_two_runs_never_overlap(ctx, clock, datastore_client):
    inside, leave = threading.Event(), threading.Event()

    def slow(cursor: str) -> dict:
        inside.set()
        assert leave.wait(30)
        return {"changes": REFERENCE_SITE, "cursor": "1", "more": False}

    first: list[Any] = []
    worker = threading.Thread(target=lambda: first.append(mail_sync.sync(other_context(ctx), slow)))
    worker.start()
    try:
        assert inside.wait(30)
        second = mail_sync.sync(ctx, pages(REFERENCE_SITE))
        assert second.applied == 0 and errors_of(second) == {"": "another run is under way: this one did not start"}
    finally:
        leave.set()
        worker.join(30)
    assert first[0].applied == 5 and not first[0].errors and first[0].cursor == "1"
    assert mail_sync.sync(ctx, pages([], [account_state("after@ref.org")])).applied == 1  # the lease was released

    # A run that died holding the lease: the next ones wait for it to end, then go on.
    state = sync_store.STATES.get(datastore_client, sync_store.REFERENCE)
    state.lease_holder, state.lease_until = "a-run-that-died", clock() + mail_sync.LEASE
    sync_store.STATES.put(datastore_client, state)
    assert errors_of(mail_sync.sync(ctx, pages())) == {"": "another run is under way: this one did not start"}
    clock.advance(minutes=16)
    assert not mail_sync.sync(ctx, pages()).errors


class Reference(BaseHTTPRequestHandler):
    """A reference of an attacker's: answers the change feed with whatever the test sets."""

    answer: Callable[[Any], None] = staticmethod(lambda handler: None)

    def do_GET(self) -> None:  # noqa: N802
        with contextlib.suppress(OSError):
            type(self).answer(self)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hostile_reference() -> Iterator[tuple[str, type[Reference]]]:
    handler = type("Handler", (Reference,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def body(data: bytes) -> Callable[[Any], None]:
    def answer(handler: Any) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
    return staticmethod(answer)


def endless(piece: bytes, total: int) -> Callable[[Any], None]:
    """A page of `total` bytes, streamed (no length said)."""
    def answer(handler: Any) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        handler.wfile.write(b'{"cursor": "1", "changes": [')
        for _ in range(total // len(piece)):
            handler.wfile.write(piece)
        handler.wfile.write(b"0]}")
    return staticmethod(answer)


def test_b5_every_run_over_http_answers_and_records_whatever_the_reference_sends(emulator, tasks_emulator, tmp_path,
                                                                                 hostile_reference):
    from tests.conftest import running_server
    from tests.test_cli import peak_kib
    url, handler = hostile_reference
    answers = [body(json.dumps(page).encode()) for page in MALFORMED_PAGES] + [
        body(b"not json"), body(b"[" * 100_000 + b"]" * 100_000), body(json.dumps({"changes": MALFORMED_CHANGES,
                                                                                    "cursor": "1"}).encode()),
        body(b'{"changes": [], "cursor": "1"' + b" " * (9 * 2**20) + b"}"),
    ]
    with running_server(emulator, tasks_emulator, tmp_path, ANNUAIRES_MAIL_REFERENCE_URL=url,
                        ANNUAIRES_MAIL_REFERENCE_TOKEN=TOKEN) as follower:
        api = follower.api()
        for answer in answers:
            handler.answer = answer
            done = api.post("/tasks/mail/sync", headers=TASKS, expect=200).get_json()
            assert done["errors"] >= 1, done
        before = peak_kib(follower)
        handler.answer = endless(b'{"kind": "MailAccount", "name": "' + b"x" * 1000 + b'", "state": null}, ', 40 * 2**20)
        done = api.post("/tasks/mail/sync", headers=TASKS, expect=200).get_json()
        grew = peak_kib(follower) - before
        assert done["errors"] == 1 and done["cursor"] == "1", done  # (the cursor of the good page, above)
        assert grew < 48 * 1024, grew  # KiB: a 40 MiB page is never held (the reference's 20 MB took 500 MB)
        runs = api.as_general().get("/api/mail/sync/runs", expect=200).get_json()
        assert len(runs) == len(answers) + 1
        assert runs[0]["errors"] == [{"name": "", "reason": "the reference's page is larger than 8 MiB"}]
        assert runs[1]["errors"] == [{"name": "", "reason": "the reference's page is larger than 8 MiB"}]
        assert runs[3]["errors"] == [{"name": "", "reason": "the reference's answer is not a change feed"}]  # deep
        log = follower.log.read_text()
        assert "Traceback" not in log and " 500 " not in log
