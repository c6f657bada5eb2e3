"""Mail domains, accounts and aliases (B1), their companion mailboxes (B3), and what is refused."""

from __future__ import annotations

import pytest

from annuaires.store import mail_feed
from annuaires.web.messages import MESSAGES

PASSWORD = "un mot de passe de boîte assez long"


def fr(key: str) -> str:
    """A field error as the answer gives it (in French, the default language)."""
    return MESSAGES[key][0]


@pytest.fixture
def admin(new_api):
    """A mail admin (the general admin is one) with the domain auf.org of site fr."""
    api = new_api().as_general()
    api.post("/api/mail/domains", {"name": "AUF.org", "site": "fr"}, expect=201)
    return api


def account(api, address: str, **more) -> dict:
    return api.post("/api/mail/accounts", {"address": address, "display_name": "Prénom Nom", "password": PASSWORD, **more},
                    expect=201).get_json()


def test_b1_b3_an_account_gets_its_companions_and_follows_a_rename(admin):
    domains = admin.get("/api/mail/domains", expect=200).get_json()
    assert domains == [{"name": "auf.org", "display": "auf.org", "site": "fr", "retention_days": 15,
                        "companions": {"secours": "fr.secours", "backup": "fr.backup", "archives": "fr.archives"}}]
    created = account(admin, "Prenom.Nom@AUF.org", quota_mb=2048)
    assert created == {"address": "Prenom.Nom@auf.org", "display_name": "Prénom Nom", "active": True, "quota_mb": 2048,
                       "origin": "local", "companions": {"secours": "prenom.nom@fr.secours", "backup": "prenom.nom@fr.backup",
                                                         "archives": "prenom.nom@fr.archives"}, "version": created["version"]}
    assert admin.get("/api/mail/accounts/PRENOM.NOM@auf.org", expect=200).get_json() == created  # compared without case
    assert [a["address"] for a in admin.get("/api/mail/accounts?domain=auf.org", expect=200).get_json()] == [
        "Prenom.Nom@auf.org"]

    renamed = admin.patch("/api/mail/accounts/prenom.nom@auf.org", {"address": "p.nom@auf.org", "active": False},
                          expect=200).get_json()
    assert renamed["address"] == "p.nom@auf.org" and renamed["active"] is False
    assert renamed["companions"]["secours"] == "p.nom@fr.secours"
    admin.get("/api/mail/accounts/prenom.nom@auf.org", expect=404)
    account(admin, "prenom.nom@auf.org")  # the old address and its companions are free again
    admin.delete("/api/mail/accounts/p.nom@auf.org", expect=204)
    admin.get("/api/mail/accounts/p.nom@auf.org", expect=404)
    account(admin, "p.nom@auf.org")


def test_b1_an_international_domain_is_stored_in_its_ascii_form(new_api):
    admin = new_api().as_general()
    created = admin.post("/api/mail/domains", {"name": "Bücher.de", "site": "de"}, expect=201).get_json()
    assert (created["name"], created["display"]) == ("xn--bcher-kva.de", "bücher.de")
    assert account(admin, "jean@bücher.de")["address"] == "jean@xn--bcher-kva.de"
    admin.get("/api/mail/accounts/jean@xn--bcher-kva.de", expect=200)


@pytest.mark.parametrize(("body", "field", "reason"), [
    ({"address": "pas une adresse"}, "address", "invalid_address"),
    ({"address": "zoé@auf.org"}, "address", "non_ascii_local_part"),
    ({"address": "a..b@auf.org"}, "address", "invalid_address"),
    ({"address": "o'brien@auf.org"}, "address", "mailbox_local_part"),
    ({"address": "jean+tag@auf.org"}, "address", "mailbox_local_part"),
    ({"address": "jean@ailleurs.org"}, "address", "unknown_domain"),
    ({"address": "jean@fr.secours"}, "address", "domain_is_companion"),
    ({"password": "court"}, "password", "mail_password_too_short"),
    ({"password": "jean.dupont2026!"}, "password", "password_contains_address"),
    ({"password": "aaaaaaaaaaaaaaa"}, "password", "password_too_common"),
    ({"quota_mb": -5}, "quota_mb", "invalid_quota"),
    ({"display_name": "<b>\u0007</b>"}, "display_name", "control_characters"),
])
def test_b1_a_bad_account_is_refused_naming_its_field_and_nothing_is_written(admin, body, field, reason):
    given = {"address": "jean.dupont@auf.org", "display_name": "Jean", "password": PASSWORD, **body}
    refused = admin.post("/api/mail/accounts", given, expect=400).get_json()["error"]
    assert refused["fields"] == {field: fr(reason)}, refused
    assert admin.get("/api/mail/accounts?domain=auf.org", expect=200).get_json() == []


def test_b1_an_address_is_used_once_whatever_its_case_and_use(admin):
    account(admin, "jean@auf.org")
    taken = admin.post("/api/mail/accounts", {"address": "JEAN@auf.org", "password": PASSWORD}, expect=409).get_json()
    assert taken["error"]["code"] == "conflict" and "jean@auf.org" in taken["error"]["message"]
    admin.post("/api/mail/aliases", {"address": "Jean@AUF.org", "targets": ["x@example.org"]}, expect=409)
    admin.post("/api/mail/domains", {"name": "autre.org", "site": "fr"}, expect=201)
    companion = admin.post("/api/mail/accounts", {"address": "jean@autre.org", "password": PASSWORD}, expect=409)
    assert "jean@fr.secours" in companion.get_json()["error"]["message"]  # the same companions at the same site


def test_b3_a_companion_domain_can_never_be_a_real_domain(admin):
    refused = admin.post("/api/mail/domains", {"name": "fr.backup", "site": "fr"}, expect=400).get_json()["error"]
    assert refused["fields"] == {"name": fr("domain_is_companion")}
    admin.post("/api/mail/domains", {"name": "ca.secours", "site": "fr"}, expect=201)  # a real domain, oddly named
    refused = admin.post("/api/mail/domains", {"name": "ca.org", "site": "ca"}, expect=400).get_json()["error"]
    assert refused["fields"] == {"site": fr("companion_is_real_domain")}
    assert [d["name"] for d in admin.get("/api/mail/domains", expect=200).get_json()] == ["auf.org", "ca.secours"]
    admin.post("/api/mail/domains", {"name": "auf.org", "site": "fr"}, expect=400)
    for bad in ({"name": "pas un domaine", "site": "fr"}, {"name": "x.org", "site": "F R"}, {"name": "a@b.org", "site": "fr"}):
        admin.post("/api/mail/domains", bad, expect=400)


def test_b1_aliases_refuse_themselves_loops_and_bad_targets(admin):
    account(admin, "jean@auf.org")
    created = admin.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["Jean@auf.org", "x@example.org"]},
                         expect=201).get_json()
    assert created == {"address": "contact@auf.org", "targets": ["jean@auf.org", "x@example.org"], "origin": "local",
                       "version": created["version"]}
    admin.post("/api/mail/aliases", {"address": "a@auf.org", "targets": ["b@auf.org"]}, expect=201)
    admin.post("/api/mail/aliases", {"address": "b@auf.org", "targets": ["c@auf.org"]}, expect=201)
    for body, reason in (({"address": "c@auf.org", "targets": ["a@auf.org"]}, "alias_loop"),
                         ({"address": "d@auf.org", "targets": ["d@AUF.org"]}, "alias_to_itself"),
                         ({"address": "d@auf.org", "targets": []}, "targets_required"),
                         ({"address": "d@auf.org", "targets": ["pas une adresse"]}, "invalid_address")):
        assert admin.post("/api/mail/aliases", body, expect=400).get_json()["error"]["fields"] == {"targets": fr(reason)}
    assert [a["address"] for a in admin.get("/api/mail/aliases?domain=auf.org", expect=200).get_json()] == [
        "a@auf.org", "b@auf.org", "contact@auf.org"]
    admin.delete("/api/mail/aliases/contact@auf.org", expect=204)
    admin.delete("/api/mail/aliases/contact@auf.org", expect=404)


def test_b1_search_by_address_or_display_name(admin):
    for address, name in (("jean.dupont@auf.org", "Jean Dupont"), ("zoe@auf.org", "Zoé Étienne"), ("marc@auf.org", "Marc")):
        account(admin, address, display_name=name)
    found = lambda q: [a["address"] for a in admin.get(f"/api/mail/accounts?domain=auf.org&q={q}", expect=200).get_json()]  # noqa: E731
    assert found("jean") == ["jean.dupont@auf.org"]
    assert found("ZOE") == ["zoe@auf.org"] and found("etien") == [] and found("zoé") == ["zoe@auf.org"]
    assert found("Zoe%20Eti") == ["zoe@auf.org"]
    assert found("nobody") == []


def test_b2_only_mail_admins_manage_mail_accounts(admin, new_api, given):
    new_api().get("/api/mail/domains", expect=401)
    new_api().post("/api/mail/domains", {"name": "x.org", "site": "fr"}, expect=401)
    code, directory = given.directory("Paris", "PA")
    directory.get("/api/mail/domains", expect=403)
    directory.post("/api/mail/accounts", {"address": "x@auf.org", "password": PASSWORD}, expect=403)


def test_b5_every_change_is_numbered_in_the_order_it_was_made(admin, datastore_client):
    account(admin, "jean@auf.org")
    admin.patch("/api/mail/accounts/jean@auf.org", {"display_name": "Jean D."}, expect=200)
    admin.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["jean@auf.org"]}, expect=201)
    admin.delete("/api/mail/accounts/jean@auf.org", expect=204)
    changes = mail_feed.since(datastore_client, 0, 100)
    assert [c.number for c in changes] == list(range(1, len(changes) + 1))
    assert [(c.kind, c.name) for c in changes][-4:] == [("MailAccount", "jean@auf.org"), ("MailAccount", "jean@auf.org"),
                                                        ("MailAlias", "contact@auf.org"), ("MailAccount", "jean@auf.org")]
    assert [(c.kind, c.name) for c in mail_feed.since(datastore_client, changes[-2].number, 100)] == [
        ("MailAccount", "jean@auf.org")]


@pytest.mark.parametrize(("value", "problem"), [(42, "not_text"), ("marie christine@auf.org", "mailbox_local_part"),
                                                ("o'brien@auf.org", "mailbox_local_part"), ("pas une adresse", "invalid_address"),
                                                ("jean@", "invalid_address")])
def test_b1_a_site_address_refused_says_why(value, problem):
    from annuaires.services.mail import values as mail_values

    with pytest.raises(ValueError, match=f"^{problem}$"):
        mail_values.mailbox_address(value)
