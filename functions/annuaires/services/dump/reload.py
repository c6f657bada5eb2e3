"""Reloading a dump (A15) into a test datastore: every line checked before the first write, then written in batches.

A reload is a door like a form (R1): each line is read through its kind's schema (`reload_check`), into this
datastore's own partition only, with what its kind seals opened (the schema says what, never the file), Datastore's
limits checked, one line a key; lines are read 2 MiB at most, so a huge one costs no more memory than that.

The checked entities wait in a spool (in memory up to a bound, then on disk), so that a bad line anywhere,
the last one included, leaves the datastore as it was, and no dump is ever held whole in memory. Names stay
unique (A1), and so do mail addresses (B1): the claims a dump holds and those their owners need are checked
against each other and against the datastore before the first write (what is kept for that grows with
accounts, not members).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from google.protobuf.message import DecodeError

from annuaires.services.context import Context
from annuaires.services.dump import checks as reload_check
from annuaires.services.dump.dump import FORMAT, Sealer, checked_passphrase, place
from annuaires.services.errors import BadDumpLine, Forbidden
from annuaires.store import directories, groups, mail
from annuaires.store import name_claims as claims
from annuaires.store import raw as raw_store
from annuaires.store.base import lookup
from annuaires.store.entity_json import LineError, keys_of, line_pb, too_deep

BATCH = 500  # entities a write (Datastore's limit)
BATCH_BYTES = 3 * 1024 * 1024  # and bytes: under the 4 MiB a gRPC message may have by default (the emulator's limit)
SPOOL_IN_MEMORY = 16 * 1024 * 1024  # bytes of checked entities kept in memory before the spool goes to disk
LENGTH = struct.Struct(">I")
LINE_LIMIT = 2 * 1024 * 1024  # bytes of a line: an entity is 1 MiB at most, its JSON rarely more than a third larger
HEAD_LIMIT = 64 * 1024  # bytes of the first line
SALT_BYTES = (8, 64)  # argon2's least, and more than any dump uses (16)


def reload(ctx: Context, passphrase: str, lines: Iterable[bytes]) -> int:
    """Check a dump's lines, then write its entities into this datastore's partition; how many. BadDumpLine
    (nothing written) names the first line that cannot be reloaded; Forbidden unless the datastore is a test one."""
    if not ctx.config.test_datastore:
        raise Forbidden("not_a_test_datastore")
    count, unique = 0, (Names(), MailAddresses())
    partition = (ctx.client.project, ctx.client.namespace or "", ctx.client.database or "")
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        for number, raw in checked(passphrase, lines, *partition):
            for each in unique:
                each.note(raw, number)
            data = raw.SerializeToString()
            spool.write(LENGTH.pack(len(data)) + data)
            count += 1
        for each in unique:
            each.check(ctx.client)
        spool.seek(0)
        for batch in _batches(_spooled(spool)):
            raw_store.upsert(ctx.client, batch)
    return count


def lines_of(stream: IO[bytes]) -> Iterator[bytes]:
    """A dump's lines as a stream gives them, none read beyond LINE_LIMIT (a longer one comes cut, and is refused)."""
    while line := stream.readline(LINE_LIMIT + 2):
        yield line


def checked(passphrase: str, lines: Iterable[bytes], project: str, namespace: str,
            database: str = "") -> Iterator[tuple[int, Any]]:
    """Each entity of a dump's lines, checked through its kind's schema, its secrets opened and its key in the given
    partition, as Datastore's message, with its line's number; BadDumpLine at the first line that cannot be reloaded."""
    passphrase, lines = checked_passphrase(passphrase), iter(lines)
    head = _head(next(lines, b""))
    sealer, seen = Sealer(passphrase, _salt(head)), set()
    for number, line in enumerate(lines, start=2):
        try:
            raw = _entity(line, sealer, (project, namespace, database))
        except (LineError, UnicodeDecodeError) as error:
            raise BadDumpLine(number, str(error)) from error
        _into(raw, project, namespace, database)
        key = hashlib.blake2b(raw.key.SerializeToString(deterministic=True), digest_size=8).digest()
        if key in seen:  # (8 bytes a key: two of a million keys share a digest once in 10^7 dumps, refused then)
            raise BadDumpLine(number, "a key an earlier line has already")
        seen.add(key)
        yield number, raw


def _entity(line: bytes, sealer: Sealer, partition: tuple[str, str, str]) -> Any:
    """One line's entity, read through its kind's schema, its secrets opened; LineError saying why it cannot be."""
    text = line[:-1] if line.endswith(b"\n") else line
    if len(text) > LINE_LIMIT:
        raise LineError(f"longer than {LINE_LIMIT // 1024 // 1024} MiB (an entity of Datastore is 1 MiB at most)")
    raw = line_pb(text.decode())
    schema = reload_check.schema_of(raw)
    _within(raw, partition)
    reload_check.check_key(raw, schema)
    _open(raw, schema.secret, sealer)
    reload_check.check_entity(raw, schema)
    return raw


class Claims:
    """What a dump says of one kind of claims that keep something unique: the claims it holds (each with its
    owner), and the claims its owners need, each with its line; checked against each other and against the
    datastore once every line is read. A subclass says what its lines hold and how the datastore is read."""

    claimed = ""  # what a claim is on, as a refusal names it

    def __init__(self) -> None:
        self.claims: dict[str, tuple[str, str, int]] = {}  # claim id → its owner's family and id, line
        self.needed: dict[str, tuple[str, int]] = {}  # claim id → the id of the owner that needs it, line
        self.owners: set[tuple[str, str]] = set()  # (family, id) of the owners in the dump

    def note(self, raw: Any, number: int) -> None:
        raise NotImplementedError

    def held(self, client: Any, ids: list[str]) -> dict[str, str]:
        """Which of these claims the datastore holds, and by whom."""
        raise NotImplementedError

    def present(self, client: Any, owners: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these owners (family, id) the datastore holds."""
        raise NotImplementedError

    def check(self, client: Any) -> None:
        """BadDumpLine for the first claim without its owner or held here by another, or the first owner whose
        claim is held by another, or not held at all (a dump of owners without their claims)."""
        held = self.held(client, [*self.claims, *self.needed])
        here = self.present(client, {(f, o) for f, o, _ in self.claims.values() if (f, o) not in self.owners})
        for claim_id, (family, owner, number) in self.claims.items():
            if (family, owner) not in self.owners and (family, owner) not in here:
                raise BadDumpLine(number, f"a claim on {self.claimed} whose owner ({owner or 'none'}) is neither in the dump "
                                          "nor here")
            if held.get(claim_id, owner) != owner:
                raise BadDumpLine(number, f"the {self.claimed} this claim is on is already held by {held[claim_id]} in this "
                                          "datastore")
        for claim_id, (owner, number) in self.needed.items():
            holder = self.claims[claim_id][1] if claim_id in self.claims else held.get(claim_id)
            if holder is None:
                raise BadDumpLine(number, f"{owner}'s {self.claimed} come without their claim (dump claims with their owners)")
            if holder != owner:
                raise BadDumpLine(number, f"{owner}'s {self.claimed} is already held by {holder}")


OWNERS = {directories.SCHEMA.kind: "directory", groups.SCHEMA.kind: "group"}  # kinds holding names → their claims' family
NAMED = (("name", "name_key"), ("initials", "initials_key"))  # claimed field → the owner's property keeping its digest


class Names(Claims):
    """Names and initials (A1): a claim per directory's or group's name and initials."""

    claimed = "name or initials"

    def note(self, raw: Any, number: int) -> None:
        last = raw.key.path[-1]
        if last.kind == claims.SCHEMA.kind:
            owner = raw.properties["owner"].string_value if "owner" in raw.properties else ""
            self.claims[last.name] = (last.name.split(":", 1)[0], owner, number)
        elif last.kind in OWNERS and last.name and len(raw.key.path) == 1:
            family = OWNERS[last.kind]
            self.owners.add((family, last.name))
            for field, prop in NAMED:
                if prop in raw.properties and raw.properties[prop].string_value:
                    self.needed[claims.claim_id(family, field, raw.properties[prop].string_value)] = (last.name, number)

    def held(self, client: Any, ids: list[str]) -> dict[str, str]:
        return {i: c.owner for i, c in claims.SCHEMA.get_many(client, ids).items()}

    def present(self, client: Any, owners: set[tuple[str, str]]) -> set[tuple[str, str]]:
        kinds_of = {family: kind for kind, family in OWNERS.items()}
        keys = [client.key(kinds_of[family], code) for family, code in owners if family in kinds_of and code]
        return {(OWNERS[e.key.kind], e.key.name) for e in lookup(client, keys)}


MAIL_OWNERS = {mail.ACCOUNTS.kind: "account", mail.ALIASES.kind: "alias"}  # kinds holding addresses → their family


def _mail_owner(owner: str, use: str) -> str:
    """Who holds a mail address, as the check compares them: an account and an alias may have the same address."""
    return f"{'alias' if use == 'alias' else 'account'}:{owner}"


class MailAddresses(Claims):
    """Mail addresses (B1): each address in use is claimed once, by its account (its own and its companions') or
    its alias; every account and alias holds the claim of its own address. Owners are `account:<address>` and
    `alias:<address>`."""

    claimed = "address"

    def note(self, raw: Any, number: int) -> None:
        last = raw.key.path[-1]
        if last.kind not in (mail.ADDRESSES.kind, *MAIL_OWNERS):
            return
        if "@" not in last.name:
            raise BadDumpLine(number, f"a {last.kind} whose key is not an address")
        if last.kind == mail.ADDRESSES.kind:
            owner, use = (raw.properties[p].string_value if p in raw.properties else "" for p in ("owner", "use"))
            self.claims[last.name] = ("mail", _mail_owner(owner, use), number)
        else:
            owner = f"{MAIL_OWNERS[last.kind]}:{last.name}"
            self.owners.add(("mail", owner))
            self.needed[last.name] = (owner, number)

    def held(self, client: Any, ids: list[str]) -> dict[str, str]:
        found = lookup(client, mail.address_keys(client, ids))
        return {e.key.name: _mail_owner(e.get("owner", ""), e.get("use", "")) for e in found}

    def present(self, client: Any, owners: set[tuple[str, str]]) -> set[tuple[str, str]]:
        schemas = {"account": mail.ACCOUNTS, "alias": mail.ALIASES}
        named = [owner.split(":", 1) for _, owner in owners]
        keys = [schemas[family].key(client, address, mail.domain_of(address)) for family, address in named if "@" in address]
        return {("mail", f"{MAIL_OWNERS[e.key.kind]}:{e.key.name}") for e in lookup(client, keys)}


def _head(line: bytes) -> dict:
    """The first line, which describes the dump; BadDumpLine naming line 1 when it does not."""
    try:
        head = json.loads(line) if len(line) <= HEAD_LIMIT and not too_deep(line.decode()) else None
    except (ValueError, RecursionError) as error:  # (UnicodeDecodeError and JSONDecodeError are ValueErrors)
        raise BadDumpLine(1, "the first line does not describe a dump (not JSON)") from error
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise BadDumpLine(1, f"the first line does not describe a dump of format {FORMAT}")
    sealed = head.get("sealed")
    if not isinstance(head.get("project"), str) or not isinstance(head.get("namespace", ""), str) or not isinstance(
            sealed, dict) or not isinstance(sealed.get("kdf"), dict):
        raise BadDumpLine(1, "the first line does not name the dump's project, namespace and how its secrets are sealed")
    return head


def _salt(head: dict) -> bytes:
    """The salt the first line gives (what a kind seals comes from its schema, never from this line)."""
    salt = head["sealed"]["kdf"].get("salt")
    try:
        found = base64.b64decode(salt, validate=True) if isinstance(salt, str) and len(salt) <= 128 else b""
    except (ValueError, binascii.Error) as error:
        raise BadDumpLine(1, "the first line does not give the key's salt in base64") from error
    if not SALT_BYTES[0] <= len(found) <= SALT_BYTES[1]:
        raise BadDumpLine(1, f"the first line does not give a salt of {SALT_BYTES[0]} to {SALT_BYTES[1]} bytes")
    return found


def _within(raw: Any, partition: tuple[str, str, str]) -> None:
    """A key is relative to the dump's partition (it goes into this datastore's), or names this datastore's own
    project, namespace and database: a key naming any other is refused."""
    project, namespace, database = partition
    for key in keys_of(raw):
        named = key.partition_id
        if named.project_id and named.project_id != project:
            raise LineError(f"a key of another project ({named.project_id[:80]})")
        if (named.project_id or named.namespace_id or named.database_id) and (
                named.namespace_id != namespace or named.database_id != database):
            raise LineError(f"a key of another namespace ({named.namespace_id[:80] or 'the default one'})")


def _open(raw: Any, names: Iterable[str], sealer: Sealer) -> None:
    """Open what the kind seals (its schema says which): a sealed blob, or null for a secret never set."""
    for name in names:
        if name in raw.properties and raw.properties[name].WhichOneof("value_type") != "null_value":
            value = raw.properties[name]
            if value.WhichOneof("value_type") != "blob_value":
                raise LineError(f"{name} should be sealed and is not")
            try:
                raw.properties[name].CopyFrom(sealer.open(value.blob_value, place(raw.key, name)))
            except (InvalidTag, ValueError, DecodeError) as error:
                raise LineError(f"the passphrase does not open {name} (another passphrase, or a value moved)") from error


def _into(raw: Any, project: str, namespace: str, database: str) -> None:
    """Keys relative to the dump's partition go into this datastore's."""
    for key in keys_of(raw):
        key.partition_id.project_id, key.partition_id.namespace_id = project, namespace
        key.partition_id.database_id = database


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
