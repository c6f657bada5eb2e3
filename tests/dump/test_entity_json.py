"""Entities as Datastore's own JSON form, one line each: every property type survives the store and the line (A15)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from google.cloud import datastore
from google.cloud.datastore.helpers import GeoPoint
from google.cloud.datastore_v1.types import entity as entity_pb2
from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st

from annuaires.store.entity_json import Entity, LineError, Value, from_line, line_pb, pb_line, to_line

Key = entity_pb2.Key.pb()


def every_type(client: datastore.Client) -> datastore.Entity:
    """An entity holding a value of every Datastore type, the edge cases of each, and an unindexed long text."""
    entity = datastore.Entity(client.key("Parent", "p-1", "Sample", 7), exclude_from_indexes=("long", "blob"))
    inner = datastore.Entity(exclude_from_indexes=("note",))
    inner.update(note="dans l'entité", depth=[1, 2.5], when=None)
    entity.update(
        big=2**63 - 1, small=-(2**63), beyond_js=2**53 + 1, zero=0.0, negative_zero=-0.0, tiny=5e-324,
        nan=float("nan"), inf=float("inf"), minus_inf=float("-inf"), yes=True, nothing=None,
        text="Zoé ✓ 日本 \u200b \U0001F955 \"quoted\" \\ back\nline", long="é" * 2000,
        blob=bytes(range(256)), at=datetime(2026, 12, 1, 7, 8, 9, 123456, tzinfo=UTC),
        key=client.key("Group", "abcd1234", "Member", 5348024557502464), named_key=client.key("Directory", "zz"),
        place=GeoPoint(45.7640, 4.8357), inner=inner, mixed=[1, "deux", 3.0, None, True, b"\x01"], empty=[],
    )
    return entity


def test_a15_every_property_type_survives_the_store_and_its_line(datastore_client):
    client = datastore_client
    client.put(every_type(client))
    line = to_line(client.get(client.key("Parent", "p-1", "Sample", 7)))
    assert "\n" not in line
    properties = json.loads(line)["properties"]
    assert properties["big"] == {"integerValue": "9223372036854775807"}  # text: JSON numbers stop at 2^53
    assert properties["beyond_js"] == {"integerValue": str(2**53 + 1)}
    assert (properties["nan"], properties["inf"], properties["minus_inf"]) == (
        {"doubleValue": "NaN"}, {"doubleValue": "Infinity"}, {"doubleValue": "-Infinity"})
    assert properties["at"] == {"timestampValue": "2026-12-01T07:08:09.123456Z"}
    assert properties["long"]["excludeFromIndexes"] is True and "excludeFromIndexes" not in properties["text"]
    assert properties["nothing"] == {"nullValue": None} and properties["empty"] == {"arrayValue": {}}
    assert properties["place"] == {"geoPointValue": {"latitude": 45.764, "longitude": 4.8357}}
    assert properties["key"]["keyValue"]["path"] == [{"kind": "Group", "name": "abcd1234"},
                                                     {"kind": "Member", "id": "5348024557502464"}]

    client.delete(client.key("Parent", "p-1", "Sample", 7))
    client.put(from_line(line))  # the line alone gives back the entity
    assert to_line(client.get(client.key("Parent", "p-1", "Sample", 7))) == line


@pytest.mark.parametrize(("line", "reason"), [
    ('{"key": {"path": [{"kind": "Group", "name": "abc"}]}, "properties": {"x": {"stringValue": "trunc', "not valid JSON"),
    ("not json at all", "not valid JSON"),
    ('["a", "list"]', "not a JSON object"),
    ('{"key": {"path": [{"kind": "Group", "name": "abc"}]}, "properties": {"x": {"fooValue": 1}}}', "not an entity"),
    ('{"key": {"path": [{"kind": "Group", "name": "abc"}]}, "properties": {"x": {"integerValue": "1.5"}}}', "not an entity"),
    ('{"properties": {"x": {"stringValue": "no key"}}}', "key is missing or incomplete"),
    ('{"key": {"path": [{"kind": "Group"}]}, "properties": {}}', "key is missing or incomplete"),
])
def test_a15_a_line_that_is_not_an_entity_says_why(line, reason):
    with pytest.raises(LineError, match=reason):
        from_line(line)


# The lines are protobuf's JSON mapping of Datastore's Entity message, written and read by a converter of the
# project's own: protobuf's generic mapping (json_format) is the reference it must agree with, on any entity.

def _texts() -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def _keys() -> st.SearchStrategy[Any]:
    element = st.builds(lambda kind, ident: {"kind": kind, **ident}, _texts().filter(bool),
                        st.one_of(st.builds(lambda i: {"id": i}, st.integers(1, 2**63 - 1)),
                                  st.builds(lambda n: {"name": n}, _texts().filter(bool))))
    partition = st.one_of(st.none(), st.fixed_dictionaries({}, optional={"project_id": _texts(), "namespace_id": _texts()}))
    return st.builds(lambda path, part: Key(path=path, **({"partition_id": part} if part is not None else {})),
                     st.lists(element, min_size=1, max_size=3), partition)


def _doubles() -> st.SearchStrategy[float]:  # JSON has one NaN: the bits of other NaNs are not kept
    return st.one_of(st.floats(allow_nan=False), st.sampled_from([0.0, -0.0, 5e-324, float("nan"), float("inf"), float("-inf")]))


def _values() -> st.SearchStrategy[Any]:
    scalar = st.one_of(
        st.just(Value(null_value=0)), st.builds(lambda b: Value(boolean_value=b), st.booleans()),
        st.builds(lambda i: Value(integer_value=i), st.integers(-(2**63), 2**63 - 1)),
        st.builds(lambda d: Value(double_value=d), _doubles()),
        st.builds(lambda s, n: Value(timestamp_value={"seconds": s, "nanos": n}),
                  st.integers(-62135596800, 253402300799), st.sampled_from([0, 1000, 123456000, 999999000, 5])),
        st.builds(lambda k: Value(key_value=k), _keys()), st.builds(lambda t: Value(string_value=t), _texts()),
        st.builds(lambda b: Value(blob_value=b), st.binary(max_size=20)),
        st.builds(lambda a, b: Value(geo_point_value={"latitude": a, "longitude": b}), _doubles(), _doubles()))

    def nested(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(st.builds(lambda vs: Value(array_value={"values": vs}), st.lists(inner, max_size=3)),
                         st.builds(lambda props: Value(entity_value=Entity(properties=props)),
                                   st.dictionaries(_texts(), inner, max_size=3)))

    def flagged(value: Any, exclude: bool, meaning: int) -> Any:
        value.exclude_from_indexes, value.meaning = exclude, meaning
        return value

    return st.builds(flagged, st.recursive(scalar, nested, max_leaves=8), st.booleans(), st.sampled_from([0, 0, 21, -3]))


@settings(max_examples=400, deadline=None)
@given(key=_keys(), properties=st.dictionaries(_texts(), _values(), max_size=6))
def test_a15_the_lines_agree_with_protobufs_own_json_mapping(key, properties):
    raw = Entity(key=key, properties=properties)
    line = pb_line(raw)
    assert line == json.dumps(json_format.MessageToDict(raw), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    expected = raw.SerializeToString(deterministic=True)
    assert line_pb(line).SerializeToString(deterministic=True) == expected
    assert json_format.ParseDict(json.loads(line), Entity()).SerializeToString(deterministic=True) == expected


@pytest.mark.parametrize(("value", "reason"), [
    ({"integerValue": str(2**63)}, "integer of 64 bits"),
    ({"integerValue": True}, "integer of 64 bits"),
    ({"doubleValue": "1,5"}, "should be a number"),
    ({"booleanValue": "true"}, "true or false"),
    ({"stringValue": 5}, "should be text"),
    ({"blobValue": "not*base64"}, "not base64"),
    ({"timestampValue": "yesterday"}, "RFC 3339"),
    ({"timestampValue": "2026-02-30T00:00:00Z"}, "RFC 3339"),
    ({"timestampValue": "2026-12-01 07:08:09Z"}, "RFC 3339"),
    ({"stringValue": "a", "integerValue": "1"}, "one type"),
    ({"excludeFromIndexes": True}, "one type"),
    ({"geoPointValue": {"latitude": 1, "altitude": 2}}, "no field 'altitude'"),
    ({"arrayValue": {"values": {"stringValue": "a"}}}, "should be a list"),
    ({"keyValue": {"path": [{"kind": "A", "id": "1", "name": "b"}]}}, "both an id and a name"),
    ({"entityValue": {"properties": {"x": "plain"}}}, "should be an object"),
])
def test_a15_a_value_outside_datastores_form_is_refused_with_its_reason(value, reason):
    line = json.dumps({"key": {"path": [{"kind": "Group", "name": "abc"}]}, "properties": {"x": value}})
    with pytest.raises(LineError, match=reason):
        line_pb(line)


@pytest.mark.parametrize("text", ["2026-12-01T07:08:09Z", "2026-12-01T07:08:09.5Z", "0001-01-01T00:00:00Z",
                                  "9999-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59.000000001Z",
                                  "2026-03-29T02:30:00+02:00", "2026-03-29T02:30:00.25-09:30"])
def test_a15_times_read_as_protobufs_timestamp_reads_them(text):
    line = json.dumps({"key": {"path": [{"kind": "A", "id": "1"}]}, "properties": {"at": {"timestampValue": text}}})
    expected = Value().timestamp_value
    expected.FromJsonString(text)
    assert line_pb(line).properties["at"].timestamp_value == expected
