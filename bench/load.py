"""Load and faults: 20 concurrent clients doing a realistic mix of every role for 60 s against the local stack
(the service as functions-framework serves it, the Datastore and Cloud Tasks emulators, an SMTP sink) while a
weekly mailing of 2,000 recipients runs; then the same again, another 2,000 recipients, with the Datastore
emulator restarted once and the SMTP sink stopped for 30 s in the middle.

Prints p50/p99 per route and every unexpected answer (none is the goal; while a part is down, a 503 is the
expected answer, a 500 never). Then checks that no acknowledged write was lost, nobody was mailed twice, both
mailings completed, and the invariants: A1 (every name claimed once, by its owner), references (a group's
directories exist, its responsible one among them), one batch per group per week, every recipient with a status.

Run from the project root: `make bench`, or `.venv/bin/python -m bench.load [SECONDS]`.
"""

from __future__ import annotations

import collections
import itertools
import os
import platform
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from google.api_core import exceptions as gexc
from google.cloud import datastore

from annuaires.adapters.secrets_box import new_key
from annuaires.config import Config
from annuaires.services.values import WEEKDAYS
from annuaires.store import directories, groups, mailing, members
from annuaires.store import name_claims as claims
from annuaires.store.base import make_client
from bench import ROOT
from bench.common import percentile, progress, save, start_service
from bench.mailing import seed_groups
from emulator import datastore as datastore_emulator
from emulator import smtp_sink
from emulator import tasks as tasks_emulator
from emulator.datastore import free_port
from emulator.processes import stop_group

PROJECT = "annuaires-bench-load"
SECONDS = 60
GROUPS, MEMBERS = 20, 100  # a phase's mailing: 2,000 recipients
TASKS_TOKEN = "bench-load-tasks-token"
STRONG = "un mot de passe de charge"
MAILBOX_PASSWORD = "une phrase de passe de boîte de charge"
ZONE = ZoneInfo("Europe/Paris")
ROLES = ["directory"] * 4 + ["animator"] * 5 + ["general"] * 2 + ["directories"] * 2 + ["mail_admin"] * 2 + \
        ["operator"] * 2 + ["mailbox"] * 2 + ["nobody"]  # 20 clients


@dataclass
class Results:
    """What the clients saw: each answer's route, status and time; the writes acknowledged."""

    samples: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    statuses: dict[str, collections.Counter] = field(default_factory=lambda: collections.defaultdict(collections.Counter))
    unexpected: list[str] = field(default_factory=list)
    acknowledged: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, owner, key) of each write answered 2xx
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Act:
    """One thing a role does: its route's name, and how to do it (a request, and the answers that are right)."""

    route: str
    method: str
    path: str
    body: Callable[[int], dict] | None = None
    expected: tuple[int, ...] = (200,)
    written: Callable[[int], tuple[str, str, str]] | None = None  # what a 2xx made


class Client:
    """One volunteer's browser: a session of one role, doing its role's acts in turn until told to stop."""

    def __init__(self, url: str, role: str, acts: list[Act], number: int) -> None:
        """`number`: unique across the run (what the client writes is named after it)."""
        self.url, self.role, self.acts, self.number = url, role, acts, number
        self.http = requests.Session()

    def run(self, stop: threading.Event, results: Results, faults: threading.Event) -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            act = self.acts[n % len(self.acts)]
            unique = self.number * 1_000_000 + n
            began = time.perf_counter()
            try:
                answer = self.http.request(act.method, f"{self.url}{act.path}", json=act.body(unique) if act.body else None,
                                           timeout=120, allow_redirects=False)
                status = answer.status_code
            except requests.RequestException as error:
                status, answer = 0, error
            took = time.perf_counter() - began
            with results.lock:
                results.samples[act.route].append(took)
                results.statuses[act.route][status] += 1
                if status in act.expected:
                    if act.written and 200 <= status < 300:
                        results.acknowledged.append(act.written(unique))
                elif not (status == 503 and faults.is_set()):
                    results.unexpected.append(f"{act.route} → {status} ({'during faults' if faults.is_set() else 'no fault'})"
                                              f": {str(getattr(answer, 'text', answer))[:200]}")


@dataclass
class Stack:
    """The local stack: emulators, sink, service; and what the clients act on."""

    work: Path
    store: datastore_emulator.Emulator
    store_port: int
    tasks: tasks_emulator.TasksEmulator
    sink: smtp_sink.RunningSink
    service: object
    url: str
    client: datastore.Client
    names: dict = field(default_factory=dict)

    def restart_datastore(self) -> float:
        """Stop the Datastore emulator (its data kept on disk) and start it again on its port; seconds it was down."""
        began = time.perf_counter()
        self.store.stop()
        self.store = datastore_emulator.start(PROJECT, data_dir=self.work / "datastore", port=self.store_port,
                                              log=self.work / "datastore.log")
        return time.perf_counter() - began


def call(session: requests.Session, url: str, method: str, path: str, body: object = None, expect: int = 200) -> dict:
    answer = session.request(method, f"{url}{path}", json=body, timeout=60)
    if answer.status_code != expect:
        raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
    return answer.json() if answer.content and answer.headers.get("Content-Type", "").startswith("application/json") else {}


def signed_in(url: str, body: dict, change_from: str = "") -> requests.Session:
    """A session of one role (its given password changed first, as the role's first sign-in asks)."""
    session = requests.Session()
    session.headers["X-CSRF-Token"] = call(session, url, "POST", "/api/session", body)["csrf"]
    if change_from:
        call(session, url, "POST", "/api/session/password", {"current": change_from, "new": STRONG}, expect=204)
    return session


def seed(stack: Stack) -> None:
    """Every role's accounts through the API, as volunteers make them; the mailings' groups in the store."""
    url = stack.url
    general = signed_in(url, {"role": "general", "email": "admin@example.org"})
    call(general, url, "PUT", "/api/directories-admin/password", {"password": STRONG}, expect=204)
    call(general, url, "PUT", "/api/mailers/A", {"from": "Charge <charge@example.org>", "smtp_host": "127.0.0.1",
                                                 "smtp_port": stack.sink.port, "username": "", "starttls": False})
    directories_admin = signed_in(url, {"role": "directories", "password": STRONG})
    codes = []
    for n in range(5):
        created = call(directories_admin, url, "POST", "/api/directories", {"name": f"Annuaire de charge {n}",
                                                                            "initials": f"AC{n}"}, expect=201)
        codes.append(created["code"])
    animators = []
    for n, code in enumerate(codes[:4]):
        admin = signed_in(url, {"role": "directory", "directory": code, "password": "0000"}, change_from="0000")
        group = call(admin, url, "POST", "/api/directory/groups", {"type": "group", "name": f"Groupe de charge {n}",
                                                                   "initials": f"GC{n}"}, expect=201)
        signed_in(url, {"role": "group", "group": group["code"], "password": "0000"}, change_from="0000")
        animators.append(group["code"])
    call(general, url, "POST", "/api/mail/domains", {"name": "charge.org", "site": "ch"}, expect=201)
    for n in range(100):
        call(general, url, "POST", "/api/mail/accounts", {"address": f"compte.{n:03d}@charge.org", "display_name": f"Compte {n}",
                                                          "password": MAILBOX_PASSWORD}, expect=201)
    for login, admin in (("dsi", True), ("rh", False)):
        call(general, url, "POST", "/api/mail/operators", {"login": login, "password": "donné par la DSI",
                                                           "domains": [] if admin else ["charge.org"], "admin": admin},
             expect=201)
        signed_in(url, {"role": "mail", "login": login, "password": "donné par la DSI"}, change_from="donné par la DSI")
    stack.names = {"directories": codes[:4], "mailing_directory": codes[4], "groups": animators}
    progress(f"load: seeding {2 * GROUPS} groups of {MEMBERS} members for the two mailings")
    stack.names["phase_groups"] = [seed_groups(stack.client, codes[4], GROUPS, MEMBERS, None, "A", prefix=prefix)
                                   for prefix in ("P", "Q")]


def acts_of(role: str, names: dict, n: int) -> tuple[dict, list[Act]]:
    """A role's sign-in and the acts its volunteer does in turn."""
    if role == "directory":
        code = names["directories"][n % 4]
        return {"role": "directory", "directory": code, "password": STRONG}, [
            Act("GET /adminloc.html", "GET", "/adminloc.html"), Act("GET /api/directory", "GET", "/api/directory"),
            Act("PATCH /api/directory", "PATCH", "/api/directory", lambda u: {"comment": f"commentaire {u}"},
                written=lambda u, code=code: ("comment", code, f"commentaire {u}")),
            Act("GET /api/directory/groups", "GET", "/api/directory/groups")]
    if role == "animator":
        code = names["groups"][n % 4]
        return {"role": "group", "group": code, "password": STRONG}, [
            Act("GET /animateur.html", "GET", "/animateur.html"), Act("GET /api/group", "GET", "/api/group"),
            Act("POST /api/group/members", "POST", "/api/group/members",
                lambda u: {"name": f"Membre {u}", "email": f"membre.{u}@example.org"}, (201,),
                written=lambda u, code=code: ("member", code, f"membre.{u}@example.org")),
            Act("GET /api/group/mailing/preview", "GET", "/api/group/mailing/preview")]
    if role == "general":
        return {"role": "general", "email": "admin@example.org"}, [
            Act("GET /admin/pwd.html", "GET", "/admin/pwd.html"), Act("GET /api/technical-state", "GET", "/api/technical-state"),
            Act("GET /api/mailers", "GET", "/api/mailers")]
    if role == "directories":
        return {"role": "directories", "password": STRONG}, [
            Act("GET /admingen.html", "GET", "/admingen.html"), Act("GET /api/directories", "GET", "/api/directories")]
    if role == "mail_admin":
        return {"role": "mail", "login": "dsi", "password": STRONG}, [
            Act("GET /messagerie/domains/{domain}", "GET", "/messagerie/domains/charge.org"),
            Act("GET /api/mail/accounts?q=", "GET", "/api/mail/accounts?domain=charge.org&q=compte.0"),
            Act("POST /api/mail/accounts", "POST", "/api/mail/accounts",
                lambda u: {"address": f"nouveau.{u}@charge.org", "password": MAILBOX_PASSWORD}, (201,),
                written=lambda u: ("mail_account", "charge.org", f"nouveau.{u}@charge.org"))]
    if role == "operator":
        return {"role": "mail", "login": "rh", "password": STRONG}, [
            Act("GET /messagerie.html", "GET", "/messagerie.html"),
            Act("GET /api/mail/accounts", "GET", "/api/mail/accounts?domain=charge.org"),
            Act("PATCH /api/mail/accounts/{address}", "PATCH", f"/api/mail/accounts/compte.{n:03d}@charge.org",
                lambda u: {"display_name": f"Compte {u}"}, written=lambda u, n=n: ("display_name", f"compte.{n:03d}@charge.org",
                                                                                  f"Compte {u}"))]
    if role == "mailbox":  # a mailbox user on its page, whose new password is too short (nothing counted, nothing changed)
        return {}, [Act("GET /messagerie/mot-de-passe.html", "GET", "/messagerie/mot-de-passe.html"),
                    Act("POST /api/mail/password", "POST", "/api/mail/password",
                        lambda u: {"address": "compte.050@charge.org", "current": MAILBOX_PASSWORD, "new": "court"}, (400,))]
    return {}, [Act("GET /", "GET", "/"), Act("GET /animateur.html (sign-in)", "GET", "/animateur.html"),
                Act("GET /healthz", "GET", "/healthz")]


def this_week() -> str:
    year, week, _ = datetime.now(ZONE).isocalendar()
    return f"{year}-W{week:02d}"


def dispatch(url: str) -> dict:
    answer = requests.post(f"{url}/tasks/mailing/dispatch", headers={"Authorization": f"Bearer {TASKS_TOKEN}"}, timeout=300)
    answer.raise_for_status()
    return answer.json()


def run_phase(stack: Stack, name: str, seconds: int, with_faults: bool, phase: int) -> dict:
    """The clients for `seconds` while this phase's mailing runs (with the faults in the middle, if asked)."""
    today = WEEKDAYS[datetime.now(ZONE).weekday()]
    phase_groups = stack.names["phase_groups"][0 if name == "normal" else 1]
    for record in groups.SCHEMA.get_many(stack.client, phase_groups).values():
        record.mailing_day = today  # this phase's groups' day is today: the dispatch makes their batches
        groups.SCHEMA.put(stack.client, record)
    clients = []
    for n, role in enumerate(ROLES):
        body, acts = acts_of(role, stack.names, n)
        client = Client(stack.url, role, acts, phase * 100 + n)
        if body:
            client.http = signed_in(stack.url, body)
        clients.append(client)
    results, stop, faults = Results(), threading.Event(), threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop, results, faults), name=f"client-{i}") for i, c in enumerate(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    dispatched = dispatch(stack.url)
    progress(f"load: {name}: {len(clients)} clients for {seconds} s; the dispatch made {dispatched['made']} batches")
    events = []
    if with_faults:  # the relay gone while the mailing has begun, then Datastore restarted while it is gone
        time.sleep(3)
        faults.set()
        stack.sink.stop()
        stopped = time.perf_counter()
        events.append(f"SMTP sink stopped at {stopped - began:.0f} s ({len(stack.sink.sink.received)} messages received)")
        progress(f"load: {events[-1]}")
        time.sleep(10)
        down = stack.restart_datastore()
        events.append(f"Datastore emulator restarted at {time.perf_counter() - began:.0f} s (down {down:.1f} s)")
        progress(f"load: {events[-1]}")
        time.sleep(max(0.0, 30 - (time.perf_counter() - stopped)))
        stack.sink.start()
        events.append(f"SMTP sink back at {time.perf_counter() - began:.0f} s")
        progress(f"load: {events[-1]}")
        time.sleep(5)  # what was retrying meets the parts again before 503s stop being expected
        faults.clear()
    time.sleep(max(0.0, seconds - (time.perf_counter() - began)))
    stop.set()
    for thread in threads:
        thread.join()
    mailed = wait_for_mailing(stack, phase_groups)
    events.append(f"{len(stack.sink.sink.received)} messages received in all")
    return {"results": results, "events": events, "mailed_seconds": mailed, "elapsed": time.perf_counter() - began}


def wait_for_mailing(stack: Stack, phase_groups: list[str], timeout: float = 1500) -> float:
    """Seconds until every batch of the phase's groups is done this week (a chunk whose claim was lost with its
    worker waits for its lease, 15 minutes, before its recipients are marked unknown: never mailed twice)."""
    began, week = time.perf_counter(), this_week()
    keys = [mailing.batch_id(code, week) for code in phase_groups]
    done, silent = 0, 0.0
    while time.perf_counter() - began < timeout:
        asked = time.perf_counter()
        try:
            found = mailing.BATCHES.get_many(stack.client, keys)
        except (gexc.GoogleAPICallError, gexc.RetryError) as error:  # the emulator may take a while to answer again
            silent += time.perf_counter() - asked
            progress(f"load: Datastore does not answer ({type(error).__name__}), {silent:.0f} s so far")
            continue
        done = sum(1 for b in found.values() if b.status == "done")
        if done == len(keys):
            return time.perf_counter() - began
        time.sleep(2)
    raise RuntimeError(f"the mailing did not complete within {timeout:.0f} s ({done}/{len(keys)} batches done, Datastore "
                       f"silent {silent:.0f} s)")


def lost_writes(client: datastore.Client, acknowledged: list[tuple[str, str, str]]) -> list[str]:
    """The acknowledged writes not found afterwards (a comment or display name may have been changed since by a
    later write of the same client: only the last acknowledged of each is looked for)."""
    lost, last = [], {}
    for kind, owner, value in acknowledged:
        if kind in ("comment", "display_name"):
            last[(kind, owner)] = value
    by_group: dict[str, set[str]] = {}
    for kind, owner, value in acknowledged:
        if kind == "member":
            if owner not in by_group:
                by_group[owner] = {m.email for m in members.all_of_group(client, owner)}
            if value not in by_group[owner]:
                lost.append(f"member {value} of {owner}")
        elif kind == "mail_account" and client.get(client.key("MailDomain", owner, "MailAccount", value)) is None:
            lost.append(f"mail account {value}")
    for (kind, owner), value in last.items():
        if kind == "comment":
            found = directories.SCHEMA.get(client, owner).comment
        else:
            found = client.get(client.key("MailDomain", owner.rsplit("@", 1)[1], "MailAccount", owner))["display_name"]
        if found != value:
            lost.append(f"{kind} of {owner}: {found!r}, not the last acknowledged {value!r}")
    return lost


def broken_invariants(client: datastore.Client, stack: Stack, sink: smtp_sink.Sink) -> list[str]:
    """What no run may break: A1, references, one batch per group a week, a status for every recipient, one message
    per recipient."""
    broken = []
    owners = {**{d.code: ("directory", d) for d in (directories.SCHEMA.read(e) for e in client.query(kind="Directory").fetch())},
              **{g.code: ("group", g) for g in (groups.SCHEMA.read(e) for e in client.query(kind="Group").fetch())}}
    held = {c.id: c.owner for c in (claims.SCHEMA.read(e) for e in client.query(kind="Claim").fetch())}
    for code, (family, record) in owners.items():
        for field_name, key in (("name", record.name_key), ("initials", record.initials_key)):
            claim = claims.claim_id(family, field_name, key)
            if held.get(claim) != code:
                broken.append(f"A1: the {field_name} of {family} {code} is claimed by {held.get(claim)}")
    for claim, owner in held.items():
        if owner not in owners:
            broken.append(f"A1: claim {claim} held by {owner}, which does not exist")
    for code, (family, record) in owners.items():
        if family == "group":
            if any(ref not in owners for ref in record.refs):
                broken.append(f"references: group {code} names a directory that does not exist: {record.refs}")
            if record.mailing_responsible and record.mailing_responsible not in record.refs:
                broken.append(f"references: group {code}'s responsible directory does not reference it")
    week = this_week()
    batches = collections.Counter(b.group for b in (mailing.BATCHES.read(e) for e in client.query(kind="MailingBatch").fetch())
                                  if b.week == week)
    expected = [code for phase in stack.names["phase_groups"] for code in phase]
    broken += [f"batches: group {code} has {batches[code]} this week" for code in expected if batches[code] != 1]
    statuses: collections.Counter = collections.Counter()
    for code in expected:
        recipients = mailing.recipients_of(client, mailing.batch_id(code, week))
        statuses.update(r.status for r in recipients)
        if len(recipients) != MEMBERS or any(r.status in ("pending", "claimed") for r in recipients):
            broken.append(f"recipients: group {code}'s batch has {len(recipients)} recipients, "
                          f"{dict(collections.Counter(r.status for r in recipients))}")
    received = collections.Counter(r for message in sink.received for r in message.recipients)
    broken += [f"mailed twice: {address} ({times} messages)" for address, times in received.items() if times > 1]
    if len(received) != statuses["sent"]:
        broken.append(f"mailed: {len(received)} recipients received a message, {statuses['sent']} are marked sent")
    progress(f"load: recipients of both mailings by status: {dict(statuses)}")
    return broken


def report(name: str, phase: dict) -> dict:
    results: Results = phase["results"]
    routes = {}
    print(f"load: {name}: {sum(len(s) for s in results.samples.values())} requests in {phase['elapsed']:.0f} s; the mailing "
          f"done {phase['mailed_seconds']:.0f} s after the clients stopped", flush=True)
    for event in phase["events"]:
        print(f"load: {name}: {event}", flush=True)
    for route in sorted(results.samples):
        samples = results.samples[route]
        statuses = dict(sorted(results.statuses[route].items()))
        routes[route] = {"count": len(samples), "p50_ms": round(percentile(samples, 50) * 1000, 1),
                         "p99_ms": round(percentile(samples, 99) * 1000, 1), "statuses": statuses}
        print(f"load: {name}: {route:<40} {len(samples):>5} × p50 {routes[route]['p50_ms']:>7.1f} ms  "
              f"p99 {routes[route]['p99_ms']:>8.1f} ms  {statuses}", flush=True)
    errors = len(results.unexpected)
    unavailable = sum(c[503] for c in results.statuses.values())
    server_errors = sum(c[500] for c in results.statuses.values())
    print(f"load: {name}: {errors} unexpected answers, {unavailable} answers 503 while parts were down, "
          f"{server_errors} answers 500", flush=True)
    for line in results.unexpected[:20]:
        print(f"load: {name}:   {line}", flush=True)
    return {"routes": routes, "unexpected": errors, "unavailable": unavailable, "server_errors": server_errors,
            "events": phase["events"], "mailing_done_after_s": round(phase["mailed_seconds"], 1)}


def interrupted(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, interrupted)
    seconds = int(argv[0]) if argv else SECONDS
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    progress(f"load: starting the emulators, the SMTP sink and the service (logs in {work})")
    store_port = free_port()
    store = datastore_emulator.start(PROJECT, data_dir=work / "datastore", port=store_port, log=work / "datastore.log")
    os.environ.update(store.env())
    queue = f"projects/{PROJECT}/locations/local/queues/mailing"
    tasks = tasks_emulator.start(queue, log=work / "tasks.log")
    sink = smtp_sink.start()
    port, service = free_port(), None
    env = {**os.environ, **store.env(), "PYTHONPATH": str(ROOT / "functions"), "ANNUAIRES_NAMESPACE": f"load{uuid.uuid4().hex[:8]}",
           "ANNUAIRES_TASKS_TOKEN": TASKS_TOKEN, "CLOUD_TASKS_EMULATOR_HOST": tasks.host, "ANNUAIRES_TASKS_QUEUE": queue,
           "ANNUAIRES_PUBLIC_URL": f"http://127.0.0.1:{port}", "ANNUAIRES_SECRETS_KEY": new_key(),
           "ANNUAIRES_PASSWORD_HASHING": "fast", "ANNUAIRES_GENERAL_ADMINS": "admin@example.org",
           "ANNUAIRES_THROTTLE_CLIENT": "100000"}  # every client comes from 127.0.0.1
    stack = None
    try:
        service = start_service(env, port, work / "service.log")
        stack = Stack(work, store, store_port, tasks, sink, service, f"http://127.0.0.1:{port}", make_client(Config.from_env(env)))
        progress("load: seeding every role's accounts through the API")
        seed(stack)
        normal = run_phase(stack, "normal", seconds, with_faults=False, phase=1)
        faulty = run_phase(stack, "faults", seconds, with_faults=True, phase=2)
        lost = lost_writes(stack.client, normal["results"].acknowledged + faulty["results"].acknowledged)
        broken = broken_invariants(stack.client, stack, sink.sink)
    finally:
        if service is not None:
            stop_group(service)
        sink.stop()
        tasks.stop()
        (stack.store if stack else store).stop()
    summary = {"normal": report("normal", normal), "faults": report("with faults", faulty)}
    acknowledged = len(normal["results"].acknowledged) + len(faulty["results"].acknowledged)
    print(f"load: {acknowledged} writes acknowledged, {len(lost)} lost" + "".join(f"\nload:   lost {w}" for w in lost[:20]),
          flush=True)
    print(f"load: invariants: {'all hold' if not broken else f'{len(broken)} broken'}"
          + "".join(f"\nload:   {b}" for b in broken[:20]), flush=True)
    save("load", {"benchmark": "load", "when": datetime.now(UTC).isoformat(), "python": platform.python_version(),
                  "cpus": os.cpu_count(), "clients": len(ROLES), "seconds": seconds, "recipients_per_phase": GROUPS * MEMBERS,
                  **summary, "writes": {"acknowledged": acknowledged, "lost": lost}, "invariants_broken": broken})
    failed = lost or broken or summary["normal"]["unexpected"] or summary["faults"]["unexpected"] or \
        summary["normal"]["server_errors"] or summary["faults"]["server_errors"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
