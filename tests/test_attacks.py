"""What an attacker tries first: odd input, cross-site posts, links built from the request, caches."""

from __future__ import annotations

import re

import pytest

GROWS = "\ufdfa" * 80  # 80 characters that NFKD turns into 1,440
DEEP = "[" * 100_000 + "]" * 100_000
PATH_VALUES = {"code": "abcdefgh", "letter": "A", "member_id": "1", "address": "x@example.org"}


def _concrete(rule: str) -> str:
    rule = re.sub(r"<any\(([^)]*)\):\w+>", lambda m: m.group(1).split(",")[0].strip(" '"), rule)
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: PATH_VALUES[m.group(1)], rule)


@pytest.mark.parametrize("role", [["directory"], {"a": 1}, 12, None])
def test_sign_in_role_of_another_type_is_bad_input(api, role):
    body = api.post("/api/session", {"role": role, "password": "x"}, expect=400).get_json()
    assert body["error"]["fields"] == {"role": "valeur non permise"}


def test_json_nested_thousands_deep_is_bad_input_on_every_json_route(given, app, new_api):
    directories = given.directories_admin()
    code, director = given.directory("Paris", "PA")
    group = director.post("/api/directory/groups", {"type": "group", "name": "G", "initials": "G"}, expect=201).get_json()
    animator = new_api()
    animator.sign_in(role="group", group=group["code"], password="0000")
    animator.change_password()
    clients = [new_api(), new_api().as_general(), directories, director, animator]
    routes = [(method, _concrete(rule.rule)) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in rule.methods & {"POST", "PUT", "PATCH"}]
    assert ("POST", "/api/session") in routes and len(routes) > 10
    for method, path in routes:
        for client in clients:
            response = client.client.open(path, method=method, data=DEEP, content_type="application/json",
                                          headers={"X-CSRF-Token": client.csrf})
            assert response.status_code < 500, (method, path, response.status_code)
    answer = new_api().client.post("/api/session", data=DEEP, content_type="application/json")
    assert answer.status_code == 400 and answer.get_json()["error"]["fields"] == {"body": "JSON trop imbriqué"}


def test_names_that_grow_when_normalised_are_refused_or_counted_never_a_server_error(given, new_api):
    directories = given.directories_admin()
    code, director = given.directory("Paris", "PA")
    body = directories.post("/api/directories", {"name": GROWS, "initials": "X"}, expect=400).get_json()
    assert body["error"]["fields"] == {"name": "trop long"}
    director.post("/api/directory/groups", {"type": "group", "name": "G", "initials": GROWS}, expect=400)
    director.patch("/api/directory", {"name": GROWS}, expect=400)
    refused = director.post("/api/directory/references", {"directory": GROWS, "group": GROWS, "password": "x"})
    assert 400 <= refused.status_code < 500
    farms = given.group(director, type="groupement", name="Les Fermes", initials="LF")
    given.animator(farms["code"]).post("/api/group/deliveries", {"group": GROWS}, expect=404)
    attacker = new_api()
    for _ in range(5):
        attacker.sign_in(role="directory", directory=GROWS, password="guess", expect=401)
    attacker.sign_in(role="directory", directory=GROWS, password="guess", expect=429)


def test_links_built_from_the_request_path_stay_on_the_site(api):
    for path in ("/%5Cevil.example/", "//evil.example/", "/%5C%5Cevil.example/"):
        html = api.get(path).get_data(as_text=True)
        links = re.findall(r'(?:href|action)="([^"]*)"', html)
        assert links, html
        for link in links:
            assert link.startswith("/") and not link.startswith(("//", "/\\")), (path, link)


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                                     {"Origin": "https://evil.example"}, {"Origin": "null"}])
def test_cross_site_form_posts_are_refused_sign_in_included(given, new_api, headers):
    given.directories_admin()
    victim = new_api()
    response = victim.client.post("/signin", data={"role": "directories", "password": "directories-secret"},
                                  headers=headers)
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers
    assert victim.cookie("annuaires_directories") is None


def test_same_site_form_posts_are_served(given, new_api):
    given.directories_admin()
    for headers in ({"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://localhost"}, {}):
        browser = new_api()
        response = browser.client.post("/signin", data={"role": "directories", "password": "directories-secret"},
                                       headers=headers)
        assert response.status_code == 303 and browser.cookie("annuaires_directories") is not None


def test_signed_in_pages_and_answers_are_never_cached(given, new_api):
    directories = given.directories_admin()
    _, director = given.directory("Paris", "PA")
    for path in ("/api/directory", "/adminloc.html", "/api/session"):
        assert director.get(path, expect=200).headers["Cache-Control"] == "no-store", path
    assert directories.get("/admingen.html", expect=200).headers["Cache-Control"] == "no-store"
    assert given.STRONG not in director.get("/adminloc.html").get_data(as_text=True)
