"""The service under test: its environment on the emulators (a namespace and a task queue of its own), and the service
running in a subprocess as functions-framework serves it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from annuaires.adapters.secrets_box import new_key
from emulator import datastore as datastore_emulator
from emulator import tasks as tasks_emulator_process
from emulator.datastore import free_port
from emulator.processes import group_peak_kib, stop_group
from tests.support import ROOT
from tests.support.client import GENERAL_ADMIN, Api
from tests.support.given import Given

PROJECT = "annuaires-test"
SECRETS_KEY = "q5x0m2mZ1c9mJb3qVZkq8o3m4qJ6y2vQ0mH9lXcPpVY"
READY_SECONDS = 30


def new_queue(tasks_emulator: tasks_emulator_process.TasksEmulator, name: str) -> str:
    """A queue of its own on the Cloud Tasks emulator."""
    import grpc
    from google.cloud import tasks_v2
    from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

    client = tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(tasks_emulator.host)))
    return client.create_queue(parent=f"projects/{PROJECT}/locations/local",
                               queue={"name": f"projects/{PROJECT}/locations/local/queues/{name}"}).name


def service_env(emulator: datastore_emulator.Emulator, tasks_emulator: tasks_emulator_process.TasksEmulator,
                namespace: str, public_url: str = "http://127.0.0.1:9") -> dict[str, str]:
    """The environment of a service under test, on its own namespace and task queue.

    In-process apps have no address the task queue could call: their tasks go to the discard port and die.
    """
    return {**emulator.env(), "ANNUAIRES_NAMESPACE": namespace,
            "ANNUAIRES_GENERAL_ADMINS": f"{GENERAL_ADMIN}, other@example.org",
            "ANNUAIRES_TASKS_TOKEN": "test-tasks-token", "ANNUAIRES_PASSWORD_HASHING": "fast",
            "ANNUAIRES_SECRETS_KEY": SECRETS_KEY, "CLOUD_TASKS_EMULATOR_HOST": tasks_emulator.host,
            "ANNUAIRES_TASKS_QUEUE": new_queue(tasks_emulator, namespace), "ANNUAIRES_PUBLIC_URL": public_url}


@dataclass
class Server:
    """The service running as functions-framework serves it, on a namespace of its own."""

    url: str
    namespace: str
    process: subprocess.Popen
    log: Path

    def api(self) -> Api:
        """A new API client over HTTP."""
        return Api(base_url=self.url)

    def given(self) -> Given:
        """Set-ups through this service's API."""
        return Given(self.api)

    def stop(self) -> None:
        """Stop gunicorn and its worker: the whole process group."""
        stop_group(self.process)


@contextlib.contextmanager
def running_server(emulator: datastore_emulator.Emulator, tasks_emulator: tasks_emulator_process.TasksEmulator,
                   log_dir: Path, **more_env: str) -> Iterator[Server]:
    """Start the service on a free port and a fresh namespace and queue; wait for /healthz; stop it afterwards."""
    port, namespace = free_port(), f"service{uuid.uuid4().hex}"
    env = {**os.environ, **service_env(emulator, tasks_emulator, namespace, f"http://127.0.0.1:{port}"),
           "PYTHONPATH": str(ROOT / "functions"), "ANNUAIRES_SECRETS_KEY": new_key(), **more_env}
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


def peak_kib(server: Server) -> int:
    """The highest resident memory any process of the service (gunicorn and its worker) has had."""
    return group_peak_kib(server.process.pid)
