"""The `annuaires` command (A15): a dump of a running instance to a file, checked, reloaded into another."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.cloud import datastore
from hypothesis import HealthCheck, Phase, given, settings

from annuaires.store import messages
from annuaires.store import raw as raw_store
from emulator import datastore as datastore_emulator
from emulator import processes
from emulator.datastore import free_port
from tests.support import ROOT, kind_strategies
from tests.support.client import DIRECTORIES_PASSWORD
from tests.support.given import Given
from tests.support.service import PROJECT, peak_kib, running_server

COMMAND = Path(sys.executable).parent / "annuaires"  # installed by the set-up, beside the virtual environment's python


def annuaires(*args: str, password: str = DIRECTORIES_PASSWORD, **env: str) -> subprocess.CompletedProcess:
    """Run the command of this checkout (its code first on the path), as a person would, with this environment."""
    env = {**os.environ, "ANNUAIRES_DIRECTORIES_PASSWORD": password, "PYTHONPATH": str(ROOT / "functions"), **env}
    for name in ("ANNUAIRES_DUMP_PASSPHRASE", "ANNUAIRES_URL", "PORT"):
        if name not in env or not env[name]:
            env.pop(name, None)
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
    assert wrong.returncode == 1 and "Mot de passe erroné" in wrong.stderr


def test_a15_the_command_follows_annuaires_url_or_port_and_says_when_no_annuaires_is_there(server, tmp_path):
    server.given().directories_admin()
    port = server.url.rsplit(":", 1)[1]
    nobody = f"http://127.0.0.1:{free_port()}"
    for env, lang, said in (({"ANNUAIRES_URL": nobody}, "fr_FR.UTF-8", f"Pas d'Annuaires à {nobody}"),
                            ({"ANNUAIRES_URL": nobody}, "en_GB.UTF-8", f"No Annuaires at {nobody}"),
                            ({"ANNUAIRES_URL": "http://127.0.0.1:9/"}, "C.UTF-8", "Pas d'Annuaires à http://127.0.0.1:9")):
        for args in (("dump", "-o", str(tmp_path / "x.jsonl")), ("reload", str(Path(__file__)))):
            done = annuaires(*args, LANG=lang, LC_ALL="", **env)
            assert done.returncode == 1 and said in done.stderr and "Traceback" not in done.stderr, done.stderr
            assert len(done.stderr.splitlines()) <= 3, done.stderr
    for env in ({"ANNUAIRES_URL": server.url}, {"PORT": port}):  # make run's PORT is found when ANNUAIRES_URL is not set
        done = annuaires("dump", "--kinds", "Settings", "-o", str(tmp_path / "settings.jsonl"), **env)
        assert done.returncode == 0 and "1 entités écrites" in done.stderr, done.stderr
    english = annuaires("--url", server.url, "dump", "--kinds", "Settings", "-o", str(tmp_path / "s.jsonl"), LANG="en_US.UTF-8",
                        LC_ALL="")
    assert "1 entities written" in english.stderr, english.stderr


def test_a15_a_short_wrong_password_says_wrong_password_and_a_directory_is_named_by_its_initials(server, tmp_path):
    given = server.given()
    given.directories_admin()
    code, paris = given.directory("Annuaire des initiales", "ADI")
    file = tmp_path / "adi.jsonl"
    for args in (("dump", "-o", str(file)), ("reload", str(Path(__file__))), ("reload", "--dry-run", str(Path(__file__)))):
        wrong = annuaires("--url", server.url, *args, password="court")  # shorter than a passphrase: still a password
        assert wrong.returncode == 1 and "Mot de passe erroné" in wrong.stderr, wrong.stderr
        assert "phrase de passe" not in wrong.stderr and "Traceback" not in wrong.stderr, wrong.stderr
    short = annuaires("--url", server.url, "dump", "-o", str(file), ANNUAIRES_DUMP_PASSPHRASE="court")
    assert short.returncode == 1 and "12 caractères au moins" in short.stderr, short.stderr
    done = annuaires("--url", server.url, "dump", "--directory", "adi", "-o", str(file))
    assert done.returncode == 0, done.stderr
    head, *lines = file.read_text().split("\n")[:-1]
    assert json.loads(head)["directory"] == code and any(f'"name":"{code}"' in line for line in lines)
    unknown = annuaires("--url", server.url, "dump", "--directory", "ZZZ", "-o", str(file))
    assert unknown.returncode == 1 and "(annuaire : Introuvable.)" in unknown.stderr, unknown.stderr


@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, phases=[Phase.generate])
@given(entities=kind_strategies.world())
def test_a15_every_kind_generated_from_its_schema_comes_back_through_the_command(entities, emulator, tasks_emulator,
                                                                                empty_server, tmp_path):
    source = datastore.Client(project=emulator.project, namespace=empty_server.namespace)
    for raw in entities:
        raw.key.partition_id.project_id, raw.key.partition_id.namespace_id = source.project, source.namespace
    raw_store.upsert(source, [raw.SerializeToString() for raw in entities])
    first, again = tmp_path / "first.jsonl", tmp_path / "again.jsonl"
    assert annuaires("--url", empty_server.url, "dump", "-o", str(first)).returncode == 0
    assert len(first.read_text().split("\n")) - 2 == len(entities)
    checked = annuaires("reload", "--dry-run", str(first))
    assert checked.returncode == 0 and f"il écrirait {len(entities)} entités" in checked.stderr, checked.stderr
    with running_server(emulator, tasks_emulator, tmp_path) as target:
        settings_ = kind_strategies.settings_entity()  # the directories admin's password, and nothing else there
        target_client = datastore.Client(project=emulator.project, namespace=target.namespace)
        settings_.key.partition_id.project_id, settings_.key.partition_id.namespace_id = source.project, target.namespace
        raw_store.upsert(target_client, [settings_.SerializeToString()])
        reloaded = annuaires("--url", target.url, "reload", str(first))
        assert reloaded.returncode == 0 and f"{len(entities)} entités rechargées" in reloaded.stderr, reloaded.stderr
        assert annuaires("--url", target.url, "dump", "-o", str(again)).returncode == 0
    assert again.read_text().split("\n")[1:] == first.read_text().split("\n")[1:]


def command_peak_kib(*args: str) -> int:
    """Run the command; the highest resident memory it had, read while it runs (its rusage would count the memory
    of the test's process it was forked from)."""
    env = {**os.environ, "ANNUAIRES_DIRECTORIES_PASSWORD": DIRECTORIES_PASSWORD}
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen([str(COMMAND), *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=errors)
        peak = 0
        while process.poll() is None:
            peak = max(peak, processes.peak_kib(process.pid))
            time.sleep(0.02)
        errors.seek(0)
        assert process.returncode == 0, (args, errors.read().decode())
    return peak


@pytest.fixture
def own_emulator(tmp_path, monkeypatch) -> Iterator[datastore_emulator.Emulator]:
    """A Datastore emulator for one test whose 100 MB would slow every later test's queries down."""
    running = datastore_emulator.start(PROJECT, log=tmp_path / "datastore.log")
    monkeypatch.setenv("DATASTORE_EMULATOR_HOST", running.host)  # for the test's own client
    yield running
    running.stop()


def test_a15_dump_and_reload_run_in_bounded_memory_on_both_sides(own_emulator, tasks_emulator, tmp_path):
    """A dump of 100 MB (5,000 entities of 20 kB) goes through the service and the command and back, and neither
    grows by more than a fraction of it (the reload spools 16 MiB in memory, by design, before the disk)."""
    with running_server(own_emulator, tasks_emulator, tmp_path) as server, \
            running_server(own_emulator, tasks_emulator, tmp_path) as empty_server:
        bounded_both_ways(own_emulator, server, empty_server, tmp_path)


def bounded_both_ways(emulator, server, empty_server, tmp_path):
    server.given().directories_admin()
    Given(empty_server.api).directories_admin()
    client = datastore.Client(project=emulator.project, namespace=server.namespace)
    for start in range(0, 5000, 100):  # weekly messages of 20 kB, the largest a group may have
        messages.SCHEMA.put_many(client, [messages.Message(f"s{n:05d}", "", f"{n:05d}" * 4000) for n in range(start, start + 100)])
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    small_command = command_peak_kib("--url", server.url, "dump", "--kinds", "Settings", "-o", str(small))
    small_service = peak_kib(server)
    large_command = command_peak_kib("--url", server.url, "dump", "--kinds", "Message", "-o", str(large))
    assert large.stat().st_size > 100_000_000 and len(large.read_text().splitlines()) == 5001
    mib = 1024  # KiB
    assert large_command - small_command < 20 * mib, (small_command, large_command)
    assert peak_kib(server) - small_service < 20 * mib, (small_service, peak_kib(server))

    command_peak_kib("--url", empty_server.url, "reload", str(small))
    before = peak_kib(empty_server)
    reload_command = command_peak_kib("--url", empty_server.url, "reload", str(large))
    assert reload_command - small_command < 20 * mib, (small_command, reload_command)
    assert peak_kib(empty_server) - before < 40 * mib, (before, peak_kib(empty_server))
    target = datastore.Client(project=emulator.project, namespace=empty_server.namespace)
    assert messages.SCHEMA.get(target, "s04999").body == "04999" * 4000
