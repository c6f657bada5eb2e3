"""The animators' journeys in Chromium, as volunteers see them (French first)."""

from __future__ import annotations

import re

from playwright.sync_api import Playwright, expect

from tests.browser.helpers import (
    GROUP_SIGN_IN,
    LOCAL_TIME,
    REFERENCED,
    audit_rows,
    cells,
    change_password,
    click_in_row,
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
from tests.helpers import STRONG
from tests.service import Server


def test_animators_manage_members_message_and_deliveries(server: Server, playwright: Playwright,
                                                         new_page, shot) -> None:
    directory, director = new_directory(playwright, server.url, unique("Annuaire du Plateau"))
    group = new_group(director, "group", unique("Les Paniers d'Été"))
    groupement = new_group(director, "groupement", unique("Ferme du Val"))
    _, far_director = new_directory(playwright, server.url, unique("Annuaire Lointain"))
    far_group = new_group(far_director, "group", unique("Groupe Lointain"))

    page = new_page()
    sign_in(page, "/animateur.html", "0000", identifier=group["code"])
    expect(page.locator("main h1")).to_have_text("Changer le mot de passe")
    expect(page.locator("main form")).to_have_count(1)
    change_password(page, "0000", STRONG)
    expect_done(page, "/animateur.html", "password_changed", "Mot de passe changé.")
    expect(page.locator("main h1")).to_have_text(f"{group['name']} ({group['initials']})")
    expect(page.locator("main")).to_contain_text(f"groupe — Code : {group['code']}")
    expect(page.locator("main")).to_contain_text(f"Annuaires : {directory['name']} ({directory['initials']})")

    add = page.locator("main form[action='/animateur/members']")
    for member, email in (("Zoé Dupré", "zoe@example.org"), ("Émile Noël", "emile@example.org"),
                          ("Ana <Li>", "ana@example.org")):
        add.locator("#member-name").fill(member)
        add.locator("#member-email").fill(email)
        press(page, add.get_by_role("button", name="Ajouter"))
        expect_done(page, "/animateur.html", "member_added", "Membre ajouté.")
    assert cells(row(page, "Alterconsos", "zoe@example.org"))[:3] == ["Zoé Dupré", "zoe@example.org", "actif"]
    assert cells(row(page, "Alterconsos", "ana@example.org"))[0] == "Ana <Li>"

    click_in_row(page, "Alterconsos", "zoe@example.org", "Désactiver")
    expect_done(page, "/animateur.html", "saved", "Enregistré.")
    zoe = row(page, "Alterconsos", "zoe@example.org")
    expect(zoe.locator("td").nth(2)).to_have_text("inactif")
    expect(zoe.get_by_role("button", name="Réactiver")).to_have_count(1)

    click_in_row(page, "Alterconsos", "emile@example.org", "Retirer")
    expect_done(page, "/animateur.html", "member_removed", "Membre retiré.")
    expect(row(page, "Alterconsos", "emile@example.org")).to_have_count(0)
    expect(table(page, "Alterconsos").locator("tbody tr")).to_have_count(2)

    subject, body = "Distribution de jeudi", "Bonjour à tous,\nPensez à vos sacs.\n<b>Merci</b> !"
    message = page.locator("main form[action='/animateur/message']")
    message.locator("#subject").fill(subject)
    message.locator("#body").fill(body)
    press(page, message.get_by_role("button", name="Enregistrer"))
    expect_done(page, "/animateur.html", "saved", "Enregistré.")
    page.goto("/animateur.html")
    expect(page.locator("#subject")).to_have_value(subject)
    expect(page.locator("#body")).to_have_value(body)
    whats = [what for _, _, what, _ in audit_rows(page)]
    assert whats[:4] == ["message de la semaine modifié", "membre retiré", "membre désactivé", "membre ajouté"], whats
    shot(page, "4-animator-group")

    # The groupement's animator, in another browser.
    producer = new_page()
    sign_in(producer, "/animateur.html", "0000", identifier=groupement["initials"])
    change_password(producer, "0000", STRONG)
    expect(producer.locator("main h1")).to_have_text(f"{groupement['name']} ({groupement['initials']})")
    expect(table(producer, "Producteurs")).to_have_count(1)
    expect(table(producer, "Groupes livrés").locator("tbody tr")).to_have_text(["Rien pour l'instant."])

    # A10: a group that shares no directory with the groupement is refused.
    deliver = producer.locator("main form[action='/animateur/deliveries']")
    deliver.locator("#delivery-group").fill(far_group["code"])
    refused = press(producer, deliver.get_by_role("button", name="Ajouter"))
    assert refused.status == 403
    expect(producer.locator("main p.error")).to_have_text(
        "Aucun annuaire actif ne référence à la fois ce groupement et ce groupe.")

    producer.goto("/animateur.html")
    deliver.locator("#delivery-group").fill(group["code"])
    press(producer, deliver.get_by_role("button", name="Ajouter"))
    expect_done(producer, "/animateur.html", "delivery_added", "Groupe livré ajouté.")
    assert cells(row(producer, "Groupes livrés", group["name"]))[:3] == [group["name"], group["initials"], "actif"]
    shot(producer, "4-animator-groupement")

    # The group sees who delivers it.
    page.goto("/animateur.html")
    assert cells(row(page, "Groupements qui nous livrent", groupement["name"])) == [
        groupement["name"], groupement["initials"], "actif"]


def test_taking_power_ends_the_animator_session_and_shows_in_its_audit(server: Server, playwright: Playwright,
                                                                       new_page, shot) -> None:
    directory, director_api = new_directory(playwright, server.url, unique("Annuaire des Tilleuls"))
    group = new_group(director_api, "group", unique("Groupe des Tilleuls"))
    ready_group(playwright, server.url, group)

    animator = new_page()
    sign_in(animator, "/animateur.html", STRONG, identifier=group["initials"])
    expect(animator.locator("main h1")).to_have_text(f"{group['name']} ({group['initials']})")

    director = new_page()
    sign_in(director, "/adminloc.html", STRONG, identifier=directory["code"])
    click_in_row(director, REFERENCED, group["name"], "Remettre le mot de passe à 0000")
    expect_done(director, "/adminloc.html", "password_reset", "Mot de passe remis à 0000.")
    assert [r for r in audit_rows(director) if r[2] == "mot de passe remis à 0000"]

    # A4: the animator's open page, reloaded, is back to the sign-in form; the old password no longer works.
    animator.reload()
    expect(animator).to_have_url(re.compile(r"/animateur\.html$"))
    expect(animator.locator("main h1")).to_have_text(GROUP_SIGN_IN)
    expect(animator.locator("main form[action='/signin'] #password")).to_be_visible()
    expect(animator.locator("main")).not_to_contain_text(group["name"])
    sign_in(animator, "/animateur.html", STRONG, identifier=group["initials"])
    expect(animator).to_have_url(re.compile(r"/animateur\.html\?error=unauthenticated$"))

    sign_in(animator, "/animateur.html", "0000", identifier=group["initials"])
    expect(animator.locator("main h1")).to_have_text("Changer le mot de passe")
    change_password(animator, "0000", "another-long-password")
    expect_done(animator, "/animateur.html", "password_changed", "Mot de passe changé.")
    audit = audit_rows(animator)
    assert audit[0][2] == "mot de passe changé"
    resets = [r for r in audit if r[2] == "mot de passe remis à 0000"]
    assert len(resets) == 1
    assert resets[0][1] == f"Administration d'un annuaire — {directory['name']}"
    assert LOCAL_TIME.match(resets[0][0])
    shot(animator, "6-animator-after-reset")
