"""The reference sync (B5) fuzzed with generated pages, built from the schemas of the kinds a feed carries
(services/mail_changes.STATES): plausible values mixed with hostile ones of every JSON type. Whatever a page
holds, no error escapes a rule, and the exports keep one well-formed entry per line."""

from __future__ import annotations

import dataclasses
import re
import typing
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annuaires.services.mail import exports as mail_exports
from annuaires.services.mail import sync as mail_sync
from annuaires.services.mail import sync_states as states
from annuaires.services.mail.feed import NOT_SHARED, STATES
from annuaires.services.passwords import Passwords
from annuaires.store import mail
from tests.test_mail_accounts import PASSWORD, account
from tests.test_mail_export_doors import ENTRY, EXPORTS, well_formed

HASH = Passwords("fast").hash(PASSWORD)
SITES, DOMAINS = ["rf", "fr", "RF", "../x", "a" * 21], ["ref.org", "auf.org", "rf.secours", "fr.backup", "xn--bcher-kva.de",
                                                     "bad\nx.org", "../tmp", "Ref.org", "évil.org"]
LOCALS = ["a", "b", "jean", "contact", "a.b", "A", "a b", "..", "x/y", "é", ":", ""]
ADDRESSES = [f"{local}@{domain}" for local in LOCALS[:6] for domain in DOMAINS[:5]] + ["x@", "a b@ref.org", "a@b@ref.org"]
HOSTILE = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=False), st.text(max_size=30), st.lists(st.integers(), max_size=3),
                    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.just("x" * 2000))
PLAUSIBLE: dict[str, st.SearchStrategy] = {
    "password_hash": st.sampled_from([HASH, HASH + "\n", HASH + ":::x", "{PLAIN}x", HASH.replace("argon2id", "argon2i"),
                                      "$argon2id$v=19$m=8,t=1,p=1$" + "A" * 22 + "$" + "B" * 43]),
    "targets": st.lists(st.sampled_from([*ADDRESSES, "o'hara@example.org", "x@fr.secours", "x y@a.org"]), max_size=4),
    "retention_days": st.integers(min_value=-2, max_value=4000),
    "quota_mb": st.one_of(st.none(), st.integers(min_value=-2, max_value=mail_exports.mail_values.MAX_QUOTA_MB + 2)),
    "site": st.sampled_from(SITES), "companion": st.sampled_from(["", "secours", "backup", "archives", "evil"]),
    "display": st.sampled_from(DOMAINS), "domain": st.sampled_from(DOMAINS), "local": st.sampled_from(LOCALS),
    **{c: st.sampled_from([f"rf.{c}", f"fr.{c}", "auf.org", "../../tmp/pwn", "x y.org"]) for c in mail.COMPANIONS},
}
NAMES = {"MailSite": st.sampled_from(SITES), "MailDomain": st.sampled_from(DOMAINS),
         "MailAccount": st.sampled_from(ADDRESSES), "MailAlias": st.sampled_from(ADDRESSES)}


def by_type(hint: Any) -> st.SearchStrategy:
    """A plausible value of a schema field's type."""
    if hint is bool:
        return st.booleans()
    if hint is int or int in typing.get_args(hint):
        return st.integers(min_value=-5, max_value=10**6)
    if typing.get_origin(hint) is list:
        return st.lists(st.text(max_size=10), max_size=3)
    return st.text(max_size=40)


def state_of(kind: str) -> st.SearchStrategy:
    """A state of the kind: each shared field of its schema, plausible most often, hostile sometimes, or absent."""
    record = STATES[kind].record
    hints = typing.get_type_hints(record)
    fields = [f.name for f in dataclasses.fields(record) if f.name not in NOT_SHARED]
    return st.fixed_dictionaries({}, optional={
        name: st.one_of(PLAUSIBLE.get(name, NAMES[kind] if name == STATES[kind].key_field else by_type(hints[name])),
                        HOSTILE) for name in fields})


def raw_change(kind: str) -> st.SearchStrategy:
    """Any state of the kind, its fields drawn one by one."""
    return st.fixed_dictionaries({"kind": st.just(kind), "name": st.one_of(NAMES[kind], NAMES[kind], HOSTILE),
                                  "state": st.one_of(st.none(), state_of(kind), HOSTILE)})


SHOWN = st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co")), max_size=120)
VALID_NAMES = {"MailSite": st.sampled_from(["rf", "fr", "ex"]),
               "MailDomain": st.sampled_from(["ref.org", "auf.org", "xn--bcher-kva.de", "rf.secours"]),
               "MailAccount": st.sampled_from([f"{local}@{domain}" for local in ("a", "b", "jean", "contact", "a.b", "x_y-z")
                                               for domain in ("ref.org", "auf.org")])}
VALID_NAMES["MailAlias"] = VALID_NAMES["MailAccount"]


def valid_state(kind: str, name: str) -> st.SearchStrategy:
    """A state the checks accept (as a reference of ours sends it)."""
    key = {STATES[kind].key_field: st.just(name)}
    if kind == "MailSite":
        return st.fixed_dictionaries({**key, **{c: st.sampled_from([f"{name}.{c}", f"{c}.{name}.exemple.org"])
                                                for c in mail.COMPANIONS}, "retention_days": st.integers(1, 3650)})
    if kind == "MailDomain":
        return st.fixed_dictionaries({**key, "display": st.just(name), "site": st.sampled_from(["rf", "fr"]),
                                      "companion": st.just("")})
    local, domain = name.split("@")
    where = {**key, "domain": st.just(domain)}
    if kind == "MailAlias":
        targets = st.lists(VALID_NAMES["MailAccount"].filter(lambda t: t != name) | st.just("o'hara@example.org"),
                           min_size=1, max_size=3)
        return st.fixed_dictionaries({**where, "targets": targets})
    return st.fixed_dictionaries({**where, "local": st.sampled_from([local, local.upper()]), "display_name": SHOWN,
                                  "password_hash": st.just(HASH), "active": st.booleans(),
                                  "quota_mb": st.none() | st.integers(1, mail_exports.mail_values.MAX_QUOTA_MB)})


@st.composite
def change_of(draw: Any, kind: str) -> dict:
    """A valid change of the kind; or one with a field of its schema changed, or removed; or any change."""
    how = draw(st.sampled_from(["valid", "valid", "valid", "mutated", "mutated", "raw"]))
    if how == "raw":
        return draw(raw_change(kind))
    name = draw(VALID_NAMES[kind])
    state = draw(valid_state(kind, name))
    if how == "mutated":
        field = draw(st.sampled_from([f.name for f in dataclasses.fields(STATES[kind].record) if f.name not in NOT_SHARED]))
        hints = typing.get_type_hints(STATES[kind].record)
        value = draw(st.one_of(PLAUSIBLE.get(field, by_type(hints[field])), HOSTILE, st.just(...)))
        if value is ...:
            state.pop(field, None)
        else:
            state[field] = value
    return {"kind": kind, "name": name, "state": draw(st.sampled_from([state, state, state, None])) if how == "valid" else state}


CHANGES = st.one_of(*(change_of(kind) for kind in STATES for _ in range(3)), HOSTILE,
                    st.fixed_dictionaries({"kind": HOSTILE, "name": HOSTILE, "state": HOSTILE}))
PAGES = st.lists(CHANGES, max_size=8)


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(change=st.one_of(*(change_of(kind) for kind in STATES)))
def test_b5_fuzz_what_the_checks_accept_the_exports_write_on_one_well_formed_line(datastore_client, change):
    """(No Datastore call: the checks, then each export's lines of what they accepted.)"""
    kind, name, state = change["kind"], change["name"], change["state"]
    try:
        name = states.name(kind, name)
        if not isinstance(state, dict):
            return
        record = {"MailSite": states.site, "MailDomain": states.domain, "MailAccount": states.account}[kind](
            name, state, None) if kind != "MailAlias" else states.alias(name, state, None, {"rf.secours"})
    except states.Refused:
        return
    site = mail.MailSite("rf", "rf.secours", "rf.backup", "rf.archives")
    if kind == "MailSite":
        assert all(mail_exports.DOMAIN.fullmatch(d) for d in record.companion_domains().values())
        assert 1 <= record.retention_days <= 3650 and type(record.retention_days) is int
        site = record
    if kind == "MailDomain":
        assert re.fullmatch(ENTRY["virtual_mailbox_domains"], f"{mail_exports._domain(name)} OK")
    if kind == "MailAlias":
        lines = mail_exports._alias_line(mail.ALIASES.entity(datastore_client, record))
        assert len(lines) == 1 and re.fullmatch(ENTRY["virtual_alias_maps"], lines[0][:-1])
    if kind == "MailAccount":
        box = mail_exports._mailbox(mail.ACCOUNTS.entity(datastore_client, record), {record.domain: site})
        if box is None:
            assert not record.active
            return
        assert well_formed("dovecot_passwd", "".join(mail_exports._passwd_lines(box)))
        assert len(well_formed("virtual_mailbox_maps", "".join(
            f"{a} {mail_exports._folder(a)}\n" for a in (box.address, *box.companions.values())))) == 4


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(page=PAGES)
def test_b5_fuzz_a_run_of_any_page_records_itself_and_the_exports_stay_well_formed(ctx, mail_admin, page):
    if not hasattr(ctx, "_fuzz_started"):  # once for all examples: a local account, the reference's site
        account(mail_admin, "jean@auf.org")
        mail_admin.post("/api/mail/aliases", {"address": "contact@auf.org", "targets": ["jean@auf.org"]}, expect=201)
        mail_sync.sync(ctx, lambda cursor: {"changes": [
            {"kind": "MailSite", "name": "rf", "state": {"secours": "rf.secours", "backup": "rf.backup",
                                                         "archives": "rf.archives", "retention_days": 15}},
            {"kind": "MailDomain", "name": "ref.org", "state": {"site": "rf"}}], "cursor": "1", "more": False})
        ctx._fuzz_started = True
    before = len(mail_sync.runs(ctx, limit=1000))
    run = mail_sync.sync(ctx, lambda cursor: {"changes": page, "cursor": str(int(cursor) + 1), "more": False})
    assert not any("stopped on an error" in e.reason for e in run.errors), run.errors
    assert len(mail_sync.runs(ctx, limit=1000)) == before + 1
    for name in EXPORTS:
        well_formed(name, "".join(mail_exports.export(ctx.client, name, ctx.now())))
    jean = mail.ACCOUNTS.get(ctx.client, "jean@auf.org", "auf.org")
    assert jean is not None and jean.origin == "local"  # a local account is never touched
    claim = mail.ADDRESSES.get(ctx.client, "contact@auf.org", "auf.org")
    assert (claim.owner, claim.use) == ("contact@auf.org", "alias")
