"""The directory page asks and answers: refused forms shown again where they were, confirmations naming what
they act on from the store, and who is responsible for a group's mailing."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.browser import (
    DIRECTORY_SIGN_IN,
    NARROW,
    REFERENCED,
    audit_rows,
    cells,
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
    unfold,
    unique,
)
from tests.support.given import Given
from tests.support.service import Server

REFERENCE_REFUSED = ("Référence refusée. Vérifiez l'annuaire qui le référence, le code ou les initiales du groupe "
                     "et son mot de passe ; un groupe encore sur 0000 doit d'abord choisir le sien.")


def test_a_refused_form_comes_back_with_what_was_typed_and_the_error_next_to_its_field(server: Server, given: Given,
                                                                                       new_page, shot) -> None:
    name = unique("Annuaire des Refus")
    code, director = given.directory(name, initials_for(name))
    taken = given.group(director, "group", name=unique("Les Radis"), initials=initials_for(unique("Radis")))

    page = new_page(width=NARROW)  # on a phone, where a form is far down a long page
    sign_in(page, "/adminloc.html", Given.STRONG, identifier=code)
    create = page.locator("main form[action='/adminloc/groups/create']")
    create.locator("#create_group-type").select_option("groupement")
    create.locator("#create_group-name").fill(taken["name"].upper())
    create.locator("#create_group-initials").fill("NOUV")
    refused = press(page, create.get_by_role("button", name="Créer"))
    assert refused.status == 409
    expect_field_error(page, "create_group-name", "Ce nom est déjà pris.")
    expect(create.locator("#create_group-type")).to_have_value("groupement")
    expect(create.locator("#create_group-name")).to_have_value(taken["name"].upper())
    expect(create.locator("#create_group-initials")).to_have_value("NOUV")
    expect(create.locator("p.field-error")).to_have_count(1)
    expect(page.locator("main h1")).to_have_text(f"{name} ({initials_for(name)})")  # the whole page, not an error page
    expect(row(page, REFERENCED, taken["name"])).to_have_count(1)

    # Initials in the shape of a code are refused next to their field; the name stays as typed.
    create.locator("#create_group-name").fill("Groupe Neuf " + name[-6:])
    create.locator("#create_group-initials").fill("abcdefgh")
    refused = press(page, create.get_by_role("button", name="Créer"))
    assert refused.status == 400
    expect_field_error(page, "create_group-initials", "ne doivent pas ressembler à un code (8 lettres et chiffres)")
    expect(create.locator("#create_group-name")).to_have_value("Groupe Neuf " + name[-6:])
    expect(create.locator("#create_group-name")).not_to_have_attribute("aria-invalid", "true")

    # A refused reference says so for the whole form, inside it; the codes stay, never the password.
    reference = page.locator("main form[action='/adminloc/groups/reference']")
    reference.locator("#add_reference-directory").fill("nowhere")
    reference.locator("#add_reference-group").fill(taken["code"])
    reference.locator("#add_reference-password").fill("not-the-password")
    refused = press(page, reference.get_by_role("button", name="Référencer un groupe existant"))
    assert refused.status == 403
    expect_form_error(reference, REFERENCE_REFUSED, on_screen=False)  # see the test below
    expect(reference.locator("#add_reference-directory")).to_have_value("nowhere")
    expect(reference.locator("#add_reference-group")).to_have_value(taken["code"])
    expect(reference.locator("#add_reference-password")).to_have_value("")
    assert "not-the-password" not in page.content()
    expect(create.locator("p.error, p.field-error")).to_have_count(0)  # only the form that was sent shows an error
    shot(page, "5-refused-reference")


def test_a_refused_reference_shows_its_error_on_screen_on_a_phone(server: Server, given: Given, new_page) -> None:
    name = unique("Annuaire du Téléphone")
    code, _ = given.directory(name, initials_for(name))
    page = new_page(width=NARROW)
    sign_in(page, "/adminloc.html", Given.STRONG, identifier=code)
    reference = page.locator("main form[action='/adminloc/groups/reference']")
    reference.locator("#add_reference-directory").fill("nowhere")
    reference.locator("#add_reference-group").fill("nothing")
    reference.locator("#add_reference-password").fill("not-the-password")
    refused = press(page, reference.get_by_role("button", name="Référencer un groupe existant"))
    assert refused.status == 403
    expect_form_error(reference, REFERENCE_REFUSED, on_screen=False)
    assert page.evaluate("el => el.getBoundingClientRect().top < innerHeight",
                         reference.locator("p.error").element_handle()), "the error is below the screen"


def test_the_confirmation_page_names_the_group_from_the_store(server: Server, given: Given, new_page, shot) -> None:
    name = unique("Annuaire des Noms")
    code, director = given.directory(name, initials_for(name))
    group = given.group(director, "group", name=unique("Les Radis"), initials=initials_for(unique("Radis")))
    _, elsewhere = given.directory(unique("Annuaire Ailleurs"), initials_for(unique("Ailleurs")))
    foreign = given.group(elsewhere, "group", name=unique("Groupe Ailleurs"), initials=initials_for(unique("Ailleurs")))

    page = new_page()
    sign_in(page, "/adminloc.html", Given.STRONG, identifier=code)
    press(page, unfold(row(page, REFERENCED, group["name"])).get_by_role("button", name="Remettre le mot de passe à 0000"))
    expect(page).to_have_url(re.compile(r"/confirm\?to="))
    expect(page.locator("main h1")).to_have_text("Confirmer")
    expect(page.locator("main .card")).to_contain_text(
        "Remettre à 0000 le mot de passe de ce groupe ? Ses animateurs le verront dans leur journal.")
    expect(page.locator("main .card strong")).to_have_text(labelled(group))
    expect_who(page, f"{DIRECTORY_SIGN_IN} — {name}")
    shot(page, "6-confirm")

    # A subject given in the address is not shown: the page names what the store holds.
    page.goto(f"/confirm?to=/adminloc/groups/{group['code']}/dereference&subject=Tout+le+monde")
    expect(page.locator("main .card strong")).to_have_text(labelled(group))
    expect(page.locator("main")).not_to_contain_text("Tout le monde")
    expect(page.locator("main").get_by_role("button", name="Déréférencer", exact=True)).to_be_visible()

    # A group this directory does not reference is not named to it (A11).
    answer = page.goto(f"/confirm?to=/adminloc/groups/{foreign['code']}/password-reset")
    assert answer is not None and answer.status == 404
    expect(page.locator("main")).not_to_contain_text(foreign["name"])

    # Cancel goes back to the page, and nothing was done.
    page.goto(f"/confirm?to=/adminloc/groups/{group['code']}/password-reset")
    page.get_by_role("link", name="Annuler").click()
    expect(page).to_have_url(f"{server.url}/adminloc.html")
    assert not [r for r in audit_rows(page) if r[2].startswith("mot de passe remis à 0000")]


def mailing_shared_by_paris_and_lyon(given: Given) -> tuple[str, str, str, object, str, object, dict]:
    """A group of Paris that Lyon references too, its mailing set by Paris (Paris responsible); the names too."""
    paris_name, lyon_name = unique("Annuaire de Paris"), unique("Annuaire de Lyon")
    paris_code, paris = given.directory(paris_name, initials_for(paris_name))
    lyon_code, lyon = given.directory(lyon_name, initials_for(lyon_name))
    group = given.group(paris, "group", name=unique("Les Radis"), initials=initials_for(unique("Radis")))
    given.animator(group["code"])
    lyon.post("/api/directory/references", {"directory": paris_code, "group": group["code"], "password": Given.STRONG},
              expect=201)
    paris.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "thu", "mailer": "Z"}, expect=200)
    return paris_name, lyon_name, paris_code, paris, lyon_code, lyon, group


def test_mailing_responsibility_is_named_taken_over_and_paused(server: Server, given: Given, new_page, shot) -> None:
    paris_name, lyon_name, paris_code, paris, lyon_code, lyon, group = mailing_shared_by_paris_and_lyon(given)

    # Lyon sees that Paris is responsible, and may take over once it says so.
    page = new_page()
    sign_in(page, "/adminloc.html", Given.STRONG, identifier=lyon_code)
    lyon_row = unfold(row(page, REFERENCED, group["name"]))
    expect(lyon_row.locator("p.help")).to_have_text(f"L'annuaire {paris_name} est responsable de cet envoi.")
    expect(lyon_row.locator("select[name=day] option:checked")).to_have_text("jeudi")
    take_over = lyon_row.get_by_label(f"Je prends la responsabilité de cet envoi : l'annuaire {paris_name} ne l'aura plus.")
    expect(take_over).not_to_be_checked()

    other = new_page()  # Paris's page, open meanwhile: it is responsible
    sign_in(other, "/adminloc.html", Given.STRONG, identifier=paris_code)
    paris_row = unfold(row(other, REFERENCED, group["name"]))
    expect(paris_row.locator("p.help, p.warning, input[name=take_over]")).to_have_count(0)

    take_over.check()
    press(page, lyon_row.get_by_role("button", name="Prendre la responsabilité"))
    expect_done(page, "/adminloc.html", "saved", "Enregistré.")
    expect(lyon_row.locator("p.help, p.warning, input[name=take_over]")).to_have_count(0)
    expect(unfold(lyon_row).get_by_role("button", name="Enregistrer")).to_be_visible()

    # Paris's page was shown before: saving from it does not take the mailing back silently; the row says why.
    paris_row.locator("select[name=day]").select_option("sat")
    refused = press(other, paris_row.get_by_role("button", name="Enregistrer"))
    assert refused.status == 400
    expect(paris_row.locator("p.field-error[role=alert]")).to_have_text(
        "Cochez la case pour prendre la responsabilité de cet envoi.")
    expect(other.locator("main p.field-error")).to_have_count(1)  # in its row only
    expect(paris_row.locator("p.help")).to_have_text(f"L'annuaire {lyon_name} est responsable de cet envoi.")
    expect(paris_row.get_by_role("button", name="Prendre la responsabilité")).to_be_visible()
    shot(other, "7-mailing-take-over-refused")
    paris_row.locator("input[name=take_over]").check()
    paris_row.locator("select[name=day]").select_option("sat")  # chosen again: see the test below
    press(other, paris_row.get_by_role("button", name="Prendre la responsabilité"))
    expect_done(other, "/adminloc.html", "saved", "Enregistré.")
    expect(unfold(paris_row).locator("select[name=day] option:checked")).to_have_text("samedi")

    # A12: the responsible directory stops referencing the group: nobody is responsible, the mailing pauses.
    click_in_row(other, REFERENCED, group["name"], "Déréférencer", subject=labelled(group))
    expect_done(other, "/adminloc.html", "state_recent", "Déréférencé : il reste dans vos références récentes.")
    assert cells(row(other, "Références récentes", group["name"]))[:2] == [labelled(group), group["code"]]
    page.reload()
    expect(lyon_row.locator("p.warning")).to_have_text(
        "Envoi suspendu : aucun annuaire n'en est responsable. Un annuaire qui référence ce groupe doit le régler "
        "pour le reprendre.")
    expect(lyon_row.locator("input[name=take_over]")).to_have_count(0)
    shot(page, "7-mailing-paused")
    press(page, unfold(lyon_row).get_by_role("button", name="Enregistrer"))
    expect_done(page, "/adminloc.html", "saved", "Enregistré.")
    expect(lyon_row.locator("p.help, p.warning")).to_have_count(0)


def test_a_refused_mailing_row_keeps_what_was_chosen(server: Server, given: Given, new_page) -> None:
    paris_name, lyon_name, paris_code, paris, lyon_code, lyon, group = mailing_shared_by_paris_and_lyon(given)

    page = new_page()
    sign_in(page, "/adminloc.html", Given.STRONG, identifier=paris_code)
    lyon.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "thu", "mailer": "Z"}, expect=200)  # meanwhile
    paris_row = unfold(row(page, REFERENCED, group["name"]))
    paris_row.locator("select[name=day]").select_option("sat")
    refused = press(page, paris_row.get_by_role("button", name="Enregistrer"))
    assert refused.status == 400
    expect(paris_row.locator("p.field-error")).to_have_text("Cochez la case pour prendre la responsabilité de cet envoi.")
    assert paris_row.locator("select[name=day]").input_value() == "sat"  # what was chosen stays
