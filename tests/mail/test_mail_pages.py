"""The mail pages (B1–B3) as their users post them: refused forms come back filled in on the page they were on,
each role sees what it manages, a new export token is shown once, mailbox users change their own password.

The journeys in a real browser, and how the pages look, are in tests/browser/test_mail_pages.py.
"""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

from annuaires import bootstrap
from tests.support.client import form_post
from tests.support.mail import PASSWORD, account, operator


def text(answer) -> str:
    return html.unescape(answer.get_data(as_text=True))


def field_value(page: str, field_id: str) -> str:
    found = re.search(rf'<input id="{re.escape(field_id)}"[^>]*value="([^"]*)"', page)
    assert found, field_id
    return html.unescape(found.group(1))


def test_a_mail_admin_creates_a_domain_an_account_and_an_alias_with_the_forms(mail_admin):
    refused = form_post(mail_admin, "/messagerie/domains", name="pas un domaine", site="fr")
    page = text(refused)
    assert refused.status_code == 400 and "<h1>Messagerie</h1>" in page
    assert 'id="create_domain-name-error">nom de domaine invalide<' in page and field_value(page, "create_domain-name") == "pas un domaine"
    done = form_post(mail_admin, "/messagerie/domains", name="Exemple.org", site="ex")
    assert done.status_code == 303 and done.headers["Location"].endswith("/messagerie.html?done=mail_domain_created")
    assert 'href="/messagerie/domains/exemple.org"' in text(mail_admin.get("/messagerie.html"))

    # A local part alone is at the page's domain; a refused account comes back on the domain's page, filled in.
    weak = form_post(mail_admin, "/messagerie/domains/exemple.org/accounts", address="jeanne.martin", display_name="Jeanne <b>",
                     password="aaaaaaaaaaaaaaa", confirm="aaaaaaaaaaaaaaa", quota_mb="")
    page = text(weak)
    assert weak.status_code == 400 and "<h1>exemple.org</h1>" in page and "mot de passe trop courant" in page
    assert field_value(page, "create_account_from_form-exemple.org-address") == "jeanne.martin"
    assert 'value="Jeanne &lt;b&gt;"' in weak.get_data(as_text=True) and "aaaaaaaaaaaaaaa" not in page
    both = text(form_post(mail_admin, "/messagerie/domains/exemple.org/accounts", address="jeanne martin", display_name="",
                          password="court", confirm="court", quota_mb=""))  # both fields' errors at once
    assert "avant le @ : lettres, chiffres, points, tirets et soulignés seulement" in both
    assert "au moins 12 caractères" in both
    differs = form_post(mail_admin, "/messagerie/domains/exemple.org/accounts", address="jeanne.martin", display_name="",
                        password=PASSWORD, confirm=PASSWORD + "x", quota_mb="")
    assert differs.status_code == 400 and "create_account_from_form-exemple.org-confirm-error" in text(differs)
    created = form_post(mail_admin, "/messagerie/domains/exemple.org/accounts", address="jeanne.martin",
                        display_name="Jeanne Martin", password=PASSWORD, confirm=PASSWORD, quota_mb="2048")
    assert created.status_code == 303
    assert created.headers["Location"].endswith("/messagerie/accounts/jeanne.martin@exemple.org?done=mail_account_created")
    assert mail_admin.get("/api/mail/accounts/jeanne.martin@exemple.org", expect=200).get_json()["quota_mb"] == 2048
    page = text(mail_admin.get("/messagerie/accounts/jeanne.martin@exemple.org?done=mail_account_created"))
    assert "Compte créé." in page
    for companion in ("jeanne.martin@ex.secours", "jeanne.martin@ex.backup", "jeanne.martin@ex.archives"):
        assert f"<code>{companion}</code>" in page
    assert "gardée 15 jours" in page and "compte de messagerie créé" in page  # the account's own log

    targets = "jeanne.martin@exemple.org\nquelqu.un@ailleurs.net, autre@ailleurs.net"
    assert form_post(mail_admin, "/messagerie/domains/exemple.org/aliases", address="contact", targets=targets).status_code == 303
    alias = mail_admin.get("/api/mail/aliases?domain=exemple.org", expect=200).get_json()[0]
    assert alias["address"] == "contact@exemple.org"
    assert alias["targets"] == ["jeanne.martin@exemple.org", "quelqu.un@ailleurs.net", "autre@ailleurs.net"]
    loop = form_post(mail_admin, "/messagerie/domains/exemple.org/aliases", address="bureau",
                     targets="contact@exemple.org\nbureau@exemple.org")
    assert loop.status_code == 400 and "un alias ne peut renvoyer vers lui-même" in text(loop)
    page = text(mail_admin.get("/messagerie/domains/exemple.org"))
    assert "contact@exemple.org" in page and "quelqu.un@ailleurs.net" in page
    assert "alias créé" in page and "compte de messagerie créé" in page  # the domain's log


def test_an_account_is_renamed_deactivated_reset_and_deleted_on_its_page(mail_admin):
    account(mail_admin, "paul@auf.org")
    renamed = form_post(mail_admin, "/messagerie/accounts/paul@auf.org/rename", address="paul.durand")
    assert renamed.headers["Location"].endswith("/messagerie/accounts/paul.durand@auf.org?done=mail_account_renamed")
    page = text(mail_admin.get("/messagerie/accounts/paul.durand@auf.org"))
    assert "<code>paul.durand@fr.secours</code>" in page and "paul@fr.secours" not in page
    account(mail_admin, "paul@auf.org")
    taken = form_post(mail_admin, "/messagerie/accounts/paul.durand@auf.org/rename", address="paul@auf.org")
    assert taken.status_code == 409 and "<h1>paul.durand@<wbr>auf.org</h1>" in taken.get_data(as_text=True)
    assert "L'adresse paul@auf.org est déjà utilisée." in text(taken)

    form_post(mail_admin, "/messagerie/accounts/paul.durand@auf.org/describe", display_name="Paul Durand", quota_mb="500")
    assert form_post(mail_admin, "/messagerie/accounts/paul.durand@auf.org/describe", display_name="Paul",
                     quota_mb="beaucoup").status_code == 400
    assert form_post(mail_admin, "/messagerie/accounts/paul.durand@auf.org/deactivate").status_code == 303
    shown = mail_admin.get("/api/mail/accounts/paul.durand@auf.org", expect=200).get_json()
    assert (shown["display_name"], shown["quota_mb"], shown["active"]) == ("Paul Durand", 500, False)
    short = form_post(mail_admin, "/messagerie/accounts/paul.durand@auf.org/password", password="court", confirm="court")
    assert short.status_code == 400 and "au moins 12 caractères" in text(short)
    assert form_post(mail_admin, "/messagerie/accounts/paul.durand@auf.org/password", password=PASSWORD + "2",
                     confirm=PASSWORD + "2").status_code == 303
    log = text(mail_admin.get("/messagerie/accounts/paul.durand@auf.org"))
    for act in ("compte de messagerie renommé", "compte de messagerie modifié", "compte de messagerie désactivé",
                "mot de passe de messagerie réinitialisé"):
        assert act in log

    confirm = text(mail_admin.get("/confirm?to=/messagerie/accounts/paul.durand@auf.org/delete"))
    assert "Supprimer ce compte de messagerie" in confirm and "paul.durand@auf.org (Paul Durand)" in confirm
    deleted = form_post(mail_admin, "/messagerie/accounts/paul.durand@auf.org/delete")
    assert deleted.headers["Location"].endswith("/messagerie/domains/auf.org?done=mail_account_deleted")
    mail_admin.get("/api/mail/accounts/paul.durand@auf.org", expect=404)


def test_the_domain_page_finds_accounts_and_goes_page_by_page(config, datastore_client, clock, api_of):
    small = bootstrap.app(dataclasses.replace(config, page_size=3), lambda: datastore_client, clock=clock)
    admin = api_of(small).as_general()
    admin.post("/api/mail/domains", {"name": "auf.org", "site": "fr"}, expect=201)
    for local, name in (("anne", "Anne Roy"), ("bruno", "Bruno Petit"), ("claire", "Claire Roy"), ("denis", "Denis Roy"),
                        ("emma", "Brunet Emma")):
        account(admin, f"{local}@auf.org", display_name=name)
    first = text(admin.get("/messagerie/domains/auf.org"))
    shown = re.findall(r'href="/messagerie/accounts/([^"]+)"', first)
    assert shown == ["anne@auf.org", "bruno@auf.org", "claire@auf.org"]
    following = re.search(r'<a href="\?(cursor=[^"]+)">Page suivante</a>', first).group(1)
    second = text(admin.get(f"/messagerie/domains/auf.org?{following}"))
    assert re.findall(r'href="/messagerie/accounts/([^"]+)"', second) == ["denis@auf.org", "emma@auf.org"]
    assert "Page suivante" not in second

    found = text(admin.get("/messagerie/domains/auf.org?q=Bru"))  # by address, and by display name
    assert re.findall(r'href="/messagerie/accounts/([^"]+)"', found) == ["bruno@auf.org", "emma@auf.org"]
    assert "Comptes trouvés pour « Bru »" in found and 'value="Bru"' in found
    assert "Aucun compte ne commence ainsi." in text(admin.get("/messagerie/domains/auf.org?q=zzz"))


def test_an_operator_sees_its_domains_only_on_the_pages(mail_admin, new_api):
    rh = operator(mail_admin, new_api, "rh", ["auf.org"])
    page = text(rh.get("/messagerie.html"))
    assert 'href="/messagerie/domains/auf.org"' in page and "autre.org" not in page
    assert "Ajouter un domaine" not in page and "Jeton d'export" not in page and "Ajouter un opérateur" not in page
    assert "Changer le mot de passe" in page  # its own
    account(mail_admin, "marc@autre.org")
    for path in ("/messagerie/domains/autre.org", "/messagerie/accounts/marc@autre.org",
                 "/confirm?to=/messagerie/accounts/marc@autre.org/delete"):
        answer = rh.get(path)
        shown = text(answer).split("<main>")[1]
        assert answer.status_code == 403 and "Prénom Nom" not in shown and "secours" not in shown, path
    assert form_post(rh, "/messagerie/domains/autre.org/accounts", address="x", display_name="", password=PASSWORD,
                     confirm=PASSWORD, quota_mb="").status_code == 403
    assert form_post(rh, "/messagerie/accounts/marc@autre.org/deactivate").status_code == 403
    assert form_post(rh, "/messagerie/domains", name="neuf.org", site="fr").status_code == 403
    assert form_post(rh, "/messagerie/export-token").status_code == 403
    assert form_post(rh, "/messagerie/operators", login="moi", password="donné par la DSI").status_code == 403
    assert mail_admin.get("/api/mail/accounts/marc@autre.org", expect=200).get_json()["active"] is True


def test_a_mail_admin_names_an_operator_of_ticked_domains_and_removes_it(mail_admin, new_api):
    answer = mail_admin.client.post("/messagerie/operators", data={
        "csrf": mail_admin.csrf, "login": "Accueil", "password": "donné par la DSI", "domains": ["auf.org", "autre.org"]})
    assert answer.status_code == 303
    listed = mail_admin.get("/api/mail/operators", expect=200).get_json()
    assert listed == [{"login": "accueil", "domains": ["auf.org", "autre.org"], "admin": False, "active": True,
                       "version": listed[0]["version"]}]
    refused = mail_admin.client.post("/messagerie/operators", data={
        "csrf": mail_admin.csrf, "login": "compta", "password": "donné par la DSI", "domains": ["auf.org", "inconnu.org"]})
    page = text(refused)
    assert refused.status_code == 400 and "domaine inconnu ici" in page
    assert re.search(r'value="auf.org" checked', page) and field_value(page, "create_operator-login") == "compta"
    assert "accueil (auf.org, autre.org)" in text(mail_admin.get("/confirm?to=/messagerie/operators/accueil/delete"))
    assert form_post(mail_admin, "/messagerie/operators/accueil/delete").status_code == 303
    assert mail_admin.get("/api/mail/operators", expect=200).get_json() == []


def test_a_new_export_token_is_shown_once_and_opens_the_exports(mail_admin, api):
    assert "Aucun jeton" in text(mail_admin.get("/messagerie.html"))
    assert form_post(mail_admin, "/messagerie/export-token").status_code == 303  # then the page that shows it once
    page = text(mail_admin.get("/messagerie/jeton"))
    token = re.search(r'<code class="token" id="new-token">([^<]+)</code>', page).group(1)
    assert len(token) >= 24 and "il ne sera plus jamais affiché" in page
    api.get("/api/mail/export/virtual_mailbox_domains", headers={"Authorization": f"Bearer {token}"}, expect=200)
    again = text(mail_admin.get("/messagerie.html"))
    assert token not in again and "Jeton choisi le" in again


@pytest.mark.parametrize("role_page", ["/messagerie.html", "/messagerie/domains/auf.org"])
def test_the_mail_pages_ask_to_sign_in_first(api, role_page):
    answer = api.get(role_page)
    if role_page == "/messagerie.html":
        assert answer.status_code == 200 and 'name="login"' in text(answer) and 'value="mail"' in text(answer)
    else:
        assert answer.status_code == 303 and answer.headers["Location"].endswith("/messagerie.html")


def test_a_mailbox_user_changes_its_own_password_on_its_page(mail_admin, new_api):
    account(mail_admin, "lea@auf.org")
    user = new_api()
    page = text(user.get("/messagerie/mot-de-passe.html"))
    assert "Changer le mot de passe de ma boîte" in page and "csrf" not in page
    new = "une toute nouvelle phrase de passe"
    wrong = user.client.post("/messagerie/mot-de-passe.html", data={"address": "lea@auf.org", "current": "pas le bon",
                                                                     "new": new, "confirm": new})
    assert wrong.status_code == 400 and "mot de passe actuel incorrect" in text(wrong)
    assert field_value(text(wrong), "mailbox_password-address") == "lea@auf.org" and "pas le bon" not in text(wrong)
    weak = user.client.post("/messagerie/mot-de-passe.html", data={"address": "lea@auf.org", "current": PASSWORD,
                                                                    "new": "lea@auf.org-2024", "confirm": "lea@auf.org-2024"})
    assert weak.status_code == 400 and "ne doit pas contenir l'adresse" in text(weak)
    done = user.client.post("/messagerie/mot-de-passe.html", data={"address": "lea@auf.org", "current": PASSWORD,
                                                                    "new": new, "confirm": new})
    assert done.status_code == 303 and done.headers["Location"].endswith("?done=mailbox_password_changed")
    assert "Votre mot de passe est changé." in text(user.get("/messagerie/mot-de-passe.html?done=mailbox_password_changed"))
    user.post("/api/mail/password", {"address": "lea@auf.org", "current": new, "new": PASSWORD + "!"}, expect=204)
    assert "mot de passe de messagerie changé" in text(mail_admin.get("/messagerie/domains/auf.org"))


def test_a_domain_audit_log_is_read_by_who_manages_it(mail_admin, new_api):
    account(mail_admin, "zoe@auf.org")
    entries = mail_admin.get("/api/mail/domains/auf.org/audit", expect=200).get_json()
    assert [(e["action"], e["target_name"]) for e in entries] == [("mail_account_created", "zoe@auf.org"),
                                                                 ("mail_domain_created", "auf.org")]
    rh = operator(mail_admin, new_api, "rh", ["autre.org"])
    rh.get("/api/mail/domains/auf.org/audit", expect=403)
    rh.get("/api/mail/domains/autre.org/audit", expect=200)


def test_a_mail_admin_named_by_the_general_admin_manages_operators_but_names_no_admin(mail_admin, new_api):
    boss = operator(mail_admin, new_api, "dsi", [], admin=True)
    operator(mail_admin, new_api, "rh", ["auf.org"])
    page = text(boss.get("/messagerie.html"))
    assert "Ajouter un domaine" in page and "Ajouter un opérateur" in page and "Jeton d'export" in page
    assert 'name="admin"' not in page  # only the general admin names mail admins
    assert "/messagerie/operators/rh/delete" in page and "/messagerie/operators/dsi/delete" not in page
    assert 'href="/messagerie/domains/autre.org"' in page  # every domain


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_mail_page_speaks_one_language_with_no_key_left(mail_admin, new_api, lang):
    account(mail_admin, "anne@auf.org")
    mail_admin.post("/api/mail/aliases", {"address": "bureau@auf.org", "targets": ["anne@auf.org"]}, expect=201)
    pages = [mail_admin.get(f"{path}{'&' if '?' in path else '?'}lang={lang}") for path in (
        "/messagerie.html", "/messagerie/domains/auf.org", "/messagerie/accounts/anne@auf.org",
        "/confirm?to=/messagerie/accounts/anne@auf.org/delete", "/confirm?to=/messagerie/aliases/bureau@auf.org/delete")]
    pages += [new_api().get(f"{path}?lang={lang}") for path in ("/messagerie.html", "/messagerie/mot-de-passe.html")]
    for answer in pages:
        shown = text(answer)
        assert answer.status_code == 200 and f'lang="{lang}"' in shown
        words = re.sub(r"<[^>]*>", " ", shown.split("<main>")[1])  # what a person reads
        assert not re.findall(r"\b(?:mail|mailbox|confirm)_[a-z_]+\b", words), words
    assert "Companion mailboxes" in text(pages[2]) if lang == "en" else "Boîtes compagnes" in text(pages[2])


def test_odd_addresses_and_domains_in_the_mail_urls_are_clear_errors(mail_admin):
    for path in ("/messagerie/accounts/sans-arobase", "/messagerie/accounts/x@inconnu.org", "/messagerie/domains/inconnu.org",
                 "/messagerie/domains/pas%20un%20domaine", "/messagerie/domains/..", "/messagerie/accounts/%3Cb%3E@auf.org",
                 "/confirm?to=/messagerie/accounts/sans-arobase/delete", "/confirm?to=/messagerie/aliases/x@auf.org/delete"):
        answer = mail_admin.get(path)
        assert answer.status_code in (400, 404), (path, answer.status_code)
        assert "<b>" not in answer.get_data(as_text=True).split("<main>")[1], path
    for path in ("/messagerie/accounts/sans-arobase/rename", "/messagerie/accounts/sans-arobase/deactivate",
                 "/messagerie/aliases/sans-arobase/delete", "/messagerie/accounts/x@inconnu.org/delete"):
        answer = form_post(mail_admin, path, address="nouveau")
        assert answer.status_code in (400, 404), (path, answer.status_code)
