"""The reload door (A15, R1, R2): only the kinds a dump holds, each line read through its kind's schema, into this
instance's own namespace, Datastore's limits checked before the first write; every refusal 400 naming its line and
nothing written; every kind with every value its fields hold goes through a dump and a reload unchanged."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import uuid

import pytest
from google.cloud import datastore
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from annuaires.services.dump import dump, reload
from annuaires.services.errors import BadDumpLine
from annuaires.store import kinds
from annuaires.store import raw as raw_store
from annuaires.store.base import make_client
from annuaires.store.entity_json import pb_line, to_line
from annuaires.web.app import create_app
from tests import kind_strategies
from tests.conftest import DIRECTORIES_PASSWORD, Api
from tests.test_dump import PASSPHRASE, a_network, basic, raw_dump, reload_into


def slow(examples: int) -> settings:
    """Generated cases that each run against the emulator: as many as the suite's time allows, the same every run."""
    return settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                    phases=[Phase.explicit, Phase.generate])  # (shrinking cases that each take the emulator: minutes)


@pytest.fixture
def cheap_kdf(monkeypatch):
    """The dump's key derived at a test's cost (argon2id with 64 KiB): generated cases each dump and reload."""
    monkeypatch.setitem(dump.KDF, "memory_kib", 64)
    monkeypatch.setitem(dump.KDF, "time_cost", 1)


@pytest.fixture
def fresh(config):
    """Another instance on a namespace of its own, marked as a test one, whose directories admin has the tests'
    password; its API and its client."""

    def make() -> tuple[Api, datastore.Client]:
        other = dataclasses.replace(config, namespace=f"t{uuid.uuid4().hex}", test_datastore=True)
        client = make_client(other)
        raw_store.upsert(client, [_in(client, kind_strategies.settings_entity()).SerializeToString()])
        return Api(create_app(other, lambda: client).test_client()), client

    return make


def _in(client: datastore.Client, raw):
    copy = type(raw)()
    copy.CopyFrom(raw)
    copy.key.partition_id.project_id, copy.key.partition_id.namespace_id = client.project, client.namespace
    return copy


def everything(client: datastore.Client) -> list[str]:
    """Every entity of a namespace, as lines (what a reload refused must leave as it was)."""
    return sorted(to_line(entity) for entity in client.query().fetch() if entity.key.kind != "Throttle")  # (sign-ins')


def head(project: str = "annuaires-test", **changes) -> str:
    salt = base64.b64encode(dump.project_salt(project)).decode()
    line = {"format": dump.FORMAT, "project": project, "namespace": "", "kinds": [],
            "sealed": {"kdf": {**dump.KDF, "salt": salt}, "cipher": "AES-SIV-512", "properties": {}}, **changes}
    return json.dumps(line)


def members(count: int, group: str = "abcdefgh") -> list[str]:
    return [json.dumps({"key": {"path": [{"kind": "Group", "name": group}, {"kind": "Member", "id": str(n)}]},
                        "properties": {"name": {"stringValue": f"Membre {n}", "excludeFromIndexes": True},
                                       "email": {"stringValue": f"m{n}@example.org", "excludeFromIndexes": True},
                                       "email_norm": {"stringValue": f"m{n}@example.org"}}}) for n in range(1, count + 1)]


def refused_line(target_api: Api, client: datastore.Client, lines: list[str], number: int, reason: str) -> None:
    """The file is refused, 400 naming its line with the reason, and the datastore is as it was."""
    before = everything(client)
    error = reload_into(target_api, "\n".join(lines) + "\n", expect=400).get_json()["error"]
    assert error["code"] == "invalid_input" and error["fields"] == {"line": str(number)}, error
    assert reason in error["message"], error
    assert everything(client) == before


# The adversary's lines first.

def test_a15_a_key_naming_another_namespace_or_project_is_refused_and_nothing_is_written_anywhere(fresh, config):
    target_api, client = fresh()
    victim = make_client(dataclasses.replace(config, namespace="victimns"))
    for partition, reason in (({"namespaceId": "victimns"}, "another namespace (victimns)"),
                              ({"projectId": "annuaires-test", "namespaceId": "victimns"}, "another namespace"),
                              ({"projectId": "production"}, "another project (production)"),
                              ({"projectId": client.project, "namespaceId": client.namespace, "databaseId": "other"},
                               "another namespace")):
        line = json.loads(members(1)[0])
        line["key"]["partitionId"] = partition
        refused_line(target_api, client, [head(), *members(3), json.dumps(line)], 5, reason)
    assert list(victim.query(kind="Member").fetch()) == []
    own = json.loads(members(1)[0])  # naming its own partition is what a relative key means
    own["key"]["partitionId"] = {"projectId": client.project, "namespaceId": client.namespace}
    assert reload_into(target_api, "\n".join([head(), json.dumps(own)]) + "\n").get_json() == {"entities": 1}


def test_a15_kinds_a_dump_never_holds_are_refused_a_forged_session_never_signs_in(fresh):
    target_api, client = fresh()
    session = {"key": {"path": [{"kind": "Session", "name": "a" * 64}]},
               "properties": {"role": {"stringValue": "general"}, "subject": {"stringValue": "admin@example.org"},
                              "csrf": {"stringValue": "x"}, "epoch": {"integerValue": "0"},
                              "expires": {"timestampValue": "2099-01-01T00:00:00Z"}}}
    operator = {"key": {"path": [{"kind": "MailOperator", "name": "mallory"}]},
                "properties": {"admin": {"booleanValue": True}, "must_change": {"booleanValue": False}}}
    for kind, line in (("Session", session), ("MailOperator", operator),
                       ("Throttle", {"key": {"path": [{"kind": "Throttle", "name": "x"}]}}),
                       ("MailSettings", {"key": {"path": [{"kind": "MailSettings", "name": "mail"}]}}),
                       ("Sample", {"key": {"path": [{"kind": "Sample", "name": "x"}]}}),
                       ("__kind__", {"key": {"path": [{"kind": "__kind__", "name": "Group"}]}})):
        refused_line(target_api, client, [head(), *members(2), json.dumps(line)], 4, f"of kind '{kind}', which a dump never holds")
    assert {"Session", "Throttle", "MailOperator", "MailSettings"} <= kinds.NOT_DUMPED
    assert not {"Session", "Throttle", "MailOperator", "MailSettings"} & set(dump.dumped_kinds())


def test_a1_a_group_whose_name_keys_are_not_its_name_s_is_refused(given, new_api, api, fresh):
    a_network(given, new_api)
    lines = raw_dump(api).splitlines()
    number = next(n for n, line in enumerate(lines, 1) if '"kind":"Group"' in line)
    target_api, client = fresh()
    for prop, text, reason in (("name_key", "", "name_key is not what the service derives"),
                               ("initials_key", "0" * 64, "initials_key is not what the service derives"),
                               ("name_sort", "zzz", "name_sort is not what the service derives"),
                               ("name", "  Les   Radis", "name is not as the form"),
                               ("name", "   ", "name is refused by the form that makes it (required)"),
                               ("type", "admin", "type is refused by the form")):
        group = json.loads(lines[number - 1])
        group["properties"][prop] = {"stringValue": text}
        refused_line(target_api, client, [*lines[:number - 1], json.dumps(group), *lines[number:]], number, reason)
    group = json.loads(lines[number - 1])
    del group["properties"]["name_key"]
    refused_line(target_api, client, [*lines[:number - 1], json.dumps(group), *lines[number:]], number, "needs name_key")


def test_a15_what_a_kind_seals_comes_from_its_schema_never_from_the_first_line(given, new_api, api, fresh, ctx):
    code, _ = a_network(given, new_api)
    first, *lines = raw_dump(api).splitlines()
    unsealed = json.loads(first)
    unsealed["sealed"]["properties"] = {}  # "nothing is sealed here"
    number = next(n for n, line in enumerate(lines, 2) if '"kind":"Directory"' in line)
    directory = json.loads(lines[number - 2])
    directory["properties"]["password_hash"] = {"stringValue": ctx.passwords.hash("known by the attacker"),
                                                "excludeFromIndexes": True}
    target_api, client = fresh()
    refused_line(target_api, client, [json.dumps(unsealed), *lines[:number - 2], json.dumps(directory), *lines[number - 1:]],
                 number, "password_hash should be sealed and is not")
    new_api_ = Api(target_api.client.application.test_client())
    new_api_.sign_in(role="directory", directory=code, password="known by the attacker", expect=401)


def test_a15_datastore_s_limits_are_checked_before_the_first_write(fresh):
    target_api, client = fresh()
    message = {"key": {"path": [{"kind": "Message", "name": "abcdefgh"}]}, "properties": {}}

    def with_(**properties) -> str:
        return json.dumps({**message, "properties": properties})

    deep = {"key": {"path": [{"kind": "Group", "name": "abcdefgh"}, {"kind": "Member", "id": "7"},
                             {"kind": "Member", "id": "8"}]}}
    array = {"key": {"path": [{"kind": "Audit", "id": "3"}]},
             "properties": {"concerns": {"arrayValue": {"values": [{"stringValue": "x"}]}, "excludeFromIndexes": True}}}
    for line, reason in (
            (json.dumps({"key": {"path": [{"kind": "Message", "name": "__bad__"}]}}), "reserved by Datastore"),
            (with_(subject={"stringValue": "é" * 751}), "subject is indexed and longer than Datastore's 1,500 bytes"),
            (with_(body={"stringValue": "x" * 1_048_600, "excludeFromIndexes": True}), "larger than Datastore's 1 MiB"),
            (members(600)[17], "a key an earlier line has already"),
            (json.dumps(deep), "a Member's key is Group / Member, not Group / Member / Member"),
            (json.dumps({"key": {"path": [{"kind": "Group", "name": "g"}, {"kind": "Member", "id": "-5"}]}}),
             "not a positive number"),
            (json.dumps({"key": {"path": [{"kind": "Group", "name": "g"}, {"kind": "Member", "name": "5"}]}}),
             "has a name where its id is a number"),
            (json.dumps({"key": {"path": [{"kind": "Message", "name": "n" * 1501}]}}), "longer than 1,500 bytes"),
            (json.dumps(array), "concerns is an array marked excludeFromIndexes"),
            (with_(subject={"integerValue": "5"}), "subject should be string, not integer"),
            (with_(sender={"stringValue": "x"}), "a Message has no property 'sender'"),
            (with_(updated={"timestampValue": "0001-01-01T00:00:00+01:00"}), "out of Datastore's range"),
            (with_(subject={"stringValue": "x", "meaning": 22}), "has a meaning")):
        refused_line(target_api, client, [head(), *members(600), line], 602, reason)


def test_a15_hostile_files_answer_400_naming_the_line_never_5xx(fresh):
    target_api, client = fresh()
    salt3 = head(sealed={"kdf": {"salt": base64.b64encode(b"abc").decode()}, "properties": {}})
    for lines, number, reason in (
            ([head(sealed=[]), *members(1)], 1, "does not name the dump's project"),
            ([salt3, *members(1)], 1, "a salt of 8 to 64 bytes"),
            ([head(sealed={"kdf": {"salt": "***"}, "properties": {}})], 1, "salt in base64"),
            (["[" * 100_000 + "]" * 100_000], 1, "does not describe a dump"),
            (["{", *members(1)], 1, "not JSON"),
            (['{"format": "annuaires-dump/1", "project": 5}'], 1, "does not name the dump's project"),
            ([head(), "[" * 100_000 + "]" * 100_000], 2, "nested more than 64 deep"),
            ([head(), '{"key": ' * 50_000 + "1" + "}" * 50_000], 2, "nested more than 64 deep"),
            ([head(), "1" * 5000], 2, "not valid JSON"),
            ([head(), '{"key": {"path": [{"kind": "Message", "name": "\\ud800"}]}}'], 2, "lone surrogate"),
            ([head(), '{"key": {"path": [{"kind": "Message", "name": "a"}]}, "properties": {"subject": '
                      '{"integerValue": "' + "9" * 5000 + '"}}}'], 2, "integer of 64 bits"),
            ([head(), *members(2), ""], 4, "not valid JSON"),
            ([head(), json.dumps({"key": {"path": [{"kind": "Mailer", "name": "A"}]},
                                  "properties": {"password_sealed": {"blobValue": "Àé=="}}})], 2, "is not base64"),
            ([head(), json.dumps({"key": {"path": [{"kind": "RecipientChunk", "id": "1"}]}})], 2, "MailingBatch / RecipientChunk"),
            ([head(), json.dumps({"key": {"path": [{"kind": "MailingBatch", "name": "g:w"}, {"kind": "RecipientChunk",
                                                                                              "id": "1"}]},
                                  "properties": {"recipients": {"stringValue": "[" * 10_000}}})], 2, "JSON list of Recipient")):
        refused_line(target_api, client, lines, number, reason)


class Endless(io.RawIOBase):
    """A body that never ends (a line of 100 MB and more): counts what was read of it."""

    def __init__(self, start: bytes) -> None:
        self.start, self.read_bytes = start, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        piece = (self.start + b"x" * len(buffer))[:len(buffer)] if self.read_bytes == 0 else b"x" * len(buffer)
        buffer[:len(piece)] = piece
        self.read_bytes += len(piece)
        return len(piece)


def test_a15_a_line_of_100_mb_is_refused_after_reading_2_mib_of_it(fresh):
    target_api, client = fresh()
    body = Endless((head() + "\n" + '{"key": {"path": [{"kind": "Message", "name": "').encode())
    answer = target_api.client.post("/api/reload", content_type="application/x-ndjson",
                                    environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(100 * 1024 * 1024)},
                                    headers={**basic(DIRECTORIES_PASSWORD), "X-Dump-Passphrase": PASSPHRASE})
    assert answer.status_code == 400 and answer.get_json()["error"]["fields"] == {"line": "2"}
    assert "longer than 2 MiB" in answer.get_json()["error"]["message"]
    assert body.read_bytes < 4 * 1024 * 1024  # the rest was never read, let alone held
    assert everything(client) == sorted(pb_line(_in(client, kind_strategies.settings_entity())) for _ in [0])


# Generated cases.

def _dump_of(api_: Api) -> list[str]:
    """A dump's lines (split at line feeds only: a text may hold U+2028, which str.splitlines takes for an end)."""
    return raw_dump(api_).removesuffix("\n").split("\n")


@slow(6)
@given(entities=kind_strategies.world())
def test_a15_every_kind_with_every_value_its_fields_hold_comes_back_from_a_dump_and_a_reload(entities, fresh, cheap_kdf):
    source_api, source = fresh()
    raw_store.upsert(source, [_in(source, raw).SerializeToString() for raw in entities])
    first = _dump_of(source_api)
    assert len(first) - 1 == len(entities)
    target_api, target = fresh()
    assert reload_into(target_api, "\n".join(first) + "\n").get_json() == {"entities": len(entities)}
    assert _dump_of(target_api)[1:] == first[1:]
    for schema in kinds.DUMPED:  # and the service reads each one as its record
        for batch in raw_store.of_kind(target, schema.kind):
            for raw in batch:
                schema.read(datastore.helpers.entity_from_protobuf(raw))


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                    max_leaves=12)


@st.composite
def hostile(draw: st.DrawFn, lines: list[str]) -> tuple[list[str], int]:
    """A good dump with one line made hostile (a value, a key, a property, the first line, or bytes); its number."""
    number = draw(st.integers(1, len(lines)))
    found = json.loads(lines[number - 1])
    how = draw(st.sampled_from(["value", "drop", "add", "key", "partition", "type", "raw", "head", "excluded", "twice"]))
    props = found.get("properties", {})
    if how == "value" and props:
        props[draw(st.sampled_from(sorted(props)))] = draw(JSON)
    elif how == "drop" and props:
        del props[draw(st.sampled_from(sorted(props)))]
    elif how == "add":
        props[draw(st.text(max_size=12))] = {"stringValue": draw(st.text(max_size=12))}
    elif how == "key" and "key" in found:
        element = found["key"]["path"][-1]
        element[draw(st.sampled_from(["kind", "name", "id"]))] = draw(JSON | st.sampled_from(["__x__", "Session", "-1", "0"]))
    elif how == "partition" and "key" in found:
        found["key"]["partitionId"] = draw(st.dictionaries(st.sampled_from(["projectId", "namespaceId", "databaseId"]),
                                                           st.text(max_size=8)))
    elif how == "type" and props:
        name = draw(st.sampled_from(sorted(props)))
        props[name] = {draw(st.sampled_from(["stringValue", "integerValue", "blobValue", "nullValue", "arrayValue",
                                             "entityValue", "timestampValue", "doubleValue"])): draw(JSON)}
    elif how == "raw":
        return [*lines[:number - 1], draw(st.binary(max_size=60)).decode("latin-1"), *lines[number:]], number
    elif how == "head":
        first = json.loads(lines[0])
        first[draw(st.sampled_from(["format", "project", "namespace", "sealed"]))] = draw(JSON)
        return [json.dumps(first), *lines[1:]], 1
    elif how == "excluded" and props:
        props[draw(st.sampled_from(sorted(props)))]["excludeFromIndexes"] = draw(JSON)
    elif how == "twice":
        return [*lines[:number], lines[number - 1], *lines[number:]], number + 1
    found.update({"properties": props} if number > 1 and props else {})
    return [*lines[:number - 1], json.dumps(found), *lines[number:]], number


@pytest.fixture
def good_dump(cheap_kdf, given, new_api, api) -> list[str]:
    a_network(given, new_api)
    general = new_api().as_general()
    general.post("/api/mail/domains", {"name": "auf.org", "site": "fr"}, expect=201)
    return _dump_of(api)


def test_a15_hostile_lines_through_the_service_are_refused_by_line_never_with_another_error(good_dump):
    """1,500 hostile files read by the reload's checks alone (what the API and the command run): each is
    read whole or refused with BadDumpLine, never with another exception."""

    @slow(1500)
    @given(case=hostile(good_dump))
    def run(case: tuple[list[str], int]) -> None:
        lines, _ = case
        try:
            for _ in reload.checked(PASSPHRASE, [line.encode("utf-8", "surrogatepass") for line in lines],
                                    "annuaires-test", "somewhere"):
                pass
        except BadDumpLine:
            pass

    run()


def test_a15_hostile_lines_through_the_api_answer_200_or_400_and_a_refused_file_writes_nothing(good_dump, fresh):
    target_api, client = fresh()
    before = everything(client)

    @slow(150)
    @given(case=hostile(good_dump))
    def run(case: tuple[list[str], int]) -> None:
        lines, _ = case
        answer = target_api.post("/api/reload", data="\n".join(lines).encode("utf-8", "surrogatepass") + b"\n",
                                 content_type="application/x-ndjson",
                                 headers={**basic(DIRECTORIES_PASSWORD), "X-Dump-Passphrase": PASSPHRASE})
        assert answer.status_code in (200, 400), answer.get_data(as_text=True)[:500]
        if answer.status_code == 400:
            assert answer.get_json()["error"]["code"] == "invalid_input" and "line" in answer.get_json()["error"]["fields"]
            assert everything(client) == before  # nothing written
        else:
            keys = [entity.key for entity in client.query().fetch()]  # back to the empty datastore for the next case
            client.delete_multi(keys)
            raw_store.upsert(client, [_in(client, kind_strategies.settings_entity()).SerializeToString()])

    run()
