"""Passwords people choose (R3): one policy, zxcvbn's score and its common list, the rule shown before the first
try; and the mailbox page's own counter, so that strangers never lock a mailbox's owner out."""

from __future__ import annotations

import hypothesis
import pytest
from hypothesis import strategies as st
from markupsafe import escape
from zxcvbn import zxcvbn

from annuaires.catalogs import known, translate
from annuaires.services import password_policy
from tests.support.client import STRONG, form_post
from tests.support.mail import GIVEN_PASSWORD, account
from tests.support.mail import PASSWORD as MAIL_PASSWORD

VOLUNTEER_WEAK = ["12345678", "azertyuiop", "motdepasse", "AZERTYUIOP", "qwertzuiop", "soleil123", "abcdefgh1",
                  "aaaaaaaaaa", "01011990", "0000"]
MAIL_WEAK = ["azertyuiop12", "Soleil123456", "123456789012", "qwertyuiop123", "Password1234!",
             "aaaaaaaaaaaaaaaa"]
REASONS_FR = {translate(key, "fr") for key in password_policy.REASONS}


def reason(answer, field: str) -> str:
    """The answer refuses `field` with one of the policy's reasons, in the product's words; that reason."""
    assert answer.status_code == 400, (field, answer.status_code, answer.get_data(as_text=True)[:300])
    said = answer.get_json()["error"]["fields"][field]
    assert said in REASONS_FR, said
    return said


def test_r3_common_and_weak_passwords_are_refused_for_a_group_with_the_reason(given, new_api):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    group = given.group(paris, name="Les Radis", initials="LR")
    animator = new_api()
    animator.sign_in(role="group", group=group["code"], password="0000")
    for weak in VOLUNTEER_WEAK:
        reason(animator.post("/api/session/password", {"current": "0000", "new": weak}), "new")
    for own_name in ("LesRadis2026", "radis-radis", f"{group['code']}!"):
        assert reason(animator.post("/api/session/password", {"current": "0000", "new": own_name}), "new") in (
            translate("password_like_name", "fr"), translate("password_repeated", "fr"), translate("password_too_weak", "fr"))
    english = animator.post("/api/session/password", {"current": "0000", "new": "azertyuiop"},
                            headers={"Accept-Language": "en"}).get_json()["error"]["fields"]["new"]
    assert english in {translate(key, "en") for key in password_policy.REASONS}
    animator.post("/api/session/password", {"current": "0000", "new": STRONG}, expect=204)


def test_r3_a_directory_and_the_directories_admin_follow_the_volunteers_policy(given, new_api):
    general = new_api().as_general()
    for weak in VOLUNTEER_WEAK:
        reason(general.put("/api/directories-admin/password", {"password": weak}), "password")
    given.directories_admin()
    code, paris = given.directory("Paris", "PA")
    for weak in ("motdepasse", "paris2026", "12345678"):
        reason(paris.post("/api/session/password", {"current": STRONG, "new": weak}), "new")
    page = form_post(paris, "/password", role="directory", current=STRONG, new="azertyuiop", confirm="azertyuiop")
    assert page.status_code == 400 and escape(translate("password_too_common", "fr")) in page.get_data(as_text=True)


def test_r3_mailboxes_need_twelve_characters_and_a_score_of_three(mail_admin, new_api):
    for weak in MAIL_WEAK:
        reason(mail_admin.post("/api/mail/accounts", {"address": "faible@auf.org", "password": weak}), "password")
    account(mail_admin, "lea@auf.org")
    for weak in MAIL_WEAK:
        reason(mail_admin.patch("/api/mail/accounts/lea@auf.org", {"password": weak}), "password")
        reason(new_api().post("/api/mail/password", {"address": "lea@auf.org", "current": MAIL_PASSWORD, "new": weak}),
               "new")
    assert reason(mail_admin.post("/api/mail/accounts", {"address": "jean.dupont@auf.org", "password": "jean.dupont.2026"}),
                  "password") == translate("password_contains_address", "fr")
    mail_admin.post("/api/mail/accounts", {"address": "faible@auf.org", "password": MAIL_PASSWORD}, expect=201)


def test_r3_an_operator_needs_what_its_mailboxes_need(mail_admin, new_api):
    for weak in ("Xk7#pQ2m", "Xk7#pQ2mz!", "azertyuiop12", "Soleil123456"):  # 8 and 10 strong characters: too short
        reason(mail_admin.post("/api/mail/operators", {"login": "rh", "password": weak, "domains": ["auf.org"]}), "password")
    assert reason(mail_admin.post("/api/mail/operators", {"login": "rh", "password": "Xk7#pQ2m", "domains": []}),
                  "password") == translate("mail_password_too_short", "fr")
    mail_admin.post("/api/mail/operators", {"login": "rh", "password": GIVEN_PASSWORD, "domains": ["auf.org"]}, expect=201)
    rh = new_api()
    rh.sign_in(role="mail", login="rh", password=GIVEN_PASSWORD)
    for weak in ("Xk7#pQ2mz!", "password1234", "Soleil123456"):
        reason(rh.post("/api/session/password", {"current": GIVEN_PASSWORD, "new": weak}), "new")
    rh.change_password(current=GIVEN_PASSWORD)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_r3_every_page_taking_a_new_password_shows_its_rule_before_the_first_try(given, mail_admin, new_api, lang):
    volunteer, mail = (escape(translate(key, lang)) for key in ("password_rules", "mail_password_rules"))
    network = given.network()
    newcomer = new_api()
    newcomer.sign_in(role="group", group=given.group(network.paris, name="Les Navets", initials="LN")["code"], password="0000")
    account(mail_admin, "lea@auf.org")
    mail_admin.post("/api/mail/operators", {"login": "rh", "password": GIVEN_PASSWORD, "domains": ["auf.org"]}, expect=201)
    rh = new_api()
    rh.sign_in(role="mail", login="rh", password=GIVEN_PASSWORD)
    pages = [(mail_admin, "/admin/pwd.html", volunteer, "8"), (network.paris, "/adminloc.html", volunteer, "8"),
             (network.member, "/animateur.html", volunteer, "8"), (newcomer, "/animateur.html", volunteer, "8"),
             (rh, "/messagerie.html", mail, "12"), (mail_admin, "/messagerie.html", mail, "12"),
             (new_api(), "/messagerie/mot-de-passe.html", mail, "12"), (mail_admin, "/messagerie/domains/auf.org", mail, "12"),
             (mail_admin, "/messagerie/accounts/lea@auf.org", mail, "12")]
    for api, path, rule, least in pages:
        text = api.get(f"{path}?lang={lang}", expect=200).get_data(as_text=True)
        assert rule in text, (path, lang)
        for field in text.split('autocomplete="new-password"')[:-1]:  # every new password field says its least length
            field = field[field.rindex("<input"):]
            if 'name="password"' in field and "set_mailer_from_form" in field:
                continue  # a relay's SMTP password: not one people choose
            assert f'minlength="{least}"' in field, (path, field)


def test_r3_every_reason_is_the_product_s_own_in_both_languages():
    assert all(known(key) and translate(key, "fr") != key != translate(key, "en") for key in password_policy.REASONS)
    assert password_policy.problem(password_policy.MAIL, "Soleil123456") == "password_like_common"
    assert password_policy.problem(password_policy.VOLUNTEER, "azertyuiop") == "password_too_common"
    assert password_policy.problem(password_policy.VOLUNTEER, "x" * 129) == "too_long"
    assert password_policy.problem(password_policy.VOLUNTEER, 12345678) == "not_text"


@hypothesis.settings(max_examples=250, deadline=None)
@hypothesis.given(st.one_of(st.text(max_size=140), st.text(alphabet="azertyuiop0123456789!-_ ", max_size=20)),
                  st.sampled_from([password_policy.VOLUNTEER, password_policy.MAIL]))
def test_r3_a_password_is_taken_only_when_long_enough_and_scored_high_enough(password, policy):
    found = password_policy.problem(policy, password, ["Les Radis"], address="lea@auf.org" if policy.name == "mail" else "")
    assert found is None or found in password_policy.REASONS
    if found is None:
        assert policy.min_length <= len(password) <= password_policy.MAX_LENGTH
        assert zxcvbn(password[:password_policy.SCORED_LENGTH])["score"] >= policy.min_score


# 4. The mailbox page: its owner's own counter; a deactivated account says no more than a wrong password

def test_r3_strangers_failures_never_lock_out_a_browser_that_changed_the_mailbox_password(mail_admin, new_api):
    account(mail_admin, "lea@auf.org")
    owner, page_owner, stranger = new_api(), new_api(), new_api()
    second = "une toute nouvelle phrase de passe"
    owner.post("/api/mail/password", {"address": "lea@auf.org", "current": MAIL_PASSWORD, "new": second}, expect=204)
    done = page_owner.client.post("/messagerie/mot-de-passe.html", data={  # the page, too, remembers its browser
        "address": "lea@auf.org", "current": second, "new": MAIL_PASSWORD, "confirm": MAIL_PASSWORD})
    assert done.status_code == 303
    for _ in range(6):
        stranger.post("/api/mail/password", {"address": "lea@auf.org", "current": "essai", "new": second})
    stranger.post("/api/mail/password", {"address": "lea@auf.org", "current": MAIL_PASSWORD, "new": second}, expect=429)
    owner.post("/api/mail/password", {"address": "lea@auf.org", "current": MAIL_PASSWORD, "new": second}, expect=204)
    again = page_owner.client.post("/messagerie/mot-de-passe.html", data={
        "address": "lea@auf.org", "current": second, "new": MAIL_PASSWORD, "confirm": MAIL_PASSWORD})
    assert again.status_code == 303
    new_api().post("/api/mail/password", {"address": "lea@auf.org", "current": MAIL_PASSWORD, "new": second}, expect=429)
    for _ in range(5):  # the owner's own guesses still count, on its own counter
        page_owner.post("/api/mail/password", {"address": "lea@auf.org", "current": "essai", "new": second}, expect=400)
    page_owner.post("/api/mail/password", {"address": "lea@auf.org", "current": MAIL_PASSWORD, "new": second}, expect=429)


def test_r3_a_deactivated_mailbox_answers_exactly_as_a_wrong_password_and_counts(mail_admin, new_api):
    account(mail_admin, "lea@auf.org")
    account(mail_admin, "paul@auf.org")
    mail_admin.patch("/api/mail/accounts/lea@auf.org", {"active": False}, expect=200)
    new = "une toute nouvelle phrase de passe"
    right = new_api().post("/api/mail/password", {"address": "lea@auf.org", "current": MAIL_PASSWORD, "new": new})
    wrong = new_api().post("/api/mail/password", {"address": "paul@auf.org", "current": "pas le bon", "new": new})
    assert (right.status_code, right.get_data()) == (wrong.status_code, wrong.get_data()) == (400, wrong.get_data())
    page = new_api().client.post("/messagerie/mot-de-passe.html", data={
        "address": "lea@auf.org", "current": MAIL_PASSWORD, "new": new, "confirm": new})
    assert page.status_code == 400 and "mot de passe actuel incorrect" in page.get_data(as_text=True)
    stranger = new_api()
    for _ in range(3):
        stranger.post("/api/mail/password", {"address": "lea@auf.org", "current": MAIL_PASSWORD, "new": new}, expect=400)
    stranger.post("/api/mail/password", {"address": "lea@auf.org", "current": MAIL_PASSWORD, "new": new}, expect=429)
