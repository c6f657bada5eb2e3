"""Stopping what the project starts: a process and its whole group (wrapper scripts leave children behind); how much
memory they took."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path


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


def peak_kib(pid: int) -> int:
    """The highest resident memory a live process has had (Linux's VmHWM), 0 once it has ended."""
    try:
        return int((Path("/proc") / str(pid) / "status").read_text().split("VmHWM:")[1].split()[0])
    except (OSError, IndexError, ValueError):
        return 0


def group_peak_kib(leader: int) -> int:
    """The highest resident memory any process of a group has had (a service: gunicorn and its worker)."""
    group = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == leader:  # its process group
                group.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
    return max((peak_kib(pid) for pid in group), default=0)
