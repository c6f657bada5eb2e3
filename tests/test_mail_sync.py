"""Following a reference instance (B5): two real service processes on two namespaces, the site pulling the
reference's change feed over HTTP."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator

import pytest
from google.cloud import datastore

from annuaires.services.context import Context
from annuaires.services.mail import sync as mail_sync
from annuaires.services.passwords import Passwords
from annuaires.store import mail
from annuaires.store.base import make_client
from tests.conftest import Server, running_server
from tests.test_mail_accounts import PASSWORD, account

TOKEN = "le-jeton-d-export-du-siege-assez-long"
TASKS = {"Authorization": "Bearer test-tasks-token"}


@pytest.fixture
def reference(emulator, tasks_emulator, tmp_path) -> Iterator[Server]:
    with running_server(emulator, tasks_emulator, tmp_path) as server:
        server.api().as_general().put("/api/mail/export-token", {"token": TOKEN}, expect=204)
        yield server


@pytest.fixture
def site(emulator, tasks_emulator, tmp_path, reference) -> Iterator[Server]:
    with running_server(emulator, tasks_emulator, tmp_path, ANNUAIRES_MAIL_REFERENCE_URL=reference.url,
                        ANNUAIRES_MAIL_REFERENCE_TOKEN=TOKEN) as server:
        yield server


def synced(site: Server) -> dict:
    return site.api().post("/tasks/mail/sync", headers=TASKS, expect=200).get_json()


def accounts_of(api, domain: str) -> dict[str, dict]:
    return {a["address"]: a for a in api.get(f"/api/mail/accounts?domain={domain}", expect=200).get_json()}


def stored(emulator, server: Server, address: str) -> mail.MailAccount | None:
    client = datastore.Client(project=emulator.project, namespace=server.namespace)
    return mail.ACCOUNTS.get(client, address, mail.domain_of(address))


def test_b5_every_change_at_the_reference_reaches_the_site_after_one_sync(emulator, reference, site):
    hq, here = reference.api().as_general(), site.api().as_general()
    hq.post("/api/mail/domains", {"name": "auf.org", "site": "fr"}, expect=201)
    for name in ("alice", "bob", "carol", "dan"):
        account(hq, f"{name}@auf.org")
    hq.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["alice@auf.org"]}, expect=201)
    first = synced(site)
    assert first["errors"] == 0 and first["applied"] >= 9
    assert set(accounts_of(here, "auf.org")) == {"alice@auf.org", "bob@auf.org", "carol@auf.org", "dan@auf.org"}
    assert accounts_of(here, "auf.org")["alice@auf.org"]["origin"] == "reference"
    here.post("/api/mail/domains", {"name": "local.org", "site": "lo"}, expect=201)
    account(here, "eve@local.org")  # local-only: never touched
    account(here, "zed@auf.org")  # local, in a domain of the reference
    assert synced(site)["applied"] == 0  # nothing new: nothing changes

    hq.patch("/api/mail/accounts/alice@auf.org", {"address": "alice.martin@auf.org"}, expect=200)
    new_password = "un tout nouveau secret du siège"
    hq.patch("/api/mail/accounts/bob@auf.org", {"password": new_password}, expect=200)
    hq.patch("/api/mail/accounts/carol@auf.org", {"active": False}, expect=200)
    hq.delete("/api/mail/accounts/dan@auf.org", expect=204)
    hq.delete("/api/mail/aliases/contact@auf.org", expect=204)
    hq.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["alice.martin@auf.org", "x@example.org"]},
            expect=201)
    account(hq, "zed@auf.org")  # taken here by a local account: refused and recorded
    second = synced(site)
    assert second["errors"] == 1, second
    now = accounts_of(here, "auf.org")
    assert set(now) == {"alice.martin@auf.org", "bob@auf.org", "carol@auf.org", "zed@auf.org"}
    assert now["alice.martin@auf.org"]["companions"]["secours"] == "alice.martin@fr.secours"
    assert now["carol@auf.org"]["active"] is False and now["zed@auf.org"]["origin"] == "local"
    assert Passwords("fast").verify(stored(emulator, site, "bob@auf.org").password_hash, new_password)
    assert here.get("/api/mail/aliases?domain=auf.org", expect=200).get_json() == [
        {"address": "contact@auf.org", "targets": ["alice.martin@auf.org", "x@example.org"], "origin": "reference",
         "version": 0}]
    assert set(accounts_of(here, "local.org")) == {"eve@local.org"}
    runs = here.get("/api/mail/sync/runs", expect=200).get_json()
    assert [r["applied"] for r in runs][:2] == [second["applied"], 0]
    assert runs[0]["errors"] == [{"name": "zed@auf.org", "reason": "a local account or alias has this address"}]
    refused = here.patch("/api/mail/accounts/bob@auf.org", {"display_name": "Bob"}, expect=409).get_json()["error"]
    assert "référence" in refused["message"]  # changed at the reference, not here

    # The mail admins' page shows the runs; a reference account's page offers nothing to change.
    page = html.unescape(here.get("/messagerie.html", expect=200).get_data(as_text=True))
    assert f"Site de référence : {reference.url}" in page
    shown = re.findall(r'<td data-label="Changements appliqués">(\d+)</td>', page)
    assert shown[:3] == [str(second["applied"]), "0", str(first["applied"])]
    assert "<code>zed@auf.org</code>\u00a0: a local account or alias has this address" in page
    bob = html.unescape(here.get("/messagerie/accounts/bob@auf.org", expect=200).get_data(as_text=True))
    assert "Ce compte vient du site de référence" in bob and "/messagerie/accounts/bob@auf.org/rename" not in bob


def test_b5_the_reference_down_leaves_the_site_unchanged_and_the_next_sync_catches_up(emulator, reference, site, config):
    hq = reference.api().as_general()
    hq.post("/api/mail/domains", {"name": "auf.org", "site": "fr"}, expect=201)
    account(hq, "alice@auf.org")
    ctx = site_context(config, site)
    down = mail_sync.sync(ctx, mail_sync.reference_fetch("http://127.0.0.1:9", TOKEN))
    assert down.applied == 0 and down.cursor == "0" and "does not answer" in down.errors[0].reason
    refused = mail_sync.sync(ctx, mail_sync.reference_fetch(reference.url, "pas-le-bon-jeton-pas-le-bon-jeton"))
    assert refused.applied == 0 and refused.errors[0].reason == "the reference answers 401"
    assert stored(emulator, site, "alice@auf.org") is None
    assert synced(site)["applied"] > 0 and stored(emulator, site, "alice@auf.org") is not None


def test_b5_a_sync_cut_off_half_way_resumes_without_loss_or_duplicate(emulator, reference, site, config):
    hq = reference.api().as_general()
    hq.post("/api/mail/domains", {"name": "auf.org", "site": "fr"}, expect=201)
    for n in range(6):
        account(hq, f"m{n}@auf.org", password=PASSWORD)
    whole = mail_sync.reference_fetch(reference.url, TOKEN)
    calls = []

    def cut_off(cursor: str) -> dict:
        """The feed's first three changes as a full page, then the reference gone."""
        calls.append(cursor)
        if len(calls) > 1:
            raise mail_sync.ReferenceUnavailable("the reference does not answer (cut off)")
        page = whole(cursor)
        return {"changes": page["changes"][:3] * (mail_sync.PAGE // 3 + 1), "cursor": str(page["changes"][2]["number"])}

    ctx = site_context(config, site)
    first = mail_sync.sync(ctx, cut_off)
    assert len(calls) == 2 and "cut off" in first.errors[0].reason and first.cursor != "0"  # the first page kept
    mail_sync.apply(ctx, whole(first.cursor)["changes"])  # a page applied, its cursor not saved: applied again next
    again = synced(site)
    assert again["errors"] == 0
    here = site.api().as_general()
    assert sorted(accounts_of(here, "auf.org")) == [f"m{n}@auf.org" for n in range(6)]
    client = datastore.Client(project=emulator.project, namespace=site.namespace)
    assert len(list(client.query(kind="MailAccount").fetch())) == 6
    claims = [e.key.name for e in client.query(kind="MailAddress").fetch()]
    assert len(claims) == len(set(claims)) == 6 * 4  # each address once: the account and its three companions


def site_context(config, site: Server) -> Context:
    """A context on the site's namespace, for runs driven from the test (a fetch of its own)."""
    site_config = dataclasses.replace(config, namespace=site.namespace)
    return Context(site_config, lambda: make_client(site_config), Passwords("fast"), b"k" * 32, b"l" * 32)
