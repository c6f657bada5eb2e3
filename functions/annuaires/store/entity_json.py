"""Entities as Datastore's own JSON form (the `Entity` of the Datastore REST API v1), one line each (A15).

Lossless for every property type, as Datastore's JSON mapping keeps them: 64-bit integers as text, NaN and
infinities, bytes in base64, times to the microsecond, keys, geo points, embedded entities, arrays, nulls,
and which properties are excluded from indexes. Other tools read the same form; `jq` reads the lines.

The form is protobuf's JSON mapping of Datastore's `Entity` message (what `json_format` gives, and the tests
check it gives the same): written and read here directly, field by field, ten times faster than the generic
mapping, since dumps and reloads go through it once an entity.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from google.cloud import datastore
from google.cloud.datastore import helpers
from google.cloud.datastore_v1.types import entity as entity_pb2


class LineError(ValueError):
    """A line that is not one entity in Datastore's JSON form; the message says why."""


class _NotDatastoreForm(ValueError):
    """Where a line's JSON departs from Datastore's form."""


Entity = entity_pb2.Entity.pb()  # the raw protobuf message (not the client library's wrapper)
Value = entity_pb2.Value.pb()
INT64 = range(-(2**63), 2**63)
INT32 = range(-(2**31), 2**31)
SPECIAL_DOUBLES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
DECIMAL = re.compile(r"-?[0-9]+")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
RFC3339 = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
                     r"(?:Z|([+-])([0-9]{2}):([0-9]{2}))")
EPOCH = datetime(1970, 1, 1)
SECOND = timedelta(seconds=1)


def to_pb(entity: datastore.Entity) -> Any:
    """An entity as Datastore's own message (what its JSON form maps one to one)."""
    return entity_pb2.Entity.pb(helpers.entity_to_protobuf(entity))


def keys_of(raw: Any) -> Iterator[Any]:
    """An entity message's key and every key it holds: key values, and the keys of embedded entities, at any depth."""
    entities = [raw]
    while entities:
        entity = entities.pop()
        if entity.HasField("key"):
            yield entity.key
        values = list(entity.properties.values())
        while values:
            value = values.pop()
            kind = value.WhichOneof("value_type")
            if kind == "key_value":
                yield value.key_value
            elif kind == "entity_value":
                entities.append(value.entity_value)
            elif kind == "array_value":
                values.extend(value.array_value.values)


def pb_line(raw: Any) -> str:
    """A Datastore entity message as one line of JSON, its names sorted (the same entity gives the same line)."""
    return json.dumps(_entity_json(raw), ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def to_line(entity: datastore.Entity) -> str:
    """An entity as one line of Datastore's JSON form."""
    return pb_line(to_pb(entity))


MAX_DEPTH = 64  # arrays and objects nested in a line (an entity of the service nests 9): deeper is refused unread
_STRINGS = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)  # possessive: no backtracking, whatever the line
_BRACKETS = re.compile(r"[\[\]{}]")


def too_deep(text: str) -> bool:
    """Whether JSON text nests arrays and objects more than MAX_DEPTH deep (strings set aside), found without parsing
    it: a parser would recurse once a level."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False


def line_pb(line: str) -> Any:
    """The Datastore entity message one line describes; LineError when it is not valid JSON or not an entity
    with a complete key."""
    if too_deep(line):
        raise LineError(f"JSON nested more than {MAX_DEPTH} deep")
    try:
        found = json.loads(line)
    except json.JSONDecodeError as error:
        raise LineError(f"not valid JSON ({error.msg} at character {error.pos})") from error
    except (ValueError, RecursionError) as error:  # an integer of 5,000 digits, say
        raise LineError("not valid JSON (a number or a nesting beyond what is read)") from error
    if not isinstance(found, dict):
        raise LineError("not a JSON object")
    raw = Entity()
    try:
        _entity_pb(found, raw)
    except _NotDatastoreForm as error:
        raise LineError(f"not an entity in Datastore's JSON form: {error}") from error
    except UnicodeError as error:  # a lone surrogate (\ud800) is JSON, not UTF-8: Datastore's texts are UTF-8
        raise LineError("not an entity in Datastore's JSON form: a text that is not Unicode (a lone surrogate)") from error
    path = raw.key.path
    if not path or not all(element.kind and (element.id or element.name) for element in path):
        raise LineError("its key is missing or incomplete (every element needs a kind and an id or a name)")
    return raw


def from_line(line: str) -> datastore.Entity:
    """The entity one line describes; LineError when it is not one."""
    return helpers.entity_from_protobuf(line_pb(line))


# Writing: a message as its JSON mapping (fields at their default left out, as protobuf's mapping does).

def _entity_json(entity: Any) -> dict:
    found: dict[str, Any] = {}
    if entity.HasField("key"):
        found["key"] = _key_json(entity.key)
    if entity.properties:
        found["properties"] = {name: _value_json(value) for name, value in entity.properties.items()}
    return found


def _key_json(key: Any) -> dict:
    found: dict[str, Any] = {}
    if key.HasField("partition_id"):
        partition = key.partition_id
        found["partitionId"] = {name: text for name, text in (
            ("projectId", partition.project_id), ("namespaceId", partition.namespace_id),
            ("databaseId", partition.database_id)) if text}
    if key.path:
        found["path"] = [_element_json(element) for element in key.path]
    return found


def _element_json(element: Any) -> dict:
    found: dict[str, Any] = {"kind": element.kind} if element.kind else {}
    which = element.WhichOneof("id_type")
    if which == "id":
        found["id"] = str(element.id)
    elif which == "name":
        found["name"] = element.name
    return found


def _double_json(number: float) -> float | str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return number


def _nonzero(number: float) -> bool:
    return bool(number) or math.copysign(1.0, number) < 0  # -0.0 is a value of its own


def _geo_json(point: Any) -> dict:
    return {name: _double_json(number) for name, number in (("latitude", point.latitude), ("longitude", point.longitude))
            if _nonzero(number)}


_WRITE: dict[str, Callable[[Any], Any]] = {
    "null_value": lambda value: None,
    "boolean_value": lambda value: value.boolean_value,
    "integer_value": lambda value: str(value.integer_value),
    "double_value": lambda value: _double_json(value.double_value),
    "timestamp_value": lambda value: value.timestamp_value.ToJsonString(),
    "key_value": lambda value: _key_json(value.key_value),
    "string_value": lambda value: value.string_value,
    "blob_value": lambda value: base64.b64encode(value.blob_value).decode(),
    "geo_point_value": lambda value: _geo_json(value.geo_point_value),
    "entity_value": lambda value: _entity_json(value.entity_value),
    "array_value": lambda value: {"values": [_value_json(v) for v in value.array_value.values]}
    if value.array_value.values else {},
}
_JSON_NAME = {name: re.sub(r"_(\w)", lambda m: m.group(1).upper(), name) for name in _WRITE}


def _value_json(value: Any) -> dict:
    which = value.WhichOneof("value_type")
    found: dict[str, Any] = {_JSON_NAME[which]: _WRITE[which](value)} if which else {}
    if value.meaning:
        found["meaning"] = value.meaning
    if value.exclude_from_indexes:
        found["excludeFromIndexes"] = True
    return found


# Reading: the JSON mapping into a message, refusing what the mapping does not allow.

def _object(found: Any, what: str, names: frozenset[str]) -> dict:
    if not isinstance(found, dict):
        raise _NotDatastoreForm(f"{what} should be an object")
    unknown = found.keys() - names
    if unknown:
        raise _NotDatastoreForm(f"{what} has no field {sorted(unknown)[0]!r}")
    return found


def _text(found: Any, what: str) -> str:
    if not isinstance(found, str):
        raise _NotDatastoreForm(f"{what} should be text")
    return found


def _integer(found: Any, what: str, within: range = INT64) -> int:
    if isinstance(found, str) and len(found) <= 24 and DECIMAL.fullmatch(found):  # (int() of 5,000 digits raises)
        found = int(found)
    if not isinstance(found, int) or isinstance(found, bool) or found not in within:
        raise _NotDatastoreForm(f"{what} should be an integer of {within.stop.bit_length()} bits")
    return found


def _double(found: Any, what: str) -> float:
    if isinstance(found, str) and (found in SPECIAL_DOUBLES or NUMBER.fullmatch(found)):
        return SPECIAL_DOUBLES[found] if found in SPECIAL_DOUBLES else float(found)
    if not isinstance(found, int | float) or isinstance(found, bool):
        raise _NotDatastoreForm(f"{what} should be a number")
    return float(found)


def _boolean(found: Any, what: str) -> bool:
    if not isinstance(found, bool):
        raise _NotDatastoreForm(f"{what} should be true or false")
    return found


ENTITY_FIELDS = frozenset({"key", "properties"})
KEY_FIELDS = frozenset({"partitionId", "path"})
PARTITION_FIELDS = {"projectId": "project_id", "namespaceId": "namespace_id", "databaseId": "database_id"}
ELEMENT_FIELDS = frozenset({"kind", "id", "name"})
GEO_FIELDS = frozenset({"latitude", "longitude"})
ARRAY_FIELDS = frozenset({"values"})


def _entity_pb(found: Any, into: Any) -> None:
    found = _object(found, "an entity", ENTITY_FIELDS)
    if "key" in found:
        _key_pb(found["key"], into.key)
    properties = found.get("properties", {})
    if not isinstance(properties, dict):
        raise _NotDatastoreForm("properties should be an object")
    for name, value in properties.items():
        _value_pb(value, into.properties[name], name)


def _key_pb(found: Any, into: Any) -> None:
    found = _object(found, "a key", KEY_FIELDS)
    into.SetInParent()
    if "partitionId" in found:
        partition = _object(found["partitionId"], "a partition", frozenset(PARTITION_FIELDS))
        into.partition_id.SetInParent()
        for name, field in PARTITION_FIELDS.items():
            if name in partition:
                setattr(into.partition_id, field, _text(partition[name], name))
    path = found.get("path", [])
    if not isinstance(path, list):
        raise _NotDatastoreForm("a key's path should be a list")
    for element in path:
        element = _object(element, "a key's path element", ELEMENT_FIELDS)
        added = into.path.add()
        if "kind" in element:
            added.kind = _text(element["kind"], "kind")
        if "id" in element and "name" in element:
            raise _NotDatastoreForm("a key's path element has both an id and a name")
        if "id" in element:
            added.id = _integer(element["id"], "id")
        elif "name" in element:
            added.name = _text(element["name"], "name")


def _set(field: str, read: Callable[[Any, str], Any]) -> Callable[[Any, Any, str], None]:
    def put(found: Any, into: Any, name: str) -> None:
        setattr(into, field, read(found, name))
    return put


def _null(found: Any, into: Any, name: str) -> None:
    if found not in (None, "NULL_VALUE", 0) or isinstance(found, bool):
        raise _NotDatastoreForm(f"{name} should be null")
    into.null_value = 0


def _timestamp(found: Any, into: Any, name: str) -> None:
    """RFC 3339, as protobuf's Timestamp reads it (its own parser takes ten times longer)."""
    parts = RFC3339.fullmatch(_text(found, name))
    try:
        if parts is None:
            raise ValueError("not of the form 2026-12-01T07:08:09.123456Z")
        year, month, day, hour, minute, second, fraction, sign, offset_hours, offset_minutes = parts.groups()
        at = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError as error:
        raise _NotDatastoreForm(f"{name} is not a time in RFC 3339 form ({error})") from error
    seconds = (at - EPOCH) // SECOND
    if sign:
        seconds -= (1 if sign == "+" else -1) * (int(offset_hours) * 3600 + int(offset_minutes) * 60)
    into.timestamp_value.seconds, into.timestamp_value.nanos = seconds, int((fraction or "").ljust(9, "0"))


def _blob(found: Any, into: Any, name: str) -> None:
    text = _text(found, name).replace("-", "+").replace("_", "/")  # standard or URL-safe, padded or not
    try:
        into.blob_value = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as error:  # (a non-ASCII text is a ValueError of its own)
        raise _NotDatastoreForm(f"{name} is not base64") from error


def _geo_point(found: Any, into: Any, name: str) -> None:
    point = _object(found, name, GEO_FIELDS)
    into.geo_point_value.SetInParent()
    for field in GEO_FIELDS & point.keys():
        setattr(into.geo_point_value, field, _double(point[field], f"{name}.{field}"))


def _embedded(found: Any, into: Any, name: str) -> None:
    into.entity_value.SetInParent()
    _entity_pb(found, into.entity_value)


def _array(found: Any, into: Any, name: str) -> None:
    values = _object(found, name, ARRAY_FIELDS).get("values", [])
    if not isinstance(values, list):
        raise _NotDatastoreForm(f"{name}'s values should be a list")
    into.array_value.SetInParent()
    for value in values:
        _value_pb(value, into.array_value.values.add(), name)


def _key_value(found: Any, into: Any, name: str) -> None:
    _key_pb(found, into.key_value)


_READ_TYPE: dict[str, Callable[[Any, Any, str], None]] = {
    "nullValue": _null,
    "booleanValue": _set("boolean_value", _boolean),
    "integerValue": _set("integer_value", _integer),
    "doubleValue": _set("double_value", _double),
    "timestampValue": _timestamp,
    "keyValue": _key_value,
    "stringValue": _set("string_value", _text),
    "blobValue": _blob,
    "geoPointValue": _geo_point,
    "entityValue": _embedded,
    "arrayValue": _array,
}
_READ = {**_READ_TYPE, "meaning": _set("meaning", lambda found, name: _integer(found, name, INT32)),
         "excludeFromIndexes": _set("exclude_from_indexes", _boolean)}


def _value_pb(found: Any, into: Any, name: str) -> None:
    if not isinstance(found, dict):
        raise _NotDatastoreForm(f"the value of {name} should be an object")
    types = 0
    for field, item in found.items():
        read = _READ.get(field)
        if read is None:
            raise _NotDatastoreForm(f"the value of {name} has no field {field!r}")
        read(item, into, name)
        types += field in _READ_TYPE
    if types != 1:
        raise _NotDatastoreForm(f"the value of {name} should have one type ({types} given)")
