"""The animators' journeys in Chromium, as volunteers see them (French first), and one browser holding two roles."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.browser import (
    DIRECTORY_SIGN_IN,
    GROUP_SIGN_IN,
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
    labelled,
    press,
    row,
    sign_in,
    sign_out,
    table,
    unfold,
    unique,
)
from tests.support.given import Given
from tests.support.service import Server

SESSION_RESET = ("Votre session a été fermée : le mot de passe a été changé, ou remis à 0000 par le niveau au-dessus. "
                 "Connectez-vous avec le mot de passe actuel (0000 après une remise à zéro, avec le code).")


def new_group(given: Given, director, type_: str, prefix: str) -> dict:
    """A group or groupement of a directory, on 0000, with unique name and initials."""
    name = unique(prefix)
    return given.group(director, type_, name=name, initials=initials_for(name))


def test_a_group_on_0000_signs_in_with_its_code_not_its_initials(server: Server, given: Given, new_page, shot) -> None:
    _, director = given.directory(unique("Annuaire des Codes"), initials_for(unique("Codes")))
    group = new_group(given, director, "group", "Les Radis")

    page = new_page()
    refused = sign_in(page, "/animateur.html", "0000", identifier=group["initials"])
    assert refused.status == 401
    expect(page.locator("main h1")).to_have_text(GROUP_SIGN_IN)
    expect_form_error(page.locator("main form[action='/signin']"), WRONG_SIGN_IN)
    expect(page.locator("#sign_in-group")).to_have_value(group["initials"])
    expect(page.locator("#sign_in-password")).to_have_value("")
    shot(page, "1-animator-sign-in-refused")

    sign_in(page, "/animateur.html", "0000", identifier=group["code"].upper())  # a code, in any case
    expect(page).to_have_url(re.compile(r"/animateur\.html$"))
    expect(page.locator("main h1")).to_have_text(f"Choisir le mot de passe de {group['name']}")
    expect(page.locator("main h1, main h2")).to_have_count(1)  # one heading, not the form's own again
    expect(page.locator("main form")).to_have_count(1)
    expect_who(page, f"{GROUP_SIGN_IN} — {group['name']}")
    shot(page, "1-animator-first-password")


def test_animators_manage_members_message_and_deliveries(server: Server, given: Given, new_page, shot) -> None:
    directory_name = unique("Annuaire du Plateau")
    _, director = given.directory(directory_name, initials_for(directory_name))
    given.mailers("D")  # a mailing takes only a configured mailer (A12)
    group = new_group(given, director, "group", "Les Paniers d'Été")
    groupement = new_group(given, director, "groupement", "Ferme du Val")
    _, far_director = given.directory(unique("Annuaire Lointain"), initials_for(unique("Lointain")))
    far_group = new_group(given, far_director, "group", "Groupe Lointain")

    page = new_page()
    sign_in(page, "/animateur.html", "0000", identifier=group["code"])
    change_password(page, "0000", Given.STRONG)
    expect_done(page, "/animateur.html", "password_changed", "Mot de passe changé.")
    expect(page.locator("main h1")).to_have_text(labelled(group))
    expect_who(page, f"{GROUP_SIGN_IN} — {group['name']}")
    expect(page.locator("main")).to_contain_text(f"groupe — Code : {group['code']}")
    expect(page.locator("main")).to_contain_text(f"Annuaires : {directory_name} ({initials_for(directory_name)})")
    expect(page.locator("main")).to_contain_text("Envoi hebdomadaire : aucun envoi hebdomadaire réglé")

    add = page.locator("main form[action='/animateur/members']")
    for member, email in (("Zoé Dupré", "zoe@example.org"), ("Émile Noël", "emile@example.org"),
                          ("Ana <Li>", "ana@example.org")):
        add.locator("#add_member-name").fill(member)
        add.locator("#add_member-email").fill(email)
        press(page, add.get_by_role("button", name="Ajouter"))
        expect_done(page, "/animateur.html", "member_added", "Membre ajouté.")
    assert cells(row(page, "Alterconsos", "zoe@example.org"))[:3] == ["Zoé Dupré", "zoe@example.org", "actif"]
    assert cells(row(page, "Alterconsos", "ana@example.org"))[0] == "Ana <Li>"

    # An address already in the group comes back next to its field; the name stays as typed.
    add.locator("#add_member-name").fill("Zoé Bis")
    add.locator("#add_member-email").fill("zoe@example.org")
    refused = press(page, add.get_by_role("button", name="Ajouter"))
    assert refused.status == 400
    expect_field_error(page, "add_member-email", "adresse déjà présente dans ce groupe")
    expect(add.locator("#add_member-name")).to_have_value("Zoé Bis")
    expect(add.locator("#add_member-email")).to_have_value("zoe@example.org")
    expect(table(page, "Alterconsos").locator("tbody tr")).to_have_count(3)

    click_in_row(page, "Alterconsos", "zoe@example.org", "Désactiver")
    expect_done(page, "/animateur.html", "saved", "Enregistré.")
    zoe = row(page, "Alterconsos", "zoe@example.org")
    expect(zoe.locator("td").nth(2)).to_have_text("inactif")
    expect(zoe.get_by_role("button", name="Réactiver")).to_have_count(1)

    click_in_row(page, "Alterconsos", "emile@example.org", "Retirer", subject="Émile Noël <emile@example.org>")
    expect_done(page, "/animateur.html", "member_removed", "Membre retiré.")
    expect(row(page, "Alterconsos", "emile@example.org")).to_have_count(0)
    expect(table(page, "Alterconsos").locator("tbody tr")).to_have_count(2)

    subject, body = "Distribution de jeudi", "Bonjour à tous,\nPensez à vos sacs.\n<b>Merci</b> !"
    message = page.locator("main form[action='/animateur/message']")
    message.locator("#set_message-subject").fill(subject)
    message.locator("#set_message-body").fill(body)
    press(page, message.get_by_role("button", name="Enregistrer"))
    expect_done(page, "/animateur.html", "saved", "Enregistré.")
    page.goto("/animateur.html")
    expect(page.locator("#set_message-subject")).to_have_value(subject)
    expect(page.locator("#set_message-body")).to_have_value(body)
    audit = audit_rows(page)
    assert [what for _, _, what, _ in audit[:4]] == [
        "message de la semaine modifié", "membre retiré", "membre désactivé", "membre ajouté"], audit
    assert [detail for _, _, _, detail in audit[:3]] == [
        subject, "Émile Noël <emile@example.org>", "Zoé Dupré <zoe@example.org>"], audit
    shot(page, "2-animator-group")

    # The groupement's animator, in another browser: its code signs in with 0000.
    producer = new_page()
    sign_in(producer, "/animateur.html", "0000", identifier=groupement["code"])
    change_password(producer, "0000", Given.STRONG)
    expect(producer.locator("main h1")).to_have_text(labelled(groupement))
    expect(table(producer, "Producteurs")).to_have_count(1)
    expect(table(producer, "Groupes livrés").locator("tbody tr")).to_have_text(["Rien pour l'instant."])

    # A10: only the groups that share an active directory with the groupement are offered.
    deliver = producer.locator("main form[action='/animateur/deliveries']")
    choices = deliver.locator("#add_delivery-group option")
    expect(choices).to_have_text([labelled(group)])
    expect(deliver).not_to_contain_text(far_group["name"])
    deliver.locator("#add_delivery-group").select_option(label=labelled(group))
    press(producer, deliver.get_by_role("button", name="Ajouter"))
    expect_done(producer, "/animateur.html", "delivery_added", "Groupe livré ajouté.")
    assert cells(row(producer, "Groupes livrés", group["name"]))[:2] == [labelled(group), "actif"]
    expect(deliver.locator("#add_delivery-group")).to_have_count(0)
    expect(deliver).to_contain_text("Aucun groupe ne peut être livré")
    assert audit_rows(producer)[0][2] == f"groupe livré ajouté — {labelled(group)}"
    shot(producer, "2-animator-groupement")

    # The group sees who delivers it.
    page.goto("/animateur.html")
    assert cells(row(page, "Groupements qui nous livrent", groupement["name"])) == [labelled(groupement), "actif"]

    # Its directory set the mailing: the animator sees the day, the mailer and who set it.
    director.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "thu", "mailer": "D"}, expect=200)
    page.reload()
    expect(page.locator("main")).to_contain_text(
        f"Envoi hebdomadaire : jeudi, expéditeur D (réglé par l'annuaire {directory_name})")


def test_taking_power_ends_the_animator_session_and_shows_in_its_audit(server: Server, given: Given,
                                                                       new_page, shot) -> None:
    directory_name = unique("Annuaire des Tilleuls")
    directory_code, director_api = given.directory(directory_name, initials_for(directory_name))
    group = new_group(given, director_api, "group", "Groupe des Tilleuls")
    given.animator(group["code"])

    animator = new_page()
    sign_in(animator, "/animateur.html", Given.STRONG, identifier=group["initials"])
    expect(animator.locator("main h1")).to_have_text(labelled(group))

    director = new_page()
    sign_in(director, "/adminloc.html", Given.STRONG, identifier=directory_code)
    click_in_row(director, REFERENCED, group["name"], "Remettre le mot de passe à 0000", subject=labelled(group))
    expect_done(director, "/adminloc.html", "password_reset", "Mot de passe remis à 0000.")
    assert [r for r in audit_rows(director) if r[2] == f"mot de passe remis à 0000 — {labelled(group)}"]

    # A4: the animator's open page, reloaded, is back to the sign-in form saying why; the old password no longer works.
    animator.reload()
    expect(animator).to_have_url(re.compile(r"/animateur\.html$"))
    expect(animator.locator("main h1")).to_have_text(GROUP_SIGN_IN)
    expect(animator.locator("main p.notice")).to_have_text(SESSION_RESET)
    expect(animator.locator("main form[action='/signin'] #sign_in-password")).to_be_visible()
    expect(animator.locator("main")).not_to_contain_text(group["name"])
    expect(animator.locator("header .who")).to_have_count(0)
    shot(animator, "3-animator-session-reset")
    refused = sign_in(animator, "/animateur.html", Given.STRONG, identifier=group["initials"])
    assert refused.status == 401
    expect_form_error(animator.locator("main form[action='/signin']"), WRONG_SIGN_IN)
    refused = sign_in(animator, "/animateur.html", "0000", identifier=group["initials"])
    assert refused.status == 401

    sign_in(animator, "/animateur.html", "0000", identifier=group["code"])
    expect(animator.locator("main h1")).to_have_text(f"Choisir le mot de passe de {group['name']}")
    change_password(animator, "0000", "another-long-password")
    expect_done(animator, "/animateur.html", "password_changed", "Mot de passe changé.")
    audit = audit_rows(animator)
    assert audit[0][1:3] == [f"{GROUP_SIGN_IN} — {group['name']}", "mot de passe changé"], audit
    resets = [r for r in audit if r[2].startswith("mot de passe remis à 0000")]
    assert len(resets) == 1
    when, who, what, _ = resets[0]
    assert (who, what) == (f"{DIRECTORY_SIGN_IN} — {directory_name}", f"mot de passe remis à 0000 — {labelled(group)}")
    assert LOCAL_TIME.match(when)


def test_one_browser_keeps_a_session_per_role(server: Server, given: Given, new_page, shot) -> None:
    directory_name = unique("Annuaire Double")
    directory_code, director = given.directory(directory_name, initials_for(directory_name))
    given.mailers("D")
    group = new_group(given, director, "group", "Les Doubles")
    given.animator(group["code"])

    # A volunteer is both the directory's admin and the group's animator, in one browser.
    page = new_page()
    sign_in(page, "/adminloc.html", Given.STRONG, identifier=directory_code)
    sign_in(page, "/animateur.html", Given.STRONG, identifier=group["code"])
    expect(page.locator("main h1")).to_have_text(labelled(group))
    expect_who(page, f"{GROUP_SIGN_IN} — {group['name']}")
    cookies = {c["name"] for c in page.context.cookies()}
    assert {"annuaires_directory", "annuaires_group"} <= cookies, cookies

    page.goto("/adminloc.html")
    expect(page.locator("main h1")).to_have_text(f"{directory_name} ({initials_for(directory_name)})")
    expect_who(page, f"{DIRECTORY_SIGN_IN} — {directory_name}")
    group_row = unfold(row(page, REFERENCED, group["name"]))
    group_row.locator("select[name=day]").select_option("fri")
    group_row.locator("select[name=mailer]").select_option("D")
    press(page, group_row.get_by_role("button", name="Enregistrer"))  # each role's form carries its own token
    expect_done(page, "/adminloc.html", "saved", "Enregistré.")
    shot(page, "4-two-roles-directory")

    page.goto("/animateur.html")
    expect_who(page, f"{GROUP_SIGN_IN} — {group['name']}")
    expect(page.locator("main")).to_contain_text(f"vendredi, expéditeur D (réglé par l'annuaire {directory_name})")
    add = page.locator("main form[action='/animateur/members']")
    add.locator("#add_member-name").fill("Léa Double")
    add.locator("#add_member-email").fill("lea@example.org")
    press(page, add.get_by_role("button", name="Ajouter"))
    expect_done(page, "/animateur.html", "member_added", "Membre ajouté.")

    # Signing out of one role leaves the other signed in; the sign-in page says why the person is there.
    sign_out(page)
    expect(page).to_have_url(re.compile(r"/animateur\.html\?reason=signed_out$"))
    expect(page.locator("main h1")).to_have_text(GROUP_SIGN_IN)
    expect(page.locator("main p.notice")).to_have_text("Vous êtes déconnecté.")
    expect(page.locator("header .who")).to_have_count(0)
    shot(page, "4-signed-out")
    page.goto("/adminloc.html")
    expect_who(page, f"{DIRECTORY_SIGN_IN} — {directory_name}")

    # Back in as the animator; then its directory dereferences the group, referenced nowhere else (A9, A6).
    sign_in(page, "/animateur.html", Given.STRONG, identifier=group["code"])
    expect_who(page, f"{GROUP_SIGN_IN} — {group['name']}")
    page.goto("/adminloc.html")
    click_in_row(page, REFERENCED, group["name"], "Déréférencer", subject=labelled(group))
    expect_done(page, "/adminloc.html", "state_deactivated",
                "Déréférencé et désactivé : vous pouvez le réactiver pendant un temps.")
    page.goto("/animateur.html")
    expect(page.locator("main h1")).to_have_text(GROUP_SIGN_IN)
    expect(page.locator("main p.notice")).to_have_text("Ce compte a été désactivé : il ne peut plus se connecter.")
    expect(page.locator("header .who")).to_have_count(0)
    page.goto("/adminloc.html")
    expect_who(page, f"{DIRECTORY_SIGN_IN} — {directory_name}")
    sign_out(page)
    expect(page.locator("main p.notice")).to_have_text("Vous êtes déconnecté.")
    page.goto("/adminloc.html")
    expect(page.locator("main h1")).to_have_text(DIRECTORY_SIGN_IN)
    expect(page.locator("main p.notice")).to_have_count(0)
