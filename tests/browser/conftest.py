"""Browser fixtures: one Chromium and one service per run, one browser context per volunteer, set-ups through the API.

How the service runs (`running_server`) and the set-ups (`Given`) come from tests/support/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from emulator.datastore import Emulator
from tests.support.browser import NARROW, WIDE
from tests.support.given import Given
from tests.support.service import Server, running_server

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run"]
TIMEOUT_MS = 5000


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


@pytest.fixture(scope="session")
def server(emulator: Emulator, tasks_emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One service for every journey, started once (each journey makes its own, uniquely named, data)."""
    with running_server(emulator, tasks_emulator, tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture(scope="session")
def given(server: Server) -> Given:
    """Set-ups through the service's API (the directories-admin password is set once)."""
    return server.given()


@pytest.fixture
def new_page(browser: Browser, server: Server) -> Iterator[Callable[..., Page]]:
    """Open a page in a browser context of its own (its own cookies: another volunteer), French by default."""
    contexts = []

    def open_page(on: Server | None = None, locale: str = "fr-FR", width: int = WIDE) -> Page:
        context = browser.new_context(base_url=(on or server).url, locale=locale, viewport={"width": width, "height": 800})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shot(tmp_path: Path) -> Callable[[Page, str], Path]:
    """Save full-page screenshots of the page as it is, at 1280 and at 390 px wide, under this test's tmp_path.

    Whether pages fit a phone is checked by test_every_page.py, page by page.
    """

    def take(page: Page, name: str) -> Path:
        size = page.viewport_size or {"width": WIDE, "height": 800}
        for width, height in ((WIDE, 800), (NARROW, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size(size)
        return tmp_path / f"{name}-{WIDE}.png"

    return take
