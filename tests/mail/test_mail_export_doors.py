"""What the mail host pulls holds one well-formed entry per line whatever is stored (B4), and the doors before it:
the quota reaches Dovecot, an alias never delivers into a companion mailbox, an export token can match a header."""

from __future__ import annotations

import logging
import subprocess

from google.cloud import datastore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annuaires.services.passwords import Passwords
from annuaires.store import mail
from tests.support.client import form_post
from tests.support.mail import MAPS, PASSWORD, POSTMAP, TOKEN, account, bearer, exports_of, fr, postmap_q, well_formed


def hostile(client: datastore.Client) -> None:
    """Values no service stores, written straight into Datastore: each would break a line of some export."""
    good_hash = Passwords("fast").hash(PASSWORD)
    key = lambda address: mail.ACCOUNTS.key(client, address, mail.domain_of(address))  # noqa: E731

    def raw(entity_key, **properties) -> datastore.Entity:
        entity = datastore.Entity(key=entity_key, exclude_from_indexes=("password_hash", "display_name"))
        entity.update(properties)
        return entity

    account = dict(local="x", display_name="X", search_name="x", password_hash=good_hash, active=True, quota_mb=None,
                   origin="reference")
    site = dict(backup="pw.backup", archives="pw.archives", retention_days=15, origin="reference")
    client.put_multi([
        raw(mail.DOMAINS.key(client, "bad\ninjected.example OK"), display="x", site="fr", companion="", origin="reference"),
        raw(mail.DOMAINS.key(client, "évil.org"), display="x", site="fr", companion="", origin="reference"),
        raw(mail.DOMAINS.key(client, "pwn.org"), display="pwn.org", site="pw", companion="", origin="reference"),
        raw(mail.SITES.key(client, "pw"), secours="../../../tmp/pwn", **site),
        raw(mail.DOMAINS.key(client, "list.org"), display="list.org", site=["fr"], companion="", origin="reference"),
        raw(mail.DOMAINS.key(client, "days.org"), display="days.org", site="dy", companion="", origin="reference"),
        raw(mail.SITES.key(client, "dy"), secours="dy.secours", backup="dy.backup", archives="dy.archives",
            retention_days="1d; touch /tmp/x; #", origin="reference"),
        raw(key("injected@auf.org"), **{**account, "password_hash": good_hash + "::::::userdb_mail=/tmp\n"
                                        "localuser@site.example:{PLAIN}pwned"}),
        raw(key("a b@auf.org"), **account),
        raw(key("..@auf.org"), **account),
        raw(key("..%2f..@auf.org"), **account),
        raw(key("a/b@auf.org"), **account),
        raw(key("colon:x@auf.org"), **account),
        raw(key("é@auf.org"), **account),
        raw(key("quota@auf.org"), **{**account, "quota_mb": "5; rm -rf /"}),
        raw(key("plainpw@auf.org"), **{**account, "password_hash": "{PLAIN}secret"}),
        raw(key("stringly@auf.org"), **{**account, "active": "no"}),
        raw(key("victim@pwn.org"), **account),
        raw(key("purged@days.org"), **account),
        raw(client.key("MailDomain", "auf.org", "MailAccount", 12345), **account),
        raw(client.key("MailAccount", "orphan@auf.org"), **account),
        raw(mail.ALIASES.key(client, "spaced@auf.org", "auf.org"), targets=["x y@example.org"], origin="reference"),
        raw(mail.ALIASES.key(client, "lined@auf.org", "auf.org"), targets=["a@example.org\nroot@auf.org b"]),
        raw(mail.ALIASES.key(client, "text@auf.org", "auf.org"), targets="a@example.org"),
        raw(mail.ALIASES.key(client, "number@auf.org", "auf.org"), targets=[5]),
        raw(mail.ALIASES.key(client, "none@auf.org", "auf.org"), targets=[]),
        raw(mail.ALIASES.key(client, "co,mma@auf.org", "auf.org"), targets=["a@example.org"]),
    ])


def test_b4_hostile_stored_values_never_reach_an_export(mail_admin, new_api, datastore_client, tmp_path, caplog):
    mail_admin.put("/api/mail/export-token", {"token": TOKEN}, expect=204)
    account(mail_admin, "jean.dupont@auf.org", quota_mb=2048)
    mail_admin.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["jean.dupont@auf.org", "o'hara@example.org"]},
                    expect=201)
    hostile(datastore_client)
    with caplog.at_level(logging.WARNING, logger="annuaires.mail_exports"):
        found = exports_of(new_api())
    entries = {name: well_formed(name, text) for name, text in found.items()}
    assert sorted(entries["virtual_mailbox_domains"]) == sorted(f"{d} OK" for d in (
        "auf.org", "autre.org", "fr.secours", "fr.backup", "fr.archives", "pwn.org", "list.org", "days.org"))
    users = sorted(line.split(":", 1)[0] for line in entries["dovecot_passwd"])
    assert users == sorted([*(f"jean.dupont@{d}" for d in ("auf.org", "fr.secours", "fr.backup", "fr.archives")),
                            *(f"purged@{d}" for d in ("days.org", "dy.secours", "dy.backup", "dy.archives"))])
    assert entries["virtual_alias_maps"] == ["contact@auf.org jean.dupont@auf.org,o'hara@example.org"]
    # A bad hash, quota or retention leaves out the line that would carry it, not the mailbox's mail.
    assert sorted(entries["recipient_bcc_maps"]) == [f"{a} {a.split('@')[0]}@{s}.secours" for a, s in (
        ("injected@auf.org", "fr"), ("jean.dupont@auf.org", "fr"), ("plainpw@auf.org", "fr"), ("purged@days.org", "dy"),
        ("quota@auf.org", "fr"))]
    assert sorted(entries["maintenance.sh"]) == sorted(
        [f"  purge {a.split('@')[0]}@fr.secours 15d" for a in ("injected@auf.org", "jean.dupont@auf.org", "plainpw@auf.org",
                                                                "quota@auf.org")]
        + [f"  backup {a} fr.backup/{a.split('@')[0]}/" for a in ("injected@auf.org", "jean.dupont@auf.org", "plainpw@auf.org",
                                                                  "quota@auf.org")]
        + ["  backup purged@days.org dy.backup/purged/"])
    for word in ("pwned", "injected.example", "/tmp", "touch", "rm -rf", "PLAIN", "victim", "12345", "orphan", "5;"):
        assert all(word not in text for text in found.values()), word
    # Warned, each entry left out named, never a hash.
    warned = "\n".join(r.getMessage() for r in caplog.records)
    assert "injected@auf.org" in warned and "a b@auf.org" in warned and "spaced@auf.org" in warned
    assert "unsafe a password hash" in warned and "unsafe a quota" in warned and "unsafe a retention" in warned
    assert "$argon2id$" not in warned and "pwned" not in warned

    # Postfix builds every map, and finds what it should.
    (tmp_path / "main.cf").write_text("")
    for name in MAPS:
        (tmp_path / name).write_text(found[name])
        built = subprocess.run([POSTMAP, "-c", str(tmp_path), f"hash:{tmp_path / name}"], capture_output=True, text=True)
        assert built.returncode == 0 and not built.stderr, (name, built.stderr)
    assert postmap_q(tmp_path, "contact@auf.org", tmp_path / "virtual_alias_maps") == (
        "jean.dupont@auf.org,o'hara@example.org")
    assert postmap_q(tmp_path, "localuser@site.example", tmp_path / "virtual_alias_maps") is None
    script = tmp_path / "maintenance.sh"
    script.write_text(found["maintenance.sh"])
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0


def test_b4_dovecot_passwd_carries_each_quota(mail_admin, new_api):
    mail_admin.put("/api/mail/export-token", {"token": TOKEN}, expect=204)
    account(mail_admin, "quota@auf.org", quota_mb=2048)
    account(mail_admin, "libre@auf.org")
    lines = {line.split(":", 1)[0]: line for line in exports_of(new_api())["dovecot_passwd"].splitlines()}
    assert lines["quota@auf.org"].endswith("::::::userdb_quota_rule=*:storage=2048M")
    assert lines["libre@auf.org"].endswith("::::::") and lines["quota@fr.secours"].endswith("::::::")
    mail_admin.patch("/api/mail/accounts/quota@auf.org", {"quota_mb": 512}, expect=200)
    passwd = exports_of(new_api())["dovecot_passwd"]
    assert "quota@auf.org:" in passwd and passwd.count("userdb_quota_rule=*:storage=512M") == 1


def test_b3_an_alias_never_delivers_into_a_companion_mailbox(mail_admin, datastore_client):
    # secours.exemple.org: the companion domain of a site whose policy names it so (not *.secours)
    mail.SITES.put(datastore_client, mail.MailSite("ex", "secours.exemple.org", "backup.exemple.org", "archives.exemple.org"))
    account(mail_admin, "bob@auf.org")
    for target in ("bob@fr.secours", "Bob@FR.Backup", "bob@fr.archives", "bob@ailleurs.secours", "bob@secours.exemple.org"):
        refused = mail_admin.post("/api/mail/aliases", {"address": "al3@auf.org", "targets": ["bob@auf.org", target]},
                                  expect=400).get_json()["error"]
        assert refused["code"] == "invalid_input" and refused["fields"] == {"targets": fr("target_is_companion")}, target
        page = form_post(mail_admin, "/messagerie/domains/auf.org/aliases", address="al3", targets=f"bob@auf.org\n{target}")
        assert page.status_code == 400 and fr("target_is_companion") in page.get_data(as_text=True), target
    assert mail_admin.get("/api/mail/aliases?domain=auf.org", expect=200).get_json() == []
    mail_admin.post("/api/mail/aliases", {"address": "al3@auf.org", "targets": ["bob@auf.org"]}, expect=201)


def test_b4_an_export_token_that_no_header_could_carry_is_refused(mail_admin, new_api):
    for token in (" " * 30, "é" * 30, "jeton\u00a0" * 5, "jeton-avec-une-tabulation\tici", "a\x01" * 15,
                  "un jeton avec des espaces dedans", "\u200b" * 30, "  " + TOKEN + "  "):
        refused = mail_admin.put("/api/mail/export-token", {"token": token}, expect=400).get_json()["error"]
        assert refused["code"] == "invalid_input" and set(refused["fields"]) == {"token"}, token
        assert refused["fields"]["token"] in (fr("token_characters"), fr("control_characters")), token
        new_api().get("/api/mail/changes", headers=bearer(), expect=401)  # still no token: closed
    mail_admin.put("/api/mail/export-token", {"token": TOKEN}, expect=204)
    new_api().get("/api/mail/changes", headers=bearer(), expect=200)


ANY_NAME = st.text(min_size=1, max_size=40).filter(lambda n: not (n.startswith("__") and n.endswith("__")))
HERE = {"auf.org", "autre.org", "fr", "fr.secours", "fr.backup", "fr.archives", "jean.dupont@auf.org"}  # the fixture's
NAMES = st.one_of(st.sampled_from(["ref.org", "rf", "a@auf.org", "x@fr.secours", "rf.secours", "a b@auf.org"]),
                  ANY_NAME).filter(lambda n: n not in HERE)
PARENTS = st.one_of(st.sampled_from(["auf.org", "ref.org", "fr.secours"]), ANY_NAME)
VALUES = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**63, max_value=2**63 - 1), st.floats(),
                   st.text(max_size=60), st.binary(max_size=8), st.lists(st.one_of(st.text(max_size=20), st.integers(0, 9)),
                                                                         max_size=3),
                   st.sampled_from([Passwords("fast").hash(PASSWORD), "auf.org", "fr.secours", "../x", 15, 2048]))
KINDS = {"MailSite": ("secours", "backup", "archives", "retention_days"), "MailDomain": ("display", "site", "companion"),
         "MailAccount": ("local", "password_hash", "active", "quota_mb"), "MailAlias": ("targets",)}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(entities=st.lists(st.tuples(st.sampled_from(sorted(KINDS)), NAMES, PARENTS, st.data()), min_size=1, max_size=4,
                         unique_by=lambda e: (e[0], e[1], e[2] if e[0] in ("MailAccount", "MailAlias") else "")))
def test_b4_fuzz_any_stored_value_leaves_every_export_well_formed(mail_admin, new_api, datastore_client, entities):
    """Entities of every mail kind with any values, written straight into Datastore (a parent of any name)."""
    if not hasattr(datastore_client, "_fuzz_token"):
        mail_admin.put("/api/mail/export-token", {"token": TOKEN}, expect=204)
        account(mail_admin, "jean.dupont@auf.org", quota_mb=2048)
        datastore_client._fuzz_token = True
    written = []
    for kind, name, parent, data in entities:
        key = (datastore_client.key("MailDomain", parent, kind, name) if kind in ("MailAccount", "MailAlias")
               else datastore_client.key(kind, name))
        entity = datastore.Entity(key=key, exclude_from_indexes=KINDS[kind])
        entity.update({p: data.draw(VALUES) for p in KINDS[kind] if data.draw(st.booleans())})
        written.append(entity)
    datastore_client.put_multi(written)
    try:
        found = exports_of(new_api())
        for name, text in found.items():
            well_formed(name, text)
        assert "jean.dupont@auf.org jean.dupont@fr.secours\n" in found["recipient_bcc_maps"]  # the rest still there
    finally:
        datastore_client.delete_multi([e.key for e in written])
