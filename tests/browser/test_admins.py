"""The administrators' journeys in Chromium, as volunteers see them (French first), and what every page shares."""

from __future__ import annotations

import html
import re
import uuid

from playwright.sync_api import Playwright, expect

from tests.browser.helpers import (
    DEACTIVATED,
    GROUP_SIGN_IN,
    LOCAL_TIME,
    REFERENCED,
    audit_rows,
    cells,
    change_password,
    click_in_row,
    directories_admin,
    expect_done,
    new_directory,
    new_group,
    press,
    ready_group,
    row,
    sign_in,
    table,
    unique,
)
from tests.helpers import DIRECTORIES_PASSWORD, GENERAL_ADMIN, STRONG
from tests.service import Server


def test_general_admin_initialises_an_empty_datastore(empty_server: Server, new_page, shot) -> None:
    page = new_page(empty_server)
    # Nothing is set yet: the directories admin cannot sign in.
    sign_in(page, "/admingen.html", DIRECTORIES_PASSWORD)
    expect(page).to_have_url(re.compile(r"/admingen\.html\?error=unauthenticated$"))
    expect(page.locator("main p.error")).to_have_text("Identifiant ou mot de passe incorrect, ou session terminée.")

    # An address not listed in the configuration is refused.
    page.goto("/admin/pwd.html")
    expect(page.locator("main h1")).to_have_text("Administration générale")
    expect(page.locator("main")).to_contain_text("Mode local (émulateur)")
    page.locator("#email").fill("intruder@example.org")
    press(page, page.get_by_role("button", name="Se connecter"))
    expect(page).to_have_url(re.compile(r"/admin/pwd\.html\?error=unauthenticated$"))
    expect(page.locator("#password")).to_have_count(0)

    page.locator("#email").fill(GENERAL_ADMIN)
    press(page, page.get_by_role("button", name="Se connecter"))
    expect(page).to_have_url(re.compile(r"/admin/pwd\.html$"))
    expect(page.locator("main")).to_contain_text(f"Connecté en tant que {GENERAL_ADMIN}")
    form = page.locator("main form[action='/admin/pwd.html']")
    expect(form.locator("h2")).to_have_text("Mot de passe de l'administration des annuaires")
    form.locator("#password").fill(DIRECTORIES_PASSWORD)
    press(page, form.get_by_role("button", name="Enregistrer"))
    expect_done(page, "/admin/pwd.html", "directories_admin_password_set",
                "Mot de passe de l'administration des annuaires enregistré.")
    expect(page.locator("#password")).to_have_value("")
    assert DIRECTORIES_PASSWORD not in page.content()

    # A mailer identity: its SMTP password is stored, never shown again.
    expect(table(page, "Expéditeurs").locator("tbody tr")).to_have_text(["Aucun expéditeur configuré."])
    mailer = page.locator("main form[action='/admin/mailers']")
    mailer.locator("#letter").select_option("B")
    mailer.locator("#from").fill("envoi@example.org")
    mailer.locator("#smtp_host").fill("smtp.example.org")
    mailer.locator("#username").fill("envoi")
    mailer.locator("#mailer-password").fill("smtp-secret-4821")
    press(page, mailer.get_by_role("button", name="Enregistrer"))
    expect_done(page, "/admin/pwd.html", "saved", "Enregistré.")
    assert cells(row(page, "Expéditeurs", "envoi@example.org")) == [
        "B", "envoi@example.org", "smtp.example.org:587", "envoi", "oui", "enregistré (illisible)"]
    expect(page.locator("#mailer-password")).to_have_value("")
    assert "smtp-secret-4821" not in page.content()
    shot(page, "1-general-admin")

    # Now the directories admin signs in, in another browser, and finds no directory yet.
    other = new_page(empty_server)
    sign_in(other, "/admingen.html", DIRECTORIES_PASSWORD)
    expect(other).to_have_url(re.compile(r"/admingen\.html$"))
    expect(other.locator("main h1")).to_have_text("Administration des annuaires")
    expect(table(other, "Annuaires").locator("tbody tr")).to_have_text(["Aucun annuaire pour l'instant."])


def test_directories_admin_creates_resets_deactivates_and_reactivates(server: Server, playwright: Playwright,
                                                                      new_page, shot) -> None:
    directories_admin(playwright, server.url)
    page = new_page()
    sign_in(page, "/admingen.html", DIRECTORIES_PASSWORD)
    expect(page.locator("main h1")).to_have_text("Administration des annuaires")

    tail = uuid.uuid4().hex[:5]
    name, initials = f"<b>Île</b> de Ré {tail}", f"ÎR{tail}"
    form = page.locator("main form[action='/admingen/directories']")
    form.locator("#name").fill(name)
    form.locator("#initials").fill(initials)
    press(page, form.get_by_role("button", name="Créer"))
    expect_done(page, "/admingen.html", "directory_created", "Annuaire créé, avec le mot de passe 0000.")
    created = row(page, "Annuaires", tail)
    expect(created).to_have_count(1)
    expect(created.locator("td b")).to_have_count(0)  # the HTML of the name is shown as text
    name_cell, initials_cell, code, state, _ = cells(created)
    assert (name_cell, initials_cell, state) == (name, initials, "actif")
    assert re.fullmatch(r"[a-z2-9]{8}", code)
    shot(page, "2-directories-admin")

    click_in_row(page, "Annuaires", tail, "Remettre le mot de passe à 0000")
    expect_done(page, "/admingen.html", "password_reset", "Mot de passe remis à 0000.")

    click_in_row(page, "Annuaires", tail, "Désactiver")
    expect_done(page, "/admingen.html", "deactivate", "Désactivé.")
    expect(created.locator("td").nth(3)).to_have_text("inactif")
    expect(created.get_by_role("button", name="Désactiver")).to_have_count(0)

    # A6: a deactivated directory cannot sign in.
    director = new_page()
    sign_in(director, "/adminloc.html", "0000", identifier=initials)
    expect(director).to_have_url(re.compile(r"/adminloc\.html\?error=account_deactivated$"))
    expect(director.locator("main p.error")).to_have_text("Ce compte est désactivé.")

    click_in_row(page, "Annuaires", tail, "Réactiver")
    expect_done(page, "/admingen.html", "activate", "Réactivé.")
    expect(created.locator("td").nth(3)).to_have_text("actif")
    sign_in(director, "/adminloc.html", "0000", identifier=code)
    expect(director.locator("main h1")).to_have_text("Changer le mot de passe")

    # A1: the same name, differently cased, accented and spaced, is refused with a clear page.
    page.goto("/admingen.html")
    form.locator("#name").fill(f"  <B>ILE</B>  DE RE {tail.upper()} ")
    form.locator("#initials").fill(f"X{tail}")
    refused = press(page, form.get_by_role("button", name="Créer"))
    assert refused.status == 409
    expect(page).to_have_title("Erreur — Annuaires")
    expect(page.locator("main h1")).to_have_text("Erreur")
    expect(page.locator("main p.error")).to_have_text("Ce nom est déjà pris.")
    expect(page.get_by_role("link", name="Revenir en arrière")).to_have_attribute("href", "/admingen.html")
    shot(page, "2-error-name-taken")

    page.goto("/admingen.html")
    form.locator("#name").fill(f"Autre nom {tail}")
    form.locator("#initials").fill(initials.lower())
    refused = press(page, form.get_by_role("button", name="Créer"))
    assert refused.status == 409
    expect(page.locator("main p.error")).to_have_text("Ces initiales sont déjà prises.")

    page.get_by_role("link", name="Revenir en arrière").click()
    expect(page).to_have_url(f"{server.url}/admingen.html")
    expect(row(page, "Annuaires", tail)).to_have_count(1)  # nothing half-written

    # The directories admin's audit log shows who set its password.
    audit = audit_rows(page)
    assert tuple(audit[0][1:3]) == ("Administration des annuaires", "annuaire réactivé")
    when, who, what, _ = audit[-1]
    assert (who, what) == (f"Administration générale — {GENERAL_ADMIN}", "mot de passe de l'administration des annuaires défini")
    assert LOCAL_TIME.match(when)

    # A4: the directory sees, once signed in, what the level above did to it.
    change_password(director, "0000", STRONG)
    expect_done(director, "/adminloc.html", "password_changed", "Mot de passe changé.")
    expect(director.locator("main h1")).to_have_text(f"{name} ({initials})")
    assert [(who, what) for _, who, what, _ in audit_rows(director)] == [
        (f"Administration d'un annuaire — {name}", "mot de passe changé"),
        ("Administration des annuaires", "annuaire réactivé"),
        ("Administration des annuaires", "annuaire désactivé"),
        ("Administration des annuaires", "mot de passe remis à 0000"),
        ("Administration des annuaires", "annuaire créé"),
    ]


def test_directory_admin_first_password_groups_mailing_rename_dereference(server: Server, playwright: Playwright,
                                                                          new_page, shot) -> None:
    name = unique("Annuaire des Pentes")
    initials = f"AP{name[-6:]}"
    created = directories_admin(playwright, server.url).call("POST", "/api/directories",
                                                             {"name": name, "initials": initials}, 201)
    page = new_page()
    sign_in(page, "/adminloc.html", "0000", identifier=initials.lower())

    # A3: with the password 0000, only the change-password form is there.
    expect(page.locator("main h1")).to_have_text("Changer le mot de passe")
    expect(page.locator("main")).to_contain_text("Votre mot de passe est 0000")
    expect(page.locator("main form")).to_have_count(1)
    expect(page.locator("main form")).to_have_attribute("action", "/password")
    expect(page.locator("main table")).to_have_count(0)
    csrf = page.locator("main input[name=csrf]").input_value()
    forced = page.request.post("/adminloc/groups/create",
                               form={"csrf": csrf, "type": "group", "name": "Pas encore", "initials": "PE"})
    assert forced.status == 403
    assert "Vous devez d'abord changer le mot de passe 0000." in html.unescape(forced.text())

    refused = change_password(page, "1234", STRONG)
    assert refused.status == 400
    expect(page.locator("main")).to_contain_text("mot de passe actuel incorrect")
    page.goto("/adminloc.html")
    change_password(page, "0000", STRONG)
    expect_done(page, "/adminloc.html", "password_changed", "Mot de passe changé.")
    expect(page.locator("main h1")).to_have_text(f"{name} ({initials})")
    expect(page.locator("main")).to_contain_text(f"Code : {created['code']}")
    expect(table(page, REFERENCED).locator("tbody tr")).to_have_text(["Aucun groupe référencé."])

    # A7: a group and a groupement.
    group_name, groupement_name = unique("Les Paniers d'Été"), unique("Ferme du Val")
    create = page.locator("main form[action='/adminloc/groups/create']")
    for kind, label, group_initials in (("group", group_name, "PÉ" + group_name[-6:]),
                                        ("groupement", groupement_name, "FV" + groupement_name[-6:])):
        create.locator("#new-type").select_option(kind)
        create.locator("#new-name").fill(label)
        create.locator("#new-initials").fill(group_initials)
        press(page, create.get_by_role("button", name="Créer"))
        expect_done(page, "/adminloc.html", "group_created", "Créé, avec le mot de passe 0000.")
    group_row = row(page, REFERENCED, group_name)
    name_cell, initials_cell, kind_cell, code = cells(group_row)[:4]
    assert (name_cell, initials_cell, kind_cell) == (group_name, "PÉ" + group_name[-6:], "groupe")
    assert re.fullmatch(r"[a-z2-9]{8}", code)
    assert cells(row(page, REFERENCED, groupement_name))[2] == "groupement"

    # A12: the group's mailing day and mailer.
    expect(group_row.locator("select[name=mailer] option:checked")).to_have_text("Z (aucun)")
    group_row.locator("select[name=day]").select_option("tue")
    group_row.locator("select[name=mailer]").select_option("C")
    press(page, group_row.get_by_role("button", name="Enregistrer"))
    expect_done(page, "/adminloc.html", "saved", "Enregistré.")
    expect(group_row.locator("select[name=day] option:checked")).to_have_text("mardi")
    expect(group_row.locator("select[name=mailer] option:checked")).to_have_text("C")

    # Renaming the directory, with a comment holding HTML (shown as text).
    new_name, new_initials = f"Annuaire du Marais {name[-6:]}", f"AM{name[-6:]}"
    settings = page.locator("main form[action='/adminloc/settings']")
    settings.locator("#set-name").fill(new_name)
    settings.locator("#set-initials").fill(new_initials)
    settings.locator("#set-comment").fill("Distribution le jeudi <i>soir</i>")
    press(page, settings.get_by_role("button", name="Enregistrer"))
    expect_done(page, "/adminloc.html", "saved", "Enregistré.")
    expect(page.locator("main h1")).to_have_text(f"{new_name} ({new_initials})")
    expect(page.locator("main")).to_contain_text("Distribution le jeudi <i>soir</i>")
    expect(page.locator("main i")).to_have_count(0)

    # A9: referenced nowhere else, the dereferenced group is deactivated, and can be reactivated.
    click_in_row(page, REFERENCED, group_name, "Déréférencer")
    expect_done(page, "/adminloc.html", "state_deactivated",
                "Déréférencé et désactivé : vous pouvez le réactiver pendant un temps.")
    expect(row(page, REFERENCED, group_name)).to_have_count(0)
    gone = cells(row(page, DEACTIVATED, group_name))
    assert gone[:3] == [group_name, "PÉ" + group_name[-6:], code]
    assert LOCAL_TIME.match(gone[3]), gone
    shot(page, "3-directory-admin-dereferenced")
    click_in_row(page, DEACTIVATED, group_name, "Réactiver")
    expect_done(page, "/adminloc.html", "reactivated", "Réactivé.")
    expect(row(page, REFERENCED, group_name)).to_have_count(1)
    expect(table(page, DEACTIVATED).locator("tbody tr")).to_have_text(["Rien pour l'instant."])

    # The audit log, newest first.
    audit = audit_rows(page)
    whats = [what for _, _, what, _ in audit]
    assert whats[0] == "réactivé"
    for expected in ("mot de passe changé", "groupe créé", "groupement créé", "envoi hebdomadaire réglé",
                     "annuaire modifié", "déréférencé et désactivé"):
        assert expected in whats, (expected, whats)
    assert all(LOCAL_TIME.match(when) for when, _, _, _ in audit), audit
    assert [detail for _, _, what, detail in audit if what == "envoi hebdomadaire réglé" and detail.endswith(": tue / C")]
    shot(page, "3-directory-admin")

    # Signed out, the directory signs in with its new initials.
    press(page, page.locator("header").get_by_role("button", name="Se déconnecter"))
    expect(page).to_have_url(re.compile(r"/adminloc\.html$"))
    expect(page.locator("main h1")).to_have_text("Administration d'un annuaire")
    sign_in(page, "/adminloc.html", STRONG, identifier=new_initials)
    expect(page.locator("main h1")).to_have_text(f"{new_name} ({new_initials})")


def test_language_switch_to_english_stays_on_the_next_page(server: Server, new_page) -> None:
    page = new_page()
    page.goto("/adminloc.html")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("main h1")).to_have_text("Administration d'un annuaire")

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/adminloc\.html\?lang=en$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text("Directory administration")
    expect(page.locator("main label[for=identifier]")).to_have_text("Directory code or initials")

    # The next pages, without ?lang, are English too.
    page.get_by_role("link", name="Annuaires", exact=True).click()
    expect(page).to_have_url(f"{server.url}/")
    expect(page.locator("main p")).to_have_text(
        "Administration of directories of consumer groups and producer groupings.")
    page.get_by_role("link", name="Group or groupement animation").click()
    expect(page).to_have_url(re.compile(r"/animateur\.html$"))
    expect(page.locator("main h1")).to_have_text("Group or groupement animation")
    sign_in(page, "/animateur.html", "wrong-password", identifier="nobody", button="Sign in")
    expect(page.locator("main p.error")).to_have_text("Wrong name or password, or session ended.")

    page.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto("/admingen.html")
    expect(page.locator("main h1")).to_have_text("Administration des annuaires")


def test_every_page_loads_its_stylesheet(server: Server, new_page) -> None:
    page = new_page()
    with page.expect_response(lambda r: r.url.endswith("/static/annuaires.css")) as stylesheet:
        page.goto("/")
    assert stylesheet.value.status == 200, f"/static/annuaires.css answered {stylesheet.value.status}: pages are unstyled"
    assert stylesheet.value.headers["content-type"].startswith("text/css")
    expect(page.locator("body > header")).to_have_css("background-color", "rgb(47, 111, 78)")


def test_every_role_page_has_its_own_title(server: Server, playwright: Playwright, new_page) -> None:
    page = new_page()
    for path, title in (("/", "Accueil"), ("/admin/pwd.html", "Administration générale"),
                        ("/admingen.html", "Administration des annuaires"),
                        ("/adminloc.html", "Administration d'un annuaire"), ("/animateur.html", GROUP_SIGN_IN)):
        page.goto(path)
        expect(page).to_have_title(f"{title} — Annuaires")

    directory, director = new_directory(playwright, server.url, unique("Annuaire du Titre"))
    group = new_group(director, "group", unique("Groupe du Titre"))
    ready_group(playwright, server.url, group)
    sign_in(page, "/admingen.html", DIRECTORIES_PASSWORD)
    expect(page).to_have_title("Administration des annuaires — Annuaires")
    sign_in(page, "/adminloc.html", STRONG, identifier=directory["code"])
    expect(page).to_have_title(f"{directory['name']} — Annuaires")
    sign_in(page, "/animateur.html", STRONG, identifier=group["code"])
    expect(page).to_have_title(f"{group['name']} — Annuaires")

    page.goto("/admin/pwd.html")
    page.locator("#email").fill(GENERAL_ADMIN)
    press(page, page.get_by_role("button", name="Se connecter"))
    expect(page.locator("main h1")).to_have_text("Administration générale")
    title = page.title()
    assert title == "Administration générale — Annuaires", f"title of {len(title)} characters: {title[:90]}…"
