"""A week's mailing as the volunteers see it (A14): the directory's batches and why one waits, a batch recipient by
recipient, the animator's summary; on a laptop and on a phone."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from annuaires.services.values import WEEKDAYS
from tests.support.browser import NARROW, cells, initials_for, row, sideways, sign_in, unique
from tests.support.given import Given
from tests.support.service import Server

TASKS = {"Authorization": "Bearer test-tasks-token"}
MEMBERS = (("Zoé Dupré", "zoe@example.org"), ("Bruno Petit", "bruno@example.org"), ("Chloé Noël", "chloe@example.org"))


def test_a14_a_mailing_that_deferred_and_refused_addresses_as_volunteers_see_it(server: Server, given: Given, new_page,
                                                                               shot, sink) -> None:
    code, director = given.directory(unique("Annuaire des Envois"), initials_for(unique("Envois")))
    group = given.group(director, "group", name=unique("Les Radis"), initials=initials_for(unique("Radis")))
    animator = given.animator(group["code"])
    for name, address in MEMBERS:
        animator.post("/api/group/members", {"name": name, "email": address}, expect=201)
    animator.put("/api/group/message", {"subject": "Distribution jeudi", "body": "À jeudi, 18 h !"}, expect=200)
    given.new_api().as_general().put("/api/mailers/C", {"from": "Les Radis <radis@example.org>", "smtp_host": "127.0.0.1",
                                                        "smtp_port": sink.port, "username": "", "starttls": False},
                                     expect=200)
    today = WEEKDAYS[datetime.now(ZoneInfo("Europe/Paris")).weekday()]
    director.put(f"/api/directory/groups/{group['code']}/mailing", {"day": today, "mailer": "C"}, expect=200)
    sink.sink.answers = {"bruno@example.org": "451 4.7.1 Greylisted, try later", "chloe@example.org": "550 5.1.1 No such user"}
    server.api().post("/tasks/mailing/dispatch", headers=TASKS, expect=200)
    batch = wait_for_batch(director, group["code"], "waiting")
    assert (batch["sent"], batch["deferred"], batch["refused"], batch["held"]["cause"]) == (1, 1, 1, "deferred_retry")
    retry = datetime.fromisoformat(batch["held"]["until"].replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/Paris"))

    page = new_page()
    sign_in(page, "/adminloc.html", Given.STRONG, identifier=code)
    report = row(page, f"Derniers envois de {group['name']}", batch["week"])
    expect(report).to_contain_text(f"en pause (nouvel essai des destinataires différés le {retry:%d/%m/%Y %H:%M})")
    expect(report).to_contain_text("1 envoyés, 1 différés, 1 refusés, 0 en erreur, 0 incertains")
    fits_a_phone(page)
    shot(page, "mailing-directory")

    page.get_by_role("link", name=f"{group['name']} ({group['initials']})").click()
    expect(page.locator("main h1")).to_have_text(f"Dernier envoi de {group['name']}")
    shown = {name: cells(row(page, "Destinataires", address)) for name, address in MEMBERS}
    assert shown["Zoé Dupré"][2] == "envoyé"
    assert shown["Bruno Petit"][2] == "différé (nouvel essai)" and shown["Bruno Petit"][4] == "451 4.7.1 Greylisted, try later"
    assert shown["Chloé Noël"][2] == "adresse refusée" and shown["Chloé Noël"][4] == "550 5.1.1 No such user"
    expect(page.get_by_role("button", name="Renvoyer aux destinataires non servis")).to_be_visible()
    fits_a_phone(page)
    shot(page, "mailing-batch")

    sign_in(page, "/animateur.html", Given.STRONG, identifier=group["code"])
    expect(page.locator("main")).to_contain_text(f"Dernier envoi : {batch['week']} — en pause (nouvel essai des "
                                                 f"destinataires différés le {retry:%d/%m/%Y %H:%M})")
    expect(page.locator("main")).to_contain_text("chloe@example.org")
    fits_a_phone(page)
    shot(page, "mailing-animator")


def fits_a_phone(page) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": NARROW, "height": 844})
    try:
        assert not sideways(page), sideways(page)
    finally:
        page.set_viewport_size(size)


def wait_for_batch(director, group: str, status: str) -> dict:
    """The group's last batch once the task queue has brought it to `status`."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answer = director.call("GET", f"/api/directory/groups/{group}/mailing/last")
        if answer.status_code == 200 and answer.get_json()["batch"]["status"] == status:
            return answer.get_json()["batch"]
        time.sleep(0.2)
    raise AssertionError(f"no batch of {group} reached {status!r}")
