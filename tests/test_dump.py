"""Dumps (A15, A2): every kind but sessions and sign-in counters, Datastore's JSON a line, secrets only sealed."""

from __future__ import annotations

import base64
import dataclasses
import json
import uuid

import pytest
from cryptography.exceptions import InvalidTag
from google.cloud import datastore

from annuaires.services.dump.dump import Sealer, place
from annuaires.services.mailing import dispatch as mailing
from annuaires.store import directories, mailers, messages
from annuaires.store.base import make_client
from annuaires.store.entity_json import line_pb
from annuaires.web.app import create_app
from tests.conftest import DIRECTORIES_PASSWORD, Api
from tests.test_mail_accounts import account

PASSPHRASE = "une phrase de passe assez longue"


def basic(password: str, user: str = "directories") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def dumped(api, query: str = "", passphrase: str = PASSPHRASE) -> tuple[dict, list[dict]]:
    answer = api.get(f"/api/dump{query}", headers={**basic(DIRECTORIES_PASSWORD), "X-Dump-Passphrase": passphrase},
                     expect=200)
    assert answer.headers["Content-Type"].startswith("application/x-ndjson")
    head, *lines = answer.get_data(as_text=True).splitlines()
    for line in lines:
        line_pb(line)  # each one Datastore's JSON form of an entity
    return json.loads(head), [json.loads(line) for line in lines]


def kind_of(entity: dict) -> str:
    return entity["key"]["path"][-1]["kind"]


def a_network(given, new_api):
    given.directories_admin()
    code, paris = given.directory("Paris", "PA")
    group = given.group(paris, name="Les Radis", initials="LR")
    animator = given.animator(group["code"])
    animator.post("/api/group/members", {"name": "Zoé", "email": "zoe@example.org"}, expect=201)
    animator.put("/api/group/message", {"subject": "Jeudi", "body": "À jeudi !"}, expect=200)
    new_api().as_general().put("/api/mailers/B", {"from": "Envoi <envoi@example.org>", "smtp_host": "smtp.example.org",
                                                  "smtp_port": 587, "username": "envoi", "password": "smtp-secret",
                                                  "starttls": True}, expect=200)
    return code, group


def test_a15_a_total_dump_holds_every_kind_but_sessions_and_sign_in_counters(given, new_api, api, ctx):
    code, _ = a_network(given, new_api)
    new_api().sign_in(role="directory", directory="PA", password="wrong", expect=401)  # a sign-in counter
    head, entities = dumped(api)
    assert head["format"] == "annuaires-dump/1" and head["namespace"] == ctx.config.namespace
    assert "Session" not in head["kinds"] and "Throttle" not in head["kinds"]
    found = {kind_of(e) for e in entities}
    assert {"Directory", "Group", "Member", "Message", "Claim", "Audit", "Mailer", "Settings"} <= found
    assert not found & {"Session", "Throttle"}
    assert all("partitionId" not in e["key"] for e in entities)  # relative to the partition the first line names
    assert {e["key"]["path"][-1].get("name") for e in entities if kind_of(e) == "Directory"} == {code}


def test_a2_password_hashes_and_sealed_secrets_leave_the_store_only_sealed_under_the_passphrase(given, new_api, api, ctx):
    code, _ = a_network(given, new_api)
    answer = api.get("/api/dump", headers={**basic(DIRECTORIES_PASSWORD), "X-Dump-Passphrase": PASSPHRASE}, expect=200)
    body = answer.get_data(as_text=True)
    stored_hash = directories.SCHEMA.get(ctx.client, code).password_hash
    sealed_smtp = mailers.SCHEMA.get(ctx.client, "B").password_sealed
    assert "$argon2id$" not in body and stored_hash not in body and "smtp-secret" not in body
    assert base64.b64encode(sealed_smtp).decode() not in body

    head, *lines = body.splitlines()
    salt = base64.b64decode(json.loads(head)["sealed"]["kdf"]["salt"])
    paris = next(line_pb(line) for line in lines if f'"name":"{code}"' in line and '"kind":"Directory"' in line)
    sealed = paris.properties["password_hash"].blob_value
    assert paris.properties["password_hash"].exclude_from_indexes
    assert Sealer(PASSPHRASE, salt).open(sealed, place(paris.key, "password_hash")).string_value == stored_hash
    with pytest.raises(InvalidTag):
        Sealer("une autre phrase de passe", salt).open(sealed, place(paris.key, "password_hash"))
    with pytest.raises(InvalidTag):  # bound to its place: not to be moved onto another account
        Sealer(PASSPHRASE, salt).open(sealed, place(paris.key, "name"))


def test_a15_a_dump_by_kinds(given, new_api, api):
    a_network(given, new_api)
    head, entities = dumped(api, "?kinds=Directory,Group")
    assert head["kinds"] == ["Directory", "Group"] and {kind_of(e) for e in entities} == {"Directory", "Group"}


def test_a15_a_dump_of_one_directory_holds_it_and_what_it_references_and_nothing_else(given, new_api, api, ctx):
    code, group = a_network(given, new_api)
    paris = new_api().as_directory(code)
    paris.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "mon", "mailer": "B"}, expect=200)
    mailing.make_batch(ctx, group["code"], "2026-W49")
    lyon_code, lyon = given.directory("Lyon", "LY")
    other = given.group(lyon, name="Les Navets", initials="LN")
    given.animator(other["code"]).post("/api/group/members", {"name": "Ana", "email": "ana@example.org"}, expect=201)

    head, entities = dumped(api, f"?directory={code}")
    assert head["directory"] == code
    names = {(kind_of(e), e["key"]["path"][-1].get("name")) for e in entities}
    assert {("Directory", code), ("Group", group["code"]), ("Message", group["code"]), ("Mailer", "B"),
            ("MailingBatch", f"{group['code']}:2026-W49")} <= names
    assert {kind_of(e) for e in entities} == {"Directory", "Claim", "Group", "Message", "Member", "MailingBatch", "Audit",
                                              "Mailer"}
    assert sum(kind_of(e) == "Claim" for e in entities) == 4  # the names and initials of the directory and its group
    assert [e["properties"]["email"]["stringValue"] for e in entities if kind_of(e) == "Member"] == ["zoe@example.org"]
    assert not names & {("Directory", lyon_code), ("Group", other["code"])}
    audit_keys = [json.dumps(e["key"]) for e in entities if kind_of(e) == "Audit"]
    assert audit_keys and len(set(audit_keys)) == len(audit_keys)  # an entry concerning both is there once
    _, groups_only = dumped(api, f"?directory={code}&kinds=Group")
    assert [kind_of(e) for e in groups_only] == ["Group"]


def test_a15_a_dump_needs_the_directories_admin_and_a_passphrase(given, new_api, api):
    code, _ = a_network(given, new_api)
    phrase = {"X-Dump-Passphrase": PASSPHRASE}
    api.get("/api/dump", headers=phrase, expect=401)
    new_api().get("/api/dump", headers={**basic("wrong-password"), **phrase}, expect=401)
    new_api().get("/api/dump", headers={**basic(DIRECTORIES_PASSWORD, user="admin"), **phrase}, expect=401)
    new_api().as_directory(code).get("/api/dump", headers=phrase, expect=403)  # a directory's admin is not enough
    session = new_api().as_directories()
    assert json.loads(session.get("/api/dump", headers=phrase, expect=200).get_data(as_text=True).splitlines()[0])["format"]
    for headers, field in (({}, "passphrase"), ({"X-Dump-Passphrase": "court"}, "passphrase")):
        refused = session.get("/api/dump", headers=headers, expect=400).get_json()["error"]
        assert refused["code"] == "invalid_input" and field in refused["fields"]
    for query, field in (("?kinds=Session", "kinds"), ("?kinds=Nope", "kinds"), ("?directory=zzzzzzzz", "directory"),
                         ("?directory=../x", "directory")):
        assert field in session.get(f"/api/dump{query}", headers=phrase, expect=400).get_json()["error"]["fields"]


def test_a15_script_passwords_are_throttled_like_sign_ins(given, new_api):
    given.directories_admin()
    stranger = new_api()
    statuses = [stranger.get("/api/dump", headers={**basic(f"guess-{n}"), "X-Dump-Passphrase": PASSPHRASE}).status_code
                for n in range(25)]
    assert statuses[0] == 401 and statuses[-1] == 429
    stranger.get("/api/dump", headers={**basic(DIRECTORIES_PASSWORD), "X-Dump-Passphrase": PASSPHRASE}, expect=429)


@pytest.fixture
def target(config, datastore_client):
    """Make another datastore (a namespace of its own) whose directories admin has the same password as this one's."""

    def make(test_datastore: bool = True) -> tuple[Api, datastore.Client]:
        other = dataclasses.replace(config, namespace=f"t{uuid.uuid4().hex}", test_datastore=test_datastore)
        client = make_client(other)
        settings = datastore_client.get(datastore_client.key("Settings", "directories-admin"))
        copied = datastore.Entity(client.key("Settings", "directories-admin"), tuple(settings.exclude_from_indexes))
        copied.update(settings)
        client.put(copied)
        return Api(create_app(other, lambda: client).test_client()), client

    return make


def reload_into(target_api, body: str, passphrase: str = PASSPHRASE, expect: int = 200):
    return target_api.post("/api/reload", data=body.encode(), content_type="application/x-ndjson", expect=expect,
                           headers={**basic(DIRECTORIES_PASSWORD), "X-Dump-Passphrase": passphrase})


def raw_dump(api) -> str:
    return api.get("/api/dump", headers={**basic(DIRECTORIES_PASSWORD), "X-Dump-Passphrase": PASSPHRASE},
                   expect=200).get_data(as_text=True)


def test_a15_a_dump_reloaded_into_an_empty_datastore_and_dumped_again_gives_the_same_lines(given, new_api, api, target):
    a_network(given, new_api)
    first = raw_dump(api)
    target_api, target_client = target()
    entities = len(first.splitlines()) - 1
    assert reload_into(target_api, first).get_json() == {"entities": entities}
    again = raw_dump(target_api)
    assert again.splitlines()[1:] == first.splitlines()[1:]  # every key and every typed value, the sealed ones too
    assert json.loads(again.splitlines()[0])["namespace"] == target_client.namespace


def test_a15_a_dump_holding_a_mailer_without_a_password_reloads_total_and_per_directory(given, new_api, api, target):
    code, group = a_network(given, new_api)
    general = new_api().as_general()  # the local sink the README recommends: no username, no password
    general.put("/api/mailers/A", {"from": "Local <local@example.org>", "smtp_host": "127.0.0.1", "smtp_port": 2525,
                                   "username": "", "password": "", "starttls": False}, expect=200)
    new_api().as_directory(code).put(f"/api/directory/groups/{group['code']}/mailing", {"day": "mon", "mailer": "A"},
                                     expect=200)
    one = api.get(f"/api/dump?directory={code}", headers={**basic(DIRECTORIES_PASSWORD), "X-Dump-Passphrase": PASSPHRASE},
                  expect=200).get_data(as_text=True)
    for body in (one, raw_dump(api)):
        assert '"kind":"Mailer","name":"A"' in body and '"password_sealed":{"excludeFromIndexes":true,"nullValue":null}' in body
        target_api, _ = target()
        assert reload_into(target_api, body).get_json() == {"entities": len(body.splitlines()) - 1}
    assert raw_dump(target_api).splitlines()[1:] == body.splitlines()[1:]


def test_a15_after_a_reload_people_sign_in_with_their_old_passwords(given, new_api, api, target):
    code, group = a_network(given, new_api)
    target_api, _ = target()
    reload_into(target_api, raw_dump(api))
    target_api.as_directory(code)
    assert target_api.get("/api/directory", expect=200).get_json()["name"] == "Paris"
    target_api.as_group(group["code"])
    assert [m["email"] for m in target_api.get("/api/group", expect=200).get_json()["members"]] == ["zoe@example.org"]


def test_a15_a_line_that_cannot_be_reloaded_is_named_and_nothing_is_written(given, new_api, api, target):
    a_network(given, new_api)
    target_api, target_client = target()
    good = raw_dump(api).splitlines()
    other_project = json.loads(good[2])
    other_project["key"]["partitionId"] = {"projectId": "someone-else"}
    mangled = dict(enumerate(good))
    for number, bad_line, reason in (
            (len(good), good[-1][:-7], "not valid JSON"),  # a truncated last line
            (3, '{"key": {"path": [{"kind": "Group", "name": "x"}]}, "properties": {"x": {"oddValue": 1}}}', "not an entity"),
            (3, json.dumps(other_project), "another project"),
            (1, '{"format": "something else"}', "does not describe a dump")):
        lines = {**mangled, number - 1: bad_line}
        refused = reload_into(target_api, "\n".join(lines[n] for n in sorted(lines)) + "\n", expect=400).get_json()["error"]
        assert refused["code"] == "invalid_input" and refused["fields"] == {"line": str(number)}, refused
        assert f"Ligne {number} du fichier" in refused["message"] and reason in refused["message"]
    refused = reload_into(target_api, "\n".join(good) + "\n", passphrase="une autre phrase de passe", expect=400)
    assert "passphrase does not open" in refused.get_json()["error"]["message"]
    assert {e.key.kind for e in target_client.query().fetch()} - {"Throttle"} == {"Settings"}  # nothing written


def test_a15_reload_is_refused_on_a_datastore_not_marked_as_a_test_one(given, new_api, api, target):
    a_network(given, new_api)
    production, client = target(test_datastore=False)
    refused = reload_into(production, raw_dump(api), expect=403)
    assert refused.get_json()["error"]["code"] == "forbidden"
    assert {e.key.kind for e in client.query().fetch()} - {"Throttle"} == {"Settings"}


def test_a15_a_dump_larger_than_any_other_body_reloads(given, new_api, api, datastore_client, target):
    given.directories_admin()
    longest = "é" * 20_000  # the longest body the animator's form takes (R1: a reload takes no other)
    messages.SCHEMA.put_many(datastore_client, [messages.Message(f"large-{n}", "", longest) for n in range(30)])
    body = raw_dump(api)
    assert len(body.encode()) > 1024 * 1024
    target_api, target_client = target()
    assert reload_into(target_api, body).get_json()["entities"] == len(body.splitlines()) - 1
    assert messages.SCHEMA.get(target_client, "large-29").body == longest


def test_a15_a_reload_with_the_directories_admin_s_session_needs_its_csrf_token(given, new_api, api, target):
    a_network(given, new_api)
    body = raw_dump(api)
    target_api, _ = target()
    target_api.as_directories()
    csrf, target_api.csrf = target_api.csrf, ""
    headers = {"X-Dump-Passphrase": PASSPHRASE}
    refused = target_api.post("/api/reload", data=body.encode(), content_type="application/x-ndjson", headers=headers,
                              expect=403)
    assert refused.get_json()["error"]["code"] == "forbidden"
    target_api.csrf = csrf
    assert target_api.post("/api/reload", data=body.encode(), content_type="application/x-ndjson", headers=headers,
                           expect=200).get_json()["entities"] == len(body.splitlines()) - 1


def dump_of(api, kinds: str) -> str:
    return api.get(f"/api/dump?kinds={kinds}", headers={**basic(DIRECTORIES_PASSWORD), "X-Dump-Passphrase": PASSPHRASE},
                   expect=200).get_data(as_text=True)


def line_of(body: str, kind: str, name_starts: str = "") -> int:
    """The number of the first line holding an entity of this kind (its key's name starting so)."""
    return next(n for n, line in enumerate(body.splitlines(), start=1) if n > 1 and kind_of(json.loads(line)) == kind
                and json.loads(line)["key"]["path"][-1].get("name", "").startswith(name_starts))


def test_a1_a_reload_keeps_names_unique_claims_come_with_their_owners(given, new_api, api, target):
    a_network(given, new_api)
    target_api, target_client = target()
    refusals = {"Directory": "come without their claim", "Claim": "neither in the dump nor here"}
    for kinds, kind in (("Directory,Group", "Directory"), ("Claim", "Claim")):
        body = dump_of(api, kinds)
        refused = reload_into(target_api, body, expect=400).get_json()["error"]
        assert refused["fields"] == {"line": str(line_of(body, kind))} and refusals[kind] in refused["message"], refused
    assert {e.key.kind for e in target_client.query().fetch()} - {"Throttle"} == {"Settings"}  # nothing written

    whole = raw_dump(api)
    assert reload_into(target_api, whole).get_json()["entities"] == len(whole.splitlines()) - 1
    assert reload_into(target_api, whole).get_json()["entities"] == len(whole.splitlines()) - 1  # the same again: no conflict
    body = dump_of(api, "Claim")  # now their owners are here
    assert reload_into(target_api, body).get_json()["entities"] == len(body.splitlines()) - 1


def test_a1_a_reload_refuses_a_name_another_directory_holds_in_the_target(given, new_api, api, target):
    a_network(given, new_api)  # Paris, PA, in the source
    target_api, target_client = target()
    target_api.as_directories()
    target_api.post("/api/directories", {"name": "PARIS", "initials": "PX"}, expect=201)  # the same name, another code
    before = sorted(e.key.kind for e in target_client.query().fetch())
    body = raw_dump(api)
    refused = reload_into(target_api, body, expect=400).get_json()["error"]
    assert "already held by" in refused["message"], refused
    assert refused["fields"] == {"line": str(line_of(body, "Claim", "directory:name:"))}
    assert sorted(e.key.kind for e in target_client.query().fetch()) == before


def test_b1_a_reload_keeps_mail_addresses_unique_claims_come_with_their_owners(given, new_api, api, target):
    given.directories_admin()
    admin = new_api().as_general()
    admin.post("/api/mail/domains", {"name": "auf.org", "site": "fr"}, expect=201)
    account(admin, "contact@auf.org")
    admin.post("/api/mail/aliases", {"address": "bureau@auf.org", "targets": ["contact@auf.org"]}, expect=201)
    target_api, target_client = target()
    refusals = {"MailAccount": "address come without their claim", "MailAddress": "neither in the dump nor here"}
    for kinds, kind in (("MailSite,MailDomain,MailAccount,MailAlias", "MailAccount"), ("MailAddress", "MailAddress")):
        body = dump_of(api, kinds)
        refused = reload_into(target_api, body, expect=400).get_json()["error"]
        assert refused["fields"] == {"line": str(line_of(body, kind))} and refusals[kind] in refused["message"], refused
    assert {e.key.kind for e in target_client.query().fetch()} - {"Throttle"} == {"Settings"}  # nothing written
    whole = raw_dump(api)
    for _ in range(2):  # the same again: no conflict
        assert reload_into(target_api, whole).get_json()["entities"] == len(whole.splitlines()) - 1

    # Another datastore where an alias has the address an account of the dump has: refused, nothing written.
    other_api, other_client = target()
    other_admin = Api(other_api.client.application.test_client()).as_general()
    other_admin.post("/api/mail/domains", {"name": "auf.org", "site": "fr"}, expect=201)
    other_admin.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["x@example.org"]}, expect=201)
    before = sorted(e.key.kind for e in other_client.query().fetch() if e.key.kind != "Throttle")
    refused = reload_into(other_api, whole, expect=400).get_json()["error"]
    assert "already held by alias:contact@auf.org" in refused["message"], refused
    assert refused["fields"] == {"line": str(line_of(whole, "MailAddress", "contact@auf.org"))}
    assert sorted(e.key.kind for e in other_client.query().fetch() if e.key.kind != "Throttle") == before
