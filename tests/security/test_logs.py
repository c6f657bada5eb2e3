"""A2: no log line holds a password, a hash or a token, whatever the requests, as the service runs in production; each
line is one JSON entry as Cloud Logging reads it."""

from __future__ import annotations

import json
import time

SECRETS = ("smtp-relay-secret", "wrong-guess-secret", "another-long-password")
EXPORT_TOKEN = "le-jeton-d-export-jamais-dans-les-journaux"


def test_a2_no_log_line_holds_a_password_a_hash_or_a_token(server):
    given = server.given()
    general = server.api().as_general()
    general.put("/api/mailers/B", {"from": "Envoi <envoi@example.org>", "smtp_host": "smtp.example.org", "smtp_port": 587,
                                   "username": "envoi", "password": SECRETS[0], "starttls": True}, expect=200)
    code, admin = given.directory("Journal", "JL")
    server.api().sign_in(role="directory", directory=code, password=SECRETS[1], expect=401)
    server.api().post("/api/session", {"role": "directory", "directory": code, "password": [SECRETS[1]]}, expect=400)
    admin.post("/api/session/password", {"current": given.STRONG, "new": SECRETS[2]}, expect=204)
    admin.post("/api/session/password", {"current": SECRETS[1], "new": "yet-another-password"}, expect=400)
    group = given.group(admin, name="Journal G", initials="JG")
    admin.post("/api/directory/references", {"directory": code, "group": group["code"], "password": SECRETS[1]}, expect=403)
    server.api().call("POST", "/signin", data={"role": "directory", "directory": code, "password": SECRETS[1]})
    general.put("/api/mail/export-token", {"token": EXPORT_TOKEN}, expect=204)  # tokens: the export token, a session's
    server.api().get("/api/mail/export/virtual_mailbox_domains", headers={"Authorization": f"Bearer {EXPORT_TOKEN}"},
                     expect=200)
    server.api().get("/api/mail/changes", headers={"Authorization": "Bearer pas-le-bon-jeton-pas-le-bon"}, expect=401)
    session_token = admin.cookie("annuaires_directory")
    time.sleep(0.5)  # gunicorn writes its lines asynchronously
    log = server.log.read_text()
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]  # (gunicorn's own lines are text)
    refused = [e for e in entries if e["message"] == f"sign-in refused: directory {code} from 127.0.0.1"]
    assert refused and refused[0]["severity"] == "WARNING" and refused[0]["logger"] == "annuaires.auth"
    assert all(not line.startswith("{") or json.loads(line) for line in log.splitlines())
    for secret in (*SECRETS, given.STRONG, given.DIRECTORIES_PASSWORD, "$argon2id$", EXPORT_TOKEN, "pas-le-bon-jeton",
                   session_token, session_token.split(".")[0], admin.csrf):
        assert secret not in log, secret


def test_an_error_is_one_structured_line_with_its_stack_trace():
    import io
    import logging

    from annuaires.logs import CloudLoggingFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(CloudLoggingFormatter())
    logger = logging.getLogger("annuaires.test")
    logger.addHandler(handler)
    try:
        try:
            {}["absent"]
        except KeyError:
            logger.exception("sending failed for group %s", "abcdefgh")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["severity"] == "ERROR" and entry["message"].startswith("sending failed for group abcdefgh\nTraceback")
    assert "KeyError: 'absent'" in entry["stack_trace"] and entry["time"].endswith("Z")
