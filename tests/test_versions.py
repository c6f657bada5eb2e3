"""R2: two tabs or two people editing the same thing never overwrite each other silently.

Each editable resource answers an ETag; a write carrying it in If-Match is refused (412 `changed_elsewhere`, nothing
changed) when what it changes has changed since, goes through when only something else of the resource changed,
and goes through without If-Match (scripts) or with `*`. Client A reads, client B writes, then A writes.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import given as generated
from hypothesis import strategies as st

from tests.test_mail_roles import GIVEN_PASSWORD

MAILER = {"from": "envoi@example.org", "smtp_host": "smtp.example.org", "smtp_port": 587, "username": "",
          "starttls": True}


def refused(answer, **current) -> dict:
    """A 412 changed_elsewhere, with what is stored now."""
    error = answer.get_json()["error"]
    assert error["code"] == "changed_elsewhere" and error["message"], error
    for name, value in current.items():
        assert error["current"][name] == value, error
    return error


def if_match(answer) -> dict:
    etag = answer.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"'), etag
    return {"If-Match": etag}


@pytest.fixture
def two_tabs(given):
    """One directory's admin in two tabs (one browser), and a group it references."""
    code, tab_a = given.directory("Lyon", "LY")
    (tab_b,) = tab_a.copies(1)
    group = given.group(tab_a, name="Les Radis", initials="LR")
    return code, tab_a, tab_b, group


def test_r2_directory_stale_patch_is_refused_and_changes_nothing(two_tabs):
    _, tab_a, tab_b, _ = two_tabs
    seen = if_match(tab_a.get("/api/directory", expect=200))
    tab_b.patch("/api/directory", {"comment": "écrit par B"}, expect=200)
    answer = tab_a.patch("/api/directory", {"comment": "écrit par A", "name": "Lyon A"}, headers=seen, expect=412)
    refused(answer, comment="écrit par B", name="Lyon")
    now = tab_a.get("/api/directory", expect=200)
    assert (now.get_json()["comment"], now.get_json()["name"]) == ("écrit par B", "Lyon")
    # Seen again, the same write goes through, and its answer's version moved on.
    after = tab_a.patch("/api/directory", {"comment": "écrit par A"}, headers=if_match(now), expect=200).get_json()
    assert after["comment"] == "écrit par A" and after["version"] == now.get_json()["version"] + 1


def test_r2_group_mailing_checks_only_its_group(two_tabs, given):
    _, tab_a, tab_b, group = two_tabs
    other = given.group(tab_a, name="Les Choux", initials="LC")
    seen = if_match(tab_a.get("/api/directory", expect=200))
    # Something else of the resource changes: the directory's comment, another group's mailing.
    tab_b.patch("/api/directory", {"comment": "B"}, expect=200)
    tab_b.put(f"/api/directory/groups/{other['code']}/mailing", {"day": "mon", "mailer": "Z"}, expect=200)
    tab_a.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "tue", "mailer": "Z"}, headers=seen, expect=200)
    # Now this group's own mailing changed since `seen`: refused, stored value named, nothing changed.
    tab_b.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "wed", "mailer": "Z"}, expect=200)
    answer = tab_a.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "fri", "mailer": "Z"}, headers=seen,
                       expect=412)
    refused(answer, day="wed", mailer="Z")
    listed = tab_a.get("/api/directory/groups", expect=200)
    assert {g["code"]: g["mailing"]["day"] for g in listed.get_json()} == {group["code"]: "wed", other["code"]: "mon"}
    # The list's own ETag names each group it shows.
    tab_a.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "fri", "mailer": "Z"}, headers=if_match(listed),
              expect=200)


def test_r2_without_if_match_or_with_star_a_write_is_taken_as_it_comes(two_tabs):
    _, tab_a, tab_b, group = two_tabs
    tab_b.patch("/api/directory", {"comment": "B"}, expect=200)
    tab_a.patch("/api/directory", {"comment": "script"}, expect=200)
    tab_a.patch("/api/directory", {"comment": "any"}, headers={"If-Match": "*"}, expect=200)
    tab_a.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "mon", "mailer": "Z"},
              headers={"If-Match": "*"}, expect=200)
    assert tab_a.get("/api/directory").get_json()["comment"] == "any"


def test_r2_concurrent_writes_with_one_etag_one_wins(two_tabs):
    """The version is checked and moved on in the transaction that writes: of ten tabs saving at once over the same
    version, one wins, the others are told, and the stored comment is the winner's."""
    from concurrent.futures import ThreadPoolExecutor

    _, tab_a, _, _ = two_tabs
    seen = if_match(tab_a.get("/api/directory", expect=200))
    tabs = tab_a.copies(10)
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda i: tabs[i].patch("/api/directory", {"comment": f"onglet {i}"}, headers=seen),
                                range(10)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [412] * 9, statuses
    winner = next(i for i, a in enumerate(answers) if a.status_code == 200)
    assert tab_a.get("/api/directory").get_json()["comment"] == f"onglet {winner}"


MALFORMED = ['W/"00000000-0"', "garbage", '"zzzzzzzz-1"', '"', '""', '"0123abcd-"', '"0123abcd-1x"', '"0123abcd-١"',
             '"0123abcd-99999999999999999999"', ",", '"a" "b"', "*, *", '"' + "0123abcd-1." * 3000 + '"']


def test_r2_a_malformed_if_match_is_412_and_changes_nothing(two_tabs):
    """A version that cannot be read cannot be the one stored (RFC 9110: the condition is false): 412, not 400,
    so that a client has one answer to handle (read again, then write)."""
    _, tab_a, _, _ = two_tabs
    for header in MALFORMED:
        refused(tab_a.patch("/api/directory", {"comment": "jamais"}, headers={"If-Match": header}, expect=412))
    assert tab_a.get("/api/directory").get_json()["comment"] == ""


def test_r2_an_etag_of_another_directory_does_not_open_this_one(given, two_tabs):
    _, tab_a, _, _ = two_tabs
    _, other = given.directory("Paris", "PA")
    foreign = if_match(other.get("/api/directory", expect=200))
    refused(tab_a.patch("/api/directory", {"comment": "x"}, headers=foreign, expect=412))


def test_r2_message_checks_the_message_not_the_members(given):
    code, director = given.directory("Lyon", "LY")
    group = given.group(director, name="Les Radis", initials="LR")
    tab_a = given.animator(group["code"])
    (tab_b,) = tab_a.copies(1)
    tab_a.put("/api/group/message", {"subject": "Avant", "body": "texte"}, expect=200)
    seen = if_match(tab_a.get("/api/group", expect=200))
    tab_b.post("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, expect=201)
    tab_a.put("/api/group/message", {"subject": "A", "body": "de A"}, headers=seen, expect=200)  # a member: elsewhere
    tab_b.put("/api/group/message", {"subject": "B", "body": "de B"}, expect=200)
    refused(tab_a.put("/api/group/message", {"subject": "A2", "body": "de A"}, headers=seen, expect=412),
            subject="B", body="de B")
    assert tab_a.get("/api/group").get_json()["message"] == {"subject": "B", "body": "de B", "version": 3}


def test_r2_member_edit_and_removal_check_that_member(given):
    code, director = given.directory("Lyon", "LY")
    group = given.group(director, name="Les Radis", initials="LR")
    tab_a = given.animator(group["code"])
    (tab_b,) = tab_a.copies(1)
    alice = tab_a.post("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, expect=201).get_json()
    bob = tab_a.post("/api/group/members", {"name": "Bob", "email": "bob@example.org"}, expect=201).get_json()
    seen = if_match(tab_a.get("/api/group/members", expect=200))
    tab_b.patch(f"/api/group/members/{alice['id']}", {"email": "alice@autre.example.org"}, expect=200)
    refused(tab_a.patch(f"/api/group/members/{alice['id']}", {"name": "Alice M."}, headers=seen, expect=412),
            email="alice@autre.example.org", name="Alice")
    refused(tab_a.delete(f"/api/group/members/{alice['id']}", headers=seen, expect=412))
    tab_a.patch(f"/api/group/members/{bob['id']}", {"name": "Bob P."}, headers=seen, expect=200)  # another member
    members = {m["id"]: m for m in tab_a.get("/api/group/members").get_json()}
    assert members[alice["id"]]["name"] == "Alice" and members[alice["id"]]["email"] == "alice@autre.example.org"
    tab_a.delete(f"/api/group/members/{alice['id']}", headers={"If-Match": "*"}, expect=204)
    tab_a.delete(f"/api/group/members/{alice['id']}", headers={"If-Match": "*"}, expect=404)  # none left to match


def test_r2_an_unsubscribe_moves_the_member_on(given, ctx):
    """A member who unsubscribed meanwhile is not made active again by a form shown before."""
    from annuaires.services.mailing import unsubscribe
    from annuaires.services.mailing.email import unsubscribe_token

    code, director = given.directory("Lyon", "LY")
    group = given.group(director, name="Les Radis", initials="LR")
    animator = given.animator(group["code"])
    alice = animator.post("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, expect=201).get_json()
    seen = if_match(animator.get("/api/group/members", expect=200))
    unsubscribe.unsubscribe(ctx, group["code"], alice["id"], unsubscribe_token(ctx, group["code"], alice["id"]))
    refused(animator.patch(f"/api/group/members/{alice['id']}", {"active": True}, headers=seen, expect=412), active=False)


def test_r2_mailer_checks_only_its_letter(given, api):
    tab_a = api.as_general()
    (tab_b,) = tab_a.copies(1)
    listed = tab_a.get("/api/mailers", expect=200)
    seen = if_match(listed)
    tab_b.put("/api/mailers/B", {**MAILER, "smtp_host": "b.example.org"}, expect=200)
    tab_a.put("/api/mailers/C", MAILER, headers=seen, expect=200)  # C is not B
    answer = tab_a.put("/api/mailers/B", {**MAILER, "smtp_host": "a.example.org"}, headers=seen, expect=412)
    error = refused(answer, smtp_host="b.example.org")
    assert "password" not in str(error["current"]).replace("has_password", "")  # never a secret
    one = tab_a.get("/api/mailers/B", expect=200)
    assert one.get_json()["smtp_host"] == "b.example.org"
    tab_a.put("/api/mailers/B", {**MAILER, "smtp_host": "a.example.org"}, headers=if_match(one), expect=200)
    tab_a.get("/api/mailers/Z", expect=404)


def test_r2_mail_account_two_people(mail_admin, new_api):
    mail_admin.post("/api/mail/operators", {"login": "rh", "password": GIVEN_PASSWORD, "domains": ["auf.org"]},
                    expect=201)
    operator = new_api()
    operator.sign_in(role="mail", login="rh", password=GIVEN_PASSWORD)
    operator.change_password(current=GIVEN_PASSWORD)
    mail_admin.post("/api/mail/accounts", {"address": "Jean.Dupont@auf.org", "display_name": "Jean",
                                           "password": "une phrase de passe assez longue"}, expect=201)
    seen = if_match(mail_admin.get("/api/mail/accounts/jean.dupont@auf.org", expect=200))
    listed = if_match(mail_admin.get("/api/mail/accounts?domain=auf.org", expect=200))
    operator.patch("/api/mail/accounts/jean.dupont@auf.org", {"quota_mb": 1024}, expect=200)
    for stale in (seen, listed):
        refused(mail_admin.patch("/api/mail/accounts/jean.dupont@auf.org", {"display_name": "Jean D."}, headers=stale,
                                 expect=412), display_name="Jean", quota_mb=1024)
        refused(mail_admin.delete("/api/mail/accounts/jean.dupont@auf.org", headers=stale, expect=412))
    account = mail_admin.get("/api/mail/accounts/jean.dupont@auf.org", expect=200)
    assert account.get_json()["display_name"] == "Jean" and account.get_json()["quota_mb"] == 1024
    renamed = mail_admin.patch("/api/mail/accounts/jean.dupont@auf.org", {"address": "jean.d@auf.org"},
                               headers=if_match(account), expect=200).get_json()
    refused(operator.delete("/api/mail/accounts/jean.d@auf.org", headers=if_match(account), expect=412))
    operator.delete("/api/mail/accounts/jean.d@auf.org", headers={"If-Match": f'"{renamed_part(renamed)}"'}, expect=204)


def renamed_part(row: dict) -> str:
    from annuaires.services.versions import part

    return part("MailAccount", row["address"].lower(), row["version"])


def test_r2_alias_and_operator_deletions_check_what_was_seen(mail_admin, new_api):
    mail_admin.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["x@example.org"]}, expect=201)
    aliases = if_match(mail_admin.get("/api/mail/aliases?domain=auf.org", expect=200))
    mail_admin.delete("/api/mail/aliases/contact@auf.org", expect=204)
    mail_admin.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["y@example.org"]}, expect=201)
    # The same address made again is not the alias that was seen: a write seen on the former never passes.
    refused(mail_admin.delete("/api/mail/aliases/contact@auf.org", headers=aliases, expect=412))
    mail_admin.delete("/api/mail/aliases/contact@auf.org", headers=if_match(
        mail_admin.get("/api/mail/aliases?domain=auf.org", expect=200)), expect=204)
    mail_admin.post("/api/mail/operators", {"login": "rh", "password": GIVEN_PASSWORD, "domains": ["auf.org"]},
                    expect=201)
    operators = if_match(mail_admin.get("/api/mail/operators", expect=200))
    refused(mail_admin.delete("/api/mail/operators/rh", headers={"If-Match": '"00000000-0"'}, expect=412))
    mail_admin.delete("/api/mail/operators/rh", headers=operators, expect=204)


def test_r2_the_change_feed_carries_no_version(mail_admin):
    """Versions are each instance's own: a follower never takes its reference's."""
    mail_admin.put("/api/mail/export-token", {"token": "t" * 30}, expect=204)
    mail_admin.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["x@example.org"]}, expect=201)
    feed = mail_admin.get("/api/mail/changes", headers={"Authorization": "Bearer " + "t" * 30}, expect=200).get_json()
    assert all("version" not in (c["state"] or {}) for c in feed["changes"])


HEADERS = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80) | st.lists(
    st.from_regex(r'(W/)?"[0-9a-f]{0,9}-?[0-9]{0,3}"', fullmatch=True), max_size=4).map(", ".join)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@generated(header=HEADERS)
def test_r2_any_if_match_answers_412_or_goes_through_never_5xx(two_tabs, header):
    """Whatever If-Match holds: a clean 412, or (only for `*` or the version stored) the write."""
    _, tab_a, _, _ = two_tabs
    before = tab_a.get("/api/directory").get_json()
    answer = tab_a.patch("/api/directory", {"comment": "fuzz"}, headers={"If-Match": header})
    assert answer.status_code in (200, 412), (header, answer.status_code)
    if answer.status_code == 412:
        assert tab_a.get("/api/directory").get_json()["version"] == before["version"]
    else:
        assert header.strip() == "*" or if_match_names(header, before)


def if_match_names(header: str, before: dict) -> bool:
    from annuaires.services.versions import part

    return part("Directory", before["code"], before["version"]) in header


def test_r2_an_entity_stored_before_versions_reads_as_version_0(two_tabs, ctx):
    """No migration: a Directory without the property is at version 0, and its ETag opens it as any other."""
    code, tab_a, _, _ = two_tabs
    key = ctx.client.key("Directory", code)
    entity = ctx.client.get(key)
    del entity["version"]
    ctx.client.put(entity)
    before = tab_a.get("/api/directory", expect=200)
    assert before.get_json()["version"] == 0
    assert tab_a.patch("/api/directory", {"comment": "après"}, headers=if_match(before), expect=200).get_json()["version"] == 1
