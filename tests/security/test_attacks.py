"""What an attacker tries first: odd input in bodies and URLs, markup in every text field, cross-site posts, links
built from the request, caches, the dumps, exports and feed without their credentials.

Sessions and passwords (CSRF, fixation, replays, guessing) are in test_attacks_sessions.py; task tokens in
test_task_tokens.py; header injection in e-mails and unsubscribe links guessed or replayed in test_weekly_email.py.
"""

from __future__ import annotations

import re

import pytest

from tests.support.client import DIRECTORIES_PASSWORD
from tests.support.dump import PASSPHRASE, basic
from tests.support.mail import TOKEN, bearer

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


ODD = ["..", "../../etc/passwd", "%2e%2e%2f%2e%2e", "a" * 300, "é", "\u202e", "%00", "<script>", "'\"", "0", "-1", "x@y",
       "@", "a@b@c", "%F0%9F%98%80", "Ｐａｒｉｓ", " ", "%0d%0aSet-Cookie:x=1"]


def test_odd_values_in_every_url_argument_are_clear_errors_for_every_role(given, app, new_api, mail_admin):
    """Path traversal, control and odd characters, in every argument of every route, never a server error."""
    net = given.network()
    clients = [new_api(), mail_admin, net.directories, net.paris, net.member]
    rules = [(rule.rule, method) for rule in app.url_map.iter_rules() if "<" in rule.rule and rule.endpoint != "static"
             for method in rule.methods - {"HEAD", "OPTIONS"}]
    assert len(rules) > 40
    for rule, method in rules:
        for odd in ODD:
            path = re.sub(r"<(?:\w+:)?\w+>", odd.replace("/", "%2F"), rule)
            for client in clients:
                answer = client.client.open(path, method=method, json={} if method != "GET" else None,
                                            headers={"X-CSRF-Token": client.csrf})
                assert answer.status_code < 500, (method, path, answer.status_code)
                assert "Set-Cookie:x=1" not in str(answer.headers) and "<script>" not in answer.get_data(as_text=True)


SCRIPT = "<script>alert(1)</script>\"'&"


def test_markup_in_every_text_field_is_escaped_on_every_page_and_in_the_e_mail(given, new_api, mail_admin):
    directories = given.directories_admin()
    code, paris = given.directory(f"Paris {SCRIPT}", "PA")
    paris.patch("/api/directory", {"comment": SCRIPT}, expect=200)
    group = paris.post("/api/directory/groups", {"type": "group", "name": f"G {SCRIPT}", "initials": "G<b>"},
                       expect=201).get_json()
    animator = given.animator(group["code"])
    animator.post("/api/group/members", {"name": f"Zoé {SCRIPT}", "email": "zoe@example.org"}, expect=201)
    animator.put("/api/group/message", {"subject": f"Jeudi {SCRIPT}", "body": f"À jeudi {SCRIPT}"}, expect=200)
    animator.post("/animateur/members/import", {"text": f"{SCRIPT} <ana@example.org>"})
    mail_admin.put("/api/mailers/B", {"from": "Envoi <envoi@example.org>", "smtp_host": "smtp.example.org",
                                      "smtp_port": 587, "username": SCRIPT, "starttls": True}, expect=200)
    mail_admin.post("/api/mail/accounts", {"address": "zoe@auf.org", "display_name": SCRIPT,
                                           "password": "une phrase de passe assez longue"}, expect=201)
    mail_admin.post("/api/mail/aliases", {"address": "bureau@auf.org", "targets": ["zoe@auf.org"]}, expect=201)
    pages = [(directories, "/admingen.html"), (paris, "/adminloc.html"), (animator, "/animateur.html"),
             (mail_admin, "/admin/pwd.html"), (mail_admin, "/messagerie/domains/auf.org"),
             (mail_admin, "/messagerie/accounts/zoe@auf.org"), (paris, f"/confirm?to=/adminloc/groups/{group['code']}/dereference"),
             (animator, f"/confirm?to=/animateur/members/{animator.get('/api/group/members').get_json()[0]['id']}/remove")]
    for browser, path in pages:
        page = browser.get(path, expect=200).get_data(as_text=True)
        assert "<script>" not in page and "<b>" not in page, path
        assert "&lt;script&gt;" in page, path
    preview = animator.get("/api/group/mailing/preview", expect=200).get_json()
    assert "<script>" not in preview["html"] and "&lt;script&gt;" in preview["html"]


def test_a_dump_a_reload_an_export_or_the_change_feed_without_their_credentials_gives_nothing(given, new_api, mail_admin):
    given.directories_admin()
    mail_admin.put("/api/mail/export-token", {"token": TOKEN}, expect=204)
    mail_admin.post("/api/mail/accounts", {"address": "zoe@auf.org", "password": "une phrase de passe assez longue"},
                    expect=201)
    passphrase = {"X-Dump-Passphrase": PASSPHRASE}
    for headers in ({}, passphrase, {**basic("pas le bon"), **passphrase}, {**bearer(), **passphrase},
                    {"Authorization": "Basic ???", **passphrase}):
        for method, path in (("GET", "/api/dump"), ("POST", "/api/reload")):
            answer = new_api().client.open(path, method=method, headers=headers, data=b"{}\n")
            assert answer.status_code in (400, 401, 403), (path, headers, answer.status_code)
            assert answer.status_code != 200 and b"zoe@auf.org" not in answer.get_data()
    for headers in ({}, bearer("x" * 40), bearer(TOKEN[:-1]), bearer(TOKEN + " "), basic(DIRECTORIES_PASSWORD),
                    {"Authorization": f"bearer {TOKEN}"}):
        for path in ("/api/mail/changes", "/api/mail/export/dovecot_passwd", "/api/mail/export/virtual_mailbox_maps"):
            answer = new_api().client.get(path, headers=headers)
            assert answer.status_code in (401, 403), (path, headers, answer.status_code)
            assert b"zoe@auf.org" not in answer.get_data() and b"argon2" not in answer.get_data()
    assert b"zoe@auf.org" in new_api().client.get("/api/mail/export/virtual_mailbox_maps", headers=bearer()).get_data()
