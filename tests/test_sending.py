"""Sending a weekly batch through a real SMTP server: exactly once per member, every outcome recorded (A13)."""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from annuaires.services.context import utc_now
from annuaires.services.mailing import dispatch as mailing
from annuaires.services.mailing import recipients as recipients_module
from annuaires.store import mailing as store
from emulator import smtp_sink
from emulator.calls import RpcCounter

TASKS = {"Authorization": "Bearer test-tasks-token"}
MEMBERS = [("Alice Martin", "alice@example.org"), ("Bruno Petit", "bruno@example.org"), ("Chloé Noël", "chloe@example.org"),
           ("Dan Roy", "dan@example.org")]


def weekly_group(given, sink, new_api, members=MEMBERS):
    """A group with members, its message, its mailing set by Paris on a mailer that sends to the sink; its batch."""
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    group = given.group(paris, name="Les Radis", initials="LR")
    animator = given.animator(group["code"])
    for name, address in members:
        animator.post("/api/group/members", {"name": name, "email": address}, expect=201)
    animator.put("/api/group/message", {"subject": "Distribution jeudi", "body": "À jeudi !"}, expect=200)
    new_api().as_general().put("/api/mailers/B", {"from": "Les Radis <radis@example.org>", "smtp_host": "127.0.0.1",
                                                  "smtp_port": sink.port, "username": "", "starttls": False}, expect=200)
    paris.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "thu", "mailer": "B"}, expect=200)
    return group, animator, paris


def batch_of(ctx, group):
    week = mailing.iso_week(ctx, ctx.now())
    return mailing.make_batch(ctx, group["code"], week)[0]


def send(api, batch, expect=200):
    return api.post("/tasks/mailing/send", {"group": batch.group, "week": batch.week}, headers=TASKS, expect=expect).get_json()


def recipients(ctx, batch) -> dict[str, store.Recipient]:
    return {r.email: r for r in store.recipients_of(ctx.client, batch.id)}


def test_a13_a_batch_sends_each_active_member_one_personal_email(given, sink, ctx, api, new_api):
    group, animator, _ = weekly_group(given, sink, new_api)
    dan = next(m for m in animator.get("/api/group/members").get_json() if m["email"] == "dan@example.org")
    animator.patch(f"/api/group/members/{dan['id']}", {"active": False}, expect=200)
    batch = batch_of(ctx, group)
    answer = send(api, batch)
    assert answer["status"] == "done" and answer["counts"] == {"sent": 3}
    assert sorted(r for m in sink.sink.received for r in m.recipients) == ["alice@example.org", "bruno@example.org",
                                                                           "chloe@example.org"]
    mail = sink.sink.to("chloe@example.org")[0].parsed()
    assert mail["Subject"] == "Distribution jeudi" and "Bonjour Chloé Noël," in mail.get_body(("plain",)).get_content()
    assert send(api, batch)["status"] == "done" and len(sink.sink.received) == 3  # a second task sends nothing
    stored = store.BATCHES.get(ctx.client, batch.id)
    assert (stored.status, stored.sent, stored.finished is not None) == ("done", 3, True)
    assert {r.status for r in recipients(ctx, batch).values()} == {"sent"}
    # kept 12 weeks, then Datastore's TTL deletes the batch and its per-recipient records (cloudbuild.yaml)
    assert {c.expires for c in store.chunks_of(ctx.client, batch.id)} == {stored.started + timedelta(weeks=12)}


def test_a13_the_same_task_delivered_three_times_at_once_sends_each_member_once(given, sink, ctx, app, new_api):
    many = [(f"Membre {n}", f"m{n}@example.org") for n in range(250)]
    group, _, _ = weekly_group(given, sink, new_api, many)
    batch = batch_of(ctx, group)
    clients = [app.test_client() for _ in range(3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(lambda c: c.post("/tasks/mailing/send", json={"group": batch.group, "week": batch.week},
                                                 headers=TASKS).status_code, clients))
    assert answers == [200, 200, 200]
    addresses = [r for m in sink.sink.received for r in m.recipients]
    assert sorted(addresses) == sorted(address for _, address in many)  # each once, none twice
    assert store.BATCHES.get(ctx.client, batch.id).sent == 250


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelining relay", "older relay"])
def test_a13_4xx_defers_and_retries_within_the_day_5xx_refuses_with_the_server_s_text(given, sink, ctx, api, new_api, clock,
                                                                                      pipelining):
    sink.sink.pipelining = pipelining
    with smtplib.SMTP("127.0.0.1", sink.port) as relay:
        assert relay.ehlo()[0] == 250 and relay.has_extn("pipelining") == pipelining
    group, _, _ = weekly_group(given, sink, new_api)
    sink.sink.answers = {"alice@example.org": "451 4.7.1 Greylisted, try later", "bruno@example.org": "550 5.1.1 No such user"}
    batch = batch_of(ctx, group)
    first = send(api, batch)
    assert first["counts"] == {"sent": 2, "deferred": 1, "refused": 1} and first["status"] == "waiting"
    waiting = store.BATCHES.get(ctx.client, batch.id)
    assert (waiting.held, waiting.resumes_at.isoformat().replace("+00:00", "Z")) == ("deferred_retry", first["next_at"])
    found = recipients(ctx, batch)
    assert (found["alice@example.org"].status, found["alice@example.org"].anomaly) == ("deferred", "451 4.7.1 Greylisted, try later")
    assert (found["bruno@example.org"].status, found["bruno@example.org"].anomaly) == ("refused", "550 5.1.1 No such user")
    sink.sink.answers = {}
    assert send(api, batch)["counts"] == {}  # not yet: the retry waits
    clock.advance(minutes=6)
    again = send(api, batch)
    assert again["counts"] == {"sent": 1, "deferred": -1} and again["status"] == "done"
    assert [m.recipients for m in sink.sink.received].count(["alice@example.org"]) == 1
    assert sink.sink.to("bruno@example.org") == []  # a refused address is not tried again
    stored = store.BATCHES.get(ctx.client, batch.id)
    assert (stored.sent, stored.deferred, stored.refused) == (3, 0, 1)


def test_a13_a_connection_lost_mid_batch_never_sends_anyone_twice(given, sink, ctx, api, new_api):
    group, _, _ = weekly_group(given, sink, new_api)
    sink.sink.drop_after = 2  # the second message is taken, then the connection drops before its answer
    batch = batch_of(ctx, group)
    send(api, batch, expect=503)  # the task fails: the queue tries again later
    stored = store.BATCHES.get(ctx.client, batch.id)
    assert (stored.sent, stored.unknown, stored.status) == (1, 1, "sending")
    rest = send(api, batch)
    assert rest["counts"] == {"sent": 2} and rest["status"] == "done"
    addresses = [r for m in sink.sink.received for r in m.recipients]
    assert sorted(addresses) == sorted(address for _, address in MEMBERS)  # the unknown one was taken once, not resent
    assert sorted(r.status for r in recipients(ctx, batch).values()) == ["sent", "sent", "sent", "unknown"]


def test_a13_a_relay_that_is_down_fails_the_task_and_loses_nothing(given, sink, ctx, api, new_api):
    group, _, _ = weekly_group(given, sink, new_api)
    batch = batch_of(ctx, group)
    sink.stop()
    assert send(api, batch, expect=503)["error"]["code"] == "relay_unavailable"
    assert {r.status for r in recipients(ctx, batch).values()} == {"pending"}
    down = store.BATCHES.get(ctx.client, batch.id)
    assert down.held == "relay_unavailable" and f"127.0.0.1:{sink.port}" in down.held_detail  # the page says why
    sink.start()
    assert send(api, batch)["counts"] == {"sent": 4}
    assert store.BATCHES.get(ctx.client, batch.id).held == ""


def test_a13_a_worker_killed_half_way_leaves_its_claims_unknown_never_resent(given, sink, ctx, api, new_api, clock):
    group, _, _ = weekly_group(given, sink, new_api)
    batch = batch_of(ctx, group)
    killed = recipients_module.make(ctx, store.BATCHES.get(ctx.client, batch.id), "killed-worker")  # made, claimed,
    # maybe sent, never recorded: the worker died
    assert [len(chunk.due) for chunk in killed] == [4]
    assert send(api, batch)["status"] == "sending" and sink.sink.received == []
    clock.advance(minutes=16)
    late = send(api, batch)
    assert late["counts"] == {"unknown": 4} and late["status"] == "done" and sink.sink.received == []


def test_a12_no_batch_for_a_paused_mailing_or_no_mailer(given, sink, ctx, new_api):
    group, _, paris = weekly_group(given, sink, new_api)
    week = mailing.iso_week(ctx, ctx.now())
    paris.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "thu", "mailer": "Z"}, expect=200)
    assert mailing.make_batch(ctx, group["code"], week) == (None, False)
    paris.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "thu", "mailer": "B"}, expect=200)
    made, new = mailing.make_batch(ctx, group["code"], week)
    assert made is not None and new
    assert mailing.make_batch(ctx, group["code"], week) == (made, False)


def test_task_endpoints_refuse_anyone_without_the_token(given, sink, ctx, api, new_api):
    group, _, _ = weekly_group(given, sink, new_api)
    batch = batch_of(ctx, group)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-tasks-token"}):
        answer = api.post("/tasks/mailing/send", {"group": batch.group, "week": batch.week}, headers=headers, expect=403)
        assert answer.get_json()["error"]["code"] == "forbidden"
    assert sink.sink.received == []


def test_a13_a_mailer_s_caps_hold_across_batches_and_a_capped_batch_waits_then_resumes(given, sink, ctx, api, new_api, clock):
    group, _, paris = weekly_group(given, sink, new_api)
    other = given.group(paris, name="Les Navets", initials="LN")
    other_animator = given.animator(other["code"])
    for n in range(3):
        other_animator.post("/api/group/members", {"name": f"N{n}", "email": f"n{n}@example.org"}, expect=201)
    paris.put(f"/api/directory/groups/{other['code']}/mailing", {"day": "thu", "mailer": "B"}, expect=200)
    new_api().as_general().put("/api/mailers/B", {"from": "Les Radis <radis@example.org>", "smtp_host": "127.0.0.1",
                                                  "smtp_port": sink.port, "username": "", "starttls": False,
                                                  "per_minute": 3, "per_day": 5}, expect=200)
    paris_code = paris.get("/api/directory").get_json()["code"]
    clock.offset = datetime(2026, 12, 3, 9, 0, 10, tzinfo=UTC) - utc_now()  # 10:00:10 in Paris
    first, second = batch_of(ctx, group), batch_of(ctx, other)
    one = send(api, first)
    assert one["counts"] == {"sent": 3} and one["status"] == "waiting" and one["next_at"] == "2026-12-03T09:01:00Z"
    paris.as_directory(paris_code)  # sessions last hours, not days
    shown = paris.get("/api/directory/mailing").get_json()
    held = next(g for g in shown if g["group"] == group["code"])["batches"][0]["held"]
    assert held == {"cause": "mailer_limit", "until": "2026-12-03T09:01:00Z", "detail": ""}
    assert "limite d&#39;envoi de l&#39;expéditeur atteinte, reprise le 03/12/2026 10:01" in paris.get("/adminloc.html").get_data(
        as_text=True)
    assert send(api, second)["counts"] == {}  # the minute's 3 are used by the other batch
    clock.advance(minutes=1)
    assert send(api, second)["counts"] == {"sent": 2}  # the day's 5 are used up now
    blocked = send(api, first)
    assert blocked["counts"] == {} and blocked["next_at"] == "2026-12-03T23:00:00Z"  # midnight in Paris
    clock.advance(days=1)
    assert send(api, first)["counts"] == {"sent": 1} and send(api, second)["counts"] == {"sent": 1}
    assert len(sink.sink.received) == 7
    assert {store.BATCHES.get(ctx.client, b.id).status for b in (first, second)} == {"done"}


def test_a13_an_address_plain_smtp_cannot_carry_is_an_error_with_its_reason_the_others_are_sent(given, sink, ctx, api, new_api):
    group, _, _ = weekly_group(given, sink, new_api, MEMBERS[:2] + [("Zoé", "zoé@example.org")])
    batch = batch_of(ctx, group)
    assert send(api, batch)["counts"] == {"sent": 2, "error": 1}
    zoe = recipients(ctx, batch)["zoé@example.org"]
    assert zoe.status == "error" and "not deliverable" in zoe.anomaly
    assert sorted(r for m in sink.sink.received for r in m.recipients) == ["alice@example.org", "bruno@example.org"]
    assert store.BATCHES.get(ctx.client, batch.id).errors == 1


def test_a13_datastore_calls_of_a_send_task_grow_with_chunks_of_a_hundred_not_with_members(given, sink, ctx, api, new_api,
                                                                                          datastore_client):
    counter = RpcCounter(datastore_client)
    small, _, paris = weekly_group(given, sink, new_api)
    large = given.group(paris, name="Les Navets", initials="LN")
    animator = given.animator(large["code"])
    animator.post("/api/group/members/import", {"text": "\n".join(f"N{n},n{n}@example.org" for n in range(150)),
                                                "dry_run": False}, expect=200)
    paris.put(f"/api/directory/groups/{large['code']}/mailing", {"day": "thu", "mailer": "B"}, expect=200)
    counted = []
    for group in (small, large):
        batch = batch_of(ctx, group)
        answer, calls = counter.during(lambda batch=batch: send(api, batch))
        assert answer["status"] == "done" and answer["batches"] == 1
        counted.append(sum(calls.values()))
    # the batch, its group and message; the mailer; the members; the chunks made (a transaction); the week's
    # other batches of the mailer (none); the last chunk recorded with the batch's counters (a transaction)
    assert counted == [8, 8 + 2]  # one more chunk, recorded on its own: a lookup and a commit
    assert len(sink.sink.received) == 154


def test_a13_a_mailer_s_limit_holds_with_several_workers_at_once(given, sink, ctx, app, api, new_api, clock):
    group, _, paris = weekly_group(given, sink, new_api, [(f"R{n}", f"r{n}@example.org") for n in range(30)])
    other = given.group(paris, name="Les Navets", initials="LN")
    given.animator(other["code"]).post("/api/group/members/import", {
        "text": "\n".join(f"N{n},n{n}@example.org" for n in range(30)), "dry_run": False}, expect=200)
    paris.put(f"/api/directory/groups/{other['code']}/mailing", {"day": "thu", "mailer": "B"}, expect=200)
    new_api().as_general().put("/api/mailers/B", {"from": "Les Radis <radis@example.org>", "smtp_host": "127.0.0.1",
                                                  "smtp_port": sink.port, "username": "", "starttls": False,
                                                  "per_minute": 25}, expect=200)
    clock.offset = datetime(2026, 12, 3, 9, 0, 5, tzinfo=UTC) - utc_now()
    batches = [batch_of(ctx, group), batch_of(ctx, other)] * 2  # each batch's task delivered twice, all four at once
    clients = [app.test_client() for _ in batches]
    with ThreadPoolExecutor(max_workers=len(batches)) as pool:
        answers = list(pool.map(lambda pair: pair[0].post("/tasks/mailing/send", headers=TASKS, json={
            "group": pair[1].group, "week": pair[1].week}).status_code, zip(clients, batches, strict=True)))
    assert answers == [200] * 4
    per_minute = [len(sink.sink.received)]
    while sum(per_minute) < 60 and len(per_minute) < 5:  # the batches wait for the next minutes, and resume
        clock.advance(minutes=1)
        for batch in batches[:2]:
            send(api, batch)
        per_minute.append(len(sink.sink.received) - sum(per_minute))
    assert per_minute == [25, 25, 10]  # the limit holds across every worker and batch
    addresses = [r for m in sink.sink.received for r in m.recipients]
    assert len(set(addresses)) == len(addresses) == 60  # no one twice


def test_a13_a_relay_on_587_takes_the_mail_after_starttls_and_login_with_the_sealed_password(given, sink, ctx, api, new_api,
                                                                                             tmp_path, monkeypatch):
    certificate = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # the service trusts this test's authority, and only it
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(certificate, tmp_path / "key.pem")
    relay = smtp_sink.start(tls=tls, login=("envoi@example.org", "mot-de-passe-smtp"))
    try:
        group, _, _ = weekly_group(given, sink, new_api)
        general = new_api().as_general()
        mailer = {"from": "Les Radis <radis@example.org>", "smtp_host": "127.0.0.1", "smtp_port": relay.port,
                  "username": "envoi@example.org", "password": "un autre", "starttls": True}
        general.put("/api/mailers/B", mailer, expect=200)
        batch = batch_of(ctx, group)
        assert send(api, batch, expect=503)["error"]["code"] == "relay_unavailable"  # a wrong password: nothing lost
        general.put("/api/mailers/B", {**mailer, "password": "mot-de-passe-smtp"}, expect=200)
        assert send(api, batch)["counts"] == {"sent": 4}
        assert len(relay.sink.received) == 4 and sink.sink.received == []
    finally:
        relay.stop()


def self_signed(folder):
    """A certificate for 127.0.0.1 and its key, in `folder` (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test relay")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=1))
                   .not_valid_after(now + timedelta(hours=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                   .sign(key, hashes.SHA256()))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return folder / "cert.pem"
