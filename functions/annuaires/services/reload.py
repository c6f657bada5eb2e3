"""Reloading a dump (A15) into a test datastore: every line checked before the first write, then written in batches.

The checked entities wait in a spool (in memory up to a bound, then on disk), so that a bad line anywhere,
the last one included, leaves the datastore as it was, and no dump is ever held whole in memory. Names stay
unique (A1): the claims a dump holds and those its directories and groups need are checked against each other
and against the datastore before the first write (what is kept for that grows with accounts, not members).
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

from ..store import claims, directories, groups
from ..store import raw as raw_store
from ..store.base import lookup
from ..store.entity_json import LineError, keys_of, line_pb
from .context import Context
from .dump import FORMAT, Sealer, checked_passphrase, place
from .errors import BadDumpLine, Forbidden

BATCH = 500  # entities a write (Datastore's limit)
BATCH_BYTES = 3 * 1024 * 1024  # and bytes: under the 4 MiB a gRPC message may have by default (the emulator's limit)
SPOOL_IN_MEMORY = 16 * 1024 * 1024  # bytes of checked entities kept in memory before the spool goes to disk
LENGTH = struct.Struct(">I")


def reload(ctx: Context, passphrase: str, lines: Iterable[bytes]) -> int:
    """Check a dump's lines, then write its entities into this datastore's partition; how many. BadDumpLine
    (nothing written) names the first line that cannot be reloaded; Forbidden unless the datastore is a test one."""
    if not ctx.config.test_datastore:
        raise Forbidden("not_a_test_datastore")
    count, names = 0, Names()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        for number, raw in checked(passphrase, lines, ctx.client.project, ctx.client.namespace or ""):
            names.note(raw, number)
            data = raw.SerializeToString()
            spool.write(LENGTH.pack(len(data)) + data)
            count += 1
        names.check(ctx.client)
        spool.seek(0)
        for batch in _batches(_spooled(spool)):
            raw_store.upsert(ctx.client, batch)
    return count


def checked(passphrase: str, lines: Iterable[bytes], project: str, namespace: str) -> Iterator[tuple[int, Any]]:
    """Each entity of a dump's lines, checked, its secrets opened and its keys in the given partition, as
    Datastore's message, with its line's number; BadDumpLine at the first line that cannot be reloaded."""
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
        yield number, raw


OWNERS = {directories.SCHEMA.kind: "directory", groups.SCHEMA.kind: "group"}  # kinds holding names → their claims' family
NAMED = (("name", "name_key"), ("initials", "initials_key"))  # claimed field → the owner's property keeping its digest


class Names:
    """What a dump says of names (A1): the claims it holds, and the claims its directories and groups need, each
    with its line; checked against each other and against the datastore once every line is read."""

    def __init__(self) -> None:
        self.claims: dict[str, tuple[str, int]] = {}  # claim id → its owner's code, line
        self.needed: dict[str, tuple[str, int]] = {}  # claim id → the code of the account that needs it, line
        self.owners: set[tuple[str, str]] = set()  # (family, code) of the accounts in the dump

    def note(self, raw: Any, number: int) -> None:
        last = raw.key.path[-1]
        if last.kind == claims.SCHEMA.kind:
            self.claims[last.name] = (raw.properties["owner"].string_value if "owner" in raw.properties else "", number)
        elif last.kind in OWNERS and last.name and len(raw.key.path) == 1:
            family = OWNERS[last.kind]
            self.owners.add((family, last.name))
            for field, prop in NAMED:
                if prop in raw.properties and raw.properties[prop].string_value:
                    self.needed[claims.claim_id(family, field, raw.properties[prop].string_value)] = (last.name, number)

    def check(self, client: Any) -> None:
        """BadDumpLine for the first claim without its owner or held here by another, or the first account whose
        name is claimed by another, or not claimed at all (a dump of accounts without their claims)."""
        held = {i: c.owner for i, c in claims.SCHEMA.get_many(client, [*self.claims, *self.needed]).items()}
        absent = {(family, code) for family, code in ((i.split(":", 1)[0], o) for i, (o, _) in self.claims.items())
                  if (family, code) not in self.owners}
        here = _present(client, absent)
        for claim_id, (owner, number) in self.claims.items():
            family = claim_id.split(":", 1)[0]
            if (family, owner) not in self.owners and (family, owner) not in here:
                raise BadDumpLine(number, f"a claim on a name whose owner ({owner or 'none'}) is neither in the dump nor here")
            if held.get(claim_id, owner) != owner:
                raise BadDumpLine(number, f"the name this claim is on is already held by {held[claim_id]} in this datastore")
        for claim_id, (code, number) in self.needed.items():
            holder = self.claims[claim_id][0] if claim_id in self.claims else held.get(claim_id)
            if holder is None:
                raise BadDumpLine(number, f"{code}'s name or initials come without their claim (dump claims with their owners)")
            if holder != code:
                raise BadDumpLine(number, f"{code}'s name or initials are already held by {holder}")


def _present(client: Any, accounts: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these accounts (family, code) the datastore holds."""
    kinds_of = {family: kind for kind, family in OWNERS.items()}
    keys = [client.key(kinds_of[family], code) for family, code in accounts if family in kinds_of and code]
    return {(OWNERS[e.key.kind], e.key.name) for e in lookup(client, keys)}


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


def _batches(entities: Iterator[bytes]) -> Iterator[list[bytes]]:
    """Serialized entities in batches of BATCH at most, and of BATCH_BYTES at most unless one entity is larger."""
    batch, size = [], 0
    for data in entities:
        if batch and (len(batch) == BATCH or size + len(data) > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(data)
        size += len(data)
    if batch:
        yield batch


def _spooled(spool: IO[bytes]) -> Iterator[bytes]:
    """The checked entities, serialized, in the order they came."""
    while header := spool.read(LENGTH.size):
        yield spool.read(LENGTH.unpack(header)[0])
