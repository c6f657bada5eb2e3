"""Sign-in, sessions, CSRF, passwords and throttling (A2, A3, A4)."""

from __future__ import annotations


def test_general_admin_initialises_an_empty_datastore(given, api, new_api):
    api.as_general()
    new_api().sign_in(role="directories", password=given.DIRECTORIES_PASSWORD, expect=401)
    api.put("/api/directories-admin/password", {"password": given.DIRECTORIES_PASSWORD}, expect=204)
    session = new_api().sign_in(role="directories", password=given.DIRECTORIES_PASSWORD).get_json()
    assert session["role"] == "directories"
    assert session["must_change_password"] is False


def test_general_admin_must_be_listed(api):
    body = api.sign_in(role="general", email="intruder@example.org", expect=401).get_json()
    assert body["error"]["code"] == "unauthenticated"


def test_only_general_admin_sets_directories_admin_password(given, api, new_api):
    directories = given.directories_admin()
    directories.put("/api/directories-admin/password", {"password": "another-password"}, expect=403)
    api.put("/api/directories-admin/password", {"password": "another-password"}, expect=401)


def test_changing_directories_admin_password_ends_its_sessions(given, new_api):
    directories = given.directories_admin()
    new_api().as_general().put("/api/directories-admin/password", {"password": "a-new-secret-1"}, expect=204)
    directories.get("/api/directories", expect=401)


def test_a2_bad_credentials_answer_the_same_for_name_or_password(given, new_api):
    given.directories_admin()
    code, _ = given.directory("Paris", "PA")
    wrong_password = new_api().sign_in(role="directory", directory=code, password="nope", expect=401).get_json()
    wrong_name = new_api().sign_in(role="directory", directory="zzzzzzzz", password="nope", expect=401).get_json()
    assert wrong_password == wrong_name


def test_a2_no_answer_holds_a_password_or_hash(given, new_api):
    directories = given.directories_admin()
    code, admin = given.directory("Paris", "PA")
    texts = [directories.get("/api/directories").get_data(as_text=True),
             admin.get("/api/directory").get_data(as_text=True)]
    for text in texts:
        assert "argon2" not in text and "password_hash" not in text and given.STRONG not in text


def test_a2_passwords_are_stored_as_argon2id(given, new_api, datastore_client):
    given.directories_admin()
    code, _ = given.directory("Paris", "PA")
    stored = datastore_client.get(datastore_client.key("Directory", code))
    assert stored["password_hash"].startswith("$argon2id$")
    assert given.STRONG not in str(dict(stored))


def test_a3_new_directory_must_change_password_first(given, new_api):
    directories = given.directories_admin()
    code = directories.post("/api/directories", {"name": "Lyon", "initials": "LY"}, expect=201).get_json()["code"]
    admin = new_api()
    session = admin.sign_in(role="directory", directory=code, password="0000").get_json()
    assert session["must_change_password"] is True
    body = admin.get("/api/directory", expect=403).get_json()
    assert body["error"]["code"] == "password_change_required"
    admin.post("/api/directory/groups", {"type": "group", "name": "G", "initials": "G"}, expect=403)
    admin.change_password("0000", given.STRONG)
    assert admin.get("/api/session", expect=200).get_json()["must_change_password"] is False
    admin.get("/api/directory", expect=200)


def test_a3_sign_in_by_initials_ignores_case_and_accents(given, new_api):
    directories = given.directories_admin()
    code = directories.post("/api/directories", {"name": "Évry", "initials": "ÉV"}, expect=201).get_json()["code"]
    new_api().sign_in(role="directory", directory=code, password="0000", expect=200).get_json()
    new_api().as_directory(code, "0000").change_password()
    new_api().sign_in(role="directory", directory=" ev ", password=given.STRONG, expect=200)


def test_password_policy_is_enforced_and_names_the_field(given, new_api):
    directories = given.directories_admin()
    code = directories.post("/api/directories", {"name": "Lyon", "initials": "LY"}, expect=201).get_json()["code"]
    admin = new_api()
    admin.sign_in(role="directory", directory=code, password="0000")
    for bad in ("short", "0000", "aaaaaaaaaaaa", "x" * 200):
        body = admin.post("/api/session/password", {"current": "0000", "new": bad}, expect=400).get_json()
        assert "new" in body["error"]["fields"]
    body = admin.post("/api/session/password", {"current": "wrong", "new": given.STRONG}, expect=400).get_json()
    assert "current" in body["error"]["fields"]


def test_a4_password_change_ends_other_sessions(given, new_api):
    given.directories_admin()
    code, first = given.directory("Paris", "PA")
    second = new_api().as_directory(code)
    second.change_password(given.STRONG, "yet-another-password")
    second.get("/api/directory", expect=200)
    first.get("/api/directory", expect=401)


def test_a4_reset_ends_sessions_and_is_visible_to_the_directory(given, new_api):
    directories = given.directories_admin()
    code, admin = given.directory("Paris", "PA")
    directories.post(f"/api/directories/{code}/password-reset", expect=204)
    admin.get("/api/directory", expect=401)
    again = new_api()
    assert again.sign_in(role="directory", directory=code, password="0000").get_json()["must_change_password"]
    again.change_password()
    audit = again.get("/api/directory", expect=200).get_json()["audit"]
    reset = [e for e in audit if e["action"] == "password_reset"]
    assert reset and reset[0]["actor"] == "directories:directories"


def test_csrf_token_is_required_with_a_session_cookie(given, new_api):
    directories = given.directories_admin()
    body = directories.post("/api/directories", {"name": "X", "initials": "X"},
                            headers={"X-CSRF-Token": "forged"}, expect=403).get_json()
    assert body["error"]["code"] == "forbidden"
    directories.csrf = ""
    directories.post("/api/directories", {"name": "X", "initials": "X"}, expect=403)
    assert all(d["name"] != "X" for d in directories.get("/api/directories", expect=200).get_json())


def test_session_cookie_is_httponly_and_samesite(api):
    response = api.sign_in(role="general", email="admin@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_out_ends_the_session(given, new_api):
    directories = given.directories_admin()
    directories.delete("/api/session", expect=204)
    directories.get("/api/session", expect=401)
    directories.delete("/api/session", expect=204)  # signing out twice is no error


def test_throttling_per_account(given, new_api):
    given.directories_admin()
    code, _ = given.directory("Paris", "PA")
    attacker = new_api()
    for _ in range(5):
        attacker.sign_in(role="directory", directory=code, password="guess", expect=401)
    body = attacker.sign_in(role="directory", directory=code, password=given.STRONG, expect=429).get_json()
    assert body["error"]["code"] == "too_many_attempts"
    # Another account from the same client is still served.
    attacker.sign_in(role="directories", password=given.DIRECTORIES_PASSWORD, expect=200)


def test_throttling_per_client(given, new_api):
    given.directories_admin()
    attacker = new_api()
    for n in range(20):
        attacker.sign_in(role="directory", directory=f"nobody{n}", password="guess", expect=401)
    attacker.sign_in(role="directories", password=given.DIRECTORIES_PASSWORD, expect=429)


def test_sign_in_input_is_validated(api):
    for body in ({}, {"role": "nobody"}, {"role": "directory", "directory": "x"}, {"role": "directories", "password": 12}, []):
        answer = api.post("/api/session", body, expect=400).get_json()
        assert answer["error"]["code"] == "invalid_input" and answer["error"]["fields"]


def test_a2_production_hashing_is_argon2id_standard_and_fast_only_on_the_emulator():
    from annuaires.config import Config
    from annuaires.services import passwords

    production = Config.from_env({"ANNUAIRES_PASSWORD_HASHING": "fast", "GOOGLE_CLOUD_PROJECT": "p"})
    assert production.password_hashing == "standard"
    standard = passwords.STANDARD.hash("secret-secret")
    assert standard.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    fast = passwords.Passwords("fast")
    assert fast.hash("x-secret-x").startswith("$argon2id$")
    assert fast.verify(standard, "secret-secret")
    assert not fast.verify(standard, "wrong-secret")


def test_session_token_naming_another_entity_opens_nothing(given, new_api):
    given.directories_admin()
    paris_code, paris = given.directory("Paris", "PA")
    lyon_code, _ = given.directory("Lyon", "LY")
    token = paris.cookie("annuaires_directory")
    assert token.endswith(f".directory.{paris_code}")
    paris.set_cookie("annuaires_directory", token.replace(paris_code, lyon_code))
    paris.get("/api/directory", expect=401)
    paris.set_cookie("annuaires_directory", token)
    assert paris.get("/api/directory", expect=200).get_json()["code"] == paris_code


def test_each_refused_sign_in_says_what_to_do(api, new_api, given):
    unlisted = api.sign_in(role="general", email="intruder@example.org", expect=401).get_json()["error"]["message"]
    assert "pas dans la liste des administrateurs généraux" in unlisted and "mot de passe" not in unlisted
    given.directories_admin()
    assert new_api().sign_in(role="directories", password="wrong", expect=401).get_json()["error"]["message"] == \
        "Mot de passe incorrect."
    assert "connectez-vous avec le code" in new_api().sign_in(role="directory", directory="PA", password="x", expect=401) \
        .get_json()["error"]["message"]
    assert new_api().get("/api/directory", expect=401).get_json()["error"]["message"] == "Connexion nécessaire : connectez-vous d'abord."
