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


def test_a1_names_compare_as_a_reader_sees_them(given):
    directories = given.directories_admin()
    directories.post("/api/directories", {"name": "Croix-Rousse", "initials": "CR"}, expect=201)
    for name in ("croix rousse", "CROIX–ROUSSE", "Cr\u043eix-Rousse", "Croix\u034f-Rousse", "Croix\u2800Rousse", "Croix-Rousse."):
        body = directories.post("/api/directories", {"name": name, "initials": "ZZ"}, expect=409).get_json()
        assert body["error"]["code"] == "name_taken", name
    directories.post("/api/directories", {"name": "Cœur de Lyon", "initials": "CL"}, expect=201)
    directories.post("/api/directories", {"name": "Coeur de Lyon", "initials": "CO"}, expect=409)
    directories.post("/api/directories", {"name": "L\u2019Épi", "initials": "EP"}, expect=201)
    directories.post("/api/directories", {"name": "l'epi", "initials": "EQ"}, expect=409)
    directories.post("/api/directories", {"name": "Other", "initials": "c\u0433"}, expect=409)  # Cyrillic г looks like r
    directories.post("/api/directories", {"name": "Croix-Paquet", "initials": "CP"}, expect=201)  # another name


def test_a1_initials_that_a_code_would_shadow_at_sign_in_are_refused(given):
    directories = given.directories_admin()
    for initials in ("ab3d5fgh", "AB3D 5FGH"):
        body = directories.post("/api/directories", {"name": f"N {initials}", "initials": initials}, expect=400).get_json()
        assert body["error"]["fields"] == {"initials": "ne doivent pas ressembler à un code (8 lettres et chiffres)"}
    directories.post("/api/directories", {"name": "Lyon", "initials": "ABCDEFGHI"}, expect=201)  # 9: no code has 9


def test_a5_only_the_directory_s_own_admin_changes_its_name_and_initials(given):
    directories = given.directories_admin()
    code, paris = given.directory("Paris", "PA")
    for method in ("PATCH", "PUT"):
        assert directories.call(method, f"/api/directories/{code}", {"name": "Autre"}).status_code in (404, 405)
    directories.patch("/api/directory", {"name": "Autre"}, expect=403)
    assert form_refused(directories, "/adminloc/settings", name="Autre")
    assert [d["name"] for d in directories.get("/api/directories").get_json()] == ["Paris"]
    paris.patch("/api/directory", {"name": "Paris Centre", "initials": "PC"}, expect=200)
    assert [(d["name"], d["initials"]) for d in directories.get("/api/directories").get_json()] == [("Paris Centre", "PC")]


def form_refused(api, path: str, **data: str) -> bool:
    """Whether a page form sent with this client's session is refused (sign-in page or 403), nothing done."""
    answer = api.client.post(path, data={"csrf": api.csrf, **data})
    if answer.status_code == 401:  # the sign-in page, carrying what was typed (R2)
        return 'action="/signin"' in answer.get_data(as_text=True)
    return answer.status_code in (303, 403) and "/adminloc.html" in answer.headers.get("Location", "/adminloc.html")
