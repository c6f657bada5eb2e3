"""Start and stop the Cloud Tasks emulator (gcloud-tasks-emulator, in its own virtual environment:
it pins an older protobuf than the app)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from emulator.datastore import free_port
from emulator.processes import stop_group

VENV = Path(__file__).resolve().parent / ".venv-tasks"
COMMAND = VENV / "bin" / "gcloud-tasks-emulator"
READY_TIMEOUT_SECONDS = 30


@dataclass
class TasksEmulator:
    """A running emulator: its address, and the process group to stop."""

    host: str
    process: subprocess.Popen

    def stop(self) -> None:
        stop_group(self.process)


def start(default_queue: str, max_retries: int | None = None, log: Path | None = None) -> TasksEmulator:
    """Start the emulator with one queue and wait until it listens."""
    if not COMMAND.exists():
        raise RuntimeError(f"{COMMAND} is missing: run `make system` (it installs gcloud-tasks-emulator there)")
    port = free_port()
    retries = ["--max-retries", str(max_retries)] if max_retries is not None else []
    with open(log or os.devnull, "ab") as out:
        process = subprocess.Popen(
            [str(COMMAND), "start", f"--port={port}", f"--default-queue={default_queue}", *retries, "-q"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Cloud Tasks emulator stopped at start (exit {process.returncode}); see {log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return TasksEmulator(f"127.0.0.1:{port}", process)
        time.sleep(0.1)
    TasksEmulator(f"127.0.0.1:{port}", process).stop()
    raise RuntimeError(f"the Cloud Tasks emulator did not listen on {port} within {READY_TIMEOUT_SECONDS}s")
