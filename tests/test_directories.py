"""The directories admin (A1, A5, A6)."""

from __future__ import annotations

import dataclasses


def test_a1_directory_names_are_unique_ignoring_case_accents_and_spaces(given, new_api):
    directories = given.directories_admin()
    directories.post("/api/directories", {"name": "Île de France", "initials": "IDF"}, expect=201)
    body = directories.post("/api/directories", {"name": "  ile DE france ", "initials": "X"}, expect=409).get_json()
    assert body["error"]["code"] == "name_taken"
    body = directories.post("/api/directories", {"name": "Other", "initials": "idf"}, expect=409).get_json()
    assert body["error"]["code"] == "initials_taken"
    assert [d["name"] for d in directories.get("/api/directories").get_json()] == ["Île de France"]


def test_a1_twenty_concurrent_creations_one_wins(given, new_api):
    directories = given.directories_admin()
    statuses = directories.concurrently("/api/directories", {"name": "Concurrent", "initials": "CC"})
    assert statuses.count(201) == 1, statuses
    assert set(statuses) == {201, 409}
    assert len(directories.get("/api/directories").get_json()) == 1


def test_a5_directories_admin_lists_and_creates(given, new_api):
    directories = given.directories_admin()
    created = directories.post("/api/directories", {"name": "Paris", "initials": "PA"}, expect=201).get_json()
    assert set(created) == {"code", "name", "initials", "active", "created"}
    assert created["active"] is True and created["name"] == "Paris"
    listed = directories.get("/api/directories", expect=200).get_json()
    assert [(d["code"], d["initials"]) for d in listed] == [(created["code"], "PA")]


def test_a5_directories_admin_sees_nothing_of_groups(given, new_api):
    directories = given.directories_admin()
    _, admin = given.directory("Paris", "PA")
    admin.post("/api/directory/groups", {"type": "group", "name": "Les Radis", "initials": "LR"}, expect=201)
    assert "Radis" not in directories.get("/api/directories").get_data(as_text=True)
    directories.get("/api/directory", expect=403)
    directories.get("/api/group", expect=403)


def test_a6_deactivated_directory_cannot_sign_in_then_can_again(given, new_api):
    directories = given.directories_admin()
    code, admin = given.directory("Paris", "PA")
    directories.post(f"/api/directories/{code}/deactivate", expect=204)
    admin.get("/api/directory", expect=401)
    new_api().sign_in(role="directory", directory=code, password=given.STRONG, expect=403)
    assert directories.get("/api/directories").get_json()[0]["active"] is False
    directories.post(f"/api/directories/{code}/activate", expect=204)
    new_api().sign_in(role="directory", directory=code, password=given.STRONG, expect=200)


def test_unknown_directory_is_404(given, new_api):
    directories = given.directories_admin()
    for action in ("password-reset", "deactivate", "activate"):
        body = directories.post(f"/api/directories/nothere/{action}", expect=404).get_json()
        assert body["error"]["code"] == "not_found"


def test_directory_creation_input_is_validated(given, new_api):
    directories = given.directories_admin()
    bad_bodies = {
        "name": [{"name": "", "initials": "A"}, {"name": "\u0301 \u0301", "initials": "A"}, {"name": "x" * 81, "initials": "A"},
                 {"name": 3, "initials": "A"}, {"name": "a\x00b", "initials": "A"}, {"initials": "A"}],
        "initials": [{"name": "N", "initials": ""}, {"name": "N", "initials": "x" * 13}, {"name": "N", "initials": None}],
        "extra": [{"name": "N", "initials": "A", "extra": 1}],
    }
    for field, bodies in bad_bodies.items():
        for body in bodies:
            answer = directories.post("/api/directories", body, expect=400).get_json()["error"]
            assert answer["code"] == "invalid_input" and field in answer["fields"], (body, answer)
    directories.post("/api/directories", "not an object", expect=400)
    spaced = directories.post("/api/directories", {"name": "  Paris   Nord ", "initials": " PN "}, expect=201).get_json()
    assert (spaced["name"], spaced["initials"]) == ("Paris Nord", "PN")
    directories.post(f"/api/directories/{spaced['code']}/deactivate", expect=204)
    assert [d["name"] for d in directories.get("/api/directories").get_json()] == ["Paris Nord"]


def test_html_in_names_is_escaped_on_pages(given, new_api):
    directories = given.directories_admin()
    directories.post("/api/directories", {"name": "<script>alert(1)</script>", "initials": "<b>"}, expect=201)
    page = directories.get("/admingen.html", expect=200).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;" in page


def test_directories_list_is_paginated_with_a_cursor(given, new_api, app, ctx):
    directories = given.directories_admin()
    ctx.config = dataclasses.replace(ctx.config, page_size=2)
    for n in range(5):
        directories.post("/api/directories", {"name": f"Annuaire {n}", "initials": f"A{n}"}, expect=201)
    seen, cursor = [], None
    while True:
        response = directories.get("/api/directories" + (f"?cursor={cursor}" if cursor else ""), expect=200)
        seen += [d["name"] for d in response.get_json()]
        cursor = response.headers.get("X-Next-Cursor")
        if not cursor:
            break
    assert seen == [f"Annuaire {n}" for n in range(5)]


def test_directories_admin_sees_who_set_its_password_and_its_own_acts(given, new_api):
    directories = given.directories_admin()
    directories.post("/api/directories", {"name": "Paris", "initials": "PA"}, expect=201)
    page = directories.get("/admingen.html", expect=200).get_data(as_text=True)
    assert "Administration générale — admin@example.org" in page
    assert "mot de passe de l&#39;administration des annuaires défini" in page
    assert "annuaire créé" in page and "Paris (PA)" in page
