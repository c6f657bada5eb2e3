"""Dumps and reloads as tests drive them (A15): the tests' passphrase, HTTP Basic, a network to dump, lines to reload."""

from __future__ import annotations

import base64
import json

from google.cloud import datastore

from annuaires.services.dump import dump
from annuaires.store.entity_json import to_line
from tests.support.client import DIRECTORIES_PASSWORD, Api

PASSPHRASE = "une phrase de passe assez longue"


def basic(password: str, user: str = "directories") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


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


def reload_into(target_api, body: str, passphrase: str = PASSPHRASE, expect: int = 200):
    return target_api.post("/api/reload", data=body.encode(), content_type="application/x-ndjson", expect=expect,
                           headers={**basic(DIRECTORIES_PASSWORD), "X-Dump-Passphrase": passphrase})


def raw_dump(api) -> str:
    return api.get("/api/dump", headers={**basic(DIRECTORIES_PASSWORD), "X-Dump-Passphrase": PASSPHRASE},
                   expect=200).get_data(as_text=True)


def in_namespace_of(client: datastore.Client, raw):
    """A copy of a raw entity, its key in the client's project and namespace."""
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
