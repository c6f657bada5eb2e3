"""A directory's admin: groups, references, dereferencing, mailing configuration (A1, A7–A12)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import NamedTuple

from annuaires.store.base import now
from tests.helpers import STRONG, Api, concurrently, init_datastore, make_directory


def group_of(directory_api, **body):
    body = {"type": "group", **body}
    return directory_api.post("/api/directory/groups", body, expect=201).get_json()


def animator(new_api, code: str):
    """An animator signed in with 0000, then with a real password."""
    a = new_api()
    a.sign_in(role="group", group=code, password="0000")
    a.change_password()
    return a


class Network(NamedTuple):
    """Two directories, Paris and Lyon; Paris references a group whose animator changed its password to STRONG."""

    directories: Api
    paris_code: str
    paris: Api
    lyon_code: str
    lyon: Api
    group: dict
    member: Api


def paris_lyon_and_a_group(new_api) -> Network:
    directories = init_datastore(new_api)
    paris_code, paris = make_directory(directories, new_api, "Paris", "PA")
    lyon_code, lyon = make_directory(directories, new_api, "Lyon", "LY")
    group = group_of(paris, name="Les Radis", initials="LR")
    return Network(directories, paris_code, paris, lyon_code, lyon, group, animator(new_api, group["code"]))


def test_a7_directory_admin_creates_groups_with_password_0000(new_api):
    directories = init_datastore(new_api)
    _, admin = make_directory(directories, new_api, "Paris", "PA")
    created = group_of(admin, type="groupement", name="Les Fermes", initials="LF")
    assert created["type"] == "groupement" and created["name"] == "Les Fermes"
    assert created["mailing"] == {"day": None, "mailer": "Z", "responsible": None}
    session = new_api().sign_in(role="group", group="lf", password="0000").get_json()
    assert session["must_change_password"] is True
    listed = admin.get("/api/directory", expect=200).get_json()["groups"]
    assert [g["code"] for g in listed] == [created["code"]]


def test_a7_directory_admin_cannot_rename_groups(new_api, app):
    rules = {r.rule for r in app.url_map.iter_rules() if "PATCH" in r.methods}
    assert not any(r.startswith("/api/directory/groups") for r in rules)


def test_a1_group_and_groupement_names_share_one_space(new_api):
    directories = init_datastore(new_api)
    _, paris = make_directory(directories, new_api, "Paris", "PA")
    _, lyon = make_directory(directories, new_api, "Lyon", "LY")
    group_of(paris, name="Les Radis", initials="LR")
    body = lyon.post("/api/directory/groups", {"type": "groupement", "name": "les radis", "initials": "X"}, expect=409)
    assert body.get_json()["error"]["code"] == "name_taken"
    body = lyon.post("/api/directory/groups", {"type": "group", "name": "Autre", "initials": "lr"}, expect=409)
    assert body.get_json()["error"]["code"] == "initials_taken"
    # A directory's name does not collide with a group's.
    directories.post("/api/directories", {"name": "Les Radis", "initials": "LR"}, expect=201)


def test_a1_twenty_concurrent_group_creations_one_wins(new_api):
    directories = init_datastore(new_api)
    _, paris = make_directory(directories, new_api, "Paris", "PA")
    statuses = concurrently(paris, "/api/directory/groups", {"type": "group", "name": "Les Radis", "initials": "LR"})
    assert statuses.count(201) == 1 and set(statuses) == {201, 409}, statuses
    assert len(paris.get("/api/directory").get_json()["groups"]) == 1


def test_directory_page_lists_groups_by_pages(new_api, app):
    directories = init_datastore(new_api)
    _, paris = make_directory(directories, new_api, "Paris", "PA")
    app.config["ANNUAIRES"] = dataclasses.replace(app.config["ANNUAIRES"], page_size=3)
    for n in range(7):
        group_of(paris, name=f"Groupe {n}", initials=f"G{n}")
    names, cursor = [], ""
    while True:
        view = paris.get(f"/api/directory?cursor={cursor}", expect=200).get_json()
        names += [g["name"] for g in view["groups"]]
        if not (cursor := view["cursor"]):
            break
    assert names == [f"Groupe {n}" for n in range(7)]


def test_a1_directory_rename_keeps_uniqueness(new_api):
    directories = init_datastore(new_api)
    _, paris = make_directory(directories, new_api, "Paris", "PA")
    make_directory(directories, new_api, "Lyon", "LY")
    assert paris.patch("/api/directory", {"name": "LYON"}, expect=409).get_json()["error"]["code"] == "name_taken"
    renamed = paris.patch("/api/directory", {"name": "Paris Centre", "initials": "PC", "color": "#AA0000",
                                             "comment": "Rive droite"}, expect=200).get_json()
    assert (renamed["name"], renamed["initials"], renamed["color"]) == ("Paris Centre", "PC", "#aa0000")
    # The old name is free again, the new one is taken.
    directories.post("/api/directories", {"name": "Paris", "initials": "PA"}, expect=201)
    assert directories.post("/api/directories", {"name": "paris centre", "initials": "Z"}, expect=409)


def test_directory_update_input_is_validated(new_api):
    directories = init_datastore(new_api)
    _, paris = make_directory(directories, new_api, "Paris", "PA")
    for body, field in (({"color": "red"}, "color"), ({"comment": "x" * 501}, "comment"), ({"name": ""}, "name"),
                        ({"initials": ["A"]}, "initials"), ({"code": "abc"}, "code")):
        assert field in paris.patch("/api/directory", body, expect=400).get_json()["error"]["fields"]
    assert paris.get("/api/directory").get_json()["name"] == "Paris"


def test_a8_reference_needs_group_password(new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = paris_lyon_and_a_group(new_api)
    reference = {"directory": paris_code, "group": group["code"], "password": "wrong-password"}
    lyon.post("/api/directory/references", reference, expect=401)
    assert lyon.get("/api/directory").get_json()["groups"] == []
    added = lyon.post("/api/directory/references", {**reference, "password": STRONG}, expect=201).get_json()
    assert added["code"] == group["code"]
    assert [g["code"] for g in lyon.get("/api/directory").get_json()["groups"]] == [group["code"]]
    lyon.post("/api/directory/references", {**reference, "password": STRONG}, expect=409)


def test_a8_reference_by_initials_and_sign_in_by_code_in_capitals(new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = paris_lyon_and_a_group(new_api)
    lyon.post("/api/directory/references", {"directory": " pa ", "group": "lr", "password": STRONG}, expect=201)
    assert [g["code"] for g in lyon.get("/api/directory").get_json()["groups"]] == [group["code"]]
    new_api().sign_in(role="group", group=group["code"].upper(), password=STRONG, expect=200)


def test_a8_reference_needs_a_directory_where_it_is_referenced(new_api):
    directories = init_datastore(new_api)
    _, paris = make_directory(directories, new_api, "Paris", "PA")
    lyon_code, lyon = make_directory(directories, new_api, "Lyon", "LY")
    _, nice = make_directory(directories, new_api, "Nice", "NI")
    group = group_of(paris, name="Les Radis", initials="LR")
    animator(new_api, group["code"])
    nice.post("/api/directory/references", {"directory": lyon_code, "group": group["code"], "password": STRONG}, expect=401)


def test_a8_reference_password_guesses_are_throttled(new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = paris_lyon_and_a_group(new_api)
    body = {"directory": paris_code, "group": group["code"], "password": "guess-guess"}
    for _ in range(5):
        lyon.post("/api/directory/references", body, expect=401)
    lyon.post("/api/directory/references", {**body, "password": STRONG}, expect=429)


def test_a9_dereference_still_referenced_goes_to_recent(new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = paris_lyon_and_a_group(new_api)
    lyon.post("/api/directory/references", {"directory": paris_code, "group": group["code"], "password": STRONG}, expect=201)
    assert lyon.delete(f"/api/directory/groups/{group['code']}", expect=200).get_json() == {"state": "recent"}
    view = lyon.get("/api/directory").get_json()
    assert view["groups"] == [] and [g["code"] for g in view["recent"]] == [group["code"]]
    # Still active and usable from Paris; Lyon cannot act on it any more.
    new_api().as_group(group["code"])
    lyon.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "mon", "mailer": "A"}, expect=404)


def test_a9_recent_history_expires(new_api, datastore_client):
    directories, paris_code, paris, lyon_code, lyon, group, member = paris_lyon_and_a_group(new_api)
    lyon.post("/api/directory/references", {"directory": paris_code, "group": group["code"], "password": STRONG}, expect=201)
    lyon.delete(f"/api/directory/groups/{group['code']}", expect=200)
    stored = datastore_client.get(datastore_client.key("Group", group["code"]))
    stored["history"] = [{"directory": lyon_code, "until": now() - timedelta(seconds=1)}]
    datastore_client.put(stored)
    assert lyon.get("/api/directory").get_json()["recent"] == []


def test_a9_dereference_referenced_nowhere_deactivates_and_can_be_reactivated(new_api):
    directories = init_datastore(new_api)
    _, paris = make_directory(directories, new_api, "Paris", "PA")
    group = group_of(paris, name="Les Radis", initials="LR")
    member = animator(new_api, group["code"])
    assert paris.delete(f"/api/directory/groups/{group['code']}", expect=200).get_json() == {"state": "deactivated"}
    member.get("/api/group", expect=401)
    new_api().sign_in(role="group", group=group["code"], password=STRONG, expect=403)
    view = paris.get("/api/directory").get_json()
    assert view["groups"] == [] and view["deactivated"][0]["code"] == group["code"]
    assert view["deactivated"][0]["reactivable"] is True
    reactivated = paris.post(f"/api/directory/groups/{group['code']}/reactivate", expect=200).get_json()
    assert reactivated["active"] is True
    new_api().as_group(group["code"])
    assert [g["code"] for g in paris.get("/api/directory").get_json()["groups"]] == [group["code"]]


def test_a9_reactivation_window_and_owner(new_api, datastore_client):
    directories = init_datastore(new_api)
    _, paris = make_directory(directories, new_api, "Paris", "PA")
    _, lyon = make_directory(directories, new_api, "Lyon", "LY")
    group = group_of(paris, name="Les Radis", initials="LR")
    paris.delete(f"/api/directory/groups/{group['code']}", expect=200)
    lyon.post(f"/api/directory/groups/{group['code']}/reactivate", expect=404)
    stored = datastore_client.get(datastore_client.key("Group", group["code"]))
    stored["deactivated_at"] = now() - timedelta(days=91)
    datastore_client.put(stored)
    assert paris.post(f"/api/directory/groups/{group['code']}/reactivate", expect=403).get_json()["error"]["code"] == "forbidden"


def test_a11_directory_sees_only_its_references_and_no_group_data(new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = paris_lyon_and_a_group(new_api)
    member.post("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, expect=201)
    member.put("/api/group/message", {"subject": "Secret subject", "body": "hello"}, expect=200)
    view = paris.get("/api/directory").get_data(as_text=True)
    assert "alice@example.org" not in view and "Secret subject" not in view
    assert "Les Radis" not in lyon.get("/api/directory").get_data(as_text=True)
    for call in (lambda: lyon.post(f"/api/directory/groups/{group['code']}/password-reset"),
                 lambda: lyon.delete(f"/api/directory/groups/{group['code']}"),
                 lambda: lyon.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "mon", "mailer": "A"})):
        assert call().status_code == 404
    paris.get("/api/group", expect=403)


def test_a11_reset_gives_power_and_the_group_sees_it(new_api):
    directories = init_datastore(new_api)
    paris_code, paris = make_directory(directories, new_api, "Paris", "PA")
    group = group_of(paris, name="Les Radis", initials="LR")
    member = animator(new_api, group["code"])
    member.post("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, expect=201)
    paris.post(f"/api/directory/groups/{group['code']}/password-reset", expect=204)
    member.get("/api/group", expect=401)
    taking = animator(new_api, group["code"])
    view = taking.get("/api/group", expect=200).get_json()
    assert [m["email"] for m in view["members"]] == ["alice@example.org"]
    assert any(e["action"] == "password_reset" and e["actor"] == f"directory:{paris_code}" for e in view["audit"])


def test_a12_mailing_configuration_and_responsible_directory(new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = paris_lyon_and_a_group(new_api)
    configured = paris.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "tue", "mailer": "C"}, expect=200).get_json()
    assert configured["mailing"] == {"day": "tue", "mailer": "C", "responsible": paris_code}
    lyon.post("/api/directory/references", {"directory": paris_code, "group": group["code"], "password": STRONG}, expect=201)
    configured = lyon.put(f"/api/directory/groups/{group['code']}/mailing", {"day": None, "mailer": "Z"}, expect=200).get_json()
    assert configured["mailing"] == {"day": None, "mailer": "Z", "responsible": lyon_code}
    for bad in ({"day": "monday", "mailer": "A"}, {"day": "mon", "mailer": "a"}, {"day": "mon"}, {"day": "mon", "mailer": "AA"}):
        lyon.put(f"/api/directory/groups/{group['code']}/mailing", bad, expect=400)


def test_group_creation_input_is_validated(new_api):
    directories = init_datastore(new_api)
    _, paris = make_directory(directories, new_api, "Paris", "PA")
    for body, field in (({"type": "shop", "name": "N", "initials": "N"}, "type"),
                        ({"type": "group", "name": "", "initials": "N"}, "name"),
                        ({"type": "group", "name": "N", "initials": "x" * 13}, "initials"),
                        ({"type": "group", "name": "N\u0007", "initials": "N"}, "name")):
        assert field in paris.post("/api/directory/groups", body, expect=400).get_json()["error"]["fields"]
    assert paris.get("/api/directory").get_json()["groups"] == []


def test_bad_cursor_is_a_clear_400(new_api):
    directories = init_datastore(new_api)
    _, paris = make_directory(directories, new_api, "Paris", "PA")
    for cursor in ("zzz", "AAAA", "x" * 2001):
        body = paris.get(f"/api/directory?cursor={cursor}", expect=400).get_json()
        assert "cursor" in body["error"]["fields"], cursor
    assert paris.get("/adminloc.html?cursor=zzz").status_code == 400


def test_dangerous_page_acts_ask_first_and_only_for_known_acts(new_api):
    directories = init_datastore(new_api)
    _, paris = make_directory(directories, new_api, "Paris", "PA")
    group = group_of(paris, name="Les <Radis>", initials="LR")
    page = paris.get("/adminloc.html").get_data(as_text=True)
    assert f'value="/adminloc/groups/{group["code"]}/dereference"' in page and 'action="/confirm"' in page
    to = f"/adminloc/groups/{group['code']}/dereference"
    confirm = paris.get(f"/confirm?to={to}&subject=Les <Radis>", expect=200).get_data(as_text=True)
    assert f'action="{to}"' in confirm and "Les &lt;Radis&gt;" in confirm and "désactivé" in confirm
    # Nothing happened yet: the group is still referenced.
    assert [g["code"] for g in paris.get("/api/directory").get_json()["groups"]] == [group["code"]]
    for bad in ("https://evil.example/x", "//evil.example/adminloc/groups/x/dereference", "/adminloc/settings", "/nowhere"):
        assert paris.get(f"/confirm?to={bad}").status_code == 404, bad
    new_api().get(f"/confirm?to={to}", expect=401)
