"""What a reload takes, field by field (R1, A15, B5): each value as the form that makes it takes it, the mail kinds
as the reference's sync takes them; a line with one value they refuse is 400 naming it, and nothing is written."""

from __future__ import annotations

import base64
import json

import pytest

from annuaires.services.dump import dump
from annuaires.services.names import skeleton_key, sort_key
from annuaires.store import kinds
from annuaires.store import name_claims as claims
from annuaires.store.entity_json import Value
from tests import kind_strategies, test_reload
from tests.test_dump import PASSPHRASE, reload_into
from tests.test_reload import head, members, refused_line

fresh, cheap_kdf = test_reload.fresh, test_reload.cheap_kdf  # (the reload tests' fixtures)


def _line(path: list[tuple[str, str | int]], **properties) -> str:
    """A line of one entity as a dump writes it: its key's path, its properties from JSON values (a list is a list of
    texts), unindexed as its schema says, its secrets sealed with the tests' passphrase."""
    schema = kinds.BY_KIND[path[-1][0]]

    def value(name: str, found) -> dict:
        if isinstance(found, list):
            return {"arrayValue": {"values": [{"stringValue": item, "excludeFromIndexes": name in schema.unindexed}
                                              for item in found]}}
        if name in schema.secret:
            sealer = dump.Sealer(PASSPHRASE, dump.project_salt("annuaires-test"))
            place = "/".join(f"{kind}:{part}" for kind, part in path) + f"#{name}"
            sealed = sealer.seal(Value(string_value=found, exclude_from_indexes=True), place.encode())
            return {"blobValue": base64.b64encode(sealed).decode(), "excludeFromIndexes": True}
        typed = {"booleanValue": found} if isinstance(found, bool) else {"nullValue": None} if found is None else {
            "integerValue": str(found)} if isinstance(found, int) else {"stringValue": found}
        return {**typed, "excludeFromIndexes": name in schema.unindexed}
    return json.dumps({"key": {"path": [{"kind": kind, "id" if isinstance(part, int) else "name": str(part)}
                                        for kind, part in path]},
                       "properties": {name: value(name, found) for name, found in properties.items()}})


HASH = kind_strategies.HASH
GOOD = {  # one entity of each kind a form or the reference's sync makes, as they make it (and the claims it needs)
    "Directory": ([("Directory", "abcdefgh")], {"name": "Les Radis", "initials": "LR", "name_key": skeleton_key("Les Radis"),
                  "initials_key": skeleton_key("LR"), "name_sort": sort_key("Les Radis"), "comment": "Le mardi\nà 18 h"}),
    "Member": ([("Group", "abcdefgh"), ("Member", 7)], {"name": "Zoé", "email": "zoe@example.org",
                                                          "email_norm": "zoe@example.org"}),
    "Message": ([("Message", "abcdefgh")], {"subject": "Cette semaine", "body": "Bonjour,\n\nÀ mardi."}),
    "Mailer": ([("Mailer", "B")], {"sender": "Lyon <lyon@example.org>", "smtp_host": "smtp.example.org", "smtp_port": 587,
                                   "username": "lyon", "per_minute": 30, "per_day": None}),
    "MailSite": ([("MailSite", "fr")], {"secours": "fr.secours", "backup": "fr.backup", "archives": "fr.archives",
                                        "retention_days": 15, "origin": "local"}),
    "MailDomain": ([("MailDomain", "xn--bcher-kva.example")], {"display": "bücher.example", "site": "fr", "companion": "",
                                                               "origin": "reference"}),
    "MailAccount": ([("MailDomain", "auf.org"), ("MailAccount", "zoe@auf.org")], {
        "local": "Zoe", "display_name": "Zoé", "search_name": sort_key("Zoé"), "password_hash": HASH, "active": True,
        "quota_mb": None, "origin": "local"}),
    "MailAlias": ([("MailDomain", "auf.org"), ("MailAlias", "info@auf.org")], {"targets": ["zoe@auf.org", "a@example.org"]}),
}
CLAIMS = [_line([("Claim", claims.claim_id("directory", field, skeleton_key(text)))], owner="abcdefgh")
          for field, text in (("name", "Les Radis"), ("initials", "LR"))] + [
    _line([("MailDomain", "auf.org"), ("MailAddress", address)], owner=address, use=use)
    for address, use in (("zoe@auf.org", "account"), ("info@auf.org", "alias"))]


def _good(kind: str, key: str | None = None, **changes) -> str:
    path, properties = GOOD[kind]
    return _line([*path[:-1], (path[-1][0], key)] if key else path, **{**properties, **changes})


def test_r1_entities_as_the_forms_and_the_sync_make_them_are_reloaded(fresh, cheap_kdf):
    target_api, _ = fresh()
    lines = [_good(kind) for kind in GOOD] + CLAIMS
    assert reload_into(target_api, "\n".join([head(), *lines]) + "\n").get_json() == {"entities": len(lines)}


FORM = "is refused by the form that makes it"
BAD = [  # (kind, key or None, changes, what the refusal says): one field a form or the sync's rule refuses
    ("Directory", None, {"comment": "x" * 501}, f"comment {FORM} (too_long)"),
    ("Directory", None, {"comment": "a\x00b"}, f"comment {FORM} (control_characters)"),
    ("Member", None, {"name": "Zoé\x1b[2J"}, f"name {FORM} (control_characters)"),
    ("Member", None, {"name": "z" * 121}, f"name {FORM} (too_long)"),
    ("Member", None, {"name": ""}, f"name {FORM} (required)"),
    ("Message", None, {"subject": "s" * 201}, f"subject {FORM} (too_long)"),
    ("Message", None, {"subject": "Bonjour\nBcc: x@evil.org"}, f"subject {FORM} (control_characters)"),
    ("Message", None, {"body": "b" * 20001}, f"body {FORM} (too_long)"),
    ("Message", None, {"body": "\u202eevil"}, f"body {FORM} (control_characters)"),
    ("Mailer", "Z", {}, "a Mailer's key is one of the letters A to Y"),
    ("Mailer", None, {"sender": "a@example.org, b@example.org"}, f"sender {FORM} (invalid_sender)"),
    ("Mailer", None, {"smtp_host": "smtp example.org"}, f"smtp_host {FORM} (invalid_hostname)"),
    ("Mailer", None, {"smtp_host": "../../tmp/x"}, f"smtp_host {FORM} (invalid_hostname)"),
    ("Mailer", None, {"smtp_port": 0}, f"smtp_port {FORM} (out_of_range)"),
    ("Mailer", None, {"smtp_port": 65536}, f"smtp_port {FORM} (out_of_range)"),
    ("Mailer", None, {"username": "u" * 255}, f"username {FORM} (too_long)"),
    ("Mailer", None, {"per_minute": 0}, f"per_minute {FORM} (out_of_range)"),
    ("Mailer", None, {"per_day": 10_000_001}, f"per_day {FORM} (out_of_range)"),
    ("MailSite", "FR/../x", {}, "a MailSite's key is not a valid name (invalid_site_code)"),
    ("MailSite", None, {"secours": "../../tmp/x"}, "secours: invalid_domain"),
    ("MailSite", None, {"backup": "fr.secours"}, "companions: three different domains"),
    ("MailSite", None, {"archives": "FR.archives"}, "archives: invalid_domain"),
    ("MailSite", None, {"retention_days": "abc"}, "retention_days should be integer, not string"),
    ("MailSite", None, {"retention_days": 0}, "retention_days: invalid_retention_days"),
    ("MailSite", None, {"retention_days": 3651}, "retention_days: invalid_retention_days"),
    ("MailSite", None, {"origin": "admin"}, "origin is refused (invalid_choice"),
    ("MailDomain", "../../etc", {}, "a MailDomain's key is not a valid name (invalid_domain)"),
    ("MailDomain", None, {"display": "autre.example"}, "display: invalid_domain"),
    ("MailDomain", None, {"site": "f r"}, "site: invalid_site_code"),
    ("MailDomain", None, {"companion": "root"}, "companion: invalid_choice"),
    ("MailAccount", None, {"display_name": "d" * 121, "search_name": "d" * 121}, "display_name: too_long"),
    ("MailAccount", None, {"display_name": "Zoé\r\nX-Evil: 1", "search_name": sort_key("Zoé\r\nX-Evil: 1")},
     "display_name: control_characters"),
    ("MailAccount", None, {"password_hash": ""}, "password_hash: invalid_password_hash"),
    ("MailAccount", None, {"password_hash": HASH + ":0:0::/root"}, "password_hash"),
    ("MailAccount", None, {"quota_mb": 0}, "quota_mb: invalid_quota"),
    ("MailAccount", None, {"origin": "x"}, "origin is refused (invalid_choice"),
    ("MailAlias", None, {"targets": ["x@fr.secours"]}, "targets: target_is_companion"),
    ("MailAlias", None, {"targets": ["info@auf.org"]}, "targets: alias_to_itself"),
    ("MailAlias", None, {"targets": []}, "targets: targets_required"),
    ("MailAlias", None, {"targets": ["pas une adresse"]}, "targets: invalid_address"),
    ("MailAlias", None, {"targets": [f"t{n}@example.org" for n in range(51)]}, "targets: too_many_targets"),
    ("MailAlias", None, {"targets": ["Zoe@auf.org"]}, "targets is not as the form that makes it writes it"),
]


@pytest.mark.parametrize(("kind", "key", "changes", "reason"), BAD, ids=[f"{b[0]}-{'-'.join(b[2]) or 'key'}-{n}"
                                                                        for n, b in enumerate(BAD)])
def test_r1_a_field_a_form_or_the_sync_refuses_is_refused_naming_its_line_and_nothing_is_written(
        fresh, cheap_kdf, kind, key, changes, reason):
    target_api, client = fresh()
    lines = [head(), *CLAIMS, *members(2), _good(kind, key, **changes)]
    refused_line(target_api, client, lines, len(lines), reason)
