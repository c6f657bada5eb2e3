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

from emulator import datastore as datastore_emulator
from emulator import processes
from emulator.processes import group_peak_kib
from tests.conftest import DIRECTORIES_PASSWORD, PROJECT, Given, running_server

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


def peak_kib(server) -> int:
    """The highest resident memory any process of the service (gunicorn and its worker) has had."""
    return group_peak_kib(server.process.pid)


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
    for start in range(0, 5000, 100):
        batch = []
        for n in range(start, start + 100):
            entity = datastore.Entity(client.key("Sample", f"s{n:05d}"), exclude_from_indexes=("text",))
            entity["text"] = f"{n:05d}" * 4000
            batch.append(entity)
        client.put_multi(batch)
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    small_command = command_peak_kib("--url", server.url, "dump", "--kinds", "Settings", "-o", str(small))
    small_service = peak_kib(server)
    large_command = command_peak_kib("--url", server.url, "dump", "--kinds", "Sample", "-o", str(large))
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
    assert target.get(target.key("Sample", "s04999"))["text"] == "04999" * 4000
