"""What every benchmark shares: Datastore RPC counting, concurrent timing, percentiles, results."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import ROOT
from emulator.calls import RpcCounter  # noqa: F401 (benchmarks take it from here)

RESULTS = ROOT / "bench" / "results"


def percentile(samples: list[float], p: float) -> float:
    """The nearest-rank percentile `p` (0–100) of the samples."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def timed_concurrently(make_worker: Callable[[], Callable[[], None]], threads: int, per_thread: int) -> list[float]:
    """Seconds taken by each call when `threads` workers (each made in its own thread) call `per_thread` times at once."""
    samples: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run() -> None:
        try:
            work = make_worker()
            start.wait()
            mine = []
            for _ in range(per_thread):
                began = time.perf_counter()
                work()
                mine.append(time.perf_counter() - began)
            with lock:
                samples.extend(mine)
        except BaseException as error:  # reported once all threads are done, not lost in a thread
            start.abort()
            with lock:
                errors.append(error)

    pool = [threading.Thread(target=run, name=f"bench-{i}") for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:  # the first real failure, not the broken barrier it caused in the other threads
        raise next((e for e in errors if not isinstance(e, threading.BrokenBarrierError)), errors[0])
    return samples


def instance_env(emulator_env: dict[str, str], name: str, port: int, **more: str) -> dict[str, str]:
    """The environment of one instance of the service on the emulator: a namespace of its own (named after
    `name`), its address, cheap password hashing, and `more`."""
    return {**os.environ, **emulator_env, "PYTHONPATH": str(ROOT / "functions"),
            "ANNUAIRES_NAMESPACE": f"{name}{uuid.uuid4().hex[:8]}", "ANNUAIRES_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "ANNUAIRES_PASSWORD_HASHING": "fast", **more}


def start_service(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """The service as functions-framework serves it, on a port of 127.0.0.1, once it answers /healthz."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "functions_framework", "--target=annuaires_web", "--source=functions/main.py",
             "--host=127.0.0.1", f"--port={port}"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):  # noqa: S310 (local)
                return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the service did not start; see {log}")


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of one process group (Linux's /proc)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command's name, which may hold spaces
        except OSError:
            continue  # ended meanwhile
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def progress(message: str) -> None:
    """A progress line for the person watching (stderr, so stdout holds only the figures)."""
    print(message, file=sys.stderr, flush=True)


def save(name: str, results: dict[str, Any]) -> Path:
    """Write a benchmark's figures to bench/results/<name>.json."""
    path = RESULTS / f"{name}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return path
