"""The `annuaires` command (A15): a dump of a running instance to a file, checked, reloaded into another."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import DIRECTORIES_PASSWORD, Given

COMMAND = Path(sys.executable).parent / "annuaires"  # installed by the set-up, beside the virtual environment's python


def annuaires(*args: str, password: str = DIRECTORIES_PASSWORD) -> subprocess.CompletedProcess:
    env = {**os.environ, "ANNUAIRES_DIRECTORIES_PASSWORD": password}
    env.pop("ANNUAIRES_DUMP_PASSPHRASE", None)
    return subprocess.run([str(COMMAND), *args], env=env, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def test_a15_the_command_dumps_checks_and_reloads_into_another_instance(server, empty_server, tmp_path):
    given = server.given()
    given.directories_admin()
    code, paris = given.directory("Annuaire de la commande", "AC")
    group = given.group(paris, name="Groupe de la commande", initials="GC")
    given.animator(group["code"]).post("/api/group/members", {"name": "Zoé", "email": "zoe@example.org"}, expect=201)

    file = tmp_path / "dump.jsonl"
    done = annuaires("--url", server.url, "dump", "--output", str(file))
    assert done.returncode == 0, done.stderr
    head, *lines = file.read_text().splitlines()
    assert json.loads(head)["format"] == "annuaires-dump/1" and f"{len(lines)} entités écrites" in done.stderr
    assert DIRECTORIES_PASSWORD not in file.read_text() and "$argon2id$" not in file.read_text()

    checked = annuaires("reload", "--dry-run", str(file))  # no instance needed: the file alone is checked
    assert checked.returncode == 0 and f"il écrirait {len(lines)} entités" in checked.stderr, checked.stderr

    target = Given(empty_server.api)
    target.directories_admin()  # a datastore is initialised by its general admin
    reloaded = annuaires("--url", empty_server.url, "reload", str(file))
    assert reloaded.returncode == 0 and f"{len(lines)} entités rechargées" in reloaded.stderr, reloaded.stderr
    assert empty_server.api().as_directory(code).get("/api/directory", expect=200).get_json()["name"] == (
        "Annuaire de la commande")  # its admin signs in with its old password


def test_a15_the_command_names_the_bad_line_and_a_wrong_password(server, tmp_path):
    server.given().directories_admin()
    file = tmp_path / "dump.jsonl"
    assert annuaires("--url", server.url, "dump", "-o", str(file)).returncode == 0
    lines = file.read_text().splitlines()
    file.write_text("\n".join(lines[:-1] + [lines[-1][:-5]]) + "\n")  # the last line cut short
    checked = annuaires("reload", "--dry-run", str(file))
    assert checked.returncode == 1 and f"Ligne {len(lines)} du fichier" in checked.stderr, checked.stderr
    refused = annuaires("--url", server.url, "reload", str(file))
    assert refused.returncode == 1 and f"Ligne {len(lines)} du fichier" in refused.stderr, refused.stderr
    wrong = annuaires("--url", server.url, "dump", password="pas le bon mot de passe")
    assert wrong.returncode == 1 and "401" in wrong.stderr
