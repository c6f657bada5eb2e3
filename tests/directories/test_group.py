"""An animator: members, weekly message, deliveries of a groupement (A10)."""

from __future__ import annotations


def farm_network(given):
    """Paris references a groupement and a group; both animators signed in."""
    directories = given.directories_admin()
    paris_code, paris = given.directory("Paris", "PA")
    farms = given.group(paris, type="groupement", name="Les Fermes", initials="LF")
    radis = given.group(paris, name="Les Radis", initials="LR")
    return directories, paris_code, paris, farms, given.animator(farms["code"]), radis, given.animator(radis["code"])


def test_animator_manages_members(given, new_api):
    *_, radis_animator = farm_network(given)
    alice = radis_animator.post("/api/group/members", {"name": "Alice", "email": "alice@Example.ORG"}, expect=201).get_json()
    assert alice == {"id": alice["id"], "name": "Alice", "email": "alice@example.org", "active": True, "version": 0}
    radis_animator.post("/api/group/members", {"name": "Alice 2", "email": "ALICE@example.org"}, expect=400)
    changed = radis_animator.patch(f"/api/group/members/{alice['id']}", {"active": False, "name": "Alice B."}, expect=200).get_json()
    assert (changed["active"], changed["name"]) == (False, "Alice B.")
    bob = radis_animator.post("/api/group/members", {"name": "Bob", "email": "bob@example.org"}, expect=201).get_json()
    radis_animator.delete(f"/api/group/members/{alice['id']}", expect=204)
    radis_animator.delete(f"/api/group/members/{alice['id']}", expect=404)
    for not_an_id in ("notanid", "0", "9" * 30, "١٢"):
        radis_animator.patch(f"/api/group/members/{not_an_id}", {"name": "x"}, expect=404)
        radis_animator.delete(f"/api/group/members/{not_an_id}", expect=404)
    assert [m["id"] for m in radis_animator.get("/api/group").get_json()["members"]] == [bob["id"]]


def test_member_input_is_validated(given, new_api):
    *_, radis_animator = farm_network(given)
    for body, field in (({"name": "A", "email": "not-an-email"}, "email"), ({"name": "", "email": "a@example.org"}, "name"),
                        ({"name": "A", "email": "a@example.org\nBcc: x@example.org"}, "email"),
                        ({"name": "A" * 121, "email": "a@example.org"}, "name"), ({"name": "A"}, "email")):
        assert field in radis_animator.post("/api/group/members", body, expect=400).get_json()["error"]["fields"]
    assert radis_animator.get("/api/group").get_json()["members"] == []


def test_animator_writes_the_weekly_message(given, new_api):
    *_, radis_animator = farm_network(given)
    radis_animator.put("/api/group/message", {"subject": "Cette semaine", "body": "Des radis.\nEt des <b>choux</b>."}, expect=200)
    message = radis_animator.get("/api/group").get_json()["message"]
    assert message == {"subject": "Cette semaine", "body": "Des radis.\nEt des <b>choux</b>.", "version": 1}
    radis_animator.put("/api/group/message", {"subject": "x" * 201, "body": ""}, expect=400)


def test_a10_groupement_delivers_a_group_sharing_an_active_directory(given, new_api):
    directories, paris_code, paris, farms, farms_animator, radis, radis_animator = farm_network(given)
    added = farms_animator.post("/api/group/deliveries", {"group": radis["code"]}, expect=201).get_json()
    assert added["code"] == radis["code"] and added["suspended"] is False
    view = farms_animator.get("/api/group").get_json()
    assert [(d["code"], d["suspended"]) for d in view["deliveries"]] == [(radis["code"], False)]
    suppliers = radis_animator.get("/api/group").get_json()["suppliers"]
    assert [(s["code"], s["suspended"]) for s in suppliers] == [(farms["code"], False)]
    farms_animator.post("/api/group/deliveries", {"group": "LR"}, expect=409)  # by initials: the same group
    # A group delivers nothing.
    radis_animator.post("/api/group/deliveries", {"group": farms["code"]}, expect=403)


def test_a10_no_shared_directory_is_forbidden(given, new_api):
    directories, paris_code, paris, farms, farms_animator, radis, radis_animator = farm_network(given)
    _, lyon = given.directory("Lyon", "LY")
    carrots = given.group(lyon, name="Les Carottes", initials="LC")
    body = farms_animator.post("/api/group/deliveries", {"group": carrots["code"]}, expect=403).get_json()
    assert body["error"]["code"] == "forbidden"
    assert farms_animator.get("/api/group").get_json()["deliveries"] == []


def test_a10_link_is_suspended_when_the_shared_directory_is_deactivated(given, new_api):
    directories, paris_code, paris, farms, farms_animator, radis, radis_animator = farm_network(given)
    farms_animator.post("/api/group/deliveries", {"group": radis["code"]}, expect=201)
    directories.post(f"/api/directories/{paris_code}/deactivate", expect=204)
    view = farms_animator.get("/api/group").get_json()
    assert [(d["code"], d["suspended"]) for d in view["deliveries"]] == [(radis["code"], True)]
    directories.post(f"/api/directories/{paris_code}/activate", expect=204)
    assert farms_animator.get("/api/group").get_json()["deliveries"][0]["suspended"] is False


def test_a10_link_is_suspended_when_the_group_is_dereferenced(given, new_api):
    directories, paris_code, paris, farms, farms_animator, radis, radis_animator = farm_network(given)
    _, lyon = given.directory("Lyon", "LY")
    lyon.post("/api/directory/references", {"directory": paris_code, "group": radis["code"], "password": given.STRONG}, expect=201)
    farms_animator.post("/api/group/deliveries", {"group": radis["code"]}, expect=201)
    paris.delete(f"/api/directory/groups/{radis['code']}", expect=200)
    view = farms_animator.get("/api/group").get_json()
    assert view["deliveries"][0]["suspended"] is True
    farms_animator.delete(f"/api/group/deliveries/{radis['code']}", expect=204)
    farms_animator.delete(f"/api/group/deliveries/{radis['code']}", expect=404)
    assert farms_animator.get("/api/group").get_json()["deliveries"] == []


def test_group_overview_lists_its_directories(given, new_api):
    directories, paris_code, paris, farms, farms_animator, radis, radis_animator = farm_network(given)
    view = radis_animator.get("/api/group").get_json()
    assert view["directories"] == [{"code": paris_code, "name": "Paris", "initials": "PA", "active": True}]
    assert (view["type"], view["name"], view["initials"]) == ("group", "Les Radis", "LR")
    assert any(e["action"] == "password_changed" for e in view["audit"])


IMPORT = """name,email
Alice Martin,alice@example.org
"Dupont, Bruno" <bruno@example.org>
Chloé Noël <CHLOE@example.org>
no address here
Alice again,ALICE@example.org
Zoé,zoe@example.org
,empty@example.org
"""


def test_animator_adds_many_members_checking_first(given):
    *_, radis = farm_network(given)
    radis.post("/api/group/members", {"name": "Zoé", "email": "zoe@example.org"}, expect=201)
    checked = radis.post("/api/group/members/import", {"text": IMPORT, "dry_run": True}, expect=200).get_json()
    assert [(m["name"], m["email"]) for m in checked["added"]] == [
        ("Alice Martin", "alice@example.org"), ("Dupont, Bruno", "bruno@example.org"), ("Chloé Noël", "CHLOE@example.org"),
        ("empty", "empty@example.org")]  # no name: the address's own
    assert checked["refused"] == [{"line": 5, "reason": "invalid_line", "text": "no address here"},
                                  {"line": 6, "reason": "duplicate_line", "text": "Alice again,ALICE@example.org"},
                                  {"line": 7, "reason": "email_taken", "text": "Zoé <zoe@example.org>"}]
    assert len(radis.get("/api/group").get_json()["members"]) == 1  # a dry run writes nothing
    done = radis.post("/api/group/members/import", {"text": IMPORT}, expect=200).get_json()
    assert [m["email"] for m in done["added"]] == ["alice@example.org", "bruno@example.org", "CHLOE@example.org",
                                                   "empty@example.org"]
    listed = radis.get("/api/group/members").get_json()
    assert sorted(m["email"] for m in listed) == sorted(["zoe@example.org", *[m["email"] for m in done["added"]]])
    again = radis.post("/api/group/members/import", {"text": IMPORT}, expect=200).get_json()
    assert again["added"] == [] and {r["reason"] for r in again["refused"]} >= {"email_taken"}
    assert any(e["action"] == "members_imported" and e["detail"] == "4" for e in radis.get("/api/group").get_json()["audit"])


def test_member_import_is_bounded_and_checked(given):
    *_, radis = farm_network(given)
    many = "\n".join(f"M{n},m{n}@example.org" for n in range(401))
    radis.post("/api/group/members/import", {"text": many}, expect=400)
    radis.post("/api/group/members/import", {"text": 3}, expect=400)
    refused = radis.post("/api/group/members/import", {"text": "A,a@example.org\x00"}, expect=200).get_json()["refused"]
    assert refused == [{"line": 1, "reason": "control_characters", "text": "A,a@example.org\x00"}]  # the line, not the list
    assert radis.get("/api/group").get_json()["members"] == []


def test_member_import_page_shows_what_will_be_added_then_adds_it(given):
    *_, radis = farm_network(given)
    preview = radis.client.post("/animateur/members/import", data={"csrf": radis.csrf, "text": IMPORT})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Seront ajoutés (5)" in page and "Lignes refusées (2)" in page
    assert "ligne illisible" in page and radis.get("/api/group").get_json()["members"] == []
    import io

    upload = radis.client.post("/animateur/members/import", content_type="multipart/form-data", data={
        "csrf": radis.csrf, "text": "", "file": (io.BytesIO("\ufeffname,email\nYann,yann@example.org\n".encode()), "list.csv")})
    assert "Seront ajoutés (1)" in upload.get_data(as_text=True)
    confirmed = radis.client.post("/animateur/members/import", data={"csrf": radis.csrf, "text": IMPORT, "confirm": "1"})
    assert confirmed.status_code == 303 and confirmed.headers["Location"].endswith("done=members_imported")
    assert len(radis.get("/api/group").get_json()["members"]) == 5


def test_a10_a_groupement_chooses_among_the_groups_it_may_deliver(given):
    directories, paris_code, paris, farms, producer, radis, radis_animator = farm_network(given)
    navets = given.group(paris, name="Les Navets", initials="LN")
    lyon_code, lyon = given.directory("Lyon", "LY")
    given.group(lyon, name="Loin", initials="LO")  # shares no directory with the groupement
    assert [g["name"] for g in producer.get("/api/group/deliveries/eligible").get_json()] == ["Les Navets", "Les Radis"]
    producer.post("/api/group/deliveries", {"group": radis["code"]}, expect=201)
    assert [g["code"] for g in producer.get("/api/group/deliveries/eligible").get_json()] == [navets["code"]]
    page = producer.get("/animateur.html").get_data(as_text=True)
    assert f'<option value="{navets["code"]}">Les Navets (LN)</option>' in page and "Loin" not in page
    directories.post(f"/api/directories/{paris_code}/deactivate", expect=204)
    assert producer.get("/api/group/deliveries/eligible").get_json() == []
    radis_animator.get("/api/group/deliveries/eligible", expect=403)  # a group delivers nothing
