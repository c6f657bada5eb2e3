"""The general admin's mailers: SMTP settings with write-only, encrypted passwords."""

from __future__ import annotations

import pytest

from annuaires.adapters.secrets_box import SecretBox
from tests.conftest import SECRETS_KEY

RELAY = {"from": "envoi@example.org", "smtp_host": "smtp.example.org", "smtp_port": 587,
         "username": "envoi", "password": "smtp-secret", "starttls": True}


def test_mailers_are_listed_without_passwords(api):
    api.as_general()
    mailers = api.get("/api/mailers", expect=200).get_json()
    assert [m["letter"] for m in mailers] == list("ABCDEFGHIJKLMNOPQRSTUVWXY")
    saved = api.put("/api/mailers/C", RELAY, expect=200).get_json()
    assert saved == {"letter": "C", "from": "envoi@example.org", "smtp_host": "smtp.example.org", "smtp_port": 587,
                     "username": "envoi", "starttls": True, "has_password": True, "per_minute": None, "per_day": None,
                     "version": 1}
    listed = api.get("/api/mailers").get_data(as_text=True)
    assert "smtp-secret" not in listed and "password_sealed" not in listed


def test_mailer_password_is_sealed_at_rest_and_kept_when_missing(api, datastore_client):
    api.as_general()
    api.put("/api/mailers/A", RELAY, expect=200)
    stored = datastore_client.get(datastore_client.key("Mailer", "A"))
    assert b"smtp-secret" not in stored["password_sealed"]
    assert SecretBox(SECRETS_KEY).open(stored["password_sealed"], "A") == "smtp-secret"
    without = {k: v for k, v in RELAY.items() if k != "password"}
    # Kept while what it was given for stays the same (the sender and the limits are not part of it).
    assert api.put("/api/mailers/A", {**without, "from": "autre@example.org", "per_day": 100},
                   expect=200).get_json()["has_password"] is True
    stored = datastore_client.get(datastore_client.key("Mailer", "A"))
    assert SecretBox(SECRETS_KEY).open(stored["password_sealed"], "A") == "smtp-secret"
    relay = api.put("/api/mailers/A", {**without, "username": "", "password": ""}, expect=200).get_json()
    assert relay["has_password"] is False and relay["username"] == ""


def test_mailer_input_is_validated(api):
    api.as_general()
    for letter in ("Z", "a", "AA"):
        api.put(f"/api/mailers/{letter}", RELAY, expect=404)
    for field, bad in (("from", "nobody"), ("smtp_host", "bad host!"), ("smtp_port", 0), ("smtp_port", "25x"),
                       ("smtp_port", True), ("starttls", "maybe"), ("username", "x" * 255),
                       ("from", "Lyon <not an address>"), ("from", "Lyon <a@example.org>\nBcc: x@example.org"),
                       ("from", "Lyon <a@example.org>, b@example.org"), ("per_day", 0), ("per_minute", "often")):
        body = api.put("/api/mailers/B", {**RELAY, field: bad}, expect=400).get_json()
        assert field in body["error"]["fields"], (field, bad)
    assert api.get("/api/mailers").get_json()[1]["smtp_host"] == ""


def test_a_mailer_s_sender_may_carry_a_display_name_and_limits(api):
    api.as_general()
    saved = api.put("/api/mailers/D", {**RELAY, "from": " Alterconsos Lyon  <lyon@Example.ORG>", "per_minute": 30,
                                       "per_day": 500}, expect=200).get_json()
    assert (saved["from"], saved["per_minute"], saved["per_day"]) == ("Alterconsos Lyon <lyon@example.org>", 30, 500)
    page = api.client.post("/admin/mailers", data={"csrf": api.csrf, "letter": "E", "from": "Les Radis <radis@example.org>",
                                                   "smtp_host": "smtp.example.org", "smtp_port": "465", "username": ""})
    assert page.status_code == 303
    listed = {m["letter"]: m for m in api.get("/api/mailers").get_json()}
    assert listed["E"]["from"] == "Les Radis <radis@example.org>" and listed["E"]["starttls"] is False


def test_only_the_general_admin_configures_mailers(given, new_api):

    directories = given.directories_admin()
    directories.get("/api/mailers", expect=403)
    directories.put("/api/mailers/A", RELAY, expect=403)
    new_api().get("/api/mailers", expect=401)


def test_general_admin_sees_the_technical_state(given, new_api):

    directories = given.directories_admin()
    given.directory("Paris", "PA")
    general = new_api().as_general()
    state = general.get("/api/technical-state", expect=200).get_json()
    assert state["mode"] == "emulator" and state["timezone"] == "Europe/Paris" and state["test_datastore"] is True
    assert state["counts"] is None  # counting reads keys: only when asked
    counts = general.get("/api/technical-state?count=1", expect=200).get_json()["counts"]
    assert counts["Directory"] == 1 and counts["Group"] == 0 and counts["Session"] >= 3
    assert "Annuaires</th><td>1</td>" in general.get("/admin/pwd.html?count=1").get_data(as_text=True)
    assert "Annuaires</th><td>1</td>" not in general.get("/admin/pwd.html").get_data(as_text=True)
    directories.get("/api/technical-state", expect=403)


def test_locally_the_mailer_form_offers_the_smtp_sink(app, api):
    import dataclasses

    ctx = app.extensions["annuaires"]
    api.as_general()
    assert "serveur SMTP de `make run`" not in api.get("/admin/pwd.html").get_data(as_text=True)
    ctx.config = dataclasses.replace(ctx.config, local_smtp="127.0.0.1:2525")
    assert "serveur 127.0.0.1:2525, sans STARTTLS" in api.get("/admin/pwd.html").get_data(as_text=True)


def test_a_rotated_secrets_key_still_opens_what_the_old_one_sealed_and_signed(config, datastore_client, clock, api_of):
    """ANNUAIRES_SECRETS_KEY=NEW,OLD: secrets are sealed with NEW and open with either; links of e-mails signed with
    OLD still unsubscribe; once OLD is dropped, only what was sealed or signed again with NEW works."""
    import dataclasses

    from cryptography.exceptions import InvalidTag

    from annuaires.adapters.secrets_box import new_key
    from annuaires.services.mailing import email as weekly_email
    from annuaires.web.app import create_app
    from tests.conftest import Given

    def app_with(key: str):
        return create_app(dataclasses.replace(config, secrets_key=key), lambda: datastore_client, clock=clock)

    before = app_with(SECRETS_KEY)
    given = Given(lambda: api_of(before))
    api_of(before).as_general().put("/api/mailers/A", RELAY, expect=200)
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    group = given.group(paris, name="Les Radis", initials="LR")
    member = given.animator(group["code"]).post("/api/group/members", {"name": "Zoé", "email": "zoe@example.org"},
                                                expect=201).get_json()
    old_link = weekly_email.unsubscribe_path(before.extensions["annuaires"], group["code"], int(member["id"]))

    fresh = new_key()
    rotated = app_with(f"{fresh},{SECRETS_KEY}")
    sealed_before = datastore_client.get(datastore_client.key("Mailer", "A"))["password_sealed"]
    assert SecretBox(f"{fresh},{SECRETS_KEY}").open(sealed_before, "A") == "smtp-secret"
    assert api_of(rotated).get(old_link).status_code == 200  # the page asks first: nothing changed yet
    new_link = weekly_email.unsubscribe_path(rotated.extensions["annuaires"], group["code"], int(member["id"]))
    assert new_link != old_link and api_of(rotated).get(new_link).status_code == 200

    api_of(rotated).as_general().put("/api/mailers/A", RELAY, expect=200)  # saved again: sealed with the new key
    sealed_after = datastore_client.get(datastore_client.key("Mailer", "A"))["password_sealed"]
    assert SecretBox(fresh).open(sealed_after, "A") == "smtp-secret"
    for box, sealed in ((SecretBox(SECRETS_KEY), sealed_after), (SecretBox(fresh), sealed_before)):
        with pytest.raises(InvalidTag):
            box.open(sealed, "A")
    assert api_of(app_with(fresh)).get(old_link).status_code == 404  # the old key dropped: its links with it
