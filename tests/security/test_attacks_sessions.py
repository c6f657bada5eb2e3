"""What an attacker tries on sessions and passwords: forged or missing CSRF tokens, a planted session cookie, a
stolen session replayed after its end, and guessing passwords spread over names, cases and addresses."""

from __future__ import annotations

from tests.support.client import STRONG, Api
from tests.support.mail import GIVEN_PASSWORD

REFERENCES = "/api/directory/references"


def test_a_write_without_its_session_s_csrf_token_is_refused_by_the_api_and_the_forms(given):
    net = given.network()
    paris = net.paris
    for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-CSRF-Token": net.lyon.csrf}):  # none, made up, another session's
        for method, path, body in (("PATCH", "/api/directory", {"comment": "forgé"}),
                                   ("POST", "/api/directory/groups", {"type": "group", "name": "Forgé", "initials": "FO"}),
                                   ("DELETE", f"/api/directory/groups/{net.group['code']}", None),
                                   ("DELETE", "/api/session", None)):
            answer = paris.client.open(path, method=method, json=body, headers=headers)
            assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden", (method, path, headers)
        for csrf in ("", "forged", net.lyon.csrf):
            answer = paris.client.post("/adminloc/settings", data={"csrf": csrf, "name": "Forgé", "initials": "FO",
                                                                   "color": "#000000", "comment": ""})
            assert answer.status_code == 403, csrf
    shown = paris.get("/api/directory", expect=200).get_json()
    assert shown["name"] == "Paris" and shown["comment"] == "" and [g["code"] for g in shown["groups"]] == [net.group["code"]]


def test_a_session_cookie_planted_before_sign_in_is_replaced_and_opens_nothing(given, new_api):
    """Session fixation: the attacker plants its own session in the victim's browser; the victim signs in."""
    net = given.network()
    attacker = net.lyon
    planted = attacker.cookie("annuaires_directory")
    victim = new_api()
    victim.set_cookie("annuaires_directory", planted)
    victim.sign_in(role="directory", directory=net.paris_code, password=STRONG)
    assert victim.cookie("annuaires_directory") not in (None, planted)
    assert victim.get("/api/directory", expect=200).get_json()["code"] == net.paris_code
    attacker.get("/api/directory", expect=401)  # the planted session ended with the sign-in that replaced it
    other = new_api()
    other.set_cookie("annuaires_directory", planted)
    other.get("/api/directory", expect=401)


def stolen(browser: Api) -> Api:
    """Another browser holding a copy of this one's cookies and CSRF token."""
    return browser.copies(1)[0]


def test_a_stolen_session_stops_working_after_a_reset_a_deactivation_or_a_sign_out(given, new_api, mail_admin):
    net = given.network()
    thief = stolen(net.member)
    thief.get("/api/group", expect=200)
    net.paris.post(f"/api/directory/groups/{net.group['code']}/password-reset", expect=204)
    thief.get("/api/group", expect=401)

    thief = stolen(net.lyon)
    thief.get("/api/directory", expect=200)
    net.directories.post(f"/api/directories/{net.lyon_code}/deactivate", expect=204)
    thief.get("/api/directory", expect=401)

    thief = stolen(net.paris)
    net.paris.delete("/api/session", expect=204)
    thief.get("/api/directory", expect=401)
    thief.patch("/api/directory", {"comment": "encore là"}, expect=401)

    mail_admin.post("/api/mail/operators", {"login": "rh", "password": GIVEN_PASSWORD, "domains": ["auf.org"]}, expect=201)
    operator = new_api()
    operator.sign_in(role="mail", login="rh", password=GIVEN_PASSWORD)
    operator.change_password(current=GIVEN_PASSWORD)
    thief = stolen(operator)
    thief.get("/api/mail/domains", expect=200)
    mail_admin.delete("/api/mail/operators/rh", expect=204)
    thief.get("/api/mail/domains", expect=401)


def test_guesses_spread_over_code_initials_and_case_count_on_one_account(given, new_api):
    net = given.network()
    tries = [net.paris_code, "PA", "pa", "Pa", net.paris_code.lower()]
    for n, name in enumerate(tries):
        new_api().sign_in(role="directory", directory=name, password=f"guess-{n}", expect=401)
    new_api().sign_in(role="directory", directory="pA", password=STRONG, expect=429)  # the right one, too late
    group = net.group
    for n, name in enumerate([group["code"], group["initials"], group["initials"].lower(), group["code"].upper(), "lr"]):
        net.lyon.post(REFERENCES, {"directory": net.paris_code, "group": name, "password": f"guess-{n}"}, expect=403)
    net.lyon.post(REFERENCES, {"directory": net.paris_code, "group": group["code"], "password": STRONG}, expect=429)


def test_guesses_from_many_client_addresses_on_one_account_are_throttled(given, app):
    net = given.network()

    def from_address(n: int) -> Api:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"
        return Api(client)

    for n in range(1, 6):
        from_address(n).sign_in(role="directory", directory=net.paris_code, password=f"guess-{n}", expect=401)
    from_address(99).sign_in(role="directory", directory=net.paris_code, password=STRONG, expect=429)
    for n in range(10, 15):
        from_address(n).post("/api/mail/password", {"address": "nobody@auf.org", "current": "guess-guess-guess",
                                                    "new": "une phrase de passe assez longue"}, expect=400)
    answer = from_address(98).post("/api/mail/password", {"address": "nobody@auf.org", "current": "guess-guess-guess",
                                                         "new": "une phrase de passe assez longue"})
    assert answer.status_code == 429
