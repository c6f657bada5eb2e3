"""Who manages mail accounts (B2): mail admins, operators of some domains, and mailbox users' own passwords."""

from __future__ import annotations

from annuaires.services import audit
from tests.support.client import STRONG
from tests.support.mail import GIVEN_PASSWORD, PASSWORD, account, fr, operator


def test_b2_an_operator_manages_the_accounts_of_its_domains_and_nothing_else(mail_admin, new_api, ctx):
    rh = operator(mail_admin, new_api, "rh", ["auf.org"])
    assert [d["name"] for d in rh.get("/api/mail/domains", expect=200).get_json()] == ["auf.org"]
    account(rh, "jean@auf.org")
    rh.patch("/api/mail/accounts/jean@auf.org", {"active": False, "password": "un autre mot de passe long"}, expect=200)
    rh.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["jean@auf.org"]}, expect=201)
    account(mail_admin, "marc@autre.org")
    for method, path, body in (("post", "/api/mail/accounts", {"address": "x@autre.org", "password": PASSWORD}),
                               ("get", "/api/mail/accounts/marc@autre.org", None),
                               ("patch", "/api/mail/accounts/marc@autre.org", {"active": False}),
                               ("delete", "/api/mail/accounts/marc@autre.org", None),
                               ("get", "/api/mail/accounts?domain=autre.org", None),
                               ("patch", "/api/mail/accounts/jean@auf.org", {"address": "jean@autre.org"}),
                               ("post", "/api/mail/aliases", {"address": "x@autre.org", "targets": ["jean@auf.org"]}),
                               ("post", "/api/mail/domains", {"name": "neuf.org", "site": "fr"}),
                               ("get", "/api/mail/operators", None),
                               ("post", "/api/mail/operators", {"login": "moi", "password": STRONG, "admin": True})):
        answer = rh.call(method.upper(), path, body)
        assert answer.status_code == 403, (method, path, answer.status_code)
    rh.delete("/api/mail/accounts/jean@auf.org", expect=204)
    actions = [e["action"] for e in audit.latest(ctx, "domain:auf.org")[0]]
    assert actions[:2] == ["mail_account_deleted", "mail_alias_created"]
    assert set(actions[2:4]) == {"mail_password_reset", "mail_account_deactivated"}  # one act, one time
    assert all(e["actor"] == "mail:rh" for e in audit.latest(ctx, "domain:auf.org")[0][:4])


def test_b2_the_general_admin_names_mail_admins_who_name_operators(mail_admin, new_api):
    general = mail_admin
    dsi = operator(general, new_api, "dsi", [], admin=True)
    dsi.post("/api/mail/domains", {"name": "neuf.org", "site": "ca"}, expect=201)
    dsi.post("/api/mail/operators", {"login": "compta", "password": GIVEN_PASSWORD, "domains": ["neuf.org"]}, expect=201)
    dsi.post("/api/mail/operators", {"login": "chef", "password": GIVEN_PASSWORD, "admin": True}, expect=403)
    refused = dsi.post("/api/mail/operators", {"login": "x", "password": GIVEN_PASSWORD, "domains": ["fr.secours"]},
                       expect=400).get_json()["error"]
    assert refused["fields"] == {"domains": fr("unknown_domain")}
    dsi.post("/api/mail/operators", {"login": "Compta", "password": GIVEN_PASSWORD}, expect=409)
    assert [(o["login"], o["admin"]) for o in dsi.get("/api/mail/operators", expect=200).get_json()] == [
        ("compta", False), ("dsi", True)]
    compta = new_api()
    compta.sign_in(role="mail", login="compta", password=GIVEN_PASSWORD)
    dsi.delete("/api/mail/operators/compta", expect=204)
    compta.get("/api/session", expect=401)  # its session ended with it
    dsi.delete("/api/mail/operators/dsi", expect=403)  # a mail admin is the mail_admin admin's to remove
    general.delete("/api/mail/operators/dsi", expect=204)
    dsi.get("/api/mail/domains", expect=401)


def test_b2_mail_sign_in_is_throttled(mail_admin, new_api):
    operator(mail_admin, new_api, "rh", ["auf.org"])
    attacker = new_api()
    for _ in range(5):
        attacker.sign_in(role="mail", login="rh", password="pas le bon", expect=401)
    attacker.sign_in(role="mail", login="RH", password=STRONG, expect=429)  # the account waits, whatever the case
    new_api().sign_in(role="mail", login="personne", password="x", expect=401)


def test_b2_a_mailbox_user_changes_its_own_password(mail_admin, new_api, ctx):
    account(mail_admin, "jean.dupont@auf.org")
    user = new_api()
    change = {"address": "Jean.Dupont@AUF.org", "current": PASSWORD, "new": "une toute nouvelle phrase"}
    for body, field, reason in (({"current": "pas le bon"}, "current", "wrong_current_password"),
                                ({"address": "personne@auf.org"}, "current", "wrong_current_password"),
                                ({"new": "court"}, "new", "mail_password_too_short"),
                                ({"new": "jean.dupont.2026.ok"}, "new", "password_contains_address"),
                                ({"new": PASSWORD}, "new", "password_unchanged")):
        refused = user.post("/api/mail/password", {**change, **body}, expect=400).get_json()["error"]
        assert refused["fields"] == {field: fr(reason)}, (body, refused)
    user.post("/api/mail/password", change, expect=204)
    user.post("/api/mail/password", change, expect=400)  # the old one no longer opens it
    user.post("/api/mail/password", {**change, "current": change["new"], "new": PASSWORD + "!"}, expect=204)
    assert audit.latest(ctx, "domain:auf.org")[0][0]["action"] == "mail_password_changed"


def test_b2_mailbox_password_guesses_are_throttled(mail_admin, new_api):
    account(mail_admin, "jean@auf.org")
    attacker = new_api()
    for _ in range(5):
        attacker.post("/api/mail/password", {"address": "jean@auf.org", "current": "essai", "new": "une phrase assez longue"},
                      expect=400)
    attacker.post("/api/mail/password", {"address": "JEAN@auf.org", "current": PASSWORD, "new": "une phrase assez longue"},
                  expect=429)
