"""Pages benchmark: a directory's pages stay flat as the directory grows.

For directories of 100, 1,500 and 10,000 groups, each seeded as their creation leaves it (the groups, their
name claims and the audit entries that concern the directory), it measures the Datastore calls per request
(they must not grow) and the median latency of /api/directory and /adminloc.html, prints each size's median
over the smallest's, and a profile of what grew between the smallest and the largest.
The same figures for the bare Datastore reads the pages make tell the emulator's own growth apart: it filters
and sorts every entity a query matches before it applies the limit, where Firestore reads an index range: a page is
flat while it grows at most 1.1 times what its bare reads grow.
Then the latency of the API page under 20 clients at 1,500 groups, against the bare reads of a page of groups.

Run from the project root: `make bench`, or `.venv/bin/python -m bench.pages`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from google.cloud import datastore

from annuaires import bootstrap
from annuaires.config import Config
from annuaires.services import audit
from annuaires.services.directories import directory as directory_admin
from annuaires.services.passwords import INITIAL_PASSWORD, Passwords
from annuaires.services.roles import DIRECTORY, Principal
from annuaires.store import audit as audit_store
from annuaires.store import directories, groups
from annuaires.store.base import make_client
from annuaires.web.edge import session_cookie
from bench import profiling
from bench.common import group_cpu_seconds, percentile, progress, save, timed_concurrently
from emulator import datastore as datastore_emulator
from emulator.calls import RpcCounter

PROJECT = "annuaires-bench"
SIZES = (100, 1500, 10000)  # groups referenced by the directory: the first is the one the others compare with
PATHS = ("/api/directory", "/adminloc.html")
FLAT = 1.1  # a page is flat while its median latency at any size is at most this times the smallest's
SAMPLES = 40  # sequential requests per path and size, the sizes taking turns
PROFILED_CALLS = 10
PROFILE_LINES = 10
PROFILED = ("annuaires/", "templates/", "datastore/client.py")  # the project's functions and templates, the Datastore calls
LATENCY_PATH = "/api/directory"
BASELINE_SIZE = 1500  # the size whose API page is timed under THREADS clients against its bare reads
THREADS, PER_THREAD = 20, 15
ROUNDS = 5  # PER_THREAD is split into rounds, project and baseline taking turns
WARMUP_CALLS = 20
SEED_BATCH = 500  # entities a commit may write
PROGRESS_EVERY = 1000


@dataclass
class Scenario:
    """A directory referencing `size` groups, in a namespace of its own, with its app and RPC counter."""

    size: int
    client: datastore.Client
    rpc: RpcCounter
    app: Flask
    code: str
    session: str  # the directory admin's session token, as its cookie holds it
    seed_seconds: float

    def browser(self) -> FlaskClient:
        """A client of its own that carries the directory admin's session cookie."""
        browser = self.app.test_client()
        browser.set_cookie(session_cookie(DIRECTORY), self.session)
        return browser


class SeedPasswords(Passwords):
    """Seeding only: argon2 on "0000" for each of 10,000 groups would take most of the run, and the hash is
    not what is measured. Every group gets one precomputed hash."""

    def __init__(self, initial_hash: str) -> None:
        super().__init__()
        self.initial_hash = initial_hash

    def hash(self, password: str) -> str:
        return self.initial_hash


class Recorder:
    """Seeding only: a client that keeps what the real service writes instead of committing it, one transaction
    at a time, so that thousands of creations reach Datastore in commits of SEED_BATCH entities. It finds
    nothing when asked: every seeded name is new, so each creation takes its claims."""

    current_transaction = None

    def __init__(self, client: datastore.Client) -> None:
        self.client = client
        self.written: list[datastore.Entity] = []

    def key(self, *path: Any, **options: Any) -> datastore.Key:
        return self.client.key(*path, **options)

    def transaction(self, **_: Any) -> contextlib.nullcontext:
        return contextlib.nullcontext()

    def get(self, key: datastore.Key) -> None:
        return None

    def get_multi(self, keys: list[datastore.Key]) -> list[datastore.Entity]:
        return []

    def put(self, entity: datastore.Entity) -> None:
        self.written.append(entity)

    def commit(self) -> None:
        """Write what was recorded so far, in batches."""
        for start in range(0, len(self.written), SEED_BATCH):
            self.client.put_multi(self.written[start:start + SEED_BATCH])
        self.written.clear()


def seed_groups(app: Flask, code: str, size: int) -> None:
    """Create `size` groups referenced by the directory through the real service: their groups, claims and audit
    entries, recorded and then written in batches."""
    ctx = app.extensions["annuaires"]
    recorder = Recorder(ctx.client)
    seeding = dataclasses.replace(ctx, client_factory=lambda: recorder,
                                  passwords=SeedPasswords(ctx.passwords.hash(INITIAL_PASSWORD)))
    principal = Principal(DIRECTORY, code, account=directories.SCHEMA.get(ctx.client, code))
    for i in range(1, size + 1):
        directory_admin.create_group(seeding, principal, "group", f"Groupe {i:05d}", f"G{i:05d}")
        if i % PROGRESS_EVERY == 0 or i == size:
            recorder.commit()
            progress(f"pages: seeding groups={size}: {i}/{size} created")


def signed_in(app: Flask, **body: str) -> tuple[FlaskClient, str]:
    """A client signed in through the API, and its CSRF token."""
    browser = app.test_client()
    answer = browser.post("/api/session", json=body)
    if answer.status_code != 200:
        raise RuntimeError(f"sign-in as {body['role']} answered {answer.status_code}")
    return browser, answer.get_json()["csrf"]


def build(emulator: datastore_emulator.Emulator, size: int) -> Scenario:
    """Set up a scenario as users would: the admins' API flow, then the directory's groups."""
    namespace = f"bench-{size}-{uuid.uuid4().hex[:12]}"
    config = Config.from_env({**emulator.env(), "ANNUAIRES_NAMESPACE": namespace})
    client = make_client(config)
    rpc = RpcCounter(client)
    app = bootstrap.app(config, lambda: client)
    began = time.perf_counter()
    general, csrf = signed_in(app, role="general", email=next(iter(config.general_admins)))
    general.put("/api/directories-admin/password", json={"password": "bench-directories"}, headers={"X-CSRF-Token": csrf})
    admin, csrf = signed_in(app, role="directories", password="bench-directories")
    code = admin.post("/api/directories", json={"name": f"Annuaire {size}", "initials": f"A{size}"},
                      headers={"X-CSRF-Token": csrf}).get_json()["code"]
    director, csrf = signed_in(app, role="directory", directory=code, password=INITIAL_PASSWORD)
    director.post("/api/session/password", json={"current": INITIAL_PASSWORD, "new": "bench-directory-password"},
                  headers={"X-CSRF-Token": csrf})
    cookie = director.get_cookie(session_cookie(DIRECTORY))
    if cookie is None:
        raise RuntimeError("the directory admin's sign-in set no session cookie")
    seed_groups(app, code, size)
    return Scenario(size, client, rpc, app, code, cookie.value, time.perf_counter() - began)


def rpc_per_request(scenario: Scenario, path: str) -> dict[str, Any]:
    """The Datastore calls one GET of `path` makes, after one warm-up GET."""
    browser = scenario.browser()
    browser.get(path)  # warm-up: templates compiled, the emulator's first run of each query done
    response, calls = scenario.rpc.during(lambda: browser.get(path))
    figure: dict[str, Any] = {"total": sum(calls.values()), "by_method": dict(sorted(calls.items())),
                              "status": response.status_code}
    if response.is_json:
        figure["groups_listed"] = len((response.get_json() or {}).get("groups") or [])
    return figure


def api_worker(scenario: Scenario) -> Callable[[], None]:
    """One client calling the directory's API page."""
    browser = scenario.browser()

    def call() -> None:
        response = browser.get(LATENCY_PATH)
        if response.status_code != 200:
            raise RuntimeError(f"GET {LATENCY_PATH} answered {response.status_code}")

    return call


def baseline_worker(scenario: Scenario) -> Callable[[], None]:
    """The bare reads such a page needs: the directory, and one page of the groups it references."""
    client, code = scenario.client, scenario.code

    def call() -> None:
        client.get(client.key(directories.SCHEMA.kind, code))
        query = client.query(kind=groups.SCHEMA.kind)
        query.add_filter(filter=datastore.query.PropertyFilter("refs", "=", code))
        list(query.fetch(limit=100))

    return call


def latencies(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """p50 and p99 of the project's page and of the baseline, THREADS clients at once, PER_THREAD calls each."""
    makers = {"project": lambda: api_worker(scenario), "baseline": lambda: baseline_worker(scenario)}
    for make in makers.values():  # warm-up: the emulator's JIT makes the same query ~2x faster after a few calls
        call = make()
        for _ in range(WARMUP_CALLS):
            call()
    samples: dict[str, list[float]] = {name: [] for name in makers}
    for _ in range(ROUNDS):  # alternate, so that the shared machine's drift hits both alike
        for name, make in makers.items():
            samples[name] += timed_concurrently(make, THREADS, PER_THREAD // ROUNDS)
    return {name: {"threads": THREADS, "requests": len(found), "p50_ms": round(percentile(found, 50) * 1000, 2),
                   "p99_ms": round(percentile(found, 99) * 1000, 2)} for name, found in samples.items()}


def page_call(scenario: Scenario, path: str) -> Callable[[], None]:
    """One GET of `path` by the directory admin."""
    browser = scenario.browser()

    def call() -> None:
        if browser.get(path).status_code != 200:
            raise RuntimeError(f"GET {path} failed with {scenario.size} groups")

    return call


def bare_reads(scenario: Scenario) -> Callable[[], None]:
    """The reads both pages make, bare: the directory by key, and the first page of each list they show (its
    groups, its former groups, its audit log), each query as the emulator runs it."""
    client, code = scenario.client, scenario.code
    page_size = scenario.app.extensions["annuaires"].config.page_size
    lists = ((groups.SCHEMA.kind, "refs", code, "name_sort", page_size),
             (groups.SCHEMA.kind, "former_refs", code, "name_sort", page_size),
             (audit_store.SCHEMA.kind, "concerns", f"{DIRECTORY.name}:{code}", "-at", audit.PAGE))

    def call() -> None:
        client.get(client.key(directories.SCHEMA.kind, code))
        for kind, name, value, order, limit in lists:
            query = client.query(kind=kind, order=[order])
            query.add_filter(filter=datastore.query.PropertyFilter(name, "=", value))
            list(query.fetch(limit=limit))

    return call


def medians(calls: dict[int, Callable[[], None]], emulator_pgid: int) -> dict[int, dict[str, float]]:
    """Median milliseconds of one call at each size, and the emulator's CPU milliseconds per call (what the shared
    machine's load changes least); one client, the sizes taking turns so that drift hits them alike."""
    for call in calls.values():  # templates compiled, the emulator's JIT warm on each query
        for _ in range(WARMUP_CALLS):
            call()
    samples: dict[int, list[float]] = {size: [] for size in calls}
    cpu = dict.fromkeys(calls, 0.0)
    for _ in range(SAMPLES):
        for size, call in calls.items():
            cpu_before = group_cpu_seconds(emulator_pgid)
            began = time.perf_counter()
            call()
            samples[size].append(time.perf_counter() - began)
            cpu[size] += group_cpu_seconds(emulator_pgid) - cpu_before
    return {size: {"median_ms": statistics.median(found) * 1000, "emulator_cpu_ms": cpu[size] * 1000 / SAMPLES}
            for size, found in samples.items()}


def report(name: str, measured: dict[int, dict[str, float]]) -> dict[str, Any]:
    """Print one line of medians and ratios to the smallest size; the figures to save, ratios included."""
    first = min(measured)
    ratios = {n: m["median_ms"] / measured[first]["median_ms"] for n, m in measured.items() if n != first}
    print(f"pages: {name} median " + ", ".join(f"groups={n}: {m['median_ms']:.1f} ms" for n, m in measured.items())
          + "; ratio " + ", ".join(f"{n}/{first} {r:.2f}" for n, r in ratios.items())
          + "; emulator CPU/request " + ", ".join(f"{m['emulator_cpu_ms']:.1f}" for m in measured.values()) + " ms",
          flush=True)
    return {**{str(n): {k: round(v, 2) for k, v in m.items()} for n, m in measured.items()},
            **{f"ratio_{n}_{first}": round(r, 3) for n, r in ratios.items()}}


def profile(scenarios: dict[int, Scenario], path: str) -> dict[str, Any]:
    """The functions whose time per GET of `path` grew most from the smallest size to the largest."""
    small, large = scenarios[min(scenarios)], scenarios[max(scenarios)]
    times = {}
    for scenario in (small, large):
        browser = scenario.browser()
        browser.get(path)
        times[scenario.size] = profiling.per_call(lambda browser=browser: browser.get(path), PROFILED_CALLS)
    return {"sizes": [small.size, large.size], "calls": PROFILED_CALLS,
            "grown": profiling.grown(times[small.size], times[large.size], PROFILE_LINES, PROFILED)}


def flatness(scenarios: dict[int, Scenario], emulator_pgid: int, results: dict[str, Any]) -> list[str]:
    """Datastore calls, median latency and its ratios, and the profile of each path; what is not flat."""
    failures: list[str] = []
    first = min(scenarios)
    progress(f"pages: bare reads, {SAMPLES} per size")
    bare = results["median_ms"]["bare reads"] = report("bare reads", medians({n: bare_reads(s) for n, s in scenarios.items()},
                                                                             emulator_pgid))
    for path in PATHS:
        figures = {size: rpc_per_request(scenario, path) for size, scenario in scenarios.items()}
        failures += [f"GET {path} answered {f['status']} with {n} groups" for n, f in figures.items() if f["status"] != 200]
        counts = {size: f["total"] for size, f in figures.items()}
        print(f"pages: GET {path} rpc/request " + ", ".join(f"groups={n}: {c}" for n, c in counts.items()), flush=True)
        failures += [f"GET {path} makes more Datastore calls with {n} groups than with {first}"
                     for n, c in counts.items() if c > counts[first]]
        progress(f"pages: median latency of GET {path}, {SAMPLES} requests per size")
        measured = medians({n: page_call(s, path) for n, s in scenarios.items()}, emulator_pgid)
        saved = results["median_ms"][f"GET {path}"] = report(f"GET {path}", measured)
        for n in scenarios:
            if n == first:
                continue
            # The emulator scans every match of a query before its limit (Firestore reads an index range): the bare
            # reads grow with it, so the page is held to the growth of the reads it needs, not to 1.0.
            page_ratio, reads_ratio = saved[f"ratio_{n}_{first}"], bare[f"ratio_{n}_{first}"]
            print(f"pages: GET {path} groups={n}: {page_ratio:.2f} against the bare reads' {reads_ratio:.2f} "
                  f"(flat: {FLAT} beyond them)", flush=True)
            if page_ratio > FLAT * max(1.0, reads_ratio):
                failures.append(f"GET {path} is {page_ratio:.2f} times slower with {n} groups than with {first}, "
                                f"its bare reads {reads_ratio:.2f}")
        grew = profile(scenarios, path)
        for row in grew["grown"]:
            print(f"pages: profile GET {path} ms/request groups={grew['sizes'][0]} -> {grew['sizes'][1]}: "
                  f"{row['small_ms']:.1f} -> {row['large_ms']:.1f} {row['function']}", flush=True)
        results["rpc_per_request"][f"GET {path}"] = {str(n): f for n, f in figures.items()}
        results["profile"][f"GET {path}"] = grew
    return failures


def against_baseline(big: Scenario, results: dict[str, Any]) -> None:
    """The API page under THREADS clients against the bare reads it needs, at one size."""
    progress(f"pages: latency of GET {LATENCY_PATH}, groups={big.size}, {THREADS} clients x {PER_THREAD} requests")
    measured = latencies(big)
    project, baseline = measured["project"], measured["baseline"]
    ratios = {p: round(project[f"{p}_ms"] / baseline[f"{p}_ms"], 2) for p in ("p50", "p99")}
    results["latency"] = {"groups": big.size, "project": {"request": f"GET {LATENCY_PATH}", **project},
                          "baseline": {"reads": "client.get(directory) + query(Group, refs=code).fetch(limit=100)",
                                       **baseline},
                          "ratio_p50": ratios["p50"], "ratio_p99": ratios["p99"]}
    for p in ("p50", "p99"):
        print(f"pages: GET {LATENCY_PATH} groups={big.size} clients={THREADS} {p} {project[f'{p}_ms']:.1f} ms", flush=True)
    for p in ("p50", "p99"):
        print(f"pages: baseline get+query groups={big.size} clients={THREADS} {p} {baseline[f'{p}_ms']:.1f} ms", flush=True)
    for p in ("p50", "p99"):
        print(f"pages: ratio project/baseline {p} {ratios[p]:.2f}", flush=True)


def run(emulator: datastore_emulator.Emulator) -> int:
    """Measure, print a line per figure, save the figures; 1 if a page grows with the groups or fails."""
    results: dict[str, Any] = {"benchmark": "pages", "when": datetime.now(UTC).isoformat(),
                               "python": platform.python_version(), "cpus": os.cpu_count(),
                               "rpc_per_request": {}, "median_ms": {}, "profile": {}, "latency": {}}
    scenarios = {size: build(emulator, size) for size in SIZES}
    results["seed_seconds"] = {str(size): round(s.seed_seconds, 1) for size, s in scenarios.items()}
    print("pages: seeded " + ", ".join(f"groups={n} in {s.seed_seconds:.0f} s" for n, s in scenarios.items()), flush=True)
    failures = flatness(scenarios, os.getpgid(emulator.process.pid), results)
    against_baseline(scenarios[BASELINE_SIZE], results)
    results["failures"] = failures
    progress(f"pages: figures saved to {save('pages', results)}")
    for failure in failures:
        print(f"pages: FAIL {failure}", flush=True)
    return 1 if failures else 0


def main() -> int:
    """Start a Datastore emulator of the benchmark's own, run, and stop the emulator whatever happens."""
    log = Path(tempfile.mkdtemp(prefix="bench-pages-")) / "datastore.log"
    progress(f"pages: starting the Datastore emulator (log: {log})")
    emulator = datastore_emulator.start(PROJECT, log=log)
    os.environ.update(emulator.env())  # the client library finds the emulator through the environment
    try:
        return run(emulator)
    finally:
        emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
