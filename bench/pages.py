"""Pages benchmark: Datastore calls per request for a directory with 10 and with 1,000 groups
(they must not grow with the number of groups), and latency of its API page under 20 clients,
against the bare Datastore reads such a page needs.

Run from the project root: `make bench`, or `.venv/bin/python -m bench.pages`.
"""

from __future__ import annotations

import os
import platform
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
from annuaires.services.directories import directory as directory_admin
from annuaires.services.passwords import INITIAL_PASSWORD, Passwords
from annuaires.services.roles import DIRECTORY, Principal
from annuaires.store import directories, groups
from annuaires.store.base import make_client
from annuaires.web.edge import session_cookie
from bench.common import percentile, progress, save, timed_concurrently
from emulator import datastore as datastore_emulator
from emulator.calls import RpcCounter

PROJECT = "annuaires-bench"
SIZES = (10, 1000)  # groups referenced by the directory: the small and the large scenario
PATHS = ("/adminloc.html", "/api/directory")
LATENCY_PATH = "/api/directory"
THREADS, PER_THREAD = 20, 15
ROUNDS = 5  # PER_THREAD is split into rounds, project and baseline taking turns
WARMUP_CALLS = 20
PROGRESS_EVERY = 200


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
    """Seeding only: argon2 on "0000" for each of 1,000 groups would take most of the run, and the hash is
    not what is measured. Every group gets one precomputed hash; the app's own hasher is back before any
    measurement."""

    def __init__(self, initial_hash: str) -> None:
        super().__init__()
        self.initial_hash = initial_hash

    def hash(self, password: str) -> str:
        return self.initial_hash


def seed_groups(app: Flask, code: str, size: int) -> None:
    """Create `size` groups referenced by the directory, through the real service."""
    ctx = app.extensions["annuaires"]
    principal, real = Principal(DIRECTORY, code), ctx.passwords
    ctx.passwords = SeedPasswords(real.hash(INITIAL_PASSWORD))
    try:
        for i in range(1, size + 1):
            directory_admin.create_group(ctx, principal, "group", f"Groupe {i:04d}", f"G{i:04d}")
            if i % PROGRESS_EVERY == 0 or i == size:
                progress(f"pages: seeding groups={size}: {i}/{size} created")
    finally:
        ctx.passwords = real


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


def run(emulator: datastore_emulator.Emulator) -> int:
    """Measure, print a line per figure, save the figures; 1 if calls grow with the groups or a page fails."""
    failures: list[str] = []
    results: dict[str, Any] = {"benchmark": "pages", "when": datetime.now(UTC).isoformat(),
                               "python": platform.python_version(), "cpus": os.cpu_count(),
                               "rpc_per_request": {}, "latency": {}}
    scenarios = {size: build(emulator, size) for size in SIZES}
    results["seed_seconds"] = {str(size): round(s.seed_seconds, 1) for size, s in scenarios.items()}
    small, large = SIZES
    for path in PATHS:
        figures = {size: rpc_per_request(scenarios[size], path) for size in SIZES}
        few, many = figures[small]["total"], figures[large]["total"]
        ratio = many / few if few else float("nan")
        results["rpc_per_request"][f"GET {path}"] = {**{str(n): f for n, f in figures.items()}, "ratio": round(ratio, 2)}
        print(f"pages: GET {path} rpc/request groups={small}: {few}, groups={large}: {many}, ratio {ratio:.2f}", flush=True)
        if many > few:
            failures.append(f"GET {path} makes more Datastore calls with {large} groups than with {small}")
        failures += [f"GET {path} answered {f['status']} with {n} groups" for n, f in figures.items() if f["status"] != 200]

    big = scenarios[large]
    progress(f"pages: latency of GET {LATENCY_PATH}, groups={large}, {THREADS} clients x {PER_THREAD} requests")
    measured = latencies(big)
    project, baseline = measured["project"], measured["baseline"]
    ratios = {p: round(project[f"{p}_ms"] / baseline[f"{p}_ms"], 2) for p in ("p50", "p99")}
    results["latency"] = {"groups": large, "project": {"request": f"GET {LATENCY_PATH}", **project},
                          "baseline": {"reads": "client.get(directory) + query(Group, refs=code).fetch(limit=100)",
                                       **baseline},
                          "ratio_p50": ratios["p50"], "ratio_p99": ratios["p99"]}
    for p in ("p50", "p99"):
        print(f"pages: GET {LATENCY_PATH} groups={large} clients={THREADS} {p} {project[f'{p}_ms']:.1f} ms", flush=True)
    for p in ("p50", "p99"):
        print(f"pages: baseline get+query groups={large} clients={THREADS} {p} {baseline[f'{p}_ms']:.1f} ms", flush=True)
    for p in ("p50", "p99"):
        print(f"pages: ratio project/baseline {p} {ratios[p]:.2f}", flush=True)

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
