"""What a volunteer does on the pages: sign in, fill a field, press a button, read a table, confirm an act."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, Response, expect

WIDE, NARROW = 1280, 390  # px: a laptop, a phone
SIGN_IN = "Se connecter"
SIGN_OUT = "Se déconnecter"

# Texts of the French pages that the journeys look for.
REFERENCED = "Groupes et groupements référencés"
DEACTIVATED = "Groupes désactivés par cet annuaire"
LOCAL_TIME = re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d$")
GROUP_SIGN_IN = "Animation d'un groupe ou groupement"
DIRECTORY_SIGN_IN = "Administration d'un annuaire"
DIRECTORIES_SIGN_IN = "Administration des annuaires"
GENERAL = "Administration générale"
WRONG_SIGN_IN = ("Identifiant ou mot de passe incorrect. "
                 "Avec le mot de passe 0000, connectez-vous avec le code, pas les initiales.")

# The identifier field of each role's sign-in form.
IDENTIFIER = {"/adminloc.html": "directory", "/animateur.html": "group", "/messagerie.html": "login"}


def unique(prefix: str) -> str:
    """A name no other test uses (names are unique in a namespace, A1)."""
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def initials_for(name: str) -> str:
    """Initials unique along with the name: its first letters and the name's random tail (7 characters: never a code)."""
    return name.split()[0][:2].upper() + name.rsplit(" ", 1)[-1][:5]


def labelled(entity: dict) -> str:
    """An entity as pages name it: "name (initials)"."""
    return f"{entity['name']} ({entity['initials']})"


# Pages
def press(page: Page, button: Locator) -> Response:
    """Press a submit button and wait for the page it leads to; that page's answer."""
    with page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    assert response is not None
    return response


def sign_in(page: Page, path: str, password: str, identifier: str | None = None, button: str = SIGN_IN) -> Response:
    """Open a role's page and sign in with its form; the answer."""
    page.goto(path)
    form = page.locator("main form[action='/signin']")
    if identifier is not None:
        form.locator(f"#sign_in-{IDENTIFIER[path]}").fill(identifier)
    form.locator("#sign_in-password").fill(password)
    return press(page, form.get_by_role("button", name=button))


def sign_in_general(page: Page, email: str) -> Response:
    """The general admin's local sign-in (emulator mode): an address listed in the configuration."""
    page.goto("/admin/pwd.html")
    form = page.locator("main form[action='/signin']")
    form.locator("#sign_in-email").fill(email)
    return press(page, form.get_by_role("button", name=SIGN_IN))


def sign_out(page: Page) -> Response:
    """Press the header's sign-out button (it signs out of this page's role only)."""
    return press(page, page.locator("header").get_by_role("button", name=SIGN_OUT))


def expect_who(page: Page, who: str) -> None:
    """The header names who is signed in on this page, with a button to sign out."""
    expect(page.locator("header .who")).to_have_text(who)
    expect(page.locator("header").get_by_role("button", name=SIGN_OUT)).to_be_visible()


def change_password(page: Page, current: str, new: str, confirm: str | None = None) -> Response:
    """Fill and send the change-password form of the page (the new password typed twice)."""
    form = page.locator("main form[action='/password']")
    form.locator("#change_password-current").fill(current)
    form.locator("#change_password-new").fill(new)
    form.locator("#change_password-confirm").fill(new if confirm is None else confirm)
    return press(page, form.get_by_role("button", name="Changer le mot de passe"))


def expect_done(page: Page, path: str, key: str, notice: str) -> None:
    """After a form post: back on the page with ?done=KEY, showing the notice."""
    expect(page).to_have_url(re.compile(re.escape(path) + r"\?done=" + re.escape(key) + "$"))
    expect(page.locator("main p.notice")).to_have_text(notice)


def expect_field_error(page: Page, field_id: str, error: str, *, focused: bool = True) -> None:
    """A refused form came back: the field's error next to it, the field marked invalid (and focused if first)."""
    field = page.locator(f'[id="{field_id}"]')  # (ids may hold an address: no `#id` selector)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f'[id="{field_id}-error"]')).to_have_text(error)
    expect(page.locator(f'[id="{field_id}"] + p.field-error')).to_have_count(1)  # right after its field
    expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{re.escape(field_id)}-error\b"))
    if focused:
        expect(field).to_be_focused()
        expect(field).to_be_in_viewport()  # the page comes back scrolled to it


def expect_form_error(form: Locator, message: str, *, on_screen: bool = True) -> None:
    """A refused form came back with what was wrong with it as a whole, inside it (and on screen)."""
    expect(form.locator("p.error[role=alert]")).to_have_text(message)
    if on_screen:
        expect(form.locator("p.error[role=alert]")).to_be_in_viewport()


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


# The outermost elements that stick out to the right of the viewport: what makes a page scroll sideways.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth, found = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect(), parent = el.parentElement.getBoundingClientRect();
    let clipped = false;  // inside a box that scrolls (or clips) by itself, it does not widen the page
    for (let up = el.parentElement; up && up !== document.body && !clipped; up = up.parentElement) {
      clipped = getComputedStyle(up).overflowX !== 'visible';
    }
    if (!clipped && box.width > 0 && box.right > width + 0.5 && parent.right <= width + 0.5) {
      const name = el.tagName.toLowerCase() + (el.className ? '.' + el.className : '');
      found.push(`${name} (right edge at ${Math.round(box.right)} px): ${(el.innerText || '').slice(0, 40).trim()}`);
    }
  }
  return found;
}"""


def sideways(page: Page) -> str:
    """Why the page scrolls sideways in its viewport (what sticks out), or "" when it fits."""
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("document.documentElement.clientWidth")
    if width <= viewport:
        return ""
    return f"{width} px wide in {viewport}: " + "; ".join(page.evaluate(STICKING_OUT))


def unfold(row_locator: Locator) -> Locator:
    """Open what a row folds under it (its settings and actions, in a `<details>`), as a volunteer would; the row."""
    folded = row_locator.locator("details:not([open]) > summary")
    if folded.count():
        folded.first.click()
    return row_locator


def click_in_row(page: Page, caption: str, text: str, button: str, subject: str | None = None) -> Response:
    """Press a button in the row of a table (unfolding its actions first); for an act that cannot be undone, the page
    that asks names what it acts on (`subject`, read from the store), and its button does it."""
    response = press(page, unfold(row(page, caption, text)).get_by_role("button", name=button, exact=True))
    if urlsplit(page.url).path == "/confirm":
        expect(page.locator("main h1")).to_have_text("Confirmer")
        if subject is not None:
            expect(page.locator("main .card strong")).to_have_text(subject)
        else:
            expect(page.locator("main")).to_contain_text(text)
        response = press(page, page.locator("main").get_by_role("button", name=button, exact=True))
    else:
        assert subject is None, f"{button!r} did not ask for a confirmation"
    return response
