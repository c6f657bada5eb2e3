"""What a volunteer does on the pages (sign in, submit a form, read a table), and set-ups through the JSON API."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import APIRequestContext, Locator, Page, Playwright, Response, expect

from tests.helpers import DIRECTORIES_PASSWORD, GENERAL_ADMIN, STRONG

SIGN_IN = "Se connecter"

# Texts of the French pages that the journeys look for.
REFERENCED = "Groupes et groupements référencés"
DEACTIVATED = "Groupes désactivés par cet annuaire"
LOCAL_TIME = re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d$")
GROUP_SIGN_IN = "Animation d'un groupe ou groupement"


def unique(prefix: str) -> str:
    """A name no other test uses (names are unique in a namespace, A1)."""
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def initials_for(name: str) -> str:
    """Initials unique along with the name: its first letters and the name's random tail."""
    return name.split()[0][:3].upper() + name.rsplit(" ", 1)[-1][:4]


# Pages
def sign_in(page: Page, path: str, password: str, identifier: str | None = None, button: str = SIGN_IN) -> None:
    """Open a role's page and sign in with its form."""
    page.goto(path)
    form = page.locator("main form[action='/signin']")
    if identifier is not None:
        form.locator("#identifier").fill(identifier)
    form.locator("#password").fill(password)
    press(page, form.get_by_role("button", name=button))


def press(page: Page, button: Locator) -> Response:
    """Press a submit button and wait for the page it leads to; that page's answer."""
    with page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    assert response is not None
    return response


def change_password(page: Page, current: str, new: str) -> Response:
    """Fill and send the change-password form of the page."""
    form = page.locator("main form[action='/password']")
    form.locator("#current").fill(current)
    form.locator("#new").fill(new)
    return press(page, form.get_by_role("button", name="Changer le mot de passe"))


def expect_done(page: Page, path: str, key: str, notice: str) -> None:
    """After a form post: back on the page with ?done=KEY, showing the notice."""
    expect(page).to_have_url(re.compile(re.escape(path) + r"\?done=" + re.escape(key) + "$"))
    expect(page.locator("main p.notice")).to_have_text(notice)


def table(page: Page, caption: str) -> Locator:
    """The table of the page with this caption."""
    return page.locator("main table", has=page.locator("caption", has_text=caption))


def row(page: Page, caption: str, text: str) -> Locator:
    """The body row of a table that holds a text."""
    return table(page, caption).locator("tbody tr", has_text=text)


def cells(row_locator: Locator) -> list[str]:
    """The texts of a row's cells."""
    return [c.strip() for c in row_locator.locator("td").all_inner_texts()]


def audit_rows(page: Page) -> list[list[str]]:
    """The audit table, as rows of (when, who, what, detail)."""
    body = table(page, "Journal des actions").locator("tbody tr")
    return [cells(body.nth(i)) for i in range(body.count())]


def click_in_row(page: Page, caption: str, text: str, button: str) -> Response:
    """Press a button in the row of a table; for an act that cannot be undone, confirm it on the page that asks."""
    response = press(page, row(page, caption, text).get_by_role("button", name=button, exact=True))
    if urlsplit(page.url).path == "/confirm":
        expect(page.locator("main h1")).to_have_text("Confirmer")
        expect(page.locator("main")).to_contain_text(text)
        response = press(page, page.locator("main").get_by_role("button", name=button, exact=True))
    return response


# Set-ups through the API, for what a journey needs before it starts
class Api:
    """Another volunteer's JSON API client: its own cookies, the session's CSRF token."""

    def __init__(self, request: APIRequestContext) -> None:
        self.request = request
        self.csrf = ""

    def call(self, method: str, path: str, body: Any = None, expect_status: int = 200) -> Any:
        headers = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        response = self.request.fetch(path, method=method, data=body, headers=headers)
        assert response.status == expect_status, (method, path, response.status, response.text())
        return response.json() if response.status != 204 else None

    def sign_in(self, **body: Any) -> Api:
        self.csrf = self.call("POST", "/api/session", body)["csrf"]
        return self


def api(playwright: Playwright, base_url: str) -> Api:
    """A new API client on the service."""
    return Api(playwright.request.new_context(base_url=base_url))


def directories_admin(playwright: Playwright, base_url: str) -> Api:
    """The directories admin, signed in; the general admin sets its password first if needed."""
    general = api(playwright, base_url).sign_in(role="general", email=GENERAL_ADMIN)
    general.call("PUT", "/api/directories-admin/password", {"password": DIRECTORIES_PASSWORD}, 204)
    return api(playwright, base_url).sign_in(role="directories", password=DIRECTORIES_PASSWORD)


def new_directory(playwright: Playwright, base_url: str, name: str) -> tuple[dict, Api]:
    """A directory created and signed in through the API, its first password changed."""
    created = directories_admin(playwright, base_url).call(
        "POST", "/api/directories", {"name": name, "initials": initials_for(name)}, 201)
    admin = api(playwright, base_url).sign_in(role="directory", directory=created["code"], password="0000")
    admin.call("POST", "/api/session/password", {"current": "0000", "new": STRONG}, 204)
    return created, admin


def new_group(directory: Api, type_: str, name: str) -> dict:
    """A group or groupement created by a directory (password 0000)."""
    return directory.call("POST", "/api/directory/groups", {"type": type_, "name": name, "initials": initials_for(name)}, 201)


def ready_group(playwright: Playwright, base_url: str, group: dict) -> Api:
    """The group's animator, signed in through the API, its first password changed."""
    animator = api(playwright, base_url).sign_in(role="group", group=group["code"], password="0000")
    animator.call("POST", "/api/session/password", {"current": "0000", "new": STRONG}, 204)
    return animator
