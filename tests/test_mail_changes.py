"""The export token and the change feed a following instance pulls (B4, B5)."""

from __future__ import annotations

from annuaires.services.mail import feed as mail_changes
from tests.test_mail_accounts import PASSWORD, account, fr
from tests.test_mail_roles import operator

TOKEN = "un-jeton-d-export-de-24-caracteres-au-moins"


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_b5_the_feed_gives_each_change_in_order_with_its_state_now(mail_admin, new_api, ctx):
    mail_admin.put("/api/mail/export-token", {"token": TOKEN}, expect=204)
    account(mail_admin, "jean@auf.org")
    mail_admin.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["jean@auf.org"]}, expect=201)
    account(mail_admin, "marc@auf.org")
    mail_admin.delete("/api/mail/accounts/marc@auf.org", expect=204)
    feed = new_api().get("/api/mail/changes", headers=bearer(), expect=200).get_json()
    named = [(c["kind"], c["name"]) for c in feed["changes"]]
    assert named[:5] == [("MailDomain", "auf.org"), ("MailSite", "fr"), ("MailDomain", "fr.secours"),
                         ("MailDomain", "fr.backup"), ("MailDomain", "fr.archives")]
    assert named[-4:] == [("MailAccount", "jean@auf.org"), ("MailAlias", "contact@auf.org"),
                          ("MailAccount", "marc@auf.org"), ("MailAccount", "marc@auf.org")]
    jean = feed["changes"][-4]["state"]
    assert jean["password_hash"].startswith("$argon2id$") and jean["display_name"] == "Prénom Nom" and jean["active"]
    assert feed["changes"][-1]["state"] is None and feed["changes"][-2]["state"] is None  # deleted since
    assert feed["cursor"] == str(feed["changes"][-1]["number"])

    mail_admin.patch("/api/mail/accounts/jean@auf.org", {"password": "un nouveau mot de passe long"}, expect=200)
    later = new_api().get(f"/api/mail/changes?since={feed['cursor']}", headers=bearer(), expect=200).get_json()
    assert [(c["kind"], c["name"]) for c in later["changes"]] == [("MailAccount", "jean@auf.org")]
    assert later["changes"][0]["state"]["password_hash"] != jean["password_hash"]
    again = new_api().get(f"/api/mail/changes?since={later['cursor']}", headers=bearer(), expect=200).get_json()
    assert again == {"changes": [], "cursor": later["cursor"], "more": False}
    assert feed["more"] is False
    first = mail_changes.changes(ctx, "0", limit=2)  # whole blocks: the domain's creation is one, of five changes
    assert len(first["changes"]) == 5 and first["more"] is True
    assert mail_changes.changes(ctx, first["cursor"], limit=2)["changes"][0]["number"] == 6
    mail_admin.get("/api/mail/changes?since=0", expect=200)  # a mail admin's session reads it too


def test_b5_the_feed_and_the_token_are_refused_without_their_credentials(mail_admin, new_api):
    new_api().get("/api/mail/changes", expect=401)
    new_api().get("/api/mail/changes", headers=bearer(), expect=401)  # no token set yet
    refused = mail_admin.put("/api/mail/export-token", {"token": "court"}, expect=400).get_json()["error"]
    assert refused["fields"] == {"token": fr("token_too_short")}
    mail_admin.put("/api/mail/export-token", {"token": TOKEN}, expect=204)
    new_api().get("/api/mail/changes", headers=bearer(TOKEN[:-1]), expect=401)
    new_api().get("/api/mail/changes", headers=bearer(TOKEN + "x"), expect=401)
    mail_admin.get("/api/mail/changes?since=abc", expect=400)
    mail_admin.get("/api/mail/changes?since=-1", expect=400)
    rh = operator(mail_admin, new_api, "rh", ["auf.org"])
    rh.get("/api/mail/changes", expect=403)
    rh.put("/api/mail/export-token", {"token": TOKEN + "-autre"}, expect=403)
    account(rh, "jean@auf.org", password=PASSWORD)
