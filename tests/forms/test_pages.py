"""Pages as volunteers use them: refused forms come back filled in, the sign-in page says why, acts name their target."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from annuaires.store import audit as audit_store
from tests.support.client import form_post


def test_a_refused_form_comes_back_with_each_error_next_to_its_field_and_what_was_typed(given):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    given.group(paris, name="Les Radis", initials="LR")
    answer = form_post(paris, "/adminloc/groups/create", type="groupement", name="les radis", initials="Fermes <b>")
    assert answer.status_code == 409
    page = answer.get_data(as_text=True)
    assert "<h1>Paris (PA)</h1>" in page  # the same page, not an error page
    field = re.search(r'<input id="create_group-name"[^>]*>', page).group(0)
    assert 'value="les radis"' in field and 'aria-invalid="true"' in field and "autofocus" in field
    assert re.search(r'id="create_group-name-error">Ce nom est déjà pris\.<', page)
    assert 'value="Fermes &lt;b&gt;"' in page
    assert re.search(r'<option value="groupement" selected>', page)


def test_a_refused_sign_in_keeps_the_identifier_never_the_password(given, new_api):
    given.directories_admin()
    code, _ = given.directory("Paris", "PA")
    browser = new_api()
    answer = browser.client.post("/signin", data={"role": "directory", "directory": code, "password": "secret-typed"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 401 and f'value="{code}"' in page and "secret-typed" not in page
    assert "Identifiant ou mot de passe incorrect" in page
    for _ in range(5):
        browser.client.post("/signin", data={"role": "directory", "directory": code, "password": "guess-guess"})
    throttled = browser.client.post("/signin", data={"role": "directory", "directory": code, "password": "guess-guess"})
    assert throttled.status_code == 429 and "réessayez dans 15 minutes" in throttled.get_data(as_text=True)


def test_a_refused_reference_says_what_to_do(given):
    net = given.network()
    answer = form_post(net.lyon, "/adminloc/groups/reference", directory=net.paris_code, group=net.group["code"],
                       password="wrong-password")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403 and "Référence refusée. Vérifiez" in page and "session" not in page.lower().split("<main>")[1]
    assert f'value="{net.group["code"]}"' in page and "wrong-password" not in page


def test_the_sign_in_page_says_why_the_person_is_there(given, new_api):
    directories = given.directories_admin()
    code, paris = given.directory("Paris", "PA")
    paris.get("/adminloc.html", expect=200)
    directories.post(f"/api/directories/{code}/password-reset", expect=204)
    assert "le mot de passe a été changé, ou remis à 0000" in paris.get("/adminloc.html").get_data(as_text=True)
    again = new_api().as_directory(code, "0000")
    again.change_password()
    directories.post(f"/api/directories/{code}/deactivate", expect=204)
    assert "Ce compte a été désactivé" in again.get("/adminloc.html").get_data(as_text=True)
    directories.post(f"/api/directories/{code}/activate", expect=204)
    back = new_api().as_directory(code)
    signed_out = form_post(back, "/signout", role="directory")
    assert signed_out.status_code == 303 and signed_out.headers["Location"].endswith("/adminloc.html?reason=signed_out")
    assert "Vous êtes déconnecté." in back.get("/adminloc.html?reason=signed_out").get_data(as_text=True)


def test_every_page_says_who_is_signed_in_and_two_roles_live_side_by_side(given):
    net = given.network()
    both = net.paris
    both.sign_in(role="group", group=net.group["code"], password=given.STRONG)
    directory_page = both.get("/adminloc.html", expect=200).get_data(as_text=True)
    group_page = both.get("/animateur.html", expect=200).get_data(as_text=True)
    assert '<span class="who">Administration d&#39;un annuaire — Paris</span>' in directory_page
    assert '<span class="who">Animation d&#39;un groupe ou groupement — Les Radis</span>' in group_page


def test_the_first_password_page_names_the_entity_and_shows_the_rules(given, new_api):
    directories = given.directories_admin()
    code = directories.post("/api/directories", {"name": "Paris", "initials": "PA"}, expect=201).get_json()["code"]
    page = new_api().as_directory(code, "0000").get("/adminloc.html").get_data(as_text=True)
    assert "<h1>Choisir le mot de passe de Paris</h1>" in page and page.count("<h2>") == 0
    assert "8 caractères au moins" in page and 'name="confirm"' in page


def test_a_password_typed_twice_differently_is_refused_next_to_the_confirmation(given, new_api):
    directories = given.directories_admin()
    code = directories.post("/api/directories", {"name": "Paris", "initials": "PA"}, expect=201).get_json()["code"]
    admin = new_api().as_directory(code, "0000")
    answer = form_post(admin, "/password", role="directory", current="0000", new="a-long-password", confirm="another-one")
    assert answer.status_code == 400
    assert 'id="change_password-confirm-error">ne correspond pas au nouveau mot de passe<' in answer.get_data(as_text=True)
    admin.get("/api/session", expect=200)
    assert admin.get("/api/session").get_json()["must_change_password"] is True


def test_the_confirmation_page_names_the_target_read_from_the_store(given):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    group = given.group(paris, name="Les <Radis>", initials="LR")
    to = f"/adminloc/groups/{group['code']}/dereference"
    page = paris.get(f"/confirm?to={to}&subject=Virement+urgent", expect=200).get_data(as_text=True)
    main = page.split("<main>")[1]
    assert "Les &lt;Radis&gt; (LR)" in main and "Virement" not in main
    _, lyon = given.directory("Lyon", "LY")
    lyon.get(f"/confirm?to={to}", expect=404)  # not one of Lyon's groups


def test_audit_log_names_the_target_and_the_weekday_in_the_page_language(given):
    net = given.network()
    given.mailers()
    net.paris.put(f"/api/directory/groups/{net.group['code']}/mailing", {"day": "thu", "mailer": "B"}, expect=200)
    net.paris.post(f"/api/directory/groups/{net.group['code']}/password-reset", expect=204)
    page = net.paris.get("/adminloc.html").get_data(as_text=True)
    assert "mot de passe remis à 0000 — Les Radis (LR)" in page
    assert "jeudi / B" in page and "thu / B" not in page
    english = net.paris.get("/adminloc.html?lang=en").get_data(as_text=True)
    assert "Thursday / B" in english


def test_an_audit_entry_written_before_details_had_fields_reads_as_it_always_did(given, ctx):
    net = given.network()
    given.mailers()
    net.paris.put(f"/api/directory/groups/{net.group['code']}/mailing", {"day": "thu", "mailer": "B"}, expect=200)
    stored = [e for e in audit_store.latest(ctx.client, f"directory:{net.paris_code}", 10)[0]
              if e.action == "mailing_configured"]
    assert len(stored) == 1 and stored[0].detail == {"day": "thu", "mailer": "B"}  # fields, not text
    older = dataclasses.replace(stored[0], id=None, detail="Les Radis : sat / C", at=stored[0].at - timedelta(hours=1))
    audit_store.add(ctx.client, older)
    shown = [e["detail"] for e in net.paris.get("/api/directory").get_json()["audit"] if e["action"] == "mailing_configured"]
    assert shown == ["thu / B", "Les Radis : sat / C"]  # the API answers the text, as it always did
    page = net.paris.get("/adminloc.html").get_data(as_text=True)
    assert "jeudi / B" in page and "samedi / C" in page


def mailing_shared_by_paris_and_lyon(given):
    """The network's group referenced by Lyon too, its mailing set by Paris."""
    net = given.network()
    given.mailers()
    code = net.group["code"]
    net.lyon.post("/api/directory/references", {"directory": net.paris_code, "group": code, "password": given.STRONG},
                  expect=201)
    net.paris.put(f"/api/directory/groups/{code}/mailing", {"day": "thu", "mailer": "B"}, expect=200)
    return net, code


def test_a12_the_mailing_pauses_when_its_responsible_directory_leaves(given):
    net, code = mailing_shared_by_paris_and_lyon(given)
    lyon_sees = net.lyon.get("/adminloc.html").get_data(as_text=True)
    assert "L&#39;annuaire Paris est responsable de cet envoi." in lyon_sees and "Prendre la responsabilité" in lyon_sees
    net.paris.delete(f"/api/directory/groups/{code}", expect=200)
    assert net.lyon.get("/api/directory").get_json()["groups"][0]["mailing"]["responsible"] is None
    assert "Envoi suspendu" in net.lyon.get("/adminloc.html").get_data(as_text=True)
    assert net.member.get("/api/group").get_json()["mailing"]["responsible"] is None
    assert "Envoi suspendu" in net.member.get("/animateur.html").get_data(as_text=True)
    taken = net.lyon.put(f"/api/directory/groups/{code}/mailing", {"day": "fri", "mailer": "B"}, expect=200).get_json()
    assert taken["mailing"]["responsible"] == net.lyon_code


def test_a12_a_deactivated_responsible_directory_pauses_the_mailing(given):
    net = given.network()
    given.mailers()
    code = net.group["code"]
    net.paris.put(f"/api/directory/groups/{code}/mailing", {"day": "thu", "mailer": "B"}, expect=200)
    net.directories.post(f"/api/directories/{net.paris_code}/deactivate", expect=204)
    assert net.member.get("/api/group").get_json()["mailing"]["responsible"] is None
    net.directories.post(f"/api/directories/{net.paris_code}/activate", expect=204)
    assert net.member.get("/api/group").get_json()["mailing"]["responsible"] == net.paris_code


def test_a12_taking_over_a_mailing_on_the_page_asks_first(given):
    net, code = mailing_shared_by_paris_and_lyon(given)
    unasked = form_post(net.lyon, f"/adminloc/groups/{code}/mailing", day="fri", mailer="C")
    assert unasked.status_code == 400 and "Cochez la case pour prendre la responsabilité" in unasked.get_data(as_text=True)
    assert net.lyon.get("/api/directory").get_json()["groups"][0]["mailing"]["responsible"] == net.paris_code
    asked = form_post(net.lyon, f"/adminloc/groups/{code}/mailing", day="fri", mailer="C", take_over="on")
    assert asked.status_code == 303
    assert net.lyon.get("/api/directory").get_json()["groups"][0]["mailing"] == {
        "day": "fri", "mailer": "C", "responsible": net.lyon_code, "responsible_name": "Lyon"}


def test_a_refused_row_act_says_why_at_the_top_of_the_page(given):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    group = given.group(paris, name="Les Radis", initials="LR")
    form_post(paris, f"/adminloc/groups/{group['code']}/dereference")
    again = form_post(paris, f"/adminloc/groups/{group['code']}/dereference")
    assert again.status_code == 404
    assert 'role="alert" tabindex="-1" autofocus>Ce groupe n&#39;est pas référencé par votre annuaire.</p>' in again.get_data(as_text=True)


def test_an_expired_session_s_page_says_so(given, clock):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    clock.advance(hours=13)
    assert "Votre session a expiré : connectez-vous à nouveau." in paris.get("/adminloc.html").get_data(as_text=True)


def test_the_colour_is_a_colour_input_and_a_box_says_none(given):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    page = paris.get("/adminloc.html").get_data(as_text=True)
    assert 'type="color"' in page and re.search(r'name="no_color" checked', page)
    form_post(paris, "/adminloc/settings", name="Paris", initials="PA", color="#aa3355", comment="")
    assert paris.get("/api/directory").get_json()["color"] == "#aa3355"
    form_post(paris, "/adminloc/settings", name="Paris", initials="PA", color="#aa3355", comment="", no_color="on")
    assert paris.get("/api/directory").get_json()["color"] == ""
