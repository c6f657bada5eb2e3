"""The weekly dispatch and the mailing end to end: Cloud Scheduler → Cloud Tasks (emulator) → SMTP sink (A12, A13)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from annuaires.services.context import utc_now
from annuaires.services.mailing import dispatch as mailing
from annuaires.services.values import WEEKDAYS
from annuaires.store import mailing as store

TASKS = {"Authorization": "Bearer test-tasks-token"}


def mailing_group(given, api_of_general, sink_port: int, day: str, name: str = "Les Radis", initials: str = "LR",
                  members: int = 3):
    """A group with members, its mailing on `day` through a mailer that sends to the sink; its directory's admin and code."""
    given.directories_admin()
    code, paris = given.directory(f"Annuaire {name}", f"A{initials}")
    group = given.group(paris, name=name, initials=initials)
    animator = given.animator(group["code"])
    for n in range(members):
        animator.post("/api/group/members", {"name": f"Membre {n}", "email": f"m{n}.{initials.lower()}@example.org"},
                      expect=201)
    api_of_general.put("/api/mailers/B", {"from": "Envoi <envoi@example.org>", "smtp_host": "127.0.0.1",
                                          "smtp_port": sink_port, "username": "", "starttls": False}, expect=200)
    paris.put(f"/api/directory/groups/{group['code']}/mailing", {"day": day, "mailer": "B"}, expect=200)
    return group, paris, code


def set_clock(clock, local: datetime) -> None:
    """Move the app's clock to a local time of the service's zone."""
    clock.offset = local.replace(tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC) - utc_now()


def test_a13_dispatch_makes_the_batches_of_the_days_come_this_week_once(given, sink, ctx, clock, new_api):
    general = new_api().as_general()
    monday, *_ = mailing_group(given, general, sink.port, "mon", "Les Radis", "LR")
    mailing_group(given, general, sink.port, "wed", "Les Navets", "LN")
    friday, *_ = mailing_group(given, general, sink.port, "fri", "Les Choux", "LC")
    set_clock(clock, datetime(2026, 12, 2, 7, 0))  # a Wednesday, ISO week 2026-W49
    first = mailing.dispatch(ctx)
    assert first == {"week": "2026-W49", "made": 2, "queued": 2}  # Monday's was missed: caught up now
    assert store.BATCHES.get(ctx.client, f"{monday['code']}:2026-W49") is not None
    assert store.BATCHES.get(ctx.client, f"{friday['code']}:2026-W49") is None
    assert mailing.dispatch(ctx)["made"] == 0  # a second dispatch the same day makes nothing
    set_clock(clock, datetime(2026, 12, 3, 7, 0))
    assert mailing.dispatch(ctx)["made"] == 0
    set_clock(clock, datetime(2026, 12, 7, 7, 0))  # the next Monday: a new ISO week
    assert mailing.dispatch(ctx) == {"week": "2026-W50", "made": 1, "queued": 1}


def test_a13_a_group_whose_day_changes_after_its_batch_is_not_sent_twice_that_week(given, sink, ctx, clock, new_api):
    general = new_api().as_general()
    group, paris, code = mailing_group(given, general, sink.port, "mon")
    set_clock(clock, datetime(2026, 12, 1, 7, 0))  # Tuesday: Monday's batch caught up
    assert mailing.dispatch(ctx)["made"] == 1
    paris.as_directory(code)  # sessions last hours, not days
    paris.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "thu", "mailer": "B"}, expect=200)
    set_clock(clock, datetime(2026, 12, 3, 7, 0))  # Thursday, the same week
    assert mailing.dispatch(ctx)["made"] == 0


def test_a12_no_batch_when_the_responsible_directory_stopped_referencing_the_group(given, sink, ctx, clock, new_api):
    general = new_api().as_general()
    group, paris, _ = mailing_group(given, general, sink.port, "mon")
    paris.delete(f"/api/directory/groups/{group['code']}", expect=200)
    set_clock(clock, datetime(2026, 12, 1, 7, 0))
    assert mailing.dispatch(ctx)["made"] == 0


def test_a13_a_week_s_mailing_end_to_end_through_the_task_queue(server, sink):
    given, general = server.given(), server.api().as_general()
    today = WEEKDAYS[datetime.now(ZoneInfo("Europe/Paris")).weekday()]
    mailing_group(given, general, sink.port, today, members=5)
    first = server.api().post("/tasks/mailing/dispatch", headers=TASKS, expect=200).get_json()
    assert first["made"] == 1 and first["queued"] == 1
    deadline = time.monotonic() + 20
    while len(sink.sink.received) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sorted(r for m in sink.sink.received for r in m.recipients) == [f"m{n}.lr@example.org" for n in range(5)]
    time.sleep(1)  # the task records the batch done after its last message
    again = server.api().post("/tasks/mailing/dispatch", headers=TASKS, expect=200).get_json()
    assert again == {"week": first["week"], "made": 0, "queued": 0}  # done: a second dispatch the same day sends nothing
    time.sleep(1)
    assert len(sink.sink.received) == 5
    server.api().post("/tasks/mailing/dispatch", expect=403)


def sent_batch(given, sink, ctx, new_api, clock, answers=None):
    """A group's batch of this week sent to the sink (some addresses answered as `answers` say)."""
    general = new_api().as_general()
    group, paris, code = mailing_group(given, general, sink.port, "mon")
    set_clock(clock, datetime(2026, 12, 1, 7, 0))  # Tuesday: Monday's batch caught up
    paris.as_directory(code)
    sink.sink.answers = answers or {}
    batch, _ = mailing.make_batch(ctx, group["code"], "2026-W49")
    from annuaires.services.mailing import sending

    sending.send_due(ctx, batch.id)
    return group, paris, batch


def test_a14_the_responsible_directory_sees_its_batches_and_each_recipient(given, sink, ctx, new_api, clock):
    group, paris, batch = sent_batch(given, sink, ctx, new_api, clock, {"m1.lr@example.org": "550 5.1.1 Unknown user"})
    listed = paris.get("/api/directory/mailing", expect=200).get_json()
    assert [g["group"] for g in listed] == [group["code"]]
    shown = listed[0]["batches"][0]
    assert {k: shown[k] for k in ("id", "week", "status", "sent", "deferred", "refused", "errors")} == {
        "id": batch.id, "week": "2026-W49", "status": "done", "sent": 2, "deferred": 0, "refused": 1, "errors": 0}
    last = paris.get(f"/api/directory/groups/{group['code']}/mailing/last", expect=200).get_json()
    statuses = {r["email"]: (r["status"], r["anomaly"]) for r in last["recipients"]}
    assert statuses["m1.lr@example.org"] == ("refused", "550 5.1.1 Unknown user")
    assert statuses["m0.lr@example.org"] == ("sent", "") and all(r["at"] for r in last["recipients"])
    page = paris.get("/adminloc.html").get_data(as_text=True)
    assert "<svg" in page and "2026-W49" in page and "2 envoyés, 0 différés, 1 refusés" in page
    detail = paris.get(f"/adminloc/groups/{group['code']}/mailing").get_data(as_text=True)
    assert "550 5.1.1 Unknown user" in detail and "adresse refusée" in detail


def test_a14_a_directory_not_responsible_sees_no_batch(given, sink, ctx, new_api, clock):
    group, paris, _ = sent_batch(given, sink, ctx, new_api, clock)
    given.directories_admin().as_directories()  # sessions last hours, not days
    _, lyon = given.directory("Lyon", "LY")
    lyon.get(f"/api/directory/groups/{group['code']}/mailing/last", expect=404)
    assert lyon.get("/api/directory/mailing").get_json() == []
    paris.delete(f"/api/directory/groups/{group['code']}", expect=200)  # Paris stops referencing it
    assert paris.get("/api/directory/mailing").get_json() == []
    paris.get(f"/api/directory/groups/{group['code']}/mailing/last", expect=404)


def test_a13_resend_goes_to_the_recipients_not_sent_and_only_to_them(given, sink, ctx, new_api, clock):
    answers = {"m1.lr@example.org": "550 5.1.1 Unknown user", "m2.lr@example.org": "451 4.3.0 Try later"}
    group, paris, batch = sent_batch(given, sink, ctx, new_api, clock, answers)
    assert sorted(r for m in sink.sink.received for r in m.recipients) == ["m0.lr@example.org"]
    sink.sink.answers = {}
    answer = paris.post(f"/api/directory/groups/{group['code']}/mailing/resend", expect=202).get_json()
    assert (answer["status"], answer["refused"], answer["deferred"]) == ("sending", 0, 0)
    from annuaires.services.mailing import sending

    sending.send_due(ctx, batch.id)  # the task the resend queued
    addresses = sorted(r for m in sink.sink.received for r in m.recipients)
    assert addresses == ["m0.lr@example.org", "m1.lr@example.org", "m2.lr@example.org"]  # m0 once, not again
    again = paris.post(f"/api/directory/groups/{group['code']}/mailing/resend", expect=202).get_json()
    assert again["status"] == "done" and again["sent"] == 3


def test_the_animator_sees_the_last_batch_and_the_addresses_it_could_not_reach(given, sink, ctx, new_api, clock):
    group, _, _ = sent_batch(given, sink, ctx, new_api, clock, {"m1.lr@example.org": "550 5.1.1 Unknown user"})
    animator = new_api().as_group(group["code"])
    page = animator.get("/animateur.html").get_data(as_text=True)
    assert "Dernier envoi" in page and "2026-W49" in page
    assert "adresse refusée\u00a0: 550 5.1.1 Unknown user" in page


def test_a12_when_another_directory_takes_over_a_paused_mailing_the_next_dispatch_of_the_week_sends_it(
        given, sink, ctx, clock, new_api):
    _, paris_code, paris, lyon_code, lyon, group, animator = given.network()
    animator.post("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, expect=201)
    new_api().as_general().put("/api/mailers/B", {"from": "Envoi <envoi@example.org>", "smtp_host": "127.0.0.1",
                                                  "smtp_port": sink.port, "username": "", "starttls": False}, expect=200)
    paris.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "mon", "mailer": "B"}, expect=200)
    lyon.post("/api/directory/references", {"directory": paris_code, "group": group["code"], "password": given.STRONG},
              expect=201)
    paris.delete(f"/api/directory/groups/{group['code']}", expect=200)  # the responsible directory lets it go: paused
    set_clock(clock, datetime(2026, 12, 1, 7, 0))  # Tuesday: Monday's mailing is due
    assert mailing.dispatch(ctx)["made"] == 0
    paused = next(g for g in lyon.get("/api/directory").get_json()["groups"] if g["code"] == group["code"])
    assert paused["mailing"]["responsible"] is None
    lyon.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "mon", "mailer": "B"}, expect=200)  # takes over
    set_clock(clock, datetime(2026, 12, 1, 9, 0))
    assert mailing.dispatch(ctx) == {"week": "2026-W49", "made": 1, "queued": 1}
    assert store.BATCHES.get(ctx.client, f"{group['code']}:2026-W49").directory == lyon_code


def test_a13_two_dispatches_at_once_make_each_group_s_batch_once(given, sink, ctx, clock, new_api):
    general = new_api().as_general()
    for n in range(3):
        mailing_group(given, general, sink.port, "mon", f"Groupe {n}", f"G{n}", members=1)
    set_clock(clock, datetime(2026, 12, 1, 7, 0))
    with ThreadPoolExecutor(max_workers=2) as pool:
        dispatches = list(pool.map(lambda _: mailing.dispatch(ctx), range(2)))
    assert sum(d["made"] for d in dispatches) == 3
    assert len(list(ctx.client.query(kind="MailingBatch").fetch())) == 3
