"""Signing in under attack: lockouts that spare known browsers, 0000 only by code and for a while, sessions per role."""

from __future__ import annotations

REFERENCES = "/api/directory/references"


def guesses(api, times: int = 5, **account) -> None:
    for _ in range(times):
        api.sign_in(password="guess-guess", expect=401, **account)


def test_a_stranger_s_guesses_never_lock_out_a_browser_that_signed_in_before(given, new_api):
    given.directories_admin()
    code, admin = given.directory("Paris", "PA")  # this browser signed in successfully
    attacker = new_api()
    guesses(attacker, role="directory", directory=code)
    body = attacker.sign_in(role="directory", directory=code, password=given.STRONG, expect=429).get_json()
    assert "15 minutes" in body["error"]["message"]
    new_api().sign_in(role="directory", directory=code, password=given.STRONG, expect=429)  # unknown browsers wait
    admin.sign_in(role="directory", directory=code, password=given.STRONG, expect=200)  # the known one does not


def test_a_device_cookie_is_signed_and_names_its_account(given, new_api):
    given.directories_admin()
    paris_code, paris = given.directory("Paris", "PA")
    lyon_code, _ = given.directory("Lyon", "LY")
    guesses(new_api(), role="directory", directory=lyon_code)
    # Paris's browser is known to Paris, not to Lyon: Lyon stays locked for it.
    paris.sign_in(role="directory", directory=lyon_code, password=given.STRONG, expect=429)
    forged = new_api()
    device = paris.cookie("annuaires_device")
    forged.set_cookie("annuaires_device", device[:-4] + ("0000" if not device.endswith("0000") else "1111"))
    guesses(new_api(), role="directory", directory=paris_code)
    forged.sign_in(role="directory", directory=paris_code, password=given.STRONG, expect=429)
    paris.sign_in(role="directory", directory=paris_code, password=given.STRONG, expect=200)


def test_a_known_browser_s_own_guesses_are_throttled_too(given):
    given.directories_admin()
    code, admin = given.directory("Paris", "PA")
    guesses(admin, role="directory", directory=code)
    admin.sign_in(role="directory", directory=code, password=given.STRONG, expect=429)


def test_reference_failures_count_on_the_group_and_spare_its_animator(given, new_api):
    net = given.network()
    body = {"directory": net.paris_code, "group": net.group["code"], "password": "guess-guess"}
    for _ in range(5):
        net.lyon.post(REFERENCES, body, expect=403)
    net.lyon.post(REFERENCES, {**body, "password": given.STRONG}, expect=429)
    new_api().sign_in(role="group", group=net.group["code"], password=given.STRONG, expect=429)
    net.member.sign_in(role="group", group=net.group["code"], password=given.STRONG, expect=200)


def test_every_refused_reference_gets_one_answer_that_tells_nothing_of_the_group(given):
    net = given.network()
    on_0000 = given.group(net.paris, name="Les Navets", initials="LN")
    refusals = [
        {"directory": net.paris_code, "group": net.group["code"], "password": "wrong-password"},
        {"directory": net.paris_code, "group": on_0000["code"], "password": "0000"},
        {"directory": net.lyon_code, "group": net.group["code"], "password": given.STRONG},
        {"directory": "nowhere", "group": net.group["code"], "password": given.STRONG},
        {"directory": net.paris_code, "group": "nothing", "password": given.STRONG},
    ]
    answers = [net.lyon.post(REFERENCES, body, expect=403).get_json() for body in refusals]
    assert all(answer == answers[0] for answer in answers), answers
    assert answers[0]["error"]["code"] == "forbidden" and "session" not in answers[0]["error"]["message"]


def test_wrong_current_passwords_on_the_password_form_are_counted(given):
    given.directories_admin()
    _, admin = given.directory("Paris", "PA")
    for _ in range(5):
        admin.post("/api/session/password", {"current": "guess-guess", "new": "another-long-password"}, expect=400)
    admin.post("/api/session/password", {"current": given.STRONG, "new": "another-long-password"}, expect=429)


def test_a3_with_0000_only_the_code_signs_in(given, new_api):
    directories = given.directories_admin()
    code = directories.post("/api/directories", {"name": "Paris", "initials": "PA"}, expect=201).get_json()["code"]
    by_initials = new_api().sign_in(role="directory", directory="PA", password="0000", expect=401).get_json()
    wrong = new_api().sign_in(role="directory", directory=code, password="wrong", expect=401).get_json()
    assert by_initials == wrong
    new_api().sign_in(role="directory", directory=code, password="0000", expect=200)
    _, lyon = given.directory("Lyon", "LY")
    group = given.group(lyon, name="Les Radis", initials="LR")
    new_api().sign_in(role="group", group="LR", password="0000", expect=401)
    new_api().sign_in(role="group", group=group["code"], password="0000", expect=200)


def test_a3_a_0000_password_expires_then_the_level_above_resets_it_again(given, new_api, clock):
    directories = given.directories_admin()
    code = directories.post("/api/directories", {"name": "Paris", "initials": "PA"}, expect=201).get_json()["code"]
    clock.advance(days=29)
    new_api().sign_in(role="directory", directory=code, password="0000", expect=200)
    clock.advance(days=2)
    body = new_api().sign_in(role="directory", directory=code, password="0000", expect=403).get_json()
    assert "expiré" in body["error"]["message"]
    directories.as_directories()  # sessions last hours, not days
    directories.post(f"/api/directories/{code}/password-reset", expect=204)
    new_api().sign_in(role="directory", directory=code, password="0000", expect=200)


def test_signing_in_again_ends_the_replaced_session(given, new_api):
    given.directories_admin()
    code, admin = given.directory("Paris", "PA")
    replaced = admin.cookie("annuaires_directory")
    admin.sign_in(role="directory", directory=code, password=given.STRONG)
    assert admin.cookie("annuaires_directory") != replaced
    stale = new_api()
    stale.set_cookie("annuaires_directory", replaced)
    stale.get("/api/directory", expect=401)
    admin.get("/api/directory", expect=200)


def test_one_browser_holds_a_session_per_role(given):
    net = given.network()
    both = net.paris  # the directory admin of Paris is also the group's animator
    directory_csrf = both.csrf
    group_csrf = both.sign_in(role="group", group=net.group["code"], password=given.STRONG).get_json()["csrf"]
    assert both.get("/api/directory", expect=200).get_json()["code"] == net.paris_code
    assert both.get("/api/group", expect=200).get_json()["code"] == net.group["code"]
    assert both.get("/api/session", expect=400).get_json()["error"]["fields"] == {"role": "plusieurs sessions ouvertes : précisez ?role="}
    assert both.get("/api/session?role=group", expect=200).get_json()["role"] == "group"
    # Each route acts with the session of its own role, and that session's CSRF token.
    both.post("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, headers={"X-CSRF-Token": directory_csrf},
              expect=403)
    both.post("/api/group/members", {"name": "Alice", "email": "alice@example.org"}, headers={"X-CSRF-Token": group_csrf},
              expect=201)
    both.delete("/api/session?role=group", headers={"X-CSRF-Token": group_csrf}, expect=204)
    assert both.cookie("annuaires_group") is None
    both.get("/api/group", expect=403)  # signed in, but as a directory admin only
    assert both.get("/api/session", expect=200).get_json()["role"] == "directory"
