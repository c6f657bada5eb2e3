"""The administrators' journeys in Chromium, as volunteers see them (French first)."""

from __future__ import annotations

import html
import re
import uuid

from playwright.sync_api import expect

from annuaires.catalogs import translate
from tests.support.browser import (
    DEACTIVATED,
    DIRECTORIES_SIGN_IN,
    DIRECTORY_SIGN_IN,
    GENERAL,
    LOCAL_TIME,
    REFERENCED,
    WRONG_SIGN_IN,
    audit_rows,
    cells,
    change_password,
    click_in_row,
    expect_done,
    expect_field_error,
    expect_form_error,
    expect_who,
    initials_for,
    press,
    row,
    sign_in,
    sign_in_general,
    sign_out,
    table,
    unfold,
    unique,
)
from tests.support.given import Given
from tests.support.service import Server

LYON = "Alterconsos Lyon <lyon@example.org>"


def test_general_admin_initialises_an_empty_datastore(empty_server: Server, new_page, shot) -> None:
    page = new_page(empty_server)
    # Nothing is set yet: the directories admin cannot sign in.
    refused = sign_in(page, "/admingen.html", Given.DIRECTORIES_PASSWORD)
    assert refused.status == 401
    expect(page.locator("main h1")).to_have_text(DIRECTORIES_SIGN_IN)
    expect_form_error(page.locator("main form[action='/signin']"), "Mot de passe incorrect.")
    expect(page.locator("#sign_in-password")).to_have_value("")

    # An address not listed in the configuration is refused; what was typed stays.
    page.goto("/admin/pwd.html")
    expect(page.locator("main h1")).to_have_text(GENERAL)
    expect(page.locator("main")).to_contain_text("Mode local (émulateur)")
    shot(page, "1-general-admin-sign-in")
    refused = sign_in_general(page, "intruder@example.org")
    assert refused.status == 401
    expect_form_error(page.locator("main form[action='/signin']"),
                      "Ce compte Google n'est pas dans la liste des administrateurs généraux : "
                      "demandez à l'équipe informatique de l'ajouter (ANNUAIRES_GENERAL_ADMINS).")
    expect(page.locator("#sign_in-email")).to_have_value("intruder@example.org")
    expect(page.locator("header .who")).to_have_count(0)

    sign_in_general(page, Given.GENERAL_ADMIN)
    expect(page).to_have_url(re.compile(r"/admin/pwd\.html$"))
    expect_who(page, f"{GENERAL} — {Given.GENERAL_ADMIN}")
    form = page.locator("main form[action='/admin/pwd.html']")
    expect(form.locator("h2")).to_have_text("Mot de passe de l'administration des annuaires")
    # The rules are shown before the first try; a confirmation that differs is refused next to it.
    expect(page.locator("#set_directories_admin_password-password-help")).to_have_text(translate("password_rules", "fr"))
    form.locator("#set_directories_admin_password-password").fill(Given.DIRECTORIES_PASSWORD)
    form.locator("#set_directories_admin_password-confirm").fill(Given.DIRECTORIES_PASSWORD + "x")
    refused = press(page, form.get_by_role("button", name="Enregistrer"))
    assert refused.status == 400
    expect_field_error(page, "set_directories_admin_password-confirm", "ne correspond pas au nouveau mot de passe")
    expect(page.locator("#set_directories_admin_password-password")).to_have_value("")  # never a password shown
    expect(page.locator("#set_directories_admin_password-confirm")).to_have_value("")
    assert Given.DIRECTORIES_PASSWORD not in page.content()

    form.locator("#set_directories_admin_password-password").fill(Given.DIRECTORIES_PASSWORD)
    form.locator("#set_directories_admin_password-confirm").fill(Given.DIRECTORIES_PASSWORD)
    press(page, form.get_by_role("button", name="Enregistrer"))
    expect_done(page, "/admin/pwd.html", "directories_admin_password_set",
                "Mot de passe de l'administration des annuaires enregistré.")
    expect(page.locator("#set_directories_admin_password-password")).to_have_value("")
    assert Given.DIRECTORIES_PASSWORD not in page.content()

    # A mailer identity, its sender with a display name. A bad sender comes back next to its field, the rest kept.
    expect(table(page, "Expéditeurs").locator("tbody tr")).to_have_text(["Aucun expéditeur configuré."])
    mailer = page.locator("main form[action='/admin/mailers']")
    mailer.locator("#set_mailer_from_form-letter").select_option("B")
    mailer.locator("#set_mailer_from_form-from").fill("lyon@")
    mailer.locator("#set_mailer_from_form-smtp_host").fill("smtp.example.org")
    mailer.locator("#set_mailer_from_form-username").fill("envoi")
    mailer.locator("#set_mailer_from_form-password").fill("smtp-secret-4821")
    refused = press(page, mailer.get_by_role("button", name="Enregistrer"))
    assert refused.status == 400
    expect_field_error(page, "set_mailer_from_form-from",
                       "adresse attendue, avec ou sans nom : Alterconsos Lyon <lyon@exemple.org>")
    expect(mailer.locator("#set_mailer_from_form-letter")).to_have_value("B")
    expect(mailer.locator("#set_mailer_from_form-from")).to_have_value("lyon@")
    expect(mailer.locator("#set_mailer_from_form-smtp_host")).to_have_value("smtp.example.org")
    expect(mailer.locator("#set_mailer_from_form-username")).to_have_value("envoi")
    expect(mailer.locator("#set_mailer_from_form-password")).to_have_value("")
    assert "smtp-secret-4821" not in page.content()
    # Every box as it was set (R2): STARTTLS unticked stays unticked after a refusal.
    mailer.locator("input[name=starttls]").uncheck()
    assert press(page, mailer.get_by_role("button", name="Enregistrer")).status == 400
    expect(mailer.locator("input[name=starttls]")).not_to_be_checked()
    expect(mailer.locator("#set_mailer_from_form-smtp_host")).to_have_value("smtp.example.org")
    mailer.locator("input[name=starttls]").check()
    expect(table(page, "Expéditeurs").locator("tbody tr")).to_have_text(["Aucun expéditeur configuré."])

    mailer.locator("#set_mailer_from_form-from").fill(LYON)
    mailer.locator("#set_mailer_from_form-password").fill("smtp-secret-4821")
    press(page, mailer.get_by_role("button", name="Enregistrer"))
    expect_done(page, "/admin/pwd.html", "saved", "Enregistré.")
    assert cells(row(page, "Expéditeurs", "lyon@example.org")) == [
        "B", LYON, "smtp.example.org:587", "envoi", "STARTTLS", "enregistré (illisible)", "∞ / minute, ∞ / jour",
        "Modifier l'expéditeur B"]
    expect(page.locator("#set_mailer_from_form-password")).to_have_value("")
    assert "smtp-secret-4821" not in page.content()
    # An existing mailer is edited in place: its form filled in, never its password.
    press(page, row(page, "Expéditeurs", "lyon@example.org").get_by_role("link", name="Modifier l'expéditeur B"))
    expect(mailer.locator("h2")).to_have_text("Modifier l'expéditeur B")
    expect(mailer.locator("#set_mailer_from_form-letter")).to_have_value("B")
    expect(mailer.locator("#set_mailer_from_form-smtp_host")).to_have_value("smtp.example.org")
    expect(mailer.locator("#set_mailer_from_form-username")).to_have_value("envoi")
    expect(mailer.locator("input[name=starttls]")).to_be_checked()
    expect(mailer.locator("#set_mailer_from_form-password")).to_have_value("")
    assert "smtp-secret-4821" not in page.content()
    shot(page, "1-general-admin")

    # Now the directories admin signs in, in another browser, and finds no directory yet.
    other = new_page(empty_server)
    sign_in(other, "/admingen.html", Given.DIRECTORIES_PASSWORD)
    expect(other).to_have_url(re.compile(r"/admingen\.html$"))
    expect(other.locator("main h1")).to_have_text(DIRECTORIES_SIGN_IN)
    expect_who(other, DIRECTORIES_SIGN_IN)
    expect(table(other, "Annuaires").locator("tbody tr")).to_have_text(["Aucun annuaire pour l'instant."])
    when, who, what, _ = audit_rows(other)[0]
    assert (who, what) == (f"{GENERAL} — {Given.GENERAL_ADMIN}", "mot de passe de l'administration des annuaires défini")
    assert LOCAL_TIME.match(when)


def test_directories_admin_creates_resets_deactivates_and_reactivates(server: Server, given: Given,
                                                                      new_page, shot) -> None:
    given.directories_admin()
    page = new_page()
    sign_in(page, "/admingen.html", Given.DIRECTORIES_PASSWORD)
    expect(page.locator("main h1")).to_have_text(DIRECTORIES_SIGN_IN)

    tail = uuid.uuid4().hex[:5]
    name, initials = f"<b>Île</b> de Ré {tail}", f"ÎR{tail}"
    subject = f"{name} ({initials})"
    form = page.locator("main form[action='/admingen/directories']")
    form.locator("#create_directory-name").fill(name)
    form.locator("#create_directory-initials").fill(initials)
    press(page, form.get_by_role("button", name="Créer"))
    # The page then shows what to hand over (A3): its code, 0000 and its sign-in page; then back to the list.
    expect(page).to_have_url(re.compile(r"/admingen/directories/[a-z2-9]{8}\?done=directory_created$"))
    expect(page.locator("main p.notice")).to_have_text("Annuaire créé, avec le mot de passe 0000.")
    expect(page.locator("main .handover")).to_contain_text("0000")
    page.goto("/admingen.html")
    created = row(page, "Annuaires", tail)
    expect(created).to_have_count(1)
    expect(created.locator("td b")).to_have_count(0)  # the HTML of the name is shown as text
    name_cell, initials_cell, code, state, _ = cells(created)
    assert (name_cell, initials_cell, state) == (name, initials, "actif")
    assert re.fullmatch(r"[a-z2-9]{8}", code)

    # The confirmation page names the directory as the store knows it.
    click_in_row(page, "Annuaires", tail, "Remettre le mot de passe à 0000", subject=subject)
    expect_done(page, "/admingen.html", "password_reset", "Mot de passe remis à 0000.")

    click_in_row(page, "Annuaires", tail, "Désactiver", subject=subject)
    expect_done(page, "/admingen.html", "deactivate", "Désactivé.")
    expect(created.locator("td").nth(3)).to_have_text("inactif")
    expect(created.get_by_role("button", name="Désactiver")).to_have_count(0)

    # A6: a deactivated directory cannot sign in (with 0000, only its code may even try: A3).
    director = new_page()
    refused = sign_in(director, "/adminloc.html", "0000", identifier=code)
    assert refused.status == 403
    expect_form_error(director.locator("main form[action='/signin']"), "Ce compte est désactivé.")
    expect(director.locator("#sign_in-directory")).to_have_value(code)

    click_in_row(page, "Annuaires", tail, "Réactiver")
    expect_done(page, "/admingen.html", "activate", "Réactivé.")
    expect(created.locator("td").nth(3)).to_have_text("actif")
    sign_in(director, "/adminloc.html", "0000", identifier=code)
    expect(director.locator("main h1")).to_have_text(f"Choisir le mot de passe de {name}")

    # A1: the same name, differently cased, accented and spaced, comes back next to its field, as typed.
    page.goto("/admingen.html")
    taken = f"  <B>ILE</B>  DE RE {tail.upper()} "
    form.locator("#create_directory-name").fill(taken)
    form.locator("#create_directory-initials").fill(f"X{tail}")
    refused = press(page, form.get_by_role("button", name="Créer"))
    assert refused.status == 409
    expect(page).to_have_title(f"{DIRECTORIES_SIGN_IN} — Annuaires")
    expect_field_error(page, "create_directory-name", "Ce nom est déjà pris.")
    expect(page.locator("#create_directory-name")).to_have_value(taken)
    expect(page.locator("#create_directory-initials")).to_have_value(f"X{tail}")
    expect(page.locator("#create_directory-initials")).not_to_have_attribute("aria-invalid", "true")
    shot(page, "2-directories-admin-name-taken")

    form.locator("#create_directory-name").fill(f"Autre nom {tail}")
    form.locator("#create_directory-initials").fill(initials.lower())
    refused = press(page, form.get_by_role("button", name="Créer"))
    assert refused.status == 409
    expect_field_error(page, "create_directory-initials", "Ces initiales sont déjà prises.")
    expect(page.locator("#create_directory-name")).to_have_value(f"Autre nom {tail}")

    page.goto("/admingen.html")
    expect(row(page, "Annuaires", tail)).to_have_count(1)  # nothing half-written
    expect(row(page, "Annuaires", "Autre nom")).to_have_count(0)

    # The directories admin's audit log names the directory each act was on.
    acts = [f"annuaire réactivé — {name}", f"annuaire désactivé — {name}", f"mot de passe remis à 0000 — {subject}",
            f"annuaire créé — {subject}"]
    audit = audit_rows(page)[:4]
    assert all(who == DIRECTORIES_SIGN_IN for _, who, _, _ in audit), audit
    assert all(what.startswith(act) for (_, _, what, _), act in zip(audit, acts, strict=True)), audit

    # A4: the directory sees, once signed in, what the level above did to it.
    change_password(director, "0000", Given.STRONG)
    expect_done(director, "/adminloc.html", "password_changed", "Mot de passe changé.")
    expect(director.locator("main h1")).to_have_text(subject)
    audit = audit_rows(director)
    assert [who for _, who, _, _ in audit] == [f"{DIRECTORY_SIGN_IN} — {name}"] + [DIRECTORIES_SIGN_IN] * 4, audit
    assert all(what.startswith(act) for (_, _, what, _), act in zip(audit, ["mot de passe changé", *acts], strict=True)), audit


def test_directory_admin_first_password_groups_mailing_rename_dereference(server: Server, given: Given,
                                                                          new_page, shot) -> None:
    name = unique("Annuaire des Pentes")
    initials = f"AP{name[-5:]}"  # 7 characters: never the shape of a code
    created = given.directories_admin().post("/api/directories", {"name": name, "initials": initials}, expect=201).get_json()
    given.new_api().as_general().put("/api/mailers/C", {
        "from": "Alterconsos Pentes <pentes@example.org>", "smtp_host": "smtp.example.org", "smtp_port": 587,
        "username": "", "starttls": True}, expect=200)

    # A3: with 0000, the initials do not sign in (they are guessable); the code does.
    page = new_page()
    refused = sign_in(page, "/adminloc.html", "0000", identifier=initials.lower())
    assert refused.status == 401
    expect_form_error(page.locator("main form[action='/signin']"), WRONG_SIGN_IN)
    expect(page.locator("#sign_in-directory")).to_have_value(initials.lower())
    sign_in(page, "/adminloc.html", "0000", identifier=created["code"])

    # With the password 0000, only the change-password form is there, under one heading naming the directory.
    expect(page.locator("main h1")).to_have_text(f"Choisir le mot de passe de {name}")
    expect(page.locator("main h2")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Votre mot de passe est 0000")
    expect(page.locator("#change_password-new-help")).to_have_text(translate("password_rules", "fr"))
    expect(page.locator("main form")).to_have_count(1)
    expect(page.locator("main form")).to_have_attribute("action", "/password")
    expect(page.locator("main table")).to_have_count(0)
    csrf = page.locator("main input[name=csrf]").input_value()
    forced = page.request.post("/adminloc/groups/create",
                               form={"csrf": csrf, "type": "group", "name": "Pas encore", "initials": "PE"})
    assert forced.status == 403
    assert "Vous devez d'abord changer le mot de passe 0000." in html.unescape(forced.text())

    refused = change_password(page, "1234", Given.STRONG)
    assert refused.status == 400
    expect_field_error(page, "change_password-current", "mot de passe actuel incorrect")
    expect(page.locator("main h1")).to_have_text(f"Choisir le mot de passe de {name}")
    refused = change_password(page, "0000", Given.STRONG, confirm=Given.STRONG + "!")
    assert refused.status == 400
    expect_field_error(page, "change_password-confirm", "ne correspond pas au nouveau mot de passe")
    for field in ("current", "new", "confirm"):
        expect(page.locator(f"#change_password-{field}")).to_have_value("")
    change_password(page, "0000", Given.STRONG)
    expect_done(page, "/adminloc.html", "password_changed", "Mot de passe changé.")
    expect(page.locator("main h1")).to_have_text(f"{name} ({initials})")
    expect_who(page, f"{DIRECTORY_SIGN_IN} — {name}")

    # A7: a group and a groupement, with the password 0000.
    create = page.locator("main form[action='/adminloc/groups/create']")
    group_name, groupement_name = unique("Les Paniers d'Été"), unique("Ferme du Val")
    group_initials = "PÉ" + group_name[-5:]
    for type_, entity, entity_initials in (("group", group_name, group_initials),
                                           ("groupement", groupement_name, initials_for(groupement_name))):
        create.locator("#create_group-type").select_option(type_)
        create.locator("#create_group-name").fill(entity)
        create.locator("#create_group-initials").fill(entity_initials)
        press(page, create.get_by_role("button", name="Créer"))
        expect(page).to_have_url(re.compile(r"/adminloc/groups/[a-z2-9]{8}\?done=group_created$"))  # what to hand over
        expect(page.locator("main p.notice")).to_have_text("Créé, avec le mot de passe 0000.")
        expect(page.locator("main .handover")).to_contain_text(entity)
        page.goto("/adminloc.html")
    group_row = unfold(row(page, REFERENCED, group_name))
    name_cell, kind_cell, code = cells(group_row)[:3]
    assert (name_cell, kind_cell) == (f"{group_name} ({group_initials})", "groupe")
    assert re.fullmatch(r"[a-z2-9]{8}", code)
    assert cells(row(page, REFERENCED, groupement_name))[1] == "groupement"

    # A12: the group's mailing day and mailer; each configured mailer shows its sender.
    mailer = group_row.locator("select[name=mailer]")
    expect(mailer.locator("option:checked")).to_have_text("Z (aucun)")
    expect(mailer.locator("option[value=C]")).to_have_text("C — Alterconsos Pentes <pentes@example.org>")
    expect(group_row.get_by_role("button", name="Enregistrer")).to_be_visible()
    expect(group_row.locator(".warning, .help")).to_have_count(0)
    group_row.locator("select[name=day]").select_option("tue")
    mailer.select_option("C")
    press(page, group_row.get_by_role("button", name="Enregistrer"))
    expect_done(page, "/adminloc.html", "saved", "Enregistré.")
    expect(group_row.locator("td").nth(3)).to_have_text("mardi, expéditeur C")  # the row says it, folded
    unfold(group_row)
    expect(group_row.locator("select[name=day] option:checked")).to_have_text("mardi")
    expect(mailer.locator("option:checked")).to_have_text("C — Alterconsos Pentes <pentes@example.org>")
    shot(page, "3-directory-admin")

    # Renaming the directory, its colour, and a comment holding HTML (shown as text).
    new_name, new_initials = f"Annuaire du Marais {name[-6:]}", f"AM{name[-5:]}"
    settings = page.locator("main form[action='/adminloc/settings']")
    expect(settings.locator("#update_from_form-name")).to_have_value(name)
    expect(settings.locator("#update_from_form-color")).to_have_attribute("type", "color")
    settings.locator("#update_from_form-name").fill(new_name)
    settings.locator("#update_from_form-initials").fill(new_initials)
    settings.locator("#update_from_form-color").fill("#aa3355")
    settings.get_by_label("Aucune couleur").uncheck()
    settings.locator("#update_from_form-comment").fill("Distribution le jeudi <i>soir</i>")
    press(page, settings.get_by_role("button", name="Enregistrer"))
    expect_done(page, "/adminloc.html", "saved", "Enregistré.")
    expect(page.locator("main h1")).to_have_text(f"{new_name} ({new_initials})")
    expect(page.locator("main h1 .swatch")).to_have_css("background-color", "rgb(170, 51, 85)")
    expect(page.locator("main")).to_contain_text("Distribution le jeudi <i>soir</i>")
    expect(page.locator("main i")).to_have_count(0)
    expect_who(page, f"{DIRECTORY_SIGN_IN} — {new_name}")

    # A9: referenced nowhere else, the dereferenced group is deactivated, and can be reactivated.
    group_label = f"{group_name} ({group_initials})"
    click_in_row(page, REFERENCED, group_name, "Déréférencer", subject=group_label)
    expect_done(page, "/adminloc.html", "state_deactivated",
                "Déréférencé et désactivé : vous pouvez le réactiver pendant un temps.")
    expect(row(page, REFERENCED, group_name)).to_have_count(0)
    gone = cells(row(page, DEACTIVATED, group_name))
    assert gone[:2] == [group_label, code]
    assert LOCAL_TIME.match(gone[2]) and LOCAL_TIME.match(gone[3]), gone
    click_in_row(page, DEACTIVATED, group_name, "Réactiver")
    expect_done(page, "/adminloc.html", "reactivated", "Réactivé.")
    expect(row(page, REFERENCED, group_name)).to_have_count(1)
    expect(table(page, DEACTIVATED).locator("tbody tr")).to_have_text(["Rien pour l'instant."])

    # The audit log, newest first, names what each act was on; weekdays in French.
    audit = audit_rows(page)
    whats = [what for _, _, what, _ in audit]
    assert whats[0] == f"réactivé — {group_label}", whats
    for expected in ("mot de passe changé", f"groupe créé — {group_label}", f"envoi hebdomadaire réglé — {group_label}",
                     f"déréférencé et désactivé — {group_label}", "annuaire modifié"):
        assert expected in whats, (expected, whats)
    assert any(what.startswith("groupement créé — " + groupement_name) for what in whats), whats
    assert all(LOCAL_TIME.match(when) for when, _, _, _ in audit), audit
    assert [detail for _, _, what, detail in audit if what.startswith("envoi hebdomadaire réglé")] == ["mardi / C"]

    # Signed out, the page says so; the directory signs in with its new initials.
    sign_out(page)
    expect(page).to_have_url(re.compile(r"/adminloc\.html\?reason=signed_out$"))
    expect(page.locator("main h1")).to_have_text(DIRECTORY_SIGN_IN)
    expect(page.locator("main p.notice")).to_have_text("Vous êtes déconnecté.")
    expect(page.locator("header .who")).to_have_count(0)
    sign_in(page, "/adminloc.html", Given.STRONG, identifier=new_initials)
    expect(page.locator("main h1")).to_have_text(f"{new_name} ({new_initials})")
