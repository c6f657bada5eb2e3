"""A new volunteer's first minutes, and nothing typed lost (R2), in Chromium at 1280 and 390 px: what to hand over
after creating a directory or a group, the directory page on a phone, a form sent after the session ended, a pasted
list checked then confirmed, a new export token shown once, a text longer than its field's limit."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.support.browser import (
    NARROW,
    REFERENCED,
    change_password,
    expect_done,
    initials_for,
    press,
    row,
    sign_in,
    sign_in_general,
    unfold,
    unique,
)
from tests.support.client import STRONG
from tests.support.given import Given
from tests.support.service import Server

GROUP_ROW_ON_A_PHONE = 240  # px a referenced group's row may take on a phone, its actions folded under it
PAGE_ON_A_PHONE = 6000  # px the directory page may take on a phone with five groups and their audit entries


def height(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def sheet(page: Page) -> dict[str, str]:
    """The handover box, as terms and what they say."""
    box = page.locator("main .handover")
    return dict(zip([t.strip() for t in box.locator("dt").all_inner_texts()],
                    [d.strip() for d in box.locator("dd").all_inner_texts()], strict=True))


def test_a3_after_creating_a_directory_then_a_group_the_page_shows_what_to_hand_over(server: Server, given: Given,
                                                                                     new_page, shot) -> None:
    given.directories_admin()
    page = new_page()
    sign_in(page, "/admingen.html", Given.DIRECTORIES_PASSWORD)
    name = unique("Annuaire du Plateau")
    form = page.locator("main form[action='/admingen/directories']")
    form.locator("#create_directory-name").fill(name)
    form.locator("#create_directory-initials").fill(initials_for(name))
    press(page, form.get_by_role("button", name="Créer"))
    expect(page).to_have_url(re.compile(r"/admingen/directories/([a-z2-9]{8})\?done=directory_created$"))
    code = re.search(r"/admingen/directories/([a-z2-9]{8})", page.url).group(1)
    told = sheet(page)
    assert told["Annuaire"] == f"{name} ({initials_for(name)})" and told["Code"] == code
    assert told["Page de connexion"] == f"{server.url}/adminloc.html"
    assert told["Mot de passe"].startswith("0000 — à changer dès la première connexion, faite avec le code")
    copied = page.locator("#handover-text").input_value()
    assert code in copied and "0000" in copied and f"{server.url}/adminloc.html" in copied
    shot(page, "handover-directory")
    page.emulate_media(media="print")  # printed: the box alone
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator("main .handover dl")).to_be_visible()
    expect(page.locator("main p.notice")).to_be_hidden()
    page.emulate_media(media="screen")
    page.reload()  # a reload shows it again, and creates nothing
    assert sheet(page)["Code"] == code
    listed = given.directories_admin().get("/api/directories").get_json()
    assert [d["name"] for d in listed].count(name) == 1
    page.goto("/admingen.html")
    row(page, "Annuaires", name).get_by_role("link", name="À transmettre").click()  # found again from the list
    assert sheet(page)["Code"] == code

    # The directory's admin signs in with the code and 0000, chooses a password, creates a group: the same box.
    sign_in(page, told["Page de connexion"].removeprefix(server.url), "0000", identifier=code)
    change_password(page, "0000", STRONG)
    create = page.locator("main form[action='/adminloc/groups/create']")
    group = unique("Les Paniers")
    create.locator("#create_group-name").fill(group)
    create.locator("#create_group-initials").fill(initials_for(group))
    press(page, create.get_by_role("button", name="Créer"))
    expect(page).to_have_url(re.compile(r"/adminloc/groups/[a-z2-9]{8}\?done=group_created$"))
    told = sheet(page)
    assert told["Groupe"] == f"{group} ({initials_for(group)})" and told["Page de connexion"] == f"{server.url}/animateur.html"
    shot(page, "handover-group")
    page.reload()
    page.goto("/adminloc.html")
    expect(row(page, REFERENCED, group)).to_have_count(1)
    unfold(row(page, REFERENCED, group)).get_by_role("link", name="À transmettre").click()  # found again from the list
    assert sheet(page)["Code"] == told["Code"]


def test_the_directory_page_on_a_phone_stays_short_for_five_groups(server: Server, given: Given, new_page, shot) -> None:
    name = unique("Annuaire des Cinq")
    code, director = given.directory(name, initials_for(name))
    given.new_api().as_general().put("/api/mailers/F", {
        "from": "Alterconsos des Pentes de la Croix-Rousse <pentes.croix-rousse@exemple.org>",
        "smtp_host": "smtp.example.org", "smtp_port": 587, "username": "", "starttls": True}, expect=200)
    groups = [given.group(director, "group" if n % 2 else "groupement", name=unique(f"Groupe {n}"),
                          initials=initials_for(unique(f"G{n}"))) for n in range(5)]
    for g in groups:
        director.put(f"/api/directory/groups/{g['code']}/mailing", {"day": "thu", "mailer": "F"}, expect=200)
    page = new_page(width=NARROW)
    sign_in(page, "/adminloc.html", Given.STRONG, identifier=code)
    table = page.locator("main table.groups")
    assert table.bounding_box()["height"] <= 5 * GROUP_ROW_ON_A_PHONE + 60, table.bounding_box()
    assert height(page) <= PAGE_ON_A_PHONE, height(page)
    expect(row(page, REFERENCED, groups[0]["name"]).locator("td").nth(3)).to_have_text("jeudi, expéditeur F")
    shot(page, "adminloc-five-groups")
    folded = unfold(row(page, REFERENCED, groups[2]["name"]))  # one row's actions, unfolded under it
    expect(folded.get_by_role("button", name="Remettre le mot de passe à 0000")).to_be_in_viewport()
    expect(folded.locator("select[name=mailer] option:checked")).to_have_text(
        "F — Alterconsos des Pentes de la Croix-Rousse <pentes.croix-rousse@exemple.org>")
    shot(page, "adminloc-one-row-unfolded")


def test_r2_a_message_sent_after_the_session_ended_is_there_again_after_signing_in(server: Server, given: Given,
                                                                                   new_page, shot) -> None:
    name = unique("Annuaire des Sessions")
    _, director = given.directory(name, initials_for(name))
    group = given.group(director, "group", name=unique("Les Radis"), initials=initials_for(unique("Radis")))
    given.animator(group["code"])
    page = new_page()
    sign_in(page, "/animateur.html", STRONG, identifier=group["code"])
    message = page.locator("main form[action='/animateur/message']")
    subject, body = "Livraison jeudi", "Bonjour à toutes et à tous,\n\nles paniers arrivent jeudi à 18 h.\nBonne semaine !"
    message.locator("#set_message-subject").fill(subject)
    message.locator("#set_message-body").fill(body)

    # Meanwhile the session ends: the group's password is changed from another browser (its sessions' epoch moves).
    elsewhere = given.new_api().as_group(group["code"])
    elsewhere.change_password(current=STRONG, new=STRONG + "!")
    ended = press(page, message.get_by_role("button", name="Enregistrer"))
    assert ended.status == 401
    expect(page.locator("main h1")).to_have_text("Animation d'un groupe ou groupement")
    expect(page.locator("main")).to_contain_text("Ce que vous aviez saisi est gardé")
    shot(page, "r2-sign-in-carrying-the-message")
    form = page.locator("main form[action='/signin']")
    form.locator("#sign_in-group").fill(group["code"])
    form.locator("#sign_in-password").fill(STRONG + "!")
    press(page, form.get_by_role("button", name="Se connecter"))
    message = page.locator("main form[action='/animateur/message']")
    expect(message.locator("#set_message-subject")).to_have_value(subject)
    expect(message.locator("#set_message-body")).to_have_value(body)
    expect(message.locator("p.notice[role=status]")).to_contain_text("voici ce que vous aviez saisi")
    expect(message.locator("#set_message-subject")).to_be_in_viewport()
    shot(page, "r2-message-back-after-sign-in")
    assert elsewhere.get("/api/group").get_json()["message"]["subject"] == ""  # shown again, not sent
    press(page, message.get_by_role("button", name="Enregistrer"))
    expect_done(page, "/animateur.html", "saved", "Enregistré.")
    saved = elsewhere.get("/api/group").get_json()["message"]
    assert (saved["subject"], saved["body"]) == (subject, body)


def test_r2_a_pasted_list_is_checked_on_a_phone_kept_then_confirmed(server: Server, given: Given, new_page, shot) -> None:
    name = unique("Annuaire des Listes")
    _, director = given.directory(name, initials_for(name))
    group = given.group(director, "group", name=unique("Les Navets"), initials=initials_for(unique("Navets")))
    given.animator(group["code"])
    page = new_page(width=NARROW)
    sign_in(page, "/animateur.html", STRONG, identifier=group["code"])
    pasted = ("Nom;Adresse\nDavid ; david@example.org\nEmma Roux\temma@example.org\nfanny@example.org\n"
              "Hugo <hugo@example.org>, Inès <ines@example.org>\nsans adresse")
    form = page.locator("main form[action^='/animateur/members/import']")
    form.locator("#import_members-text").fill(pasted)
    press(page, form.get_by_role("button", name="Vérifier la liste"))
    expect(page).to_have_url(re.compile(r"/animateur/members/import#import$"))
    preview = page.locator("main #import")
    expect(preview.locator("h2")).to_be_in_viewport()  # the phone lands on the result, not at the top
    expect(preview).to_contain_text("Seront ajoutés (5)")
    refused = preview.locator("table", has=page.locator("caption", has_text="Lignes refusées (1)"))
    expect(refused.locator("tbody tr td").nth(1)).to_have_text("sans adresse")  # the line's text, with its number
    expect(refused.locator("tbody tr td").nth(0)).to_have_text("6")
    expect(page.locator("#import_members-text")).to_have_value(pasted)  # still pasted, to fix a line
    shot(page, "r2-import-checked")
    press(page, preview.get_by_role("button", name="Ajouter ces 5 membres"))
    expect_done(page, "/animateur.html", "members_imported", "Membres ajoutés.")
    for address in ("david@example.org", "emma@example.org", "fanny@example.org", "hugo@example.org", "ines@example.org"):
        expect(row(page, "Alterconsos", address)).to_have_count(1)


def test_r2_a_new_export_token_is_asked_first_shown_once_and_a_reload_makes_no_other(server: Server, new_page,
                                                                                      shot) -> None:
    page = new_page()
    sign_in_general(page, Given.GENERAL_ADMIN)
    page.goto("/messagerie.html")
    press(page, page.locator("main").get_by_role("button", name="Générer un nouveau jeton"))
    expect(page).to_have_url(re.compile(r"/confirm\?to="))
    expect(page.locator("main .card")).to_contain_text("L'actuel cessera aussitôt de fonctionner")
    shot(page, "r2-token-asked-first")
    press(page, page.locator("main").get_by_role("button", name="Générer un nouveau jeton"))
    expect(page).to_have_url(re.compile(r"/messagerie/jeton\?done=mail_token_made$"))
    token = page.locator("#new-token").inner_text()
    assert len(token) >= 24
    shot(page, "r2-token-shown-once")
    reader = given_reader(server)
    reader.get("/api/mail/changes", headers={"Authorization": f"Bearer {token}"}, expect=200)
    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Ce jeton a déjà été affiché une fois")
    shot(page, "r2-token-page-reloaded")
    reader.get("/api/mail/changes", headers={"Authorization": f"Bearer {token}"}, expect=200)  # the same token


def given_reader(server: Server):
    """The mail host: no session, the export token only."""
    return server.api()


def test_r2_a_comment_longer_than_its_limit_is_counted_refused_and_kept(server: Server, given: Given, new_page,
                                                                        shot) -> None:
    name = unique("Annuaire des Longueurs")
    code, _ = given.directory(name, initials_for(name))
    page = new_page(width=NARROW)
    sign_in(page, "/adminloc.html", STRONG, identifier=code)
    settings = page.locator("main form[action='/adminloc/settings']")
    comment = settings.locator("#update_from_form-comment")
    expect(settings.locator("#update_from_form-comment-help")).to_have_text("500 caractères au plus — 0 / 500")
    text = ("Les paniers de la semaine arrivent jeudi soir à la salle des fêtes, apportez vos sacs. " * 8)[:680]
    comment.focus()
    page.keyboard.insert_text(text)  # as a paste: nothing cut
    expect(comment).to_have_value(text)
    expect(settings.locator("#update_from_form-comment-count")).to_have_text("680 / 500")
    expect(settings.locator("#update_from_form-comment-count")).to_have_class(re.compile(r"\bover\b"))
    refused = press(page, settings.get_by_role("button", name="Enregistrer"))
    assert refused.status == 400
    expect(comment).to_have_value(text)
    expect(page.locator("#update_from_form-comment-error")).to_have_text(
        "trop long : 680 caractères pour 500 au plus ; rien n'a été coupé, raccourcissez le texte")
    expect(comment).to_be_focused()
    shot(page, "r2-comment-too-long")


def test_the_readme_first_people_in_order_on_an_empty_instance(empty_server: Server, new_page, shot) -> None:
    """README's first section, step by step, on a datastore nobody has written to."""
    page = new_page(empty_server)
    sign_in_general(page, Given.GENERAL_ADMIN)  # 1. the general admin sets the directories-admin password
    form = page.locator("main form[action='/admin/pwd.html']")
    form.locator("#set_directories_admin_password-password").fill(Given.DIRECTORIES_PASSWORD)
    form.locator("#set_directories_admin_password-confirm").fill(Given.DIRECTORIES_PASSWORD)
    press(page, form.get_by_role("button", name="Enregistrer"))
    expect(page.locator("main p.notice")).to_be_visible()

    sign_in(page, "/admingen.html", Given.DIRECTORIES_PASSWORD)  # 2. the directories admin creates a directory
    form = page.locator("main form[action='/admingen/directories']")
    form.locator("#create_directory-name").fill("Alterconsos du Rhône")
    form.locator("#create_directory-initials").fill("AR")
    press(page, form.get_by_role("button", name="Créer"))
    directory = sheet(page)

    # 3. its admin signs in with the code and 0000 at the page handed over, chooses a password, creates a group
    sign_in(page, directory["Page de connexion"].removeprefix(empty_server.url), "0000", identifier=directory["Code"])
    change_password(page, "0000", STRONG)
    create = page.locator("main form[action='/adminloc/groups/create']")
    create.locator("#create_group-name").fill("Les Paniers de la Croix-Rousse")
    create.locator("#create_group-initials").fill("PCR")
    press(page, create.get_by_role("button", name="Créer"))
    group = sheet(page)
    assert group["Page de connexion"] == f"{empty_server.url}/animateur.html"

    # 4. the group's animator signs in with its code and 0000, chooses a password, adds members, writes the message
    animator = new_page(empty_server)
    sign_in(animator, "/animateur.html", "0000", identifier=group["Code"])
    change_password(animator, "0000", STRONG)
    pasted = animator.locator("main form[action^='/animateur/members/import']")
    pasted.locator("#import_members-text").fill("Alice Martin <alice@example.org>\nBruno;bruno@example.org")
    press(animator, pasted.get_by_role("button", name="Vérifier la liste"))
    press(animator, animator.locator("main #import").get_by_role("button", name="Ajouter ces 2 membres"))
    expect_done(animator, "/animateur.html", "members_imported", "Membres ajoutés.")
    message = animator.locator("main form[action='/animateur/message']")
    message.locator("#set_message-subject").fill("Première livraison")
    press(animator, message.get_by_role("button", name="Enregistrer"))
    expect_done(animator, "/animateur.html", "saved", "Enregistré.")
    shot(animator, "readme-step-4-animator")
