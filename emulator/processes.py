"""Stopping what the project starts: a process and its whole group (wrapper scripts leave children behind)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time


def stop_group(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM the process group, give every member of it `timeout` seconds to end, then SIGKILL what is left.

    The leader may end while a child lingers (the emulator's Java under its wrapper, still saving its data):
    the whole group is waited for, not only the leader.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.2)
        try:
            os.killpg(process.pid, 0)  # is any member of the group left?
        except ProcessLookupError:
            return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)
