"""A directory's admin: groups, references, dereferencing, mailing configuration (A1, A7–A12)."""

from __future__ import annotations

import dataclasses


def test_a7_directory_admin_creates_groups_with_password_0000(given, new_api):
    given.directories_admin()
    _, admin = given.directory("Paris", "PA")
    created = given.group(admin, type="groupement", name="Les Fermes", initials="LF")
    assert created["type"] == "groupement" and created["name"] == "Les Fermes"
    assert created["mailing"] == {"day": None, "mailer": "Z", "responsible": None, "responsible_name": None}
    session = new_api().sign_in(role="group", group=created["code"], password="0000").get_json()
    assert session["must_change_password"] is True
    listed = admin.get("/api/directory", expect=200).get_json()["groups"]
    assert [g["code"] for g in listed] == [created["code"]]


def test_a7_directory_admin_cannot_rename_groups(given):
    given.directories_admin()
    _, admin = given.directory("Paris", "PA")
    code = given.group(admin, name="Les Radis", initials="LR")["code"]
    for method in ("PATCH", "PUT", "POST"):
        assert admin.call(method, f"/api/directory/groups/{code}", {"name": "Autre", "initials": "AU"}).status_code == 405
    body = admin.put(f"/api/directory/groups/{code}/mailing", {"day": None, "mailer": "Z", "name": "Autre"}, expect=400)
    assert body.get_json()["error"]["fields"] == {"name": "champ inconnu"}
    renamed_by_form = admin.client.post(f"/adminloc/groups/{code}/mailing", data={
        "csrf": admin.csrf, "day": "", "mailer": "Z", "name": "Autre", "initials": "AU"})
    assert renamed_by_form.status_code == 400
    page = admin.get("/adminloc.html").get_data(as_text=True)
    assert "Les Radis" in page and "Autre" not in page
    assert [(g["name"], g["initials"]) for g in admin.get("/api/directory").get_json()["groups"]] == [("Les Radis", "LR")]


def test_a1_group_and_groupement_names_share_one_space(given, new_api):
    directories = given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    _, lyon = given.directory("Lyon", "LY")
    given.group(paris, name="Les Radis", initials="LR")
    body = lyon.post("/api/directory/groups", {"type": "groupement", "name": "les radis", "initials": "X"}, expect=409)
    assert body.get_json()["error"]["code"] == "name_taken"
    body = lyon.post("/api/directory/groups", {"type": "group", "name": "Autre", "initials": "lr"}, expect=409)
    assert body.get_json()["error"]["code"] == "initials_taken"
    # A directory's name does not collide with a group's.
    directories.post("/api/directories", {"name": "Les Radis", "initials": "LR"}, expect=201)


def test_a1_twenty_concurrent_group_creations_one_wins(given, new_api):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    statuses = paris.concurrently("/api/directory/groups", {"type": "group", "name": "Les Radis", "initials": "LR"})
    assert statuses.count(201) == 1 and set(statuses) == {201, 409}, statuses
    assert len(paris.get("/api/directory").get_json()["groups"]) == 1


def test_directory_page_lists_groups_by_pages(given, new_api, app, ctx):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    ctx.config = dataclasses.replace(ctx.config, page_size=3)
    for n in range(7):
        given.group(paris, name=f"Groupe {n}", initials=f"G{n}")
    first = paris.get("/api/directory", expect=200).get_json()
    assert [g["name"] for g in first["groups"]] == ["Groupe 0", "Groupe 1", "Groupe 2"] and first["next"]["groups"]
    names, cursor = [], ""
    while True:
        response = paris.get(f"/api/directory/groups?cursor={cursor}", expect=200)
        names += [g["name"] for g in response.get_json()]
        if not (cursor := response.headers.get("X-Next-Cursor")):
            break
    assert names == [f"Groupe {n}" for n in range(7)]


def test_a1_directory_rename_keeps_uniqueness(given, new_api):
    directories = given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    given.directory("Lyon", "LY")
    assert paris.patch("/api/directory", {"name": "LYON"}, expect=409).get_json()["error"]["code"] == "name_taken"
    renamed = paris.patch("/api/directory", {"name": "Paris Centre", "initials": "PC", "color": "#AA0000",
                                             "comment": "Rive droite"}, expect=200).get_json()
    assert (renamed["name"], renamed["initials"], renamed["color"]) == ("Paris Centre", "PC", "#aa0000")
    # The old name is free again, the new one is taken.
    directories.post("/api/directories", {"name": "Paris", "initials": "PA"}, expect=201)
    taken = directories.post("/api/directories", {"name": "paris centre", "initials": "Z"}, expect=409)
    assert taken.get_json()["error"]["code"] == "name_taken"


def test_directory_update_input_is_validated(given, new_api):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    for body, field in (({"color": "red"}, "color"), ({"comment": "x" * 501}, "comment"), ({"name": ""}, "name"),
                        ({"initials": ["A"]}, "initials"), ({"code": "abc"}, "code")):
        assert field in paris.patch("/api/directory", body, expect=400).get_json()["error"]["fields"]
    assert paris.get("/api/directory").get_json()["name"] == "Paris"


def test_a8_reference_needs_group_password(given, new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = given.network()
    reference = {"directory": paris_code, "group": group["code"], "password": "wrong-password"}
    lyon.post("/api/directory/references", reference, expect=403)
    assert lyon.get("/api/directory").get_json()["groups"] == []
    added = lyon.post("/api/directory/references", {**reference, "password": given.STRONG}, expect=201).get_json()
    assert added["code"] == group["code"]
    assert [g["code"] for g in lyon.get("/api/directory").get_json()["groups"]] == [group["code"]]
    lyon.post("/api/directory/references", {**reference, "password": given.STRONG}, expect=409)


def test_a8_reference_by_initials_and_sign_in_by_code_in_capitals(given, new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = given.network()
    lyon.post("/api/directory/references", {"directory": " pa ", "group": "lr", "password": given.STRONG}, expect=201)
    assert [g["code"] for g in lyon.get("/api/directory").get_json()["groups"]] == [group["code"]]
    new_api().sign_in(role="group", group=group["code"].upper(), password=given.STRONG, expect=200)


def test_a8_reference_needs_a_directory_where_it_is_referenced(given, new_api):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    lyon_code, lyon = given.directory("Lyon", "LY")
    _, nice = given.directory("Nice", "NI")
    group = given.group(paris, name="Les Radis", initials="LR")
    given.animator(group["code"])
    nice.post("/api/directory/references", {"directory": lyon_code, "group": group["code"], "password": given.STRONG}, expect=403)


def test_a8_reference_password_guesses_are_throttled(given, new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = given.network()
    body = {"directory": paris_code, "group": group["code"], "password": "guess-guess"}
    for _ in range(5):
        lyon.post("/api/directory/references", body, expect=403)
    lyon.post("/api/directory/references", {**body, "password": given.STRONG}, expect=429)


def test_a9_dereference_still_referenced_goes_to_recent(given, new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = given.network()
    given.mailers()
    lyon.post("/api/directory/references", {"directory": paris_code, "group": group["code"], "password": given.STRONG}, expect=201)
    assert lyon.delete(f"/api/directory/groups/{group['code']}", expect=200).get_json() == {"state": "recent"}
    view = lyon.get("/api/directory").get_json()
    assert view["groups"] == [] and [g["code"] for g in view["recent"]] == [group["code"]]
    # Still active and usable from Paris; Lyon cannot act on it any more.
    new_api().as_group(group["code"])
    lyon.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "mon", "mailer": "A"}, expect=404)


def test_a9_recent_history_expires(given, clock):
    directories, paris_code, paris, lyon_code, lyon, group, member = given.network()
    lyon.post("/api/directory/references", {"directory": paris_code, "group": group["code"], "password": given.STRONG}, expect=201)
    lyon.delete(f"/api/directory/groups/{group['code']}", expect=200)
    clock.advance(days=179)
    lyon.as_directory(lyon_code)  # sessions last hours, not months
    assert [g["code"] for g in lyon.get("/api/directory").get_json()["recent"]] == [group["code"]]
    clock.advance(days=2)
    lyon.as_directory(lyon_code)
    assert lyon.get("/api/directory").get_json()["recent"] == []


def test_a9_dereference_referenced_nowhere_deactivates_and_can_be_reactivated(given, new_api):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    group = given.group(paris, name="Les Radis", initials="LR")
    member = given.animator(group["code"])
    assert paris.delete(f"/api/directory/groups/{group['code']}", expect=200).get_json() == {"state": "deactivated"}
    member.get("/api/group", expect=401)
    new_api().sign_in(role="group", group=group["code"], password=given.STRONG, expect=403)
    view = paris.get("/api/directory").get_json()
    assert view["groups"] == [] and view["deactivated"][0]["code"] == group["code"]
    assert view["deactivated"][0]["state"] == "deactivated" and view["deactivated"][0]["until"] > view["deactivated"][0]["deactivated_at"]
    reactivated = paris.post(f"/api/directory/groups/{group['code']}/reactivate", expect=200).get_json()
    assert reactivated["active"] is True
    new_api().as_group(group["code"])
    assert [g["code"] for g in paris.get("/api/directory").get_json()["groups"]] == [group["code"]]


def test_a9_reactivation_window_and_owner_then_the_group_leaves_the_list(given, clock):
    given.directories_admin()
    paris_code, paris = given.directory("Paris", "PA")
    _, lyon = given.directory("Lyon", "LY")
    group = given.group(paris, name="Les Radis", initials="LR")
    paris.delete(f"/api/directory/groups/{group['code']}", expect=200)
    lyon.post(f"/api/directory/groups/{group['code']}/reactivate", expect=404)
    clock.advance(days=89)
    paris.as_directory(paris_code)  # sessions last hours, not months
    assert [g["code"] for g in paris.get("/api/directory").get_json()["deactivated"]] == [group["code"]]
    clock.advance(days=2)
    paris.as_directory(paris_code)
    assert paris.post(f"/api/directory/groups/{group['code']}/reactivate", expect=403).get_json()["error"]["code"] == "forbidden"
    assert paris.get("/api/directory").get_json()["deactivated"] == []


def test_a11_directory_sees_only_its_references_and_no_group_data(given, new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = given.network()
    given.mailers()
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


def test_a11_reset_gives_power_and_the_group_sees_it(given, new_api):
    given.directories_admin()
    paris_code, paris = given.directory("Paris", "PA")
    group = given.group(paris, name="Les Radis", initials="LR")
    member = given.animator(group["code"])
    member.post("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, expect=201)
    paris.post(f"/api/directory/groups/{group['code']}/password-reset", expect=204)
    member.get("/api/group", expect=401)
    taking = given.animator(group["code"])
    view = taking.get("/api/group", expect=200).get_json()
    assert [m["email"] for m in view["members"]] == ["alice@example.org"]
    assert any(e["action"] == "password_reset" and e["actor"] == f"directory:{paris_code}" for e in view["audit"])


def test_a12_mailing_configuration_and_responsible_directory(given, new_api):
    directories, paris_code, paris, lyon_code, lyon, group, member = given.network()
    given.mailers()
    configured = paris.put(f"/api/directory/groups/{group['code']}/mailing", {"day": "tue", "mailer": "C"}, expect=200).get_json()
    assert configured["mailing"] == {"day": "tue", "mailer": "C", "responsible": paris_code, "responsible_name": "Paris"}
    lyon.post("/api/directory/references", {"directory": paris_code, "group": group["code"], "password": given.STRONG}, expect=201)
    configured = lyon.put(f"/api/directory/groups/{group['code']}/mailing", {"day": None, "mailer": "Z"}, expect=200).get_json()
    assert configured["mailing"] == {"day": None, "mailer": "Z", "responsible": lyon_code, "responsible_name": "Lyon"}
    for bad in ({"day": "monday", "mailer": "A"}, {"day": "mon", "mailer": "a"}, {"day": "mon"}, {"day": "mon", "mailer": "AA"}):
        lyon.put(f"/api/directory/groups/{group['code']}/mailing", bad, expect=400)


def test_group_creation_input_is_validated(given, new_api):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    for body, field in (({"type": "shop", "name": "N", "initials": "N"}, "type"),
                        ({"type": "group", "name": "", "initials": "N"}, "name"),
                        ({"type": "group", "name": "N", "initials": "x" * 13}, "initials"),
                        ({"type": "group", "name": "N\u0007", "initials": "N"}, "name")):
        assert field in paris.post("/api/directory/groups", body, expect=400).get_json()["error"]["fields"]
    assert paris.get("/api/directory").get_json()["groups"] == []


def test_bad_cursor_is_a_clear_400(given, new_api):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    for cursor in ("zzz", "AAAA", "x" * 2001):
        body = paris.get(f"/api/directory/groups?cursor={cursor}", expect=400).get_json()
        assert "cursor" in body["error"]["fields"], cursor
    assert paris.get("/adminloc.html?cursor=zzz").status_code == 400


def test_dangerous_page_acts_ask_first_and_only_for_known_acts(given, new_api):
    given.directories_admin()
    _, paris = given.directory("Paris", "PA")
    group = given.group(paris, name="Les <Radis>", initials="LR")
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
