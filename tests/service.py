"""The real service in a subprocess, as functions-framework serves it, for browser and API-wide tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from annuaires.services.secrets_box import new_key
from emulator.datastore import Emulator, free_port
from tests.helpers import GENERAL_ADMIN

ROOT = Path(__file__).resolve().parent.parent
READY_SECONDS = 30


@dataclass
class Server:
    """The service running as functions-framework serves it, on a namespace of its own."""

    url: str
    namespace: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        """Stop gunicorn and its worker: the whole process group."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


@contextlib.contextmanager
def running_server(emulator: Emulator, log_dir: Path) -> Iterator[Server]:
    """Start the service on a free port and a fresh namespace; wait for /healthz; stop it afterwards."""
    port, namespace = free_port(), f"service{uuid.uuid4().hex}"
    env = {**os.environ, **emulator.env(), "PYTHONPATH": str(ROOT / "functions"), "ANNUAIRES_NAMESPACE": namespace,
           "ANNUAIRES_PASSWORD_HASHING": "fast", "ANNUAIRES_GENERAL_ADMINS": GENERAL_ADMIN,
           "ANNUAIRES_SECRETS_KEY": new_key()}
    log = log_dir / f"server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "functions_framework", "--target=annuaires_web",
             "--source=functions/main.py", "--host=127.0.0.1", f"--port={port}"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", namespace, process, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        server.stop()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the service stopped at start (exit {server.process.returncode}):\n{server.log.read_text()}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as response:
            if response.status == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"the service did not answer /healthz within {READY_SECONDS}s:\n{server.log.read_text()}")
