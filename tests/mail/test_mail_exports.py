"""What the mail host pulls (B4), read by Debian's real Postfix and Dovecot tools."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from google.cloud import datastore

from annuaires.store import mail
from tests.support.mail import MAPS, PASSWORD, POSTMAP, TOKEN, account, bearer, postmap_q
from tests.support.service import peak_kib

DOVEADM, DOVECOT = "/usr/bin/doveadm", "/usr/sbin/dovecot"


@pytest.fixture
def site(mail_admin):
    """auf.org with three accounts (one deactivated), an alias; the export token."""
    mail_admin.put("/api/mail/export-token", {"token": TOKEN}, expect=204)
    account(mail_admin, "jean.dupont@auf.org", quota_mb=2048)
    account(mail_admin, "marie-claire_2@auf.org")
    account(mail_admin, "parti@auf.org")
    mail_admin.patch("/api/mail/accounts/parti@auf.org", {"active": False}, expect=200)
    mail_admin.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["jean.dupont@auf.org", "x@example.org"]},
                    expect=201)
    return mail_admin


def exported(api, name: str) -> str:
    answer = api.client.get(f"/api/mail/export/{name}", headers=bearer())
    assert answer.status_code == 200 and answer.mimetype == "text/plain", (name, answer.status_code)
    return answer.get_data(as_text=True)


def test_b4_postfix_builds_every_map_and_finds_each_address(site, new_api, tmp_path):
    (tmp_path / "main.cf").write_text("")  # postmap's configuration directory
    for name in MAPS:
        (tmp_path / name).write_text(exported(new_api(), name))
        built = subprocess.run([POSTMAP, "-c", str(tmp_path), f"hash:{tmp_path / name}"], capture_output=True, text=True)
        assert built.returncode == 0, (name, built.stderr)
    q = lambda key, name: postmap_q(tmp_path, key, tmp_path / name)  # noqa: E731
    for domain in ("auf.org", "fr.secours", "fr.backup", "fr.archives"):
        assert q(domain, "virtual_mailbox_domains") == "OK"
    assert q("jean.dupont@auf.org", "virtual_mailbox_maps") == "auf.org/jean.dupont/"
    assert q("JEAN.DUPONT@auf.org", "virtual_mailbox_maps") == "auf.org/jean.dupont/"  # Postfix folds the case
    assert q("jean.dupont@fr.secours", "virtual_mailbox_maps") == "fr.secours/jean.dupont/"
    assert q("marie-claire_2@fr.archives", "virtual_mailbox_maps") == "fr.archives/marie-claire_2/"
    assert q("jean.dupont@auf.org", "recipient_bcc_maps") == "jean.dupont@fr.secours"
    assert q("contact@auf.org", "virtual_alias_maps") == "jean.dupont@auf.org,x@example.org"
    for name in ("virtual_mailbox_maps", "recipient_bcc_maps"):
        assert q("parti@auf.org", name) is None  # deactivated: receives nothing
    assert q("parti@fr.secours", "virtual_mailbox_maps") is None


def test_b4_dovecot_verifies_every_hash_of_the_passwd_file(site, new_api):
    lines = exported(new_api(), "dovecot_passwd").splitlines()
    users = [line.split(":", 1)[0] for line in lines]
    assert sorted(users) == sorted(f"{local}@{domain}" for local in ("jean.dupont", "marie-claire_2")
                                   for domain in ("auf.org", "fr.secours", "fr.backup", "fr.archives"))
    for line in lines:
        scheme_hash = line.split(":")[1]
        assert scheme_hash.startswith("{ARGON2ID}$argon2id$")
        assert subprocess.run([DOVEADM, "pw", "-t", scheme_hash, "-p", PASSWORD], capture_output=True).returncode == 0
    assert subprocess.run([DOVEADM, "pw", "-t", lines[0].split(":")[1], "-p", "pas le bon"], capture_output=True).returncode


@pytest.fixture
def readable_dir() -> Iterator[Path]:
    """A folder Dovecot's unprivileged auth process may read (pytest's own are the user's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="dovecot-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_b4_a_running_dovecot_signs_in_with_the_passwd_file(site, new_api, readable_dir):
    tmp_path = readable_dir
    passwd = tmp_path / "passwd"
    passwd.write_text(exported(new_api(), "dovecot_passwd"))
    passwd.chmod(0o644)
    (tmp_path / "home").mkdir()
    conf = tmp_path / "dovecot.conf"
    conf.write_text(f"""protocols =
ssl = no
base_dir = {tmp_path}/run
state_dir = {tmp_path}/state
log_path = {tmp_path}/dovecot.log
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = {passwd}
}}
userdb {{
  driver = passwd-file
  args = {passwd}
  default_fields = uid=nobody gid=nogroup home={tmp_path}/home/%u
}}
""")
    subprocess.Popen(["setsid", DOVECOT, "-F", "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
    try:
        test = lambda user, password: subprocess.run(  # noqa: E731
            [DOVEADM, "-c", str(conf), "auth", "test", user, password], capture_output=True, text=True, timeout=30)
        for _ in range(50):
            if (tmp_path / "run" / "auth-client").exists():
                break
            subprocess.run(["sleep", "0.1"])
        signed_in = test("jean.dupont@auf.org", PASSWORD)
        assert signed_in.returncode == 0 and "auth succeeded" in signed_in.stdout, (signed_in, tmp_path.joinpath(
            "dovecot.log").read_text())
        assert test("marie-claire_2@fr.archives", PASSWORD).returncode == 0
        assert test("jean.dupont@auf.org", "pas le bon").returncode == 77  # refused
        assert test("parti@auf.org", PASSWORD).returncode == 77  # deactivated: signs in nowhere
        user = subprocess.run([DOVEADM, "-c", str(conf), "user", "jean.dupont@auf.org"], capture_output=True, text=True,
                              timeout=30)
        assert re.search(r"^quota_rule\s+\*:storage=2048M$", user.stdout, re.M), user  # the quota, as its userdb gives it
    finally:
        subprocess.run([DOVEADM, "-c", str(conf), "stop"], capture_output=True, timeout=30)


def test_b4_the_maintenance_script_parses_and_names_every_account(site, new_api, tmp_path):
    script = tmp_path / "maintenance.sh"
    script.write_text(exported(new_api(), "maintenance.sh"))
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    fake = tmp_path / "bin" / "doveadm"  # a doveadm that writes down what it is asked
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/bash\nprintf '%s|' \"$@\" >> {tmp_path}/calls; echo >> {tmp_path}/calls\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}", "MAIL_ROOT": "/srv/mail"}
    for what in ("purge", "backup"):
        assert subprocess.run(["bash", str(script), what], env=env, capture_output=True).returncode == 0
    calls = sorted((tmp_path / "calls").read_text().splitlines())
    assert calls == sorted([
        "expunge|-u|jean.dupont@fr.secours|mailbox|*|savedbefore|15d|", "expunge|-u|marie-claire_2@fr.secours|mailbox|*|savedbefore|15d|",
        "backup|-u|jean.dupont@auf.org|maildir:/srv/mail/fr.backup/jean.dupont/|",
        "backup|-u|marie-claire_2@auf.org|maildir:/srv/mail/fr.backup/marie-claire_2/|"])
    assert subprocess.run(["bash", str(script)], env=env, capture_output=True).returncode == 2  # says how to run it


def test_b4_exports_need_the_export_token(site, new_api):
    for headers in ({}, bearer("pas-le-jeton-pas-le-jeton-pas-le-jeton"), {"Authorization": "Basic eDp5"}):
        assert new_api().client.get("/api/mail/export/virtual_mailbox_maps", headers=headers).status_code == 401
    assert new_api().client.get("/api/mail/export/autre_chose", headers=bearer()).status_code == 404
    assert new_api().client.get("/api/mail/export/..%2Fetc%2Fpasswd", headers=bearer()).status_code == 404
    assert site.get("/api/mail/export/virtual_alias_maps", expect=200)  # a mail admin's session too


def test_b4_an_export_streams_in_bounded_memory(server, emulator):
    """10,000 accounts (a dovecot passwd-file of 5.5 MB) go through the service without it growing by a fraction of
    that: the lines leave a query batch at a time (`make bench` measures 50,000)."""
    admin = server.api().as_general()
    admin.post("/api/mail/domains", {"name": "grand.org", "site": "gr"}, expect=201)
    admin.put("/api/mail/export-token", {"token": TOKEN}, expect=204)
    client = datastore.Client(project=emulator.project, namespace=server.namespace)
    hashed = "$argon2id$v=19$m=65536,t=3,p=4$" + "s" * 22 + "$" + "h" * 43
    for start in range(0, 10_000, 500):
        mail.ACCOUNTS.put_many(client, [mail.MailAccount(f"membre.{n:05d}@grand.org", "grand.org", f"membre.{n:05d}",
                                                         f"Membre {n}", f"membre {n}", hashed)
                                        for n in range(start, start + 500)])

    def export_peak_kib(name: str) -> tuple[int, int]:
        size = 0
        with requests.get(f"{server.url}/api/mail/export/{name}", headers=bearer(), stream=True, timeout=120) as answer:
            assert answer.status_code == 200
            for piece in answer.iter_content(65536):
                size += len(piece)
        return size, peak_kib(server)

    _, before = export_peak_kib("virtual_mailbox_domains")
    size, after = export_peak_kib("dovecot_passwd")
    assert size > 5_000_000, size
    assert after - before < 6 * 1024, (before, after)  # KiB: holding the lines took 10 MiB more
