"""The JSON API against its own OpenAPI description: no input, however odd, gives a server error,
and every answer matches the schema the description gives for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = 10


def schemathesis(server, api, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run schemathesis on the whole API with this client's session, sparing the calls that would end it."""
    cookies = "; ".join(f"{name}={value}" for name, value in api.http.cookies.items())
    return subprocess.run(
        [str(Path(sys.executable).with_name("schemathesis")), "run", f"{server.url}/api/openapi.json",
         "-H", f"Cookie: {cookies}", "-H", f"X-CSRF-Token: {api.csrf}",
         "--checks", "not_a_server_error,response_schema_conformance", "--max-examples", str(EXAMPLES),
         "--exclude-path", "/api/session", "--exclude-path", "/api/session/password",
         "--exclude-path-regex", "/(deactivate|password-reset)$", "--seed", "1"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )


def test_no_input_gives_a_server_error_and_answers_match_their_schemas(server, tmp_path: Path):
    given = server.given()
    general = server.api().as_general()
    given.directories_admin()
    code, director = given.directory("Fuzz", "FZ")
    group = given.group(director, type="groupement", name="Fuzz G", initials="FG")
    animator = given.animator(group["code"])
    # The animator first: the director's run may dereference its group, which ends its sessions.
    for api, own_page in ((general, "/api/mailers"), (animator, "/api/group"), (director, "/api/directory")):
        run = schemathesis(server, api, tmp_path)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        assert "passed" in run.stdout
        # Other roles' calls answer 401/403, but the session held for its own (schemathesis lists those that never passed).
        assert f"  - GET {own_page}\n" not in run.stdout, run.stdout[-3000:]
