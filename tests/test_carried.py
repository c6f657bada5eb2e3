"""R2: a form sent after its session ended is carried through the sign-in page (never a password), and after
signing in again the page shows it filled in, not sent; bounded, and only for the account it was typed for."""

from __future__ import annotations

import html
import re

from tests.conftest import STRONG
from tests.test_pages import form_post

MESSAGE = {"subject": "Livraison jeudi <b>", "body": "Bonjour à toutes et à tous,\n\nles paniers arrivent jeudi.\n"}


def hidden(page: str) -> dict[str, str]:
    """The sign-in form's hidden fields."""
    form = re.search(r'<form method="post" action="/signin".*?</form>', page, re.S).group(0)
    return {m[0]: html.unescape(m[1]) for m in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}


def ended(given):
    """An animator whose session has just ended (its password changed elsewhere), and the group's code."""
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    code = given.group(paris, name="Les Radis", initials="LR")["code"]
    animator, other_tab = given.animator(code), given.new_api()
    other_tab.as_group(code)
    other_tab.change_password(current=STRONG, new=STRONG + "!")  # ends every other session of the group
    return animator, code


def test_r2_a_message_sent_after_the_session_ended_is_carried_through_sign_in_and_shown_again(given):
    animator, code = ended(given)
    sent = form_post(animator, "/animateur/message", **MESSAGE)
    page = sent.get_data(as_text=True)
    assert sent.status_code == 401 and 'action="/signin"' in page and "Ce que vous aviez saisi est gardé" in page
    carried = hidden(page)
    assert carried["carried-subject"] == MESSAGE["subject"] and carried["carried-body"] == MESSAGE["body"]
    assert carried["carried_to"] == "/animateur/message" and carried["carried_for"] == code
    assert "csrf" not in carried and animator.csrf not in page
    assert given.new_api().as_group(code, STRONG + "!").get("/api/group").get_json()["message"]["subject"] == ""  # not sent

    wrong = animator.client.post("/signin", data={**carried, "group": code, "password": "pas le bon"})
    assert wrong.status_code == 401 and hidden(wrong.get_data(as_text=True)) == carried  # still carried after a wrong try

    back = animator.client.post("/signin", data={**carried, "group": code, "password": STRONG + "!"})
    shown = back.get_data(as_text=True)
    assert back.status_code == 200 and "annuaires_group=" in back.headers["Set-Cookie"]
    subject = re.search(r'<input id="set_message-subject"[^>]*>', shown).group(0)
    assert f'value="{html.escape(MESSAGE["subject"])}"' in subject
    body = re.search(r'<textarea id="set_message-body"[^>]*>(.*?)</textarea>', shown, re.S).group(1)
    assert html.unescape(body).replace("\r\n", "\n") == MESSAGE["body"]
    assert "voici ce que vous aviez saisi" in shown
    assert given.new_api().as_group(code, STRONG + "!").get("/api/group").get_json()["message"]["subject"] == ""  # shown, not sent


def test_r2_what_is_carried_never_holds_a_password_and_is_bounded(given):
    given.directories_admin()
    paris_code, paris = given.directory("Paris", "PA")
    given.group(paris, name="Les Radis", initials="LR")
    paris.delete("/api/session", expect=204)
    reference = form_post(paris, "/adminloc/groups/reference", directory="LY", group="LR", password="le mot de passe du groupe")
    carried = hidden(reference.get_data(as_text=True))
    assert reference.status_code == 401 and carried["carried-group"] == "LR"
    assert "le mot de passe du groupe" not in reference.get_data(as_text=True)
    assert not any(k.endswith(("password", "current", "new", "confirm")) for k in carried)
    huge = form_post(paris, "/adminloc/settings", comment="x" * 300_000)  # more than is carried: nothing is
    assert huge.status_code == 303 and "reason=session_closed" in huge.headers["Location"]
    button = form_post(paris, "/adminloc/groups/ABCDEFGH/reactivate")  # nothing typed: back to the sign-in page
    assert button.status_code == 303


def test_r2_a_carried_form_is_not_shown_to_another_account_nor_acted_upon(given):
    animator, code = ended(given)
    carried = hidden(form_post(animator, "/animateur/message", **MESSAGE).get_data(as_text=True))
    _, lyon = given.directory("Lyon", "LY")
    other = given.group(lyon, name="Les Navets", initials="LN")["code"]
    given.animator(other)
    someone = given.new_api()
    signed = someone.client.post("/signin", data={**carried, "group": other, "password": STRONG})
    assert signed.status_code == 303 and signed.headers["Location"].endswith("done=carried_other_account")
    forged = {**carried, "carried_to": "/animateur/members", "carried-name": "Eve", "carried-email": "eve@example.org",
              "carried_for": ""}
    again = given.new_api().client.post("/signin", data={**forged, "group": code, "password": STRONG + "!"})
    assert again.status_code == 200 and 'value="eve@example.org"' in again.get_data(as_text=True)  # shown in its form
    assert given.new_api().as_group(code, STRONG + "!").get("/api/group").get_json()["members"] == []  # never added
    elsewhere = given.new_api().client.post("/signin", data={**carried, "carried_to": "/api/group/message",
                                                             "group": code, "password": STRONG + "!"})
    assert elsewhere.status_code == 303  # not a page's form: the page, as after any sign-in
