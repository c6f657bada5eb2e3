"""The JSON API against its own OpenAPI description: no input, however odd, gives a server error,
and every answer matches the schema the description gives for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.mail import GIVEN_PASSWORD

EXAMPLES = 10


def schemathesis(server, api, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run schemathesis on the whole API with this client's session (none for nobody), sparing the calls that would
    end it."""
    cookies = "; ".join(f"{name}={value}" for name, value in api.http.cookies.items())
    session = ["-H", f"Cookie: {cookies}", "-H", f"X-CSRF-Token: {api.csrf}"] if cookies else []
    return subprocess.run(
        [str(Path(sys.executable).with_name("schemathesis")), "run", f"{server.url}/api/openapi.json", *session,
         "--checks", "not_a_server_error,response_schema_conformance", "--max-examples", str(EXAMPLES),
         "--exclude-path", "/api/session", "--exclude-path", "/api/session/password",
         "--exclude-path-regex", "/(deactivate|password-reset)$", "--seed", "1"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )


def test_no_input_gives_a_server_error_and_answers_match_their_schemas(server, tmp_path: Path):
    """For every role: nobody (a mailbox user holds no session either), the general admin, an animator, a directory's
    admin, the directories admin, a mail admin and an operator."""
    given = server.given()
    general = server.api().as_general()
    directories = given.directories_admin()
    code, director = given.directory("Fuzz", "FZ")
    group = given.group(director, type="groupement", name="Fuzz G", initials="FG")
    animator = given.animator(group["code"])
    general.post("/api/mail/domains", {"name": "fuzz.org", "site": "fz"}, expect=201)
    mail = {}
    for login, domains, admin in (("fuzz-admin", [], True), ("fuzz-rh", ["fuzz.org"], False)):
        general.post("/api/mail/operators", {"login": login, "password": GIVEN_PASSWORD, "domains": domains, "admin": admin},
                     expect=201)
        mail[login] = server.api()
        mail[login].sign_in(role="mail", login=login, password=GIVEN_PASSWORD)
        mail[login].change_password(current=GIVEN_PASSWORD)
    # Each before the roles whose runs may end its sessions: an operator before the mail admins (who may remove it),
    # the animator before its director (who may dereference its group).
    for api, own_page in ((server.api(), None), (mail["fuzz-rh"], "/api/mail/domains"),
                          (mail["fuzz-admin"], "/api/mail/operators"), (general, "/api/mailers"), (animator, "/api/group"),
                          (director, "/api/directory"), (directories, "/api/directories")):
        api.get(own_page or "/healthz", expect=200)
        run = schemathesis(server, api, tmp_path)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        assert "passed" in run.stdout
        # Other roles' calls answer 401/403, but the session held for its own (schemathesis lists those that never passed).
        if own_page:
            assert f"  - GET {own_page}\n" not in run.stdout, run.stdout[-3000:]
