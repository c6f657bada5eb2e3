"""Browser fixtures: the real service in a subprocess, one Chromium per run, one browser context per actor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from emulator.datastore import Emulator
from tests.service import Server, running_server

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run"]
TIMEOUT_MS = 5000


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
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make system)")
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
