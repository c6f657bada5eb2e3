"""Mail accounts as tests make them (B1–B2), the export token (B4) and what the mail host's exports must look like."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from annuaires.catalogs import translate

PASSWORD = "un mot de passe de boîte assez long"


def fr(key: str) -> str:
    """A field error as the answer gives it (in French, the default language)."""
    return translate(key, "fr")


def account(api, address: str, **more) -> dict:
    return api.post("/api/mail/accounts", {"address": address, "display_name": "Prénom Nom", "password": PASSWORD, **more},
                    expect=201).get_json()


GIVEN_PASSWORD = "donné par la DSI"


def operator(mail_admin, new_api, login: str, domains: list[str], admin: bool = False):
    mail_admin.post("/api/mail/operators", {"login": login, "password": GIVEN_PASSWORD, "domains": domains, "admin": admin},
                 expect=201)
    api = new_api()
    assert api.sign_in(role="mail", login=login.upper(), password=GIVEN_PASSWORD).get_json()["must_change_password"]
    api.get("/api/mail/domains", expect=403)  # the given password is changed first
    api.change_password(current=GIVEN_PASSWORD)
    return api


TOKEN = "un-jeton-d-export-de-24-caracteres-au-moins"


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


POSTMAP = "/usr/sbin/postmap"
MAPS = ("virtual_mailbox_domains", "virtual_mailbox_maps", "virtual_alias_maps", "recipient_bcc_maps")


def postmap_q(directory: Path, key: str, table: Path) -> str | None:
    done = subprocess.run([POSTMAP, "-c", str(directory), "-q", key, f"hash:{table}"], capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr  # 1: not in the map
    return done.stdout.strip() if done.returncode == 0 else None


EXPORTS = (*MAPS, "dovecot_passwd", "maintenance.sh")
# Each export's entry, written here from the formats' own rules (not from the service's code).
LOCAL = r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*"
DOMAIN = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
ADDRESS = rf"(?:{LOCAL})@{DOMAIN}"
TARGET = rf"[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+)*@{DOMAIN}"
HASH = r"\{ARGON2ID\}\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+"
ENTRY = {
    "virtual_mailbox_domains": rf"{DOMAIN} OK",
    "virtual_mailbox_maps": rf"(?P<local>{LOCAL})@(?P<domain>{DOMAIN}) (?P=domain)/(?P=local)/",
    "virtual_alias_maps": rf"{ADDRESS} {TARGET}(?:,{TARGET})*",
    "recipient_bcc_maps": rf"{ADDRESS} {ADDRESS}",
    "dovecot_passwd": rf"{ADDRESS}:{HASH}::::::(?:userdb_quota_rule=\*:storage=[1-9][0-9]*M)?",
}
SCRIPT_ENTRY = rf"  purge {ADDRESS} [1-9][0-9]*d|  backup {ADDRESS} {DOMAIN}/{LOCAL}/"


def well_formed(name: str, text: str) -> list[str]:
    """An export's entries, each on its line and in its format (asserted); for the script, its entry lines."""
    assert text == "" or text.endswith("\n"), (name, text[-80:])
    lines = text.splitlines()
    assert "\r" not in text and "\x00" not in text and text.isascii(), name
    if name == "maintenance.sh":
        entries = lines[lines.index("purge)") + 1:lines.index("  ;;")] + lines[lines.index("backup)") + 1:
                                                                              lines.index("  ;;", lines.index("backup)"))]
        for line in entries:
            assert re.fullmatch(SCRIPT_ENTRY, line), (name, line)
        return entries
    for line in lines:
        assert re.fullmatch(ENTRY[name], line), (name, line)
    return lines


def exports_of(api) -> dict[str, str]:
    """Every export, as the mail host reads it with the token."""
    found = {}
    for name in EXPORTS:
        answer = api.client.get(f"/api/mail/export/{name}", headers=bearer())
        assert answer.status_code == 200, (name, answer.status_code)
        found[name] = answer.get_data(as_text=True)
    return found
