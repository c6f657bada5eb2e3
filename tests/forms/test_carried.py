"""R2: a form sent after its session ended is carried through the sign-in page (never a password), and after
signing in again the page shows it filled in, not sent; bounded, and only for the account it was typed for."""

from __future__ import annotations

import html
import re

from tests.support.client import STRONG, form_post

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


def test_r2_a_new_export_token_is_asked_first_then_shown_once_and_a_reload_makes_no_other(given):
    general = given.new_api().as_general()
    asked = general.get("/confirm?to=/messagerie/export-token", headers={"Referer": "http://localhost/messagerie.html"})
    page = html.unescape(asked.get_data(as_text=True))
    assert asked.status_code == 200 and "L'actuel cessera aussitôt de fonctionner" in page
    assert 'action="/messagerie/export-token"' in page and "Générer un nouveau jeton" in page
    assert 'action="/messagerie/export-token"' not in general.get("/messagerie.html").get_data(as_text=True)  # asks first

    made = form_post(general, "/messagerie/export-token")
    assert made.status_code == 303 and made.headers["Location"] == "/messagerie/jeton?done=mail_token_made"
    shown = general.get("/messagerie/jeton?done=mail_token_made")
    token = re.search(r'<code class="token" id="new-token">([^<]+)</code>', shown.get_data(as_text=True)).group(1)
    general.get("/api/mail/changes", headers={"Authorization": f"Bearer {token}"}, expect=200)  # the token that works
    assert "annuaires_once=;" in shown.headers["Set-Cookie"]  # the browser drops it

    for _ in range(2):  # reloads: the token is not shown again, and no other is made
        again = html.unescape(general.get("/messagerie/jeton?done=mail_token_made").get_data(as_text=True))
        assert token not in again and "déjà été affiché une fois" in again
    general.get("/api/mail/changes", headers={"Authorization": f"Bearer {token}"}, expect=200)  # still the same one


def test_r2_the_token_waiting_to_be_shown_opens_for_its_own_session_only(given):
    general = given.new_api().as_general()
    made = form_post(general, "/messagerie/export-token")
    waiting = general.client.get_cookie("annuaires_once", path="/messagerie/jeton").value
    assert made.status_code == 303 and waiting and len(waiting) < 200
    other = given.new_api().as_general()  # another general admin's browser, handed the cookie
    other.client.set_cookie("annuaires_once", waiting, path="/messagerie/jeton")
    page = html.unescape(other.client.get("/messagerie/jeton").get_data(as_text=True))
    assert 'id="new-token"' not in page and "déjà été affiché une fois" in page


def test_r2_a_form_carried_through_a_reset_to_0000_waits_for_the_new_password_then_comes_back(given):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    code = given.group(paris, name="Les Radis", initials="LR")["code"]
    animator = given.animator(code)
    paris.post(f"/api/directory/groups/{code}/password-reset", expect=204)  # A4: the animator's session ends
    carried = hidden(form_post(animator, "/animateur/message", **MESSAGE).get_data(as_text=True))
    first = animator.client.post("/signin", data={**carried, "group": code, "password": "0000"})
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and 'action="/password"' in page  # the new password first (A3)
    form = re.search(r'<form method="post" action="/password".*?</form>', page, re.S).group(0)
    kept = {m[0]: html.unescape(m[1]) for m in re.findall(r'<input type="hidden" name="(carried[^"]*)" value="([^"]*)"', form)}
    assert kept["carried-body"] == MESSAGE["body"] and kept["carried_to"] == "/animateur/message"
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    too_short = animator.client.post("/password", data={**kept, "csrf": csrf, "role": "group", "current": "0000", "new": "court"})
    assert too_short.status_code == 400 and 'name="carried-body"' in too_short.get_data(as_text=True)  # still carried
    changed = animator.client.post("/password", data={**kept, "csrf": csrf, "role": "group", "current": "0000", "new": STRONG})
    shown = changed.get_data(as_text=True)
    assert changed.status_code == 200 and "voici ce que vous aviez saisi" in shown
    body = re.search(r'<textarea id="set_message-body"[^>]*>(.*?)</textarea>', shown, re.S).group(1)
    assert html.unescape(body).replace("\r\n", "\n") == MESSAGE["body"]
    assert given.new_api().as_group(code).get("/api/group").get_json()["message"]["subject"] == ""  # shown, not sent
