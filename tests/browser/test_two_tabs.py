"""R2 in Chromium: two tabs of one animator edit the weekly message; the second save is refused, says what changed,
and keeps what was typed; saved again knowingly, it goes through."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support.browser import expect_done, expect_form_error, initials_for, press, sign_in, unique
from tests.support.given import Given
from tests.support.service import Server

CHANGED = ("Ceci a été modifié ailleurs (un autre onglet ou une autre personne) depuis que vous l'avez ouvert : rien "
           "n'a été enregistré. Ce qui est enregistré maintenant est indiqué sous chaque champ, et ce que vous avez tapé "
           "est gardé : enregistrez à nouveau pour le remplacer.")


def test_r2_the_second_tab_s_save_is_refused_shows_what_changed_and_keeps_its_text(server: Server, given: Given,
                                                                                    new_page, shot) -> None:
    _, director = given.directory(unique("Annuaire des Onglets"), initials_for(unique("Onglets")))
    name = unique("Les Radis")
    group = given.group(director, name=name, initials=initials_for(name))
    given.animator(group["code"])

    tab_a = new_page()
    sign_in(tab_a, "/animateur.html", Given.STRONG, identifier=group["code"])
    tab_b = tab_a.context.new_page()  # the same browser, another tab
    tab_b.goto("/animateur.html")
    form_a, form_b = (tab.locator("main form[action='/animateur/message']") for tab in (tab_a, tab_b))

    form_a.locator("#set_message-subject").fill("Radis et navets")
    form_a.locator("#set_message-body").fill("Livraison jeudi à 18 h.")
    press(tab_a, form_a.get_by_role("button", name="Enregistrer"))
    expect_done(tab_a, "/animateur.html", "saved", "Enregistré.")

    typed = "Livraison vendredi,\nà la salle des fêtes <b>(attention)</b>."
    form_b.locator("#set_message-subject").fill("Choux")
    form_b.locator("#set_message-body").fill(typed)
    refused = press(tab_b, form_b.get_by_role("button", name="Enregistrer"))
    assert refused.status == 412
    form_b = tab_b.locator("main form[action='/animateur/message']")
    expect_form_error(form_b, CHANGED)
    expect(form_b.locator("#set_message-subject")).to_have_value("Choux")  # what tab B typed, kept
    expect(form_b.locator("#set_message-body")).to_have_value(typed)
    expect(form_b.locator('[id="set_message-subject-changed"]')).to_have_text("Enregistré entre-temps : Radis et navets")
    expect(form_b.locator('[id="set_message-body-changed"]')).to_have_text("Enregistré entre-temps : Livraison jeudi à 18 h.")
    shot(tab_b, "1-second-tab-refused")

    tab_a.reload()  # nothing of tab B's was written
    expect(tab_a.locator("#set_message-body")).to_have_value("Livraison jeudi à 18 h.")

    press(tab_b, form_b.get_by_role("button", name="Enregistrer"))  # knowingly, over tab A's
    expect_done(tab_b, "/animateur.html", "saved", "Enregistré.")
    expect(tab_b.locator("#set_message-body")).to_have_value(typed)
    expect(tab_b.locator("#set_message-subject")).to_have_value("Choux")
