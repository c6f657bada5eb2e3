"""Start and stop the Cloud Datastore emulator of the installed Google Cloud CLI."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from emulator.processes import stop_group

READY_TIMEOUT_SECONDS = 60


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Emulator:
    """A running emulator: its address, and the process group to stop."""

    host: str
    project: str
    process: subprocess.Popen

    def env(self) -> dict[str, str]:
        """The variables a client needs to reach this emulator."""
        return {"DATASTORE_EMULATOR_HOST": self.host, "DATASTORE_DATASET": self.project,
                "DATASTORE_PROJECT_ID": self.project, "GOOGLE_CLOUD_PROJECT": self.project}

    def stop(self) -> None:
        """Shut the emulator down cleanly (data on disk is kept), then its whole process group."""
        with contextlib.suppress(OSError):
            urllib.request.urlopen(urllib.request.Request(f"http://{self.host}/shutdown", method="POST"), timeout=5)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        stop_group(self.process)  # the wrapper leaves its Java child behind


def start(project: str, data_dir: Path | None = None, port: int | None = None, log: Path | None = None) -> Emulator:
    """Start an emulator (strongly consistent, as Firestore in Datastore mode is) and wait until it answers."""
    port = port or free_port()
    host = f"127.0.0.1:{port}"
    # Without a data directory of its own, gcloud prepares a shared default one: two emulators starting at once race
    # there ("Project directory already exists"), so even one kept in memory gets a directory of its own.
    storage = [f"--data-dir={data_dir}"] if data_dir else [f"--data-dir={tempfile.mkdtemp(prefix='datastore-')}", "--no-store-on-disk"]
    with open(log or os.devnull, "ab") as out:
        process = subprocess.Popen(
            ["gcloud", "beta", "emulators", "datastore", "start", "--consistency=1.0",
             f"--host-port={host}", f"--project={project}", *storage, "--quiet"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Datastore emulator stopped at start (exit {process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://{host}/", timeout=1) as response:
                if response.read().strip() == b"Ok":
                    return Emulator(host, project, process)
        except OSError:
            time.sleep(0.2)
    Emulator(host, project, process).stop()
    raise RuntimeError(f"the Datastore emulator did not answer on {host} within {READY_TIMEOUT_SECONDS}s")
