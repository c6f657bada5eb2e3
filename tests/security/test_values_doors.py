"""Secrets and numbers at every door (issue 22, R1): a mailer's password never follows it to a new host, numbers are
ASCII digits only with the product's own words for a refusal, the mailer form keeps what was set, and a group's
mailing goes only through a configured mailer."""

from __future__ import annotations

import re
from urllib.parse import quote

import hypothesis
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from annuaires.catalogs import messages, translate
from annuaires.services import values
from emulator import smtp_sink
from tests.support.client import form_post
from tests.support.mail import PASSWORD as MAIL_PASSWORD
from tests.support.mailing import batch_of, send

RELAY = {"from": "Les Radis <radis@example.org>", "smtp_host": "127.0.0.1", "smtp_port": 587,
         "username": "relayuser", "password": "S3cret-Relay-Pw", "starttls": True}
PRODUCT_WORDS = {lang: set(messages(lang).values()) for lang in ("fr", "en")}
# Numbers that are not ASCII digits, or not a whole number, or too many digits for any field.
NOT_NUMBERS = ["²", "١٢", "１２", "٣", "𝟓", "1" * 5000, "+5", " 5", "5 ", "5.0", "-5", "0x10", "5\n", "", "1_000", "Ⅻ",
               True, False, 5.5, [5], {"n": 5}]
PYTHON_WORDS = re.compile(r"invalid literal|Exceeds the limit|int\(\)|base 10|Traceback|ValueError", re.I)


def refused_naming(answer, field: str, lang: str = "fr") -> str:
    """The answer is 400 invalid_input naming `field` with a message of the product's own; that message."""
    assert answer.status_code == 400, (field, answer.status_code, answer.get_data(as_text=True)[:300])
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_input" and field in error["fields"], (field, error)
    assert error["fields"][field] in PRODUCT_WORDS[lang], error
    assert not PYTHON_WORDS.search(answer.get_data(as_text=True))
    return error["fields"][field]


# 1. A mailer's stored password goes to the host it was typed for, and no other

def test_r1_a_mailer_s_password_is_cleared_when_its_host_port_tls_or_username_change_without_it(api):
    api.as_general()
    without = {k: v for k, v in RELAY.items() if k != "password"}
    for change in ({"smtp_host": "smtp.ailleurs.example"}, {"smtp_port": 465}, {"starttls": False},
                   {"username": "quelquun"}):
        assert api.put("/api/mailers/C", RELAY, expect=200).get_json()["has_password"] is True
        assert api.put("/api/mailers/C", {**without, **change}, expect=200).get_json()["has_password"] is False, change
    api.put("/api/mailers/C", RELAY, expect=200)
    same = api.put("/api/mailers/C", {**without, "from": "autre@example.org", "per_minute": 10}, expect=200).get_json()
    assert same["has_password"] is True  # nothing it was given for changed: kept
    moved = api.put("/api/mailers/C", {**RELAY, "smtp_host": "smtp.ailleurs.example"}, expect=200).get_json()
    assert moved["has_password"] is True  # retyped for the new host: kept
    # The page's form, same rule: an empty password field and a new host clear it.
    page = form_post(api, "/admin/mailers", letter="C", **{"from": RELAY["from"]}, smtp_host="smtp.encore.example",
                     smtp_port="587", username="relayuser", password="", starttls="on")
    assert page.status_code == 303
    assert api.get("/api/mailers").get_json()[2]["has_password"] is False


def test_r1_after_a_host_change_nothing_sent_to_the_new_host_carries_the_old_password(given, sink, ctx, api, new_api):
    """End to end: the batch goes through the first relay with its login; the host changes without retyping; the
    second relay sees no AUTH with the first one's password."""
    old = smtp_sink.start(login=("relayuser", "S3cret-Relay-Pw"))
    seen: list[tuple[str, str]] = []
    new = smtp_sink.RunningSink(smtp_sink.Sink(None), login=("relayuser", "the-new-relay-s-own"))

    def recording(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        return smtp_sink.RunningSink._authenticate(new, server, session, envelope, mechanism, auth_data)

    new.options["authenticator"] = recording
    new.start()
    try:
        given.directories_admin()
        _, paris = given.directory("Paris", "PA")
        general = new_api().as_general()
        general.put("/api/mailers/B", {**RELAY, "smtp_port": old.port, "starttls": False}, expect=200)
        groups = [given.group(paris, name=f"Les Radis {n}", initials=f"LR{n}") for n in (1, 2)]
        for group in groups:
            animator = given.animator(group["code"])
            animator.post("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, expect=201)
            paris.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "thu", "mailer": "B"}, expect=200)
        assert send(api, batch_of(ctx, groups[0]))["counts"] == {"sent": 1}
        assert len(old.sink.received) == 1  # the password works where it was typed for
        moved = general.put("/api/mailers/B", {**{k: v for k, v in RELAY.items() if k != "password"},
                                               "smtp_host": "localhost", "smtp_port": new.port, "starttls": False},
                            expect=200).get_json()
        assert moved["has_password"] is False
        send(api, batch_of(ctx, groups[1]), expect=503)  # the new relay refuses the login without a password
        assert seen and all(password != "S3cret-Relay-Pw" for _, password in seen), seen
        assert new.sink.received == []
    finally:
        old.stop()
        new.stop()


# 2. Numbers: ASCII digits only, the product's words

@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=lambda value: repr(value)[:12])
def test_r1_every_number_of_the_api_is_ascii_digits_and_refused_in_the_product_s_words(given, mail_admin, bad):
    relay = {k: v for k, v in RELAY.items() if k != "password"}
    for field in ("smtp_port", "per_minute", "per_day"):
        if bad == "" and field != "smtp_port":
            continue  # an empty limit is no limit
        refused_naming(mail_admin.put("/api/mailers/D", {**relay, field: bad}), field)
    assert mail_admin.get("/api/mailers").get_json()[3]["smtp_host"] == ""  # nothing half-written
    account = {"address": "nombres@auf.org", "display_name": "N", "password": MAIL_PASSWORD}
    refused_naming(mail_admin.post("/api/mail/accounts", {**account, "quota_mb": bad}), "quota_mb")
    mail_admin.post("/api/mail/accounts", account, expect=201)
    refused_naming(mail_admin.patch("/api/mail/accounts/nombres@auf.org", {"quota_mb": bad}), "quota_mb")
    if isinstance(bad, str) and bad:
        refused_naming(mail_admin.get(f"/api/mail/changes?since={quote(bad)}"), "since")
        english = mail_admin.get(f"/api/mail/changes?since={quote(bad)}", headers={"Accept-Language": "en"})
        refused_naming(english, "since", "en")


def test_r1_json_numbers_of_5000_digits_are_their_field_s_error_not_python_s(mail_admin):
    for literal in ("1" * 5000, "-" + "9" * 5000, "1" * 4299, "1e400", "5.0"):
        answer = mail_admin.call("PUT", "/api/mailers/D", data=f'{{"from": "a@example.org", "smtp_host": "h.example.org", '
                                 f'"smtp_port": {literal}, "username": "", "starttls": false}}',
                                 content_type="application/json")
        assert refused_naming(answer, "smtp_port") in (translate("out_of_range", "fr"), translate("not_integer", "fr"))


def test_r1_form_numbers_are_ascii_digits_and_the_page_says_so_in_its_language(mail_admin):
    for bad in ("١٢", "１２", "1" * 5000, " 5", "+5", "5.0"):
        for lang in ("fr", "en"):
            page = mail_admin.client.post(f"/admin/mailers?lang={lang}", data={
                "csrf": mail_admin.csrf, "letter": "E", "from": "e@example.org", "smtp_host": "h.example.org",
                "smtp_port": bad, "username": "", "per_day": bad})
            text = page.get_data(as_text=True)
            assert page.status_code == 400 and not PYTHON_WORDS.search(text), bad
            assert (translate("not_integer", lang) in text) or (translate("out_of_range", lang) in text), (bad, lang)
    assert mail_admin.get("/api/mailers").get_json()[4]["smtp_host"] == ""
    for bad in ("١٢", "1" * 5000, "5.0"):  # a mailbox's quota on the domain page's form, too
        page = form_post(mail_admin, "/messagerie/domains/auf.org/accounts", address="quota", display_name="",
                         password=MAIL_PASSWORD, confirm=MAIL_PASSWORD, quota_mb=bad)
        text = page.get_data(as_text=True)
        assert page.status_code == 400 and not PYTHON_WORDS.search(text), bad
        assert any(translate(key, lang) in text for key in ("not_integer", "out_of_range") for lang in ("fr", "en")), bad
    mail_admin.get("/api/mail/accounts/quota@auf.org", expect=404)


def test_r1_ids_and_cursors_in_addresses_never_answer_a_server_error(given, mail_admin):
    network = given.network()
    for bad in ("²", "١٢", "1" * 5000, "9" * 19, "-1", "0"):
        network.member.delete(f"/api/group/members/{quote(bad)}", expect=404)
        network.member.patch(f"/api/group/members/{quote(bad)}", {"active": False}, expect=404)
        mail_admin.get(f"/unsubscribe/{network.group['code']}/{quote(bad)}/token", expect=404)
    for bad in ("²", "١٢", "1" * 1999, "!!", "Cg=="):
        refused_naming(network.directories.get(f"/api/directories?cursor={quote(bad)}"), "cursor")
        refused_naming(mail_admin.get(f"/api/mail/accounts?domain=auf.org&cursor={quote(bad)}"), "cursor")


@settings(max_examples=1500, deadline=None)
@hypothesis.given(st.one_of(st.text(alphabet=st.characters(categories=["Nd", "No", "Nl", "Zs"]) | st.sampled_from("0123456789+-. "),
                         max_size=25),
                 st.integers(min_value=-10**30, max_value=10**30), st.booleans(), st.floats(allow_nan=True)))
def test_r1_a_number_is_taken_only_as_ascii_digits_within_its_bounds(value):
    """The one check every door calls: generated numbers of every script, sign and size."""
    check = values.integer(1, 65535)
    try:
        found = check(value)
    except ValueError as problem:
        assert str(problem) in ("not_integer", "out_of_range")
        return
    if isinstance(value, str):
        assert re.fullmatch(r"[0-9]+", value) and found == int(value)
    else:
        assert type(value) is int and found == value
    assert 1 <= found <= 65535


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@hypothesis.given(value=st.one_of(st.text(alphabet=st.characters(categories=["Nd", "No"]) | st.sampled_from("0123456789 +-."),
                               min_size=1, max_size=12), st.integers(min_value=-10**25, max_value=10**25)))
def test_r1_generated_ports_through_the_api_are_taken_exactly_or_refused_naming_the_field(api, value):
    if not api.csrf:
        api.as_general()
    answer = api.put("/api/mailers/F", {"from": "f@example.org", "smtp_host": "h.example.org", "smtp_port": value,
                                        "username": "", "starttls": False})
    if answer.status_code == 200:
        assert answer.get_json()["smtp_port"] == int(value) and (type(value) is int or value.isascii())
    else:
        refused_naming(answer, "smtp_port")


# 5. The mailer form keeps what was set, and an existing mailer is edited in place

def test_r2_a_refused_mailer_form_keeps_every_box_and_choice(api):
    api.as_general()
    page = form_post(api, "/admin/mailers", letter="K", **{"from": "Radis <radis@example.org>"}, smtp_host="bad host!",
                     smtp_port="2525", username="envoi", password="secret-typed", per_minute="30", per_day="",
                     clear_password="on")  # STARTTLS unticked: absent
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    form = text[text.index('action="/admin/mailers"'):]
    form = form[:form.index("</form>")]
    assert '<option value="K" selected>' in form
    assert 'name="starttls">' in form and 'name="starttls" checked' not in form
    assert 'name="clear_password" checked' in form
    assert 'value="bad host!"' in form and 'value="2525"' in form and 'value="envoi"' in form and 'value="30"' in form
    assert "secret-typed" not in text


def test_r2_an_existing_mailer_s_form_is_shown_filled_in_for_editing_without_its_password(api):
    api.as_general()
    api.put("/api/mailers/G", {**RELAY, "starttls": False, "smtp_port": 2525, "per_day": 500}, expect=200)
    listing = api.get("/admin/pwd.html").get_data(as_text=True)
    assert 'href="?mailer=G#mailer-form"' in listing
    text = api.get("/admin/pwd.html?mailer=G").get_data(as_text=True)
    form = text[text.index('action="/admin/mailers"'):]
    form = form[:form.index("</form>")]
    assert '<option value="G" selected>' in form and 'value="127.0.0.1"' in form and 'value="2525"' in form
    assert 'value="relayuser"' in form and 'value="500"' in form and "Les Radis &lt;radis@example.org&gt;" in form
    assert 'name="starttls">' in form and 'name="starttls" checked' not in form
    assert translate("mailer_password_kept", "fr").split(":")[0] in form
    assert "S3cret-Relay-Pw" not in text


# 6. A group's mailing goes only through a configured mailer

def test_a12_an_unconfigured_mailer_is_refused_for_a_mailing_and_not_offered(given):
    network = given.network()
    code = network.group["code"]
    given.mailers("C")
    for letter in ("A", "B", "Y"):
        refused_naming(network.paris.put(f"/api/directory/groups/{code}/mailing", {"day": "mon", "mailer": letter}),
                       "mailer")
        page = form_post(network.paris, f"/adminloc/groups/{code}/mailing", day="mon", mailer=letter)
        assert page.status_code == 400 and translate("mailer_not_configured", "fr").replace("'", "&#39;") in page.get_data(
            as_text=True)
    assert network.paris.get("/api/directory").get_json()["groups"][0]["mailing"]["mailer"] == "Z"  # nothing written
    network.paris.put(f"/api/directory/groups/{code}/mailing", {"day": "mon", "mailer": "C"}, expect=200)
    network.paris.put(f"/api/directory/groups/{code}/mailing", {"day": None, "mailer": "Z"}, expect=200)
    page = network.paris.get("/adminloc.html").get_data(as_text=True)
    offered = set(re.findall(rf'<select id="mailer-{code}" name="mailer">(.*?)</select>', page, re.S)[0].split("<option")[1:])
    assert {re.search(r'value="(\w)"', o).group(1) for o in offered} == {"C", "Z"}
