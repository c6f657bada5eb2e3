"""Mailing benchmark: 200 groups × 50 members = 10,000 recipients end to end (dispatch → Cloud Tasks emulator →
send tasks → an aiosmtpd sink), against raw smtplib pushing the same number of pre-rendered messages over one
connection into the same sink, in the same run. Prints msg/s of each and the ratio (the goal: at least 0.7).

Run from the project root: `make bench`, or `.venv/bin/python -m bench.mailing [GROUPS MEMBERS]`.
"""

from __future__ import annotations

import os
import platform
import resource
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from annuaires.adapters.secrets_box import new_key
from annuaires.codes import new_code
from annuaires.config import Config
from annuaires.services.names import skeleton_key, sort_key
from annuaires.services.values import WEEKDAYS
from annuaires.store import directories, groups, mailers, members, messages
from annuaires.store import name_claims as claims
from annuaires.store.base import make_client
from bench import ROOT
from bench.common import group_cpu_seconds, progress, save, start_service
from emulator import datastore as datastore_emulator
from emulator import smtp_sink
from emulator import tasks as tasks_emulator
from emulator.datastore import free_port
from emulator.processes import stop_group

PROJECT = "annuaires-bench"
GROUPS, MEMBERS = 200, 50
TOKEN = "bench-tasks-token"
TIMEOUT_SECONDS = 1200


def seed(client, groups_count: int, members_count: int, sink_port: int, day: str) -> None:
    """One directory responsible for `groups_count` groups of `members_count` members each, their mailing today."""
    directory = directories.Directory(new_code(), "Annuaire Bench", "AB", sort_key("Annuaire Bench"), password_hash="x",
                                      must_change=False, created=datetime.now(UTC))
    directories.SCHEMA.put(client, directory)
    mailers.SCHEMA.put(client, mailers.Mailer("B", "Bench <bench@example.org>", "127.0.0.1", sink_port, "", False))
    seed_groups(client, directory.code, groups_count, members_count, day, "B")


def seed_groups(client, directory: str, groups_count: int, members_count: int, day: str | None, mailer: str,
                prefix: str = "G") -> list[str]:
    """`groups_count` groups of `members_count` members each that a directory references and is responsible for,
    their weekly message written and their mailing on `day` with `mailer`, their names claimed (as the service
    stores them); their codes.
    Members' addresses are m<member>.<prefix><group>@example.org."""
    at, codes = datetime.now(UTC), []
    for g in range(groups_count):
        name, initials = f"Groupe {prefix} {g:04d}", f"{prefix}{g:04d}"
        group = groups.Group(new_code(), name, initials, sort_key(name), skeleton_key(name), skeleton_key(initials), "x",
                             False, created=at, refs=[directory], mailing_day=day, mailer=mailer,
                             mailing_responsible=directory)
        groups.SCHEMA.put(client, group)
        claims.SCHEMA.put_many(client, [claims.Claim(claims.claim_id("group", field, key), group.code)
                                        for field, key in (("name", group.name_key), ("initials", group.initials_key))])
        messages.SCHEMA.put(client, messages.Message(group.code, "Distribution de la semaine", "Bonjour à tous,\n\nÀ jeudi !"))
        new = [members.new(group.code, f"Membre {m:03d}", f"m{m:03d}.{initials.lower()}@example.org", at)
               for m in range(members_count)]
        members.put_new_many(client, new)
        codes.append(group.code)
        if (g + 1) % 20 == 0:
            progress(f"mailing: seeded {g + 1}/{groups_count} groups")
    return codes


def project_run(url: str, sink: smtp_sink.Sink, expected: int) -> float:
    """Seconds from the dispatch until the sink holds every message."""
    began = time.perf_counter()
    request = urllib.request.Request(f"{url}/tasks/mailing/dispatch", data=b"", method="POST",  # noqa: S310 (local)
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=600) as answer:  # noqa: S310
        progress(f"mailing: dispatch answered {answer.read().decode()}")
    last, last_change = 0, time.perf_counter()
    while len(sink.received) < expected:
        time.sleep(0.5)
        count = len(sink.received)
        if count != last:
            last, last_change = count, time.perf_counter()
            progress(f"mailing: {count}/{expected} received, {count / (last_change - began):.0f} msg/s")
        if time.perf_counter() - last_change > 120 or time.perf_counter() - began > TIMEOUT_SECONDS:
            raise RuntimeError(f"the mailing stalled at {count}/{expected} messages")
    return time.perf_counter() - began


def baseline_run(port: int, sink: smtp_sink.Sink, expected: int) -> float:
    """Seconds for raw smtplib to push `expected` pre-rendered messages over one connection into the same sink."""
    prerendered = [message.data for message in sink.received[:expected]]
    recipients = [message.recipients[0] for message in sink.received[:expected]]
    sink.received.clear()
    began = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for data, recipient in zip(prerendered, recipients, strict=True):
            connection.sendmail("bench@example.org", [recipient], data)
    return time.perf_counter() - began


def cpu_use(emulator: subprocess.Popen, service: subprocess.Popen) -> dict[str, float]:
    """CPU seconds used so far by the Datastore emulator, the service, and this process (which runs the SMTP sink)."""
    return {"emulator": group_cpu_seconds(emulator.pid), "service": group_cpu_seconds(service.pid),
            "sink": sum(resource.getrusage(resource.RUSAGE_SELF)[:2])}


def interrupted(*_: object) -> None:
    raise KeyboardInterrupt  # so that what was started is stopped (the `finally` below)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, interrupted)
    groups_count, members_count = (int(argv[0]), int(argv[1])) if len(argv) == 2 else (GROUPS, MEMBERS)
    expected = groups_count * members_count
    work = Path(tempfile.mkdtemp(prefix="bench-mailing-"))
    progress(f"mailing: starting the emulators, the SMTP sink and the service (logs in {work})")
    store = datastore_emulator.start(PROJECT, log=work / "datastore.log")
    os.environ.update(store.env())  # the client library finds the emulator through the environment
    queue = f"projects/{PROJECT}/locations/local/queues/mailing"
    tasks = tasks_emulator.start(queue, log=work / "tasks.log")
    sink = smtp_sink.start()
    port, service = free_port(), None
    try:
        namespace = f"bench{uuid.uuid4().hex[:8]}"
        env = {**os.environ, **store.env(), "PYTHONPATH": str(ROOT / "functions"), "ANNUAIRES_NAMESPACE": namespace,
               "ANNUAIRES_TASKS_TOKEN": TOKEN, "CLOUD_TASKS_EMULATOR_HOST": tasks.host, "ANNUAIRES_TASKS_QUEUE": queue,
               "ANNUAIRES_PUBLIC_URL": f"http://127.0.0.1:{port}", "ANNUAIRES_SECRETS_KEY": new_key()}
        client = make_client(Config.from_env(env))
        day = WEEKDAYS[datetime.now(ZoneInfo("Europe/Paris")).weekday()]
        progress(f"mailing: seeding {groups_count} groups × {members_count} members")
        seed(client, groups_count, members_count, sink.port, day)
        service = start_service(env, port, work / "service.log")
        before = cpu_use(store.process, service)
        project_seconds = project_run(f"http://127.0.0.1:{port}", sink.sink, expected)
        cpu = {name: round(used - before[name], 1) for name, used in cpu_use(store.process, service).items()}
        baseline_seconds = baseline_run(sink.port, sink.sink, expected)
    finally:
        if service is not None:
            stop_group(service)
        sink.stop()
        tasks.stop()
        store.stop()
    project_rate, baseline_rate = expected / project_seconds, expected / baseline_seconds
    ratio = project_rate / baseline_rate
    print(f"mailing: project {expected} recipients end to end in {project_seconds:.1f} s: {project_rate:.0f} msg/s", flush=True)
    print(f"mailing: baseline raw smtplib {expected} messages in {baseline_seconds:.1f} s: {baseline_rate:.0f} msg/s", flush=True)
    print(f"mailing: ratio project/baseline {ratio:.2f} (goal 0.70)", flush=True)
    print(f"mailing: CPU seconds during the project run ({os.cpu_count()} cores): Datastore emulator {cpu['emulator']}, "
          f"service {cpu['service']}, benchmark with its SMTP sink {cpu['sink']}", flush=True)
    save("mailing", {"benchmark": "mailing", "when": datetime.now(UTC).isoformat(), "python": platform.python_version(),
                     "cpus": os.cpu_count(), "recipients": expected, "groups": groups_count, "members": members_count,
                     "project": {"seconds": round(project_seconds, 2), "msg_per_s": round(project_rate, 1)},
                     "baseline": {"seconds": round(baseline_seconds, 2), "msg_per_s": round(baseline_rate, 1)},
                     "ratio": round(ratio, 3), "cpu_seconds": cpu})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
