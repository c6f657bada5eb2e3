"""What a reload takes (A15, R1): each entity read through its kind's own schema, as the service itself writes it.

Only the kinds a dump holds (`kinds.DUMPED`); a key of its kind's shape (its parent's kind, an id or a name as the
record says, none of Datastore's reserved names); the record's properties and no other, each of the type its field
declares (the shapes come from the records' type hints: a new field is checked without a new rule here); what A1
and B1 derive (name and sort keys, normalised addresses) equal to what the service derives now; each value a form
checks as that form checks it (R1), the mail kinds by the reference's sync's own rules (reload_mail); and Datastore's
own limits (1,500-byte indexed values, index entries, entity size), so that no write can fail half-way through a reload.
Every refusal is a LineError saying why, in the words of the schema.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

from annuaires.services import values
from annuaires.services.dump import mail_checks as reload_mail
from annuaires.services.mail import values as mail_values
from annuaires.services.mailing import mailers as mailer_rules
from annuaires.services.names import skeleton_key, sort_key
from annuaires.store import directories, groups, mail, mail_feed, mail_sync, mailers, mailing, members, messages, settings
from annuaires.store import name_claims as claims
from annuaires.store.base import Schema
from annuaires.store.entity_json import LineError, too_deep
from annuaires.store.kinds import DUMPED

MAX_INDEXED_BYTES = 1500  # an indexed string or blob (Datastore's limit)
MAX_KEY_PART_BYTES = 1500  # a key's name
MAX_ENTITY_BYTES = 1_048_572  # an entity (Datastore's limit: 1 MiB less 4 bytes)
MAX_INDEX_ENTRIES = 20_000  # indexed values of one entity
TIMES = range(-62_135_596_800, 253_402_300_800)  # seconds from 0001-01-01 to 9999-12-31, Datastore's times
RESERVED = re.compile(r"__.*__", re.DOTALL)
BY_KIND = {schema.kind: schema for schema in DUMPED}


@dataclasses.dataclass(frozen=True)
class Shape:
    """What a property may hold: Datastore value types, and for arrays their items', for embedded entities their fields'."""

    types: frozenset[str]
    item: Shape | None = None
    fields: tuple[tuple[str, Shape], ...] = ()
    packed: type | None = None  # a text holding a JSON list of these records (Schema.packed)


SCALARS = {str: "string_value", int: "integer_value", bool: "boolean_value", float: "double_value",
           datetime: "timestamp_value", bytes: "blob_value", type(None): "null_value"}


def shape_of(hint: Any) -> Shape:
    """The shape a record field's type hint gives its property (a hint without one is a defect of the schema)."""
    if hint in SCALARS:
        return Shape(frozenset({SCALARS[hint]}))
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        parts = [shape_of(arg) for arg in typing.get_args(hint)]
        rich = [p for p in parts if p.item or p.fields]
        return dataclasses.replace(rich[0] if rich else parts[0], types=frozenset().union(*(p.types for p in parts)))
    if origin is list:
        return Shape(frozenset({"array_value"}), item=shape_of(typing.get_args(hint)[0]))
    if typing.is_typeddict(hint):
        return Shape(frozenset({"entity_value"}), fields=tuple(sorted(
            (name, shape_of(h)) for name, h in typing.get_type_hints(hint).items())))
    raise TypeError(f"no Datastore shape for {hint!r}: declare it (a TypedDict for embedded entities)")


@functools.cache
def properties(schema: Schema) -> dict[str, Shape]:
    """Each property of a kind and its shape, from its record's fields."""
    hints = typing.get_type_hints(schema.record)
    packed = dict(schema.packed)
    return {f.name: Shape(frozenset({"string_value"}), packed=packed[f.name]) if f.name in packed else shape_of(hints[f.name])
            for f in dataclasses.fields(schema.record) if f.name not in (schema.key_field, schema.parent_field)}


def schema_of(raw: Any) -> Schema:
    """The schema of a line's kind; LineError for a kind a dump never holds."""
    kind = raw.key.path[-1].kind
    if kind not in BY_KIND:
        raise LineError(f"an entity of kind {kind[:80]!r}, which a dump never holds")
    return BY_KIND[kind]


def check_key(raw: Any, schema: Schema) -> None:
    """A key of the kind's shape: under its parent's kind when it has one, an id or a name as the record's field
    says, and none of Datastore's reserved or oversized names."""
    path = raw.key.path
    expected, fields = _key_shape(schema)
    if [element.kind for element in path] != expected:
        raise LineError(f"a {schema.kind}'s key is {' / '.join(expected)}, not {' / '.join(e.kind[:80] for e in path)}")
    for element, (field, by_name) in zip(path, fields, strict=True):
        named = element.WhichOneof("id_type") == "name"
        if named != by_name:
            raise LineError(f"a {element.kind}'s key has {'a name' if named else 'an id'} where its {field} is "
                            f"{'a number' if named else 'a name'}")
        if named and (RESERVED.fullmatch(element.name) or len(element.name.encode()) > MAX_KEY_PART_BYTES):
            raise LineError(f"a {element.kind}'s key name is reserved by Datastore (__…__) or longer than 1,500 bytes")
        if not named and element.id <= 0:
            raise LineError(f"a {element.kind}'s key id is not a positive number")


@functools.cache
def _key_shape(schema: Schema) -> tuple[list[str], list[tuple[str, bool]]]:
    """The kinds of a key's path, and for each element its record's field and whether it is a name (else an id)."""
    hints = typing.get_type_hints(schema.record)
    fields = [schema.parent_field, schema.key_field] if schema.parent_kind else [schema.key_field]
    kinds_ = [schema.parent_kind, schema.kind] if schema.parent_kind else [schema.kind]
    return kinds_, [(field, hints[field] is str or str in typing.get_args(hints[field])) for field in fields]


def check_entity(raw: Any, schema: Schema) -> None:
    """The properties of the kind's record only, each of its shape; Datastore's limits; each value as the form or
    the rule that makes it takes it, and what the kind derives as the service derives it."""
    shapes = properties(schema)
    for name, value in raw.properties.items():
        if name not in shapes:
            raise LineError(f"a {schema.kind} has no property {name[:80]!r}")
        _fits(value, shapes[name], name)
    check_limits(raw)  # (before the forms' rules: what Datastore could never write is said so, and costs no more)
    rule = RULES.get(schema.kind)
    if rule is not None:
        rule(Props(raw))


def check_limits(raw: Any) -> None:
    """Datastore's limits on an entity: its size, its indexed strings and blobs, its index entries."""
    if raw.ByteSize() > MAX_ENTITY_BYTES:
        raise LineError("an entity larger than Datastore's 1 MiB")
    entries = 0
    pending = [(name, value, False) for name, value in raw.properties.items()]
    while pending:
        name, value, excluded = pending.pop()
        excluded = excluded or value.exclude_from_indexes
        which = value.WhichOneof("value_type")
        if which == "array_value":
            if value.exclude_from_indexes:  # Datastore wants it on each value, and refuses the write otherwise
                raise LineError(f"{name} is an array marked excludeFromIndexes (each of its values is marked)")
            pending += [(name, item, excluded) for item in value.array_value.values]
        elif which == "entity_value":  # (Datastore indexes an embedded entity's properties, unless each is excluded)
            pending += [(f"{name}.{inner}", item, False) for inner, item in value.entity_value.properties.items()]
        elif not excluded:
            entries += 1
            if which in ("string_value", "blob_value") and len(
                    value.string_value.encode() if which == "string_value" else value.blob_value) > MAX_INDEXED_BYTES:
                raise LineError(f"{name} is indexed and longer than Datastore's 1,500 bytes (excludeFromIndexes is not set)")
    if entries > MAX_INDEX_ENTRIES:
        raise LineError(f"an entity with more than Datastore's {MAX_INDEX_ENTRIES:,} indexed values")


def _fits(value: Any, shape: Shape, name: str) -> None:
    which = value.WhichOneof("value_type")
    if which not in shape.types:
        expected = " or ".join(sorted(t.removesuffix("_value") for t in shape.types))
        raise LineError(f"{name} should be {expected}, not {(which or 'nothing').removesuffix('_value')}")
    if value.meaning:
        raise LineError(f"{name} has a meaning ({value.meaning}) the service never gives a value")
    if which == "array_value":
        for item in value.array_value.values:
            _fits(item, shape.item, name)
    elif which == "entity_value":
        inner, fields = value.entity_value, dict(shape.fields)
        if inner.HasField("key") or set(inner.properties) != set(fields):
            raise LineError(f"each of {name}'s entities has no key and the properties {', '.join(fields)}")
        for field, item in inner.properties.items():
            _fits(item, fields[field], f"{name}.{field}")
    elif which == "timestamp_value" and value.timestamp_value.seconds not in TIMES:
        raise LineError(f"{name} is a time out of Datastore's range (years 1 to 9999)")
    elif which == "string_value" and shape.packed is not None:
        _packed(value.string_value, shape.packed, name)


def _packed(text: str, record: type, name: str) -> None:
    """A JSON list of records, as Schema.packed keeps them: each with the record's fields only, of their types."""
    try:
        found = None if too_deep(text) else json.loads(text)
    except (ValueError, RecursionError):
        found = None
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise LineError(f"{name} should be a JSON list of {record.__name__} records")
    hints, required = _record_fields(record)
    for item in found:
        if not required <= item.keys() <= hints.keys() or not all(_json_fits(v, hints[k]) for k, v in item.items()):
            raise LineError(f"{name} holds a {record.__name__} record without its fields, or with others")


@functools.cache
def _record_fields(record: type) -> tuple[dict[str, Any], set[str]]:
    """A packed record's fields and their hints, and those without a default."""
    return typing.get_type_hints(record), {f.name for f in dataclasses.fields(record)
                                           if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}


def _json_fits(found: Any, hint: Any) -> bool:
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        return any(_json_fits(found, arg) for arg in typing.get_args(hint))
    if hint is datetime:
        try:
            return isinstance(found, str) and datetime.fromisoformat(found).tzinfo is not None
        except ValueError:
            return False
    if hint is int:
        return isinstance(found, int) and not isinstance(found, bool)
    return isinstance(found, hint)


class Props:
    """An entity's key names and properties, as the rules read them (an absent text is "")."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.name = raw, raw.key.path[-1].name
        self.parent = raw.key.path[0].name if len(raw.key.path) > 1 else ""

    def __contains__(self, name: str) -> bool:
        return name in self.raw.properties

    def text(self, name: str) -> str:
        return self.raw.properties[name].string_value if name in self.raw.properties else ""

    def value(self, name: str) -> Any:
        """A property as a form or the reference's state gives it: text, whole number, boolean, None, list of texts
        (an item of another type comes as its message, which no rule takes for a text)."""
        return _plain(self.raw.properties[name]) if name in self.raw.properties else ""

    def state(self, *names: str) -> dict[str, Any]:
        """The properties present among these, read as `value` reads them (the reference's sync's state)."""
        return {name: self.value(name) for name in names if name in self.raw.properties}

    def required(self, *names: str) -> None:
        missing = [name for name in names if name not in self.raw.properties]
        if missing:
            raise LineError(f"a {self.raw.key.path[-1].kind} needs {', '.join(missing)}")

    def derived(self, name: str, expected: str) -> None:
        if self.text(name) != expected:
            raise LineError(f"{name} is not what the service derives ({expected[:80]!r})")

    def valid(self, name: str, check: Callable[[Any], Any]) -> None:
        """A value as the form that makes it checks it: the same value back, or the form's reason."""
        found = self.value(name)
        try:
            ok = check(found) == found
        except ValueError as problem:
            raise LineError(f"{name} is refused by the form that makes it ({problem})") from problem
        if not ok:
            raise LineError(f"{name} is not as the form that makes it writes it")


def _account(props: Props) -> None:
    """A1: a directory's or group's name and initials as the form takes them, and the keys of the claims they hold."""
    props.required("name", "initials", "name_key", "initials_key", "name_sort")
    props.valid("name", values.NAME)
    props.valid("initials", values.initials)
    props.derived("name_key", skeleton_key(props.text("name")))
    props.derived("initials_key", skeleton_key(props.text("initials")))
    props.derived("name_sort", sort_key(props.text("name")))
    _hash(props)


def _hash(props: Props) -> None:
    """A password's hash, when there is one: argon2id, by the rule the mail host's files keep (mail_values)."""
    if props.text("password_hash"):
        props.valid("password_hash", mail_values.argon2id_hash)


def _directory(props: Props) -> None:
    _account(props)
    if "color" in props:
        props.valid("color", values.color)
    props.valid("comment", values.COMMENT)


def _group(props: Props) -> None:
    _account(props)
    for name, check in (("type", values.GROUP_TYPE), ("mailer", values.MAILING_MAILER)):
        if name in props:
            props.valid(name, check)
    if props.text("mailing_day"):
        props.valid("mailing_day", values.WEEKDAY)


def _claim(props: Props) -> None:
    if not re.fullmatch(r"(directory|group):(name|initials):[0-9a-f]{64}", props.name):
        raise LineError("a Claim's key is not family:field:digest")
    props.required("owner")


def _member(props: Props) -> None:
    props.required("email", "email_norm")
    props.valid("name", values.MEMBER_NAME)
    props.valid("email", values.email)
    props.derived("email_norm", props.text("email").lower())


def _batch(props: Props) -> None:
    props.required("group", "week")
    if props.name != mailing.batch_id(props.text("group"), props.text("week")):
        raise LineError("a MailingBatch's key is not its group and week")


def _in_domain(props: Props) -> None:
    """B1: an address under its domain, as the service stores it (the local part in lower case)."""
    if props.name.rpartition("@")[2] != props.parent:
        raise LineError(f"{props.name[:80]!r} is not an address of its domain {props.parent[:80]!r}")
    if props.name != props.name.lower():
        raise LineError("an address is stored in lower case")


def _account_address(props: Props) -> None:
    _in_domain(props)
    if "local" in props and props.text("local").lower() != props.name.rpartition("@")[0]:
        raise LineError("local is not the address's local part as typed")
    if "search_name" in props:
        props.derived("search_name", sort_key(props.text("display_name")))
    reload_mail.account(props)  # (its hash among the rest)


def _alias(props: Props) -> None:
    _in_domain(props)
    reload_mail.alias(props)


def _message(props: Props) -> None:
    """A group's weekly message, as the animator's form takes it."""
    props.valid("subject", values.SUBJECT)
    props.valid("body", values.BODY)


def _mailer(props: Props) -> None:
    """A mailer identity as the general admin's form takes it (A12): a letter A to Y, a sender, a relay."""
    if props.name not in values.MAILER_LETTERS:
        raise LineError("a Mailer's key is one of the letters A to Y")
    props.required("sender", "smtp_host", "smtp_port")
    for name, check in (("sender", mailer_rules.sender), ("smtp_host", values.hostname), ("smtp_port", mailer_rules.SMTP_PORT),
                        ("username", mailer_rules.USERNAME), ("per_minute", mailer_rules.PER_MINUTE),
                        ("per_day", mailer_rules.PER_DAY)):
        if name in props:
            props.valid(name, check)


def _address_claim(props: Props) -> None:
    _in_domain(props)
    props.required("owner", "use")
    if props.text("use") not in ("account", "alias", *mail.COMPANIONS):
        raise LineError("a MailAddress's use is account, alias or a companion's name")


def _named(name: str) -> Callable[[Props], None]:
    def rule(props: Props) -> None:
        if props.name != name:
            raise LineError(f"the one {props.raw.key.path[-1].kind} is named {name!r}")
    return rule


def _settings(props: Props) -> None:
    _named(settings.DIRECTORIES_ADMIN)(props)
    _hash(props)


RULES: dict[str, Callable[[Props], None]] = {
    directories.SCHEMA.kind: _directory, groups.SCHEMA.kind: _group, claims.SCHEMA.kind: _claim,
    members.SCHEMA.kind: _member, mailing.BATCHES.kind: _batch, mail.ACCOUNTS.kind: _account_address,
    mail.ALIASES.kind: _alias, mail.ADDRESSES.kind: _address_claim, settings.SCHEMA.kind: _settings,
    mail_feed.COUNTER.kind: _named(mail_feed.FEED), mail_sync.STATES.kind: _named(mail_sync.REFERENCE),
    messages.SCHEMA.kind: _message, mailers.SCHEMA.kind: _mailer, mail.SITES.kind: reload_mail.site,
    mail.DOMAINS.kind: reload_mail.domain,
}


def _plain(value: Any) -> Any:
    which = value.WhichOneof("value_type")
    if which == "array_value":
        return [item.string_value if item.WhichOneof("value_type") == "string_value" else item
                for item in value.array_value.values]
    if which in ("string_value", "integer_value", "boolean_value"):
        return getattr(value, which)
    return None if which == "null_value" else value
