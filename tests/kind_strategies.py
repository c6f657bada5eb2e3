"""Generated entities of every kind a dump holds (A15), built from the kinds' own schemas: each property drawn from
the shape its record's type hint gives (empty, absent, maximal, non-ASCII, every type it may hold), so that a new
property is generated without a new strategy. Only what the service derives or checks with a form's rule (names and
their keys, addresses, claims) is then set as the service would set it, with the service's own functions.
"""

from __future__ import annotations

import dataclasses
import string
import typing
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from annuaires.codes import CODE_ALPHABET, CODE_LENGTH
from annuaires.services import values
from annuaires.services.dump import checks as reload_check
from annuaires.services.mail import accounts as mail_accounts
from annuaires.services.mail import values as mail_values
from annuaires.services.mailing import mailers
from annuaires.services.names import skeleton_key, sort_key
from annuaires.services.passwords import Passwords
from annuaires.store import kinds, mail
from annuaires.store import name_claims as claims
from annuaires.store.base import Schema, _pack
from annuaires.store.entity_json import Entity, Value
from tests.conftest import DIRECTORIES_PASSWORD

HASH = Passwords("fast").hash("un mot de passe de test")
SETTINGS_HASH = Passwords("fast").hash(DIRECTORIES_PASSWORD)  # the directories admin's: the tests' dumps sign in with it
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # any character Datastore keeps (no surrogates)
ASCII = st.text(string.ascii_letters + string.digits, min_size=1, max_size=12)
MAXIMAL = reload_check.MAX_INDEXED_BYTES


def strings(indexed: bool) -> st.SearchStrategy[str]:
    """Texts: empty, short, non-ASCII, and as long as the property may be (1,500 bytes indexed, more unindexed)."""
    longest = "é" * (MAXIMAL // 2) if indexed else "漢" * 6000
    return st.one_of(st.just(""), TEXT, st.just(longest), st.just("x" * MAXIMAL if indexed else "x" * 30000))


TIMES = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC))
INTEGERS = st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([0, -1, 2**63 - 1, -(2**63)]))


def value_of(shape: reload_check.Shape, indexed: bool) -> st.SearchStrategy[Any]:
    """A Datastore value (the protobuf message) of a property's shape."""
    options = []
    for kind in sorted(shape.types):
        if kind == "null_value":
            options.append(st.just(Value(null_value=0)))
        elif kind == "string_value" and shape.packed is not None:
            options.append(st.lists(records(shape.packed), max_size=3).map(lambda r: Value(string_value=_pack(r))))
        elif kind == "string_value":
            options.append(strings(indexed).map(lambda s: Value(string_value=s)))
        elif kind == "integer_value":
            options.append(INTEGERS.map(lambda n: Value(integer_value=n)))
        elif kind == "boolean_value":
            options.append(st.booleans().map(lambda b: Value(boolean_value=b)))
        elif kind == "timestamp_value":
            options.append(TIMES.map(_timestamp))
        elif kind == "blob_value":
            options.append(st.one_of(st.binary(max_size=40), st.just(bytes(range(256)) * (MAXIMAL // 256 if indexed else 40)))
                           .map(lambda b: Value(blob_value=b)))
        elif kind == "array_value":
            options.append(st.lists(value_of(shape.item, indexed), max_size=4).map(_array))
        elif kind == "entity_value":
            options.append(st.fixed_dictionaries({name: value_of(inner, True) for name, inner in shape.fields})
                           .map(_embedded))
    return st.one_of(options)


def _timestamp(at: datetime) -> Any:
    value = Value()
    value.timestamp_value.FromDatetime(at)
    return value


def _array(items: list[Any]) -> Any:
    value = Value()
    value.array_value.SetInParent()
    value.array_value.values.extend(items)
    return value


def _embedded(fields: dict[str, Any]) -> Any:
    value = Value()
    value.entity_value.SetInParent()
    for name, item in fields.items():
        value.entity_value.properties[name].CopyFrom(item)
    return value


def records(record: type) -> st.SearchStrategy[Any]:
    """A packed record (a recipient, a sync error…) with JSON values of its fields' types."""
    plain = {str: TEXT, int: st.integers(-(2**53), 2**53), bool: st.booleans(), datetime: TIMES}

    def of(hint: Any) -> st.SearchStrategy[Any]:
        args = [a for a in getattr(hint, "__args__", ()) if a is not type(None)]
        found = plain[args[0] if args else hint]
        return st.one_of(st.none(), found) if args else found

    return st.builds(record, **{name: of(hint) for name, hint in typing.get_type_hints(record).items()})


CODES = st.text(CODE_ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH)
NAMES = TEXT.map(lambda t: " ".join(t.split())[:values.NAME_LENGTH]).filter(lambda t: _valid(values.NAME, t))
INITIALS = TEXT.map(lambda t: " ".join(t.split())[:values.INITIALS_LENGTH]).filter(lambda t: _valid(values.initials, t))
LOCALS = st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=20).filter(
    lambda t: _valid(mail_values.mailbox_address, f"{t}@auf.org"))


SEEN = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co"))  # what a form keeps (no control character)


def _texts(check: Any, longest: int, *, strip: bool = True, lines: bool = False) -> st.SearchStrategy[str]:
    """Texts a form takes (through its own check): short, non-ASCII, multi-line where it may be, and maximal."""
    chars = st.one_of(SEEN, st.just("\n")) if lines else SEEN
    drawn = st.text(chars, max_size=40).map(str.strip if strip else str)
    return st.one_of(drawn, st.just("é" * longest)).filter(lambda t: _valid(check, t))


def _valid(check: Any, text: str) -> bool:
    try:
        found = check(text)
    except ValueError:
        return False
    return found == text or getattr(found, "local", None) == text.partition("@")[0]


@st.composite
def entity(draw: st.DrawFn, schema: Schema) -> list[Any]:
    """One entity of a kind as protobuf messages with keys relative to the partition, and the claims it holds."""
    shapes = reload_check.properties(schema)
    raw = Entity()
    for name, shape in shapes.items():
        if draw(st.booleans()) or name in schema.secret:  # absent half the time (a secret: the fix-up decides)
            raw.properties[name].CopyFrom(draw(value_of(shape, name not in schema.unindexed)))
            if name in schema.unindexed or name in dict(schema.packed):
                _exclude(raw.properties[name])
    _formed(draw, schema, raw)
    return FIXES.get(schema.kind, _plain)(draw, schema, raw)


def _exclude(value: Any) -> None:
    if value.WhichOneof("value_type") == "array_value":
        for item in value.array_value.values:
            item.exclude_from_indexes = True
    else:
        value.exclude_from_indexes = True


def _key(raw: Any, *path: tuple[str, str | int]) -> None:
    for kind, name in path:
        element = raw.key.path.add(kind=kind)
        if isinstance(name, int):
            element.id = name
        else:
            element.name = name


def _set(raw: Any, name: str, text: str, *, indexed: bool = True) -> None:
    raw.properties[name].CopyFrom(Value(string_value=text, exclude_from_indexes=not indexed))


def _put(raw: Any, schema: Schema, name: str, found: Any) -> None:
    """A property of a JSON value (text, number, boolean, None, list of texts) as the service stores it."""
    if isinstance(found, list):
        value = _array([Value(string_value=item) for item in found])
    elif isinstance(found, bool):
        value = Value(boolean_value=found)
    elif isinstance(found, int):
        value = Value(integer_value=found)
    else:
        value = Value(null_value=0) if found is None else Value(string_value=found)
    raw.properties[name].CopyFrom(value)
    if name in schema.unindexed:
        _exclude(raw.properties[name])


ORIGINS = st.sampled_from([mail.LOCAL, mail.FROM_REFERENCE])
SITE_CODES = st.sampled_from(["fr", "ca-qc", "a" * 20])
PER = st.one_of(st.none(), st.integers(1, 100_000))
# A field checked by a form (R1): drawn from what that form takes; `required` fields are always there.
FORMED: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "Directory": {"comment": _texts(values.COMMENT, 500, lines=True)},
    "Member": {"name": _texts(values.MEMBER_NAME, 120).filter(bool)},
    "Message": {"subject": _texts(values.SUBJECT, 200), "body": _texts(values.BODY, 20000, strip=False, lines=True)},
    "Mailer": {"sender": st.sampled_from(["lyon@example.org", "Alterconsos Lyon <lyon@example.org>", "Zoé <zoe@exemple.fr>"]),
               "smtp_host": st.sampled_from(["smtp.example.org", "127.0.0.1", "a" * 63 + ".fr"]),
               "smtp_port": st.integers(1, 65535), "username": _texts(mailers.USERNAME, 254),
               "per_minute": PER, "per_day": st.one_of(st.none(), st.integers(1, 10_000_000))},
    "MailSite": {"retention_days": st.integers(1, mail_values.MAX_RETENTION_DAYS), "origin": ORIGINS},
    "MailDomain": {"site": SITE_CODES, "companion": st.sampled_from(["", *mail.COMPANIONS]), "origin": ORIGINS},
    "MailAccount": {"display_name": _texts(mail_accounts.DISPLAY_NAME, 120), "active": st.booleans(),
                    "quota_mb": st.one_of(st.none(), st.integers(1, mail_values.MAX_QUOTA_MB)), "origin": ORIGINS,
                    "password_hash": st.just(HASH)},
    "MailAlias": {"targets": st.lists(st.sampled_from(["a@example.org", "b@exemple.fr", "c.d@xn--bcher-kva.example"]),
                                      min_size=1, max_size=3, unique=True), "origin": ORIGINS},
}
REQUIRED = {"Member": {"name"}, "Mailer": {"sender", "smtp_host", "smtp_port"}, "MailDomain": {"site"},
            "MailAccount": {"password_hash"}, "MailAlias": {"targets"}}


def _formed(draw: st.DrawFn, schema: Schema, raw: Any) -> None:
    """Each field a form checks, when there, drawn from what its form takes."""
    for name, values_ in FORMED.get(schema.kind, {}).items():
        if name in raw.properties or name in REQUIRED.get(schema.kind, ()):
            _put(raw, schema, name, draw(values_))


def _plain(draw: st.DrawFn, schema: Schema, raw: Any) -> list[Any]:
    """A kind with nothing derived: a key of its shape (names of any characters, ids of any size)."""
    hints = {f.name: f.type for f in dataclasses.fields(schema.record)}
    names = st.one_of(TEXT.filter(lambda t: t and not reload_check.RESERVED.fullmatch(t)), st.just("n" * 1500))

    def part(field: str) -> str | int:
        return draw(names) if "str" in str(hints[field]) else draw(st.integers(1, 2**63 - 1))

    if schema.parent_kind:
        _key(raw, (schema.parent_kind, part(schema.parent_field)), (schema.kind, part(schema.key_field)))
    else:
        _key(raw, (schema.kind, part(schema.key_field)))
    for name in schema.secret:  # a secret as the service keeps it: a hash, or bytes sealed at rest, or not set
        if reload_check.properties(schema)[name].types >= {"string_value"}:
            _set(raw, name, draw(st.sampled_from(["", HASH])), indexed=False)
    return [raw]


def _account(draw: st.DrawFn, schema: Schema, raw: Any) -> list[Any]:
    """A directory or group: its name and initials as a form takes them, their keys, and the claims they hold."""
    _key(raw, (schema.kind, draw(CODES)))
    name, initials = draw(NAMES), draw(INITIALS)
    for prop, text in (("name", name), ("initials", initials), ("name_key", skeleton_key(name)),
                       ("initials_key", skeleton_key(initials)), ("name_sort", sort_key(name))):
        _set(raw, prop, text, indexed=prop not in schema.unindexed)
    _set(raw, "password_hash", draw(st.sampled_from(["", HASH])), indexed=False)
    for prop, choices in (("type", values.GROUP_TYPES), ("mailer", values.MAILER_LETTERS), ("mailing_day", values.WEEKDAYS),
                          ("color", ("", "#a0b1c2"))):
        if prop in raw.properties:
            _set(raw, prop, draw(st.sampled_from(choices)), indexed=prop not in schema.unindexed)
    family = "directory" if schema.kind == "Directory" else "group"
    held = []
    for field, text in (("name", name), ("initials", initials)):
        claim = Entity()
        _key(claim, (claims.SCHEMA.kind, claims.claim_id(family, field, skeleton_key(text))))
        _set(claim, "owner", raw.key.path[0].name)
        held.append(claim)
    return [raw, *held]


def _claims_come_with_owners(draw: st.DrawFn, schema: Schema, raw: Any) -> list[Any]:
    return []  # a claim is drawn with its owner


def _member(draw: st.DrawFn, schema: Schema, raw: Any) -> list[Any]:
    _key(raw, ("Group", draw(CODES)), (schema.kind, draw(st.integers(1, 2**63 - 1))))
    email = draw(st.sampled_from(["zoé@example.org", "Zoe.Dupont@example.org", "a@b.fr"]))
    _set(raw, "email", email, indexed=False)
    _set(raw, "email_norm", email.lower())
    return [raw]


def _batch(draw: st.DrawFn, schema: Schema, raw: Any) -> list[Any]:
    group, week = draw(CODES), draw(st.sampled_from(["2026-W01", "2026-W53"]))
    _key(raw, (schema.kind, f"{group}:{week}"))
    _set(raw, "group", group)
    _set(raw, "week", week)
    return [raw]


def _mail_owner(draw: st.DrawFn, schema: Schema, raw: Any) -> list[Any]:
    """An account or alias of a domain: its address as stored, and the claim of that address."""
    local = draw(LOCALS)
    address = f"{local.lower()}@auf.org"
    _key(raw, ("MailDomain", "auf.org"), (schema.kind, address))
    if "local" in raw.properties:
        _set(raw, "local", local, indexed=False)
    if "search_name" in raw.properties:
        _set(raw, "search_name", sort_key(raw.properties["display_name"].string_value
                                          if "display_name" in raw.properties else ""))
    claim = Entity()
    _key(claim, ("MailDomain", "auf.org"), (mail.ADDRESSES.kind, address))
    _set(claim, "owner", address, indexed=False)
    _set(claim, "use", "account" if schema.kind == mail.ACCOUNTS.kind else "alias", indexed=False)
    return [raw, claim]


def _site(draw: st.DrawFn, schema: Schema, raw: Any) -> list[Any]:
    """A site: its code, and three different companion domains."""
    code = draw(SITE_CODES)
    _key(raw, (schema.kind, code))
    names = draw(st.sampled_from([[f"{code}.{c}" for c in mail.COMPANIONS], ["s.example.org", "b.example.org", "xn--bcher-kva.fr"]]))
    for companion, name in zip(mail.COMPANIONS, names, strict=True):
        _put(raw, schema, companion, name)
    return [raw]


def _domain(draw: st.DrawFn, schema: Schema, raw: Any) -> list[Any]:
    """A domain: its ASCII name, and (when there) its Unicode display."""
    name, display = draw(st.sampled_from([("auf.org", "auf.org"), ("xn--bcher-kva.example", "bücher.example")]))
    _key(raw, (schema.kind, name))
    if "display" in raw.properties:
        _put(raw, schema, "display", display)
    return [raw]


def _mailer(draw: st.DrawFn, schema: Schema, raw: Any) -> list[Any]:
    _key(raw, (schema.kind, draw(st.sampled_from(values.MAILER_LETTERS))))
    return [raw]


def _one(name: str) -> Any:
    def fix(draw: st.DrawFn, schema: Schema, raw: Any) -> list[Any]:
        _plain(draw, schema, raw)
        raw.key.path[0].name = name
        if "password_hash" in reload_check.properties(schema):
            _set(raw, "password_hash", SETTINGS_HASH, indexed=False)
        return [raw]
    return fix


FIXES = {"Directory": _account, "Group": _account, "Claim": _claims_come_with_owners, "Member": _member,
         "MailingBatch": _batch, "MailAccount": _mail_owner, "MailAlias": _mail_owner, "MailSite": _site,
         "MailDomain": _domain, "Mailer": _mailer,
         "MailAddress": _claims_come_with_owners, "Settings": _one("directories-admin"), "MailFeed": _one("feed"),
         "MailSyncState": _one("reference")}


def settings_entity() -> Any:
    """The directories admin's settings, with the tests' password."""
    raw = Entity()
    _key(raw, ("Settings", "directories-admin"))
    _set(raw, "password_hash", SETTINGS_HASH, indexed=False)
    return raw


@st.composite
def world(draw: st.DrawFn) -> list[Any]:
    """Entities of every kind a dump holds (one or two each), with the claims they hold, each key once, names unique."""
    found: dict[bytes, Any] = {}
    taken: set[str] = set()
    for schema in kinds.DUMPED:
        for _ in range(draw(st.integers(1, 2))):
            made = draw(entity(schema))
            names = [e.key.path[-1].name for e in made if e.key.path[-1].kind in ("Claim", "MailAddress")]
            if any(n in taken for n in names) or any(e.key.SerializeToString() in found for e in made):
                continue  # two names with one skeleton, or one key twice: the draw is dropped
            taken.update(names)
            found.update({e.key.SerializeToString(): e for e in made})
    return list(found.values())
