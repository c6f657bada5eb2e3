"""Reloading a dump (A15) into a test datastore: every line checked before the first write, then written in batches.

The checked entities wait in a spool (in memory up to a bound, then on disk), so that a bad line anywhere,
the last one included, leaves the datastore as it was, and no dump is ever held whole in memory.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from google.cloud.datastore import helpers

from ..store.entity_json import Entity, LineError, keys_of, line_pb
from .context import Context
from .dump import FORMAT, Sealer, checked_passphrase, place
from .errors import BadDumpLine, Forbidden

BATCH = 500  # entities a write (Datastore's limit)
SPOOL_IN_MEMORY = 16 * 1024 * 1024  # bytes of checked entities kept in memory before the spool goes to disk
LENGTH = struct.Struct(">I")


def reload(ctx: Context, passphrase: str, lines: Iterable[bytes]) -> int:
    """Check a dump's lines, then write its entities into this datastore's partition; how many. BadDumpLine
    (nothing written) names the first line that cannot be reloaded; Forbidden unless the datastore is a test one."""
    if not ctx.config.test_datastore:
        raise Forbidden("not_a_test_datastore")
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        for raw in checked(passphrase, lines, ctx.client.project, ctx.client.namespace or ""):
            data = raw.SerializeToString()
            spool.write(LENGTH.pack(len(data)) + data)
            count += 1
        spool.seek(0)
        batch = []
        for raw in _spooled(spool):
            batch.append(helpers.entity_from_protobuf(raw))
            if len(batch) == BATCH:
                ctx.client.put_multi(batch)
                batch = []
        if batch:
            ctx.client.put_multi(batch)
    return count


def checked(passphrase: str, lines: Iterable[bytes], project: str, namespace: str) -> Iterator[Any]:
    """Each entity of a dump's lines, checked, its secrets opened and its keys in the given partition, as
    Datastore's message; BadDumpLine at the first line that cannot be reloaded."""
    passphrase, lines = checked_passphrase(passphrase), iter(lines)
    head = _head(next(lines, b""))
    sealer = Sealer(passphrase, _salt(head))
    sealed = head["sealed"]["properties"]
    for number, line in enumerate(lines, start=2):
        try:
            raw = line_pb(line.decode())
            _within(raw, head["project"])
            _open(raw, sealed.get(raw.key.path[-1].kind, ()), sealer)
        except (LineError, UnicodeDecodeError) as error:
            raise BadDumpLine(number, str(error)) from error
        _into(raw, project, namespace)
        yield raw


def _head(line: bytes) -> dict:
    try:
        head = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadDumpLine(1, "the first line does not describe a dump (not JSON)") from error
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise BadDumpLine(1, f"the first line does not describe a dump of format {FORMAT}")
    if not isinstance(head.get("project"), str) or not isinstance(head.get("sealed", {}).get("properties"), dict):
        raise BadDumpLine(1, "the first line does not name the dump's project and its sealed properties")
    return head


def _salt(head: dict) -> bytes:
    try:
        return base64.b64decode(head["sealed"]["kdf"]["salt"], validate=True)
    except (KeyError, TypeError, binascii.Error) as error:
        raise BadDumpLine(1, "the first line does not give the key's salt") from error


def _within(raw: Any, project: str) -> None:
    """A key naming another project than the dump's, for the entity or in a property, is refused."""
    for key in keys_of(raw):
        if key.partition_id.project_id and key.partition_id.project_id != project:
            raise LineError(f"a key of another project ({key.partition_id.project_id})")


def _open(raw: Any, names: Iterable[str], sealer: Sealer) -> None:
    for name in names:
        if name in raw.properties:
            value = raw.properties[name]
            if value.WhichOneof("value_type") != "blob_value":
                raise LineError(f"{name} should be sealed and is not")
            try:
                raw.properties[name].CopyFrom(sealer.open(value.blob_value, place(raw.key, name)))
            except (InvalidTag, ValueError) as error:
                raise LineError(f"the passphrase does not open {name} (another passphrase, or a value moved)") from error


def _into(raw: Any, project: str, namespace: str) -> None:
    """Keys relative to the dump's partition go into this datastore's."""
    for key in keys_of(raw):
        if not key.partition_id.project_id:
            key.partition_id.project_id, key.partition_id.namespace_id = project, namespace


def _spooled(spool: IO[bytes]) -> Iterator[Any]:
    while header := spool.read(LENGTH.size):
        yield Entity.FromString(spool.read(LENGTH.unpack(header)[0]))
