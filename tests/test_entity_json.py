"""Entities as Datastore's own JSON form, one line each: every property type survives the store and the line (A15)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from google.cloud import datastore
from google.cloud.datastore.helpers import GeoPoint

from annuaires.store.entity_json import LineError, from_line, to_line


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
