"""Dump and reload benchmark (A15): 100,000 entities dumped and reloaded through the `annuaires` command and the
service, against a bare `query().fetch()` and a bare `put_multi` in batches of 500 of the same entities, in the same
run. Prints entities/s of each and the ratios (the goal: at least 0.9 for both).

Run from the project root: `make bench`, or `.venv/bin/python -m bench.dump [ENTITIES]`.
"""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from google.cloud import datastore

from annuaires.config import Config
from annuaires.services.passwords import Passwords
from annuaires.store import members, settings
from annuaires.store.base import make_client
from bench.common import instance_env, progress, save, start_service
from emulator import datastore as datastore_emulator
from emulator.datastore import free_port
from emulator.processes import stop_group

PROJECT = "annuaires-bench-dump"
ENTITIES = 100_000
PER_GROUP = 100
PASSWORD = "bench-directories-password"
COMMAND = Path(sys.executable).parent / "annuaires"


def seed(client: datastore.Client, count: int) -> None:
    """The directories admin, and `count` members in groups of PER_GROUP."""
    at = datetime.now(UTC)
    settings.SCHEMA.put(client, settings.DirectoriesAdmin(settings.DIRECTORIES_ADMIN, Passwords("fast").hash(PASSWORD)))
    for g in range(count // PER_GROUP):
        members.put_new_many(client, [members.new(f"g{g:05d}", f"Membre {m:03d} du groupe {g:05d}",
                                                  f"m{m:03d}.g{g:05d}@example.org", at) for m in range(PER_GROUP)])
        if (g + 1) % 200 == 0:
            progress(f"dump: seeded {(g + 1) * PER_GROUP}/{count} entities")


def command(*args: str) -> float:
    """Seconds the `annuaires` command takes."""
    env = {**os.environ, "ANNUAIRES_DIRECTORIES_PASSWORD": PASSWORD}
    began = time.perf_counter()
    done = subprocess.run([str(COMMAND), *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if done.returncode:
        raise RuntimeError(f"annuaires {' '.join(args)}: {done.stderr[-2000:]}")
    return time.perf_counter() - began


def bare_fetch(client: datastore.Client) -> tuple[float, list[datastore.Entity]]:
    began = time.perf_counter()
    found = list(client.query(kind="Member").fetch())
    return time.perf_counter() - began, found


def bare_put(client: datastore.Client, entities: list[datastore.Entity]) -> float:
    moved = []
    for entity in entities:  # the same entities, in another namespace
        copy = datastore.Entity(client.key(*entity.key.flat_path), exclude_from_indexes=tuple(entity.exclude_from_indexes))
        copy.update(entity)
        moved.append(copy)
    began = time.perf_counter()
    for start in range(0, len(moved), 500):
        client.put_multi(moved[start:start + 500])
    return time.perf_counter() - began


def interrupted(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, interrupted)
    count = int(argv[0]) if argv else ENTITIES
    work = Path(tempfile.mkdtemp(prefix="bench-dump-"))
    progress(f"dump: starting the emulator and two services (logs in {work})")
    store = datastore_emulator.start(PROJECT, log=work / "datastore.log")
    os.environ.update(store.env())
    services: list[subprocess.Popen] = []
    try:
        urls, clients = [], []
        for name in ("source", "target", "baseline"):
            port = free_port()
            env = instance_env(store.env(), name, port)
            clients.append(make_client(Config.from_env(env)))
            if name != "baseline":
                services.append(start_service(env, port, work / f"{name}.log"))
                urls.append(f"http://127.0.0.1:{port}")
        source, target, baseline = clients
        progress(f"dump: seeding {count} entities")
        seed(source, count)
        settings.SCHEMA.put(target, settings.SCHEMA.get(source, settings.DIRECTORIES_ADMIN))
        file = work / "dump.jsonl"
        # The emulator's pace drifts as it runs (its JIT warms up, its heap grows): the bare fetch runs before and
        # after the command, and the baseline is their mean.
        progress("dump: the bare fetch, the command's dump, the bare fetch again")
        fetch_before, fetched = bare_fetch(source)
        dump_seconds = command("--url", urls[0], "dump", "--kinds", "Member", "--output", str(file))
        fetch_after, _ = bare_fetch(source)
        fetch_seconds = (fetch_before + fetch_after) / 2
        progress("dump: the command reloads, then the bare put_multi")
        reload_seconds = command("--url", urls[1], "reload", str(file))
        put_seconds = bare_put(baseline, fetched)
        dumped = len(file.read_text().splitlines()) - 1
        assert dumped == len(fetched) == count, (dumped, len(fetched), count)
    finally:
        for service in services:
            stop_group(service)
        store.stop()
    rates = {name: count / seconds for name, seconds in (("dump", dump_seconds), ("fetch", fetch_seconds),
                                                          ("reload", reload_seconds), ("put", put_seconds))}
    print(f"dump: project dump of {count} entities through the command in {dump_seconds:.1f} s: {rates['dump']:.0f} entities/s",
          flush=True)
    print(f"dump: baseline bare query().fetch() in {fetch_seconds:.1f} s (mean of {fetch_before:.1f} before and "
          f"{fetch_after:.1f} after): {rates['fetch']:.0f} entities/s", flush=True)
    print(f"dump: ratio dump/fetch {rates['dump'] / rates['fetch']:.2f} (goal 0.90)", flush=True)
    print(f"dump: project reload through the command in {reload_seconds:.1f} s: {rates['reload']:.0f} entities/s", flush=True)
    print(f"dump: baseline bare put_multi of 500 in {put_seconds:.1f} s: {rates['put']:.0f} entities/s", flush=True)
    print(f"dump: ratio reload/put_multi {rates['reload'] / rates['put']:.2f} (goal 0.90)", flush=True)
    save("dump", {"benchmark": "dump", "when": datetime.now(UTC).isoformat(), "python": platform.python_version(),
                  "cpus": os.cpu_count(), "entities": count,
                  "seconds": {"dump": round(dump_seconds, 2), "fetch": round(fetch_seconds, 2),
                              "fetch_before": round(fetch_before, 2), "fetch_after": round(fetch_after, 2),
                              "reload": round(reload_seconds, 2), "put_multi": round(put_seconds, 2)},
                  "ratio_dump": round(rates["dump"] / rates["fetch"], 3),
                  "ratio_reload": round(rates["reload"] / rates["put"], 3)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
