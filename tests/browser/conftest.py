"""Browser fixtures: the real service in a subprocess, one Chromium per run, one browser context per actor."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from annuaires.services.secrets_box import new_key
from emulator.datastore import Emulator, free_port
from tests.helpers import GENERAL_ADMIN

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run"]
READY_SECONDS = 30
TIMEOUT_MS = 5000


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
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make system)")
    port, namespace = free_port(), f"browser{uuid.uuid4().hex}"
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


@pytest.fixture(scope="module")
def server(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One service per test module, on its own namespace; tests create their own, uniquely named, data."""
    with running_server(emulator, tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture
def empty_server(emulator: Emulator, tmp_path: Path) -> Iterator[Server]:
    """A service on a namespace nobody has written to: an empty datastore."""
    with running_server(emulator, tmp_path) as running:
        yield running


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser: Browser, server: Server) -> Iterator[Callable[..., Page]]:
    """Open a page in a browser context of its own (its own cookies: another volunteer), French by default."""
    contexts = []

    def open_page(on: Server | None = None, locale: str = "fr-FR") -> Page:
        context = browser.new_context(base_url=(on or server).url, locale=locale, viewport={"width": 1100, "height": 800})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shot(tmp_path: Path) -> Callable[[Page, str], Path]:
    """Save a full-page screenshot under this test's tmp_path."""

    def take(page: Page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
