"""The weekly e-mail as members receive it, its preview, and one-click unsubscribe (A13, RFC 8058)."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from email.utils import getaddresses

from annuaires.services.mailing import email as weekly_email
from annuaires.store.groups import Group
from annuaires.store.members import Member
from annuaires.store.messages import Message

GROUP = Group("abcdefgh", "Les Paniers d'Été", "PE")


def received(ctx, member: Member, message: Message, sender: str = "Alterconsos Lyon <lyon@example.org>"):
    """The e-mail as it would travel, parsed back as a mail client would."""
    built = weekly_email.Weekly(ctx, GROUP, message, sender).compose(member, datetime(2026, 11, 26, 7, tzinfo=UTC))
    return email.message_from_bytes(built, policy=email.policy.default)


def test_a13_the_weekly_email_is_personal_multipart_and_safe_for_any_unicode(ctx):
    member = Member(42, GROUP.code, "Zoé \"la\" Dupré, <chef>", "zoe@example.org")
    mail = received(ctx, member, Message(GROUP.code, "Légumes d'hiver — ça arrive ✓", "Bonjour à tous,\n\nÀ jeudi <b>18 h</b> !"))
    raw = weekly_email.Weekly(ctx, GROUP, Message(GROUP.code, "Légumes ✓", ""), "lyon@example.org").compose(
        member, datetime(2026, 11, 26, tzinfo=UTC))
    assert raw.isascii()  # every header encoded
    assert mail["Subject"] == "Légumes d'hiver — ça arrive ✓"
    assert getaddresses([mail["To"]]) == [("Zoé \"la\" Dupré, <chef>", "zoe@example.org")]
    assert mail["From"] == "Alterconsos Lyon <lyon@example.org>"
    assert re.fullmatch(r"<[^<>@]+@example\.org>", mail["Message-ID"]) and mail["Date"].startswith("Thu, 26 Nov 2026")
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Bonjour Zoé \"la\" Dupré, <chef>," in text and "À jeudi <b>18 h</b> !" in text
    assert "Zoé &#34;la&#34; Dupré, &lt;chef&gt;" in html and "À jeudi &lt;b&gt;18 h&lt;/b&gt; !" in html
    assert "<b>" not in html


def test_every_weekly_email_carries_one_click_unsubscribe(ctx):
    mail = received(ctx, Member(42, GROUP.code, "Zoé", "zoe@example.org"), Message(GROUP.code, "S", "B"))
    link = re.fullmatch(r"<(http://[^>]+)>", mail["List-Unsubscribe"].strip()).group(1)
    assert link.startswith(ctx.config.public_url + f"/unsubscribe/{GROUP.code}/42/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    other = received(ctx, Member(43, GROUP.code, "Ana", "ana@example.org"), Message(GROUP.code, "S", "B"))
    assert other["List-Unsubscribe"] != mail["List-Unsubscribe"]
    assert link in mail.get_body(("plain",)).get_content() and link in mail.get_body(("html",)).get_content()


def animator_with_member(given):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    group = given.group(paris, name="Les Radis", initials="LR")
    animator = given.animator(group["code"])
    member = animator.post("/api/group/members", {"name": "Zoé <Z>", "email": "zoe@example.org"}, expect=201).get_json()
    return group, animator, member


def test_the_animator_previews_this_week_s_email(given):
    group, animator, _ = animator_with_member(given)
    animator.put("/api/group/message", {"subject": "Distribution jeudi", "body": "Apportez vos <sacs>."}, expect=200)
    preview = animator.get("/api/group/mailing/preview", expect=200).get_json()
    assert preview["subject"] == "Distribution jeudi"
    assert "Bonjour Prénom Nom," in preview["text"] and "Apportez vos <sacs>." in preview["text"]
    assert "Apportez vos &lt;sacs&gt;." in preview["html"]
    page = animator.get("/animateur.html").get_data(as_text=True)
    assert "Aperçu du message de cette semaine" in page and "Apportez vos &lt;sacs&gt;." in page


def test_one_click_unsubscribe_makes_the_member_inactive_and_the_animator_sees_it(given, ctx, new_api):
    group, animator, member = animator_with_member(given)
    path = weekly_email.unsubscribe_path(ctx, group["code"], int(member["id"]))
    stranger = new_api()
    page = stranger.get(path, expect=200).get_data(as_text=True)
    assert "Zoé &lt;Z&gt; &lt;zoe@example.org&gt; ne recevra plus" in page and f'action="{path}"' in page
    assert animator.get("/api/group/members").get_json()[0]["active"] is True  # a GET changes nothing
    done = stranger.call("POST", path, data="List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded", expect=200)
    assert "C&#39;est fait" in done.get_data(as_text=True)
    assert animator.get("/api/group/members").get_json()[0]["active"] is False
    stranger.call("POST", path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded",
                  expect=200)  # twice is no error
    entries = [e for e in animator.get("/api/group").get_json()["audit"] if e["action"] == "member_unsubscribed"]
    assert len(entries) == 1 and entries[0]["actor_name"] == "Zoé <Z>"
    assert "désinscrit par le lien du message" in animator.get("/animateur.html").get_data(as_text=True)


def test_an_unsubscribe_link_not_signed_here_answers_404_and_changes_nothing(given, ctx, new_api):
    group, animator, member = animator_with_member(given)
    _, paris_other = given.directory("Lyon", "LY")
    other = given.group(paris_other, name="Autre", initials="AU")
    good = weekly_email.unsubscribe_path(ctx, group["code"], int(member["id"]))
    token = good.rsplit("/", 1)[1]
    for bad in (good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
                f"/unsubscribe/{other['code']}/{member['id']}/{token}",
                f"/unsubscribe/{group['code']}/{int(member['id']) + 1}/{token}",
                f"/unsubscribe/{group['code']}/0/{token}", f"/unsubscribe/x/{member['id']}/{token}",
                weekly_email.unsubscribe_path(ctx, group["code"], 999)):
        new_api().get(bad, expect=404)
        new_api().call("POST", bad, expect=404)
    assert animator.get("/api/group/members").get_json()[0]["active"] is True


def test_no_header_can_be_injected_through_a_name_a_subject_or_a_sender(ctx):
    member = Member(42, GROUP.code, "Zoé\r\nBcc: evil@example.net", "zoe@example.org")
    mail = received(ctx, member, Message(GROUP.code, "Légumes\r\nBcc: evil@example.net", "B"),
                    sender="Lyon\nBcc: evil@example.net <lyon@example.org>")
    assert mail["Bcc"] is None
    assert getaddresses([mail["To"]]) == [("Zoé Bcc: evil@example.net", "zoe@example.org")]  # one line, one address
    assert len(getaddresses([mail["From"]])) == 1  # (a sender is checked as one address when a mailer is set)
    assert mail["Subject"] == "Légumes Bcc: evil@example.net" and mail.defects == []
