"""Dumps of the datastore (A15): JSON Lines, Datastore's own JSON form of an entity a line, after a line that
describes the dump. Streamed a query page at a time, never held whole.

Password hashes and sealed secrets leave the datastore only encrypted (A2): each such value, as Datastore's
own message, sealed with AES-SIV (RFC 5297) under a key derived from the dump's passphrase by argon2id, bound
to its entity and property; the line keeps Datastore's form (a blob, out of indexes). AES-SIV is deterministic
and the salt is the project's: two dumps of the same entities are the same lines (a dump reloaded and dumped
again can be compared line by line), and equal ciphertexts tell only that one value of one place is unchanged. Keys are written relative to
the dump's partition (project and namespace, named once in the first line), as Datastore's JSON allows: the
same entities give the same lines whichever namespace they are dumped from.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import itertools
import json
from collections.abc import Iterator
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from annuaires.services.auth import resolve
from annuaires.services.context import Context
from annuaires.services.dump.scope import of_directory
from annuaires.services.errors import InvalidInput
from annuaires.services.roles import DIRECTORY
from annuaires.store import kinds, raw
from annuaires.store.entity_json import Value, keys_of, pb_line, to_pb

FORMAT = "annuaires-dump/1"
MIN_PASSPHRASE = 12
KDF = {"name": "argon2id", "time_cost": 3, "memory_kib": 64 * 1024, "parallelism": 1}  # RFC 9106's second choice


def dumped_kinds() -> list[str]:
    """The kinds a total dump holds, in the registry's order: the service's own, but sessions, sign-in counters, the
    mail roles and the export token (`kinds.NOT_DUMPED`). A kind the service does not declare is never dumped: a
    reload reads every entity through its kind's schema."""
    return [schema.kind for schema in kinds.DUMPED]


def secret_properties(kind: str) -> tuple[str, ...]:
    """The properties of a kind that leave the datastore only sealed."""
    schema = kinds.BY_KIND.get(kind)
    return schema.secret if schema else ()


def project_salt(project: str) -> bytes:
    """The salt of the dumps of one project (the first line of each dump gives it)."""
    return hashlib.sha256(f"annuaires dump|{project}".encode()).digest()[:16]


class Sealer:
    """Seals and opens the secret values of one dump, under the key its passphrase and salt give (derived when first
    needed: a file without secrets, or refused before its first one, costs no key derivation)."""

    def __init__(self, passphrase: str, salt: bytes) -> None:
        self.passphrase, self.salt = passphrase, salt

    @functools.cached_property
    def cipher(self) -> AESSIV:
        key = hash_secret_raw(self.passphrase.encode(), self.salt, time_cost=KDF["time_cost"], memory_cost=KDF["memory_kib"],
                              parallelism=KDF["parallelism"], hash_len=64, type=Type.ID)
        return AESSIV(key)

    def seal(self, value: Any, place: bytes) -> bytes:
        """A Datastore value, encrypted and bound to its place (key path and property)."""
        return self.cipher.encrypt(value.SerializeToString(), [place])

    def open(self, sealed: bytes, place: bytes) -> Any:
        """The Datastore value sealed here (cryptography's InvalidTag for another passphrase or place; protobuf's
        DecodeError when what was sealed is not a value)."""
        return Value.FromString(self.cipher.decrypt(sealed, [place]))


def checked_passphrase(passphrase: str | None) -> str:
    """The dump's passphrase, long enough, or InvalidInput naming it."""
    if not passphrase:
        raise InvalidInput({"passphrase": "required"})
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput({"passphrase": "too_short"})
    return passphrase


def checked_kinds(client: Any, names: list[str] | None) -> list[str]:
    """The kinds asked for (all that are dumped, when none), or InvalidInput naming `kinds`."""
    every = dumped_kinds()
    if not names:
        return every
    if any(name not in every for name in names):
        raise InvalidInput({"kinds": "unknown_kind"})
    return list(dict.fromkeys(names))


def dump(ctx: Context, passphrase: str, kind_names: list[str] | None = None, directory: str | None = None) -> Iterator[str]:
    """The lines of a dump (each ending with a newline): its description, then every entity of the kinds asked
    for (all of them by default), or only those of one directory (its code or initials) and what it references."""
    chosen, passphrase = checked_kinds(ctx.client, kind_names), checked_passphrase(passphrase)
    if directory:  # by its code or its initials, as its admin signs in
        found = resolve(ctx, DIRECTORY, directory)
        if found is None:
            raise InvalidInput({"directory": "not_found"})
        directory = found.code
    project, namespace = ctx.client.project, ctx.client.namespace or ""
    salt = project_salt(project)
    sealer = Sealer(passphrase, salt)
    entities = _of_directory(ctx, directory, set(chosen)) if directory else _of_kinds(ctx, chosen)
    first = next(entities, None)  # an unknown directory is refused before the first line
    head = {"format": FORMAT, "dumped": ctx.now().isoformat().replace("+00:00", "Z"), "project": project,
            "namespace": namespace, "kinds": chosen, "directory": directory,
            "sealed": {"kdf": {**KDF, "salt": base64.b64encode(salt).decode()}, "cipher": "AES-SIV-512",
                       "properties": {kind: list(secret_properties(kind)) for kind in chosen if secret_properties(kind)}}}
    yield json.dumps(head, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    for entity in itertools.chain([first] if first is not None else [], entities):
        yield _line(entity, secret_properties(entity.key.path[-1].kind), sealer, project, namespace) + "\n"


def _of_kinds(ctx: Context, chosen: list[str]) -> Iterator[Any]:
    """Every entity of the kinds, as Datastore's messages, a query batch at a time."""
    for kind in chosen:
        for batch in raw.of_kind(ctx.client, kind):
            yield from batch


def _of_directory(ctx: Context, directory: str, kinds_kept: set[str]) -> Iterator[Any]:
    return (to_pb(entity) for entity in of_directory(ctx.client, directory) if entity.key.kind in kinds_kept)


def _line(raw: Any, secret: tuple[str, ...], sealer: Sealer, project: str, namespace: str) -> str:
    """One entity's line (the message is changed: its secrets sealed, its keys made relative)."""
    for name in secret:
        if name in raw.properties and raw.properties[name].WhichOneof("value_type") != "null_value":
            sealed = sealer.seal(raw.properties[name], place(raw.key, name))
            raw.properties[name].CopyFrom(Value(blob_value=sealed, exclude_from_indexes=True))
    _relative(raw, project, namespace)
    return pb_line(raw)


def place(key: Any, name: str) -> bytes:
    """What a sealed value is bound to: its entity's key path and its property (another place cannot open it)."""
    path = "/".join(f"{e.kind}:{e.name or e.id}" for e in key.path)
    return f"{path}#{name}".encode()


def _relative(raw: Any, project: str, namespace: str) -> None:
    """Leave out the partition of the entity's key and of every key it holds, where it is the dump's own."""
    for key in keys_of(raw):
        if key.partition_id.project_id == project and key.partition_id.namespace_id == namespace:
            key.ClearField("partition_id")
