"""Dumps of the datastore (A15): JSON Lines, Datastore's own JSON form of an entity a line, after a line that
describes the dump. Streamed a query page at a time, never held whole.

Password hashes and sealed secrets leave the datastore only encrypted (A2): each such value, as Datastore's
own message, sealed with AES-256-GCM under a key derived from the dump's passphrase by argon2id, bound to its
entity and property; the line keeps Datastore's form (a blob, out of indexes). Keys are written relative to
the dump's partition (project and namespace, named once in the first line), as Datastore's JSON allows: the
same entities give the same lines whichever namespace they are dumped from.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..store import kinds
from ..store.base import Schema, fetch_page
from ..store.entity_json import Value, pb_line, to_pb
from .context import Context
from .errors import InvalidInput

FORMAT = "annuaires-dump/1"
PAGE = 500
NOT_DUMPED = frozenset({"Session", "Throttle"})  # they end by themselves and open accounts: they never leave the store
MIN_PASSPHRASE = 12
KDF = {"name": "argon2id", "time_cost": 3, "memory_kib": 64 * 1024, "parallelism": 1}  # RFC 9106's second choice


def dumped_kinds() -> list[Schema]:
    """The kinds a total dump holds, in the registry's order."""
    return [schema for schema in kinds.ALL if schema.kind not in NOT_DUMPED]


class Sealer:
    """Seals and opens the secret values of one dump, under the key its passphrase and salt give."""

    def __init__(self, passphrase: str, salt: bytes) -> None:
        key = hash_secret_raw(passphrase.encode(), salt, time_cost=KDF["time_cost"], memory_cost=KDF["memory_kib"],
                              parallelism=KDF["parallelism"], hash_len=32, type=Type.ID)
        self.cipher = AESGCM(key)

    def seal(self, value: Any, place: bytes) -> bytes:
        """A Datastore value, encrypted and bound to its place (kind, key path, property)."""
        nonce = os.urandom(12)
        return nonce + self.cipher.encrypt(nonce, value.SerializeToString(), place)

    def open(self, sealed: bytes, place: bytes) -> Any:
        """The Datastore value sealed here (cryptography's InvalidTag for another passphrase or place)."""
        return Value.FromString(self.cipher.decrypt(sealed[:12], sealed[12:], place))


def checked_passphrase(passphrase: str | None) -> str:
    """The dump's passphrase, long enough, or InvalidInput naming it."""
    if not passphrase:
        raise InvalidInput({"passphrase": "required"})
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput({"passphrase": "too_short"})
    return passphrase


def checked_kinds(names: list[str] | None) -> list[Schema]:
    """The kinds asked for (all that are dumped, when none), or InvalidInput naming `kinds`."""
    every = {schema.kind: schema for schema in dumped_kinds()}
    if not names:
        return list(every.values())
    unknown = [name for name in names if name not in every]
    if unknown:
        raise InvalidInput({"kinds": "unknown_kind"})
    return [every[name] for name in dict.fromkeys(names)]


def dump(ctx: Context, passphrase: str, kind_names: list[str] | None = None) -> Iterator[str]:
    """The lines of a dump (each ending with a newline): its description, then every entity of the kinds asked for."""
    chosen, passphrase = checked_kinds(kind_names), checked_passphrase(passphrase)
    salt = os.urandom(16)
    sealer = Sealer(passphrase, salt)
    project, namespace = ctx.client.project, ctx.client.namespace or ""
    head = {"format": FORMAT, "dumped": ctx.now().isoformat().replace("+00:00", "Z"), "project": project,
            "namespace": namespace, "kinds": [s.kind for s in chosen], "directory": None,
            "sealed": {"kdf": {**KDF, "salt": base64.b64encode(salt).decode()}, "cipher": "AES-256-GCM",
                       "properties": {s.kind: list(s.secret) for s in chosen if s.secret}}}
    yield json.dumps(head, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    for schema in chosen:
        cursor = None
        while True:
            found, cursor = fetch_page(ctx.client, ctx.client.query(kind=schema.kind), PAGE, cursor)
            for entity in found:
                yield _line(entity, schema, sealer, project, namespace) + "\n"
            if cursor is None:
                break


def _line(entity: Any, schema: Schema, sealer: Sealer, project: str, namespace: str) -> str:
    raw = to_pb(entity)
    for name in schema.secret:
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
    def strip(key: Any) -> None:
        if key.partition_id.project_id == project and key.partition_id.namespace_id == namespace:
            key.ClearField("partition_id")

    def walk(value: Any) -> None:
        kind = value.WhichOneof("value_type")
        if kind == "key_value":
            strip(value.key_value)
        elif kind == "entity_value":
            _relative(value.entity_value, project, namespace)
        elif kind == "array_value":
            for item in value.array_value.values:
                walk(item)

    if raw.HasField("key"):
        strip(raw.key)
    for value in raw.properties.values():
        walk(value)
