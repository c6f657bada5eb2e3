"""Entities as Datastore's own JSON form (the `Entity` of the Datastore REST API v1), one line each (A15).

Lossless for every property type, as Datastore's JSON mapping keeps them: 64-bit integers as text, NaN and
infinities, bytes in base64, times to the microsecond, keys, geo points, embedded entities, arrays, nulls,
and which properties are excluded from indexes. Other tools read the same form; `jq` reads the lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from google.cloud import datastore
from google.cloud.datastore import helpers
from google.cloud.datastore_v1.types import entity as entity_pb2
from google.protobuf import json_format


class LineError(ValueError):
    """A line that is not one entity in Datastore's JSON form; the message says why."""


Entity = entity_pb2.Entity.pb()  # the raw protobuf message (not the client library's wrapper)
Value = entity_pb2.Value.pb()


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
    return json.dumps(json_format.MessageToDict(raw), ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False)


def to_line(entity: datastore.Entity) -> str:
    """An entity as one line of Datastore's JSON form."""
    return pb_line(to_pb(entity))


def line_pb(line: str) -> Any:
    """The Datastore entity message one line describes; LineError when it is not valid JSON or not an entity
    with a complete key."""
    try:
        found = json.loads(line)
    except json.JSONDecodeError as error:
        raise LineError(f"not valid JSON ({error.msg} at character {error.pos})") from error
    if not isinstance(found, dict):
        raise LineError("not a JSON object")
    raw = Entity()
    try:
        json_format.ParseDict(found, raw)
    except json_format.ParseError as error:
        raise LineError(f"not an entity in Datastore's JSON form: {error}") from error
    path = raw.key.path
    if not path or not all(element.kind and (element.id or element.name) for element in path):
        raise LineError("its key is missing or incomplete (every element needs a kind and an id or a name)")
    return raw


def from_line(line: str) -> datastore.Entity:
    """The entity one line describes; LineError when it is not one."""
    return helpers.entity_from_protobuf(line_pb(line))
