"""R2 on the pages: every form that edits something carries the version it was shown with; a save over a change
made elsewhere meanwhile is refused on the same page, which shows what is stored now beside what was typed, keeps
what was typed, and carries the new version, so that saving again is a choice made knowingly."""

from __future__ import annotations

import html
import re

from tests.support.client import form_post

CHANGED = "a été modifié ailleurs"


def form_of(page: str, action: str) -> str:
    """The HTML of the form posting to `action`."""
    found = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>.*?</form>', page, re.S)
    assert found, action
    return found.group(0)


def version_in(page: str, action: str) -> str:
    """The version a page's form carries."""
    found = re.search(r'name="version" value="([^"]*)"', form_of(page, action))
    assert found, action
    return html.unescape(found.group(1))


def page_of(api, path: str) -> str:
    return api.get(path, expect=200).get_data(as_text=True)


def refused_page(answer, why: str = CHANGED) -> str:
    assert answer.status_code == 412, answer.status_code
    page = answer.get_data(as_text=True)
    assert why in page and 'role="alert"' in page
    return page


def test_r2_directory_settings_second_tab_is_refused_shows_the_change_and_keeps_what_was_typed(given):
    _, tab_a = given.directory("Lyon", "LY")
    (tab_b,) = tab_a.copies(1)
    shown_a, shown_b = page_of(tab_a, "/adminloc.html"), page_of(tab_b, "/adminloc.html")
    saved = form_post(tab_a, "/adminloc/settings", version=version_in(shown_a, "/adminloc/settings"), name="Lyon",
                      initials="LY", comment="Livraison le jeudi", no_color="on")
    assert saved.status_code == 303
    typed = "Livraison le mardi <b>soir</b>"
    page = refused_page(form_post(tab_b, "/adminloc/settings", version=version_in(shown_b, "/adminloc/settings"),
                                  name="Lyon B", initials="LY", comment=typed, no_color="on"))
    form = form_of(page, "/adminloc/settings")
    assert html.escape(typed) in form and 'value="Lyon B"' in form  # what was typed, kept (and escaped)
    assert re.search(r'class="changed"[^>]*><strong>Enregistré entre-temps :</strong> <span class="stored">Livraison le jeudi<',
                     form)  # what is stored now, beside it
    assert 'id="update_from_form-name-changed"' in form  # the name was not changed elsewhere, but differs from what was typed
    assert 'id="update_from_form-initials-changed"' not in form  # typed as stored: nothing to show
    assert re.search(r'id="update_from_form-comment"[^>]*aria-describedby="[^"]*\bupdate_from_form-comment-changed"', form)
    assert page_of(tab_a, "/adminloc.html").count("Livraison le jeudi") >= 1
    assert tab_a.get("/api/directory").get_json()["name"] == "Lyon"  # nothing of tab B's written
    # The page came back with the version stored now: saving again, knowingly, goes through.
    again = form_post(tab_b, "/adminloc/settings", version=version_in(page, "/adminloc/settings"), name="Lyon B",
                      initials="LY", comment=typed, no_color="on")
    assert again.status_code == 303 and tab_a.get("/api/directory").get_json()["comment"] == typed


def test_r2_weekly_message_two_tabs(given):
    _, director = given.directory("Lyon", "LY")
    group = given.group(director, name="Les Radis", initials="LR")
    tab_a = given.animator(group["code"])
    (tab_b,) = tab_a.copies(1)
    shown_a, shown_b = page_of(tab_a, "/animateur.html"), page_of(tab_b, "/animateur.html")
    assert form_post(tab_a, "/animateur/message", version=version_in(shown_a, "/animateur/message"), subject="Radis",
                     body="Des radis cette semaine.").status_code == 303
    tab_b.post("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, expect=201)  # elsewhere: no matter
    page = refused_page(form_post(tab_b, "/animateur/message", version=version_in(shown_b, "/animateur/message"),
                                  subject="Choux", body="Des choux, et\nune recette."))
    form = form_of(page, "/animateur/message")
    assert "Des choux, et\nune recette.</textarea>" in form and 'value="Choux"' in form
    assert "Des radis cette semaine." in form and "Radis" in form
    assert tab_a.get("/api/group").get_json()["message"]["subject"] == "Radis"


def test_r2_a_group_s_mailing_row_and_a_member_s_buttons_carry_their_versions(given):
    code, tab_a = given.directory("Lyon", "LY")
    (tab_b,) = tab_a.copies(1)
    group = given.group(tab_a, name="Les Radis", initials="LR")
    action = f"/adminloc/groups/{group['code']}/mailing"
    shown = page_of(tab_b, "/adminloc.html")
    assert form_post(tab_a, action, version=version_in(page_of(tab_a, "/adminloc.html"), action), day="thu",
                     mailer="Z").status_code == 303
    page = refused_page(form_post(tab_b, action, version=version_in(shown, action), day="mon", mailer="Z"))
    row = form_of(page, action)
    assert '<option value="mon" selected>' in row and "<strong>Enregistré entre-temps :</strong> <span class=\"stored\">jeudi" in row
    assert tab_a.get("/api/directory").get_json()["groups"][0]["mailing"]["day"] == "thu"

    animator = given.animator(group["code"])
    (other,) = animator.copies(1)
    member = animator.post("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, expect=201).get_json()
    shown = page_of(animator, "/animateur.html")
    other.patch(f"/api/group/members/{member['id']}", {"email": "alice@autre.example.org"}, expect=200)
    deactivate = f"/animateur/members/{member['id']}/deactivate"
    refused_page(form_post(animator, deactivate, version=version_in(shown, deactivate)))
    # The removal asks first: the confirmation page carries the version the button's page showed.
    remove = f"/animateur/members/{member['id']}/remove"
    button = re.search(rf'name="to" value="{remove}"><input type="hidden" name="version" value="(\d+)"', shown)
    confirm = animator.get(f"/confirm?to={remove}&version={button.group(1)}").get_data(as_text=True)
    refused_page(form_post(animator, remove, version=version_in(confirm, remove)))
    assert animator.get("/api/group/members").get_json()[0]["active"] is True


def test_r2_mailer_form_and_mail_account_form(api, mail_admin):
    """The mailer form carries the versions of every letter it may save; the account page, its account's."""
    (tab_b,) = mail_admin.copies(1)
    shown = page_of(tab_b, "/admin/pwd.html")
    relay = {"from": "envoi@example.org", "smtp_host": "smtp.example.org", "smtp_port": 587, "username": "",
             "starttls": True}
    mail_admin.put("/api/mailers/B", relay, expect=200)
    form = {"letter": "C", "from": "c@example.org", "smtp_host": "c.example.org", "smtp_port": "25", "username": ""}
    assert form_post(tab_b, "/admin/mailers", version=version_in(shown, "/admin/mailers"), **form).status_code == 303
    page = refused_page(form_post(tab_b, "/admin/mailers", version=version_in(shown, "/admin/mailers"),
                                  **{**form, "letter": "B", "smtp_host": "typed.example.org"}))
    assert 'value="typed.example.org"' in page and "smtp.example.org" in form_of(page, "/admin/mailers")
    assert mail_admin.get("/api/mailers/B").get_json()["smtp_host"] == "smtp.example.org"

    mail_admin.post("/api/mail/accounts", {"address": "jean@auf.org", "display_name": "Jean",
                                           "password": "une phrase de passe assez longue"}, expect=201)
    shown = page_of(tab_b, "/messagerie/accounts/jean@auf.org")
    mail_admin.patch("/api/mail/accounts/jean@auf.org", {"display_name": "Jean Dupont", "quota_mb": 500}, expect=200)
    describe = "/messagerie/accounts/jean@auf.org/describe"
    page = refused_page(form_post(tab_b, describe, version=version_in(shown, describe), display_name="Jean D.",
                                  quota_mb="2048"))
    form = form_of(page, describe)
    assert 'value="Jean D."' in form and 'value="2048"' in form and "Jean Dupont" in form and ">500<" in form
    for action in ("/messagerie/accounts/jean@auf.org/rename", "/messagerie/accounts/jean@auf.org/deactivate"):
        refused_page(form_post(tab_b, action, version=version_in(shown, action), address="jean.d@auf.org"))
    assert mail_admin.get("/api/mail/accounts/jean@auf.org").get_json()["active"] is True


def test_r2_a_tampered_version_is_refused_and_a_form_without_one_is_taken(given):
    _, tab_a = given.directory("Lyon", "LY")
    for forged in ("-1", "1e3", "<script>", "0123abcd-1.x", "9" * 40):
        page = refused_page(form_post(tab_a, "/adminloc/settings", version=forged, name="Lyon", initials="LY",
                                      comment="forgé"), why="ne correspond à rien d&#39;enregistré")
        assert "forgé</textarea>" in page  # what was typed, kept
        assert "<script>" not in page.split("<main")[1]
    assert tab_a.get("/api/directory").get_json()["comment"] == ""
    assert form_post(tab_a, "/adminloc/settings", name="Lyon", initials="LY", comment="sans version").status_code == 303


def test_r2_a_refused_settings_form_keeps_its_colour_box_as_sent_and_shows_no_colour_change_that_was_none(given):
    _, tab_a = given.directory("Lyon", "LY")
    (tab_b,) = tab_a.copies(1)
    shown_b = page_of(tab_b, "/adminloc.html")
    form_post(tab_a, "/adminloc/settings", version=version_in(page_of(tab_a, "/adminloc.html"), "/adminloc/settings"),
              name="Lyon", initials="LY", color="#2f6f4e", comment="Livraison le jeudi", no_color="on")
    # A browser always sends the colour box's value, "No colour" ticked or not: no colour on both sides is no change.
    page = refused_page(form_post(tab_b, "/adminloc/settings", version=version_in(shown_b, "/adminloc/settings"),
                                  name="Lyon", initials="LY", color="#2f6f4e", comment="le mardi", no_color="on"))
    form = form_of(page, "/adminloc/settings")
    assert 'id="update_from_form-comment-changed"' in form and 'id="update_from_form-color-changed"' not in form
    assert re.search(r'name="no_color" checked', form)
    # A colour chosen (the box unticked) comes back chosen, over a stored "no colour".
    page = refused_page(form_post(tab_b, "/adminloc/settings", version=version_in(shown_b, "/adminloc/settings"),
                                  name="Lyon", initials="LY", color="#aa3355", comment="le mardi"))
    form = form_of(page, "/adminloc/settings")
    assert 'value="#aa3355"' in form and not re.search(r'name="no_color" checked', form)
