"""The directories admin's work: list, create, reset, deactivate directories (A1, A5, A6)."""

from __future__ import annotations

from google.cloud import datastore

from ..codes import new_code
from ..store import claims, entities, sessions
from ..store.base import in_transaction, now
from . import audit, passwords
from .accounts import reset_password
from .errors import InitialsTaken, NameTaken, NotFound
from .names import normalize
from .principal import DIRECTORIES, DIRECTORY, Principal
from .views import directory_row


def list_directories(
    client: datastore.Client, *, limit: int, cursor: str | None = None
) -> tuple[list[dict], str | None]:
    """One page of directories, by name."""
    found, next_cursor = entities.page(client, entities.DIRECTORY, [], limit=limit, cursor=cursor, order="name_norm")
    return [directory_row(e) for e in found], next_cursor


def claim_or_raise(client: datastore.Client, family: str, owner: str, wanted: dict[str, str]) -> None:
    """Inside a transaction: take the name and initials claims, or raise which is taken (A1)."""
    taken = claims.take(client, family, owner, wanted)
    if taken == "name":
        raise NameTaken(field="name")
    if taken == "initials":
        raise InitialsTaken(field="initials")


def create_directory(client: datastore.Client, principal: Principal, name: str, initials: str) -> dict:
    """Create a directory with the password 0000, its name and initials unique (A1, A3, A5)."""
    code = new_code()
    initial_hash = passwords.hash_password(passwords.INITIAL_PASSWORD)

    def work() -> datastore.Entity:
        claim_or_raise(client, "directory", code, {"name": normalize(name), "initials": normalize(initials)})
        entity = entities.new(client, entities.DIRECTORY, code)
        at = now()
        entity.update(
            name=name, initials=initials, name_norm=normalize(name), initials_norm=normalize(initials),
            password_hash=initial_hash, must_change=True, active=True, color="", comment="", created=at,
        )
        client.put(entity)
        audit.record(client, principal, "directory_created", f"{DIRECTORY}:{code}", detail=f"{name} ({initials})")
        return entity

    return directory_row(in_transaction(client, work))


def set_directory_active(client: datastore.Client, principal: Principal, code: str, active: bool) -> None:
    """Deactivate or reactivate a directory; nothing is deleted (A6)."""

    def work() -> None:
        entity = entities.get(client, entities.DIRECTORY, code)
        if entity is None:
            raise NotFound()
        entity["active"] = active
        client.put(entity)
        action = "directory_activated" if active else "directory_deactivated"
        audit.record(client, principal, action, f"{DIRECTORY}:{code}", detail=entity["name"])

    in_transaction(client, work)
    if not active:
        sessions.end_all(client, DIRECTORY, code)


def reset_directory_password(client: datastore.Client, principal: Principal, code: str) -> None:
    """Reset a directory's password to 0000 (A2, A4)."""
    reset_password(client, principal, DIRECTORY, code)


def audit_of_directories_admin(client: datastore.Client) -> list[dict]:
    """What was done to the directories admin itself (its password set by the general admin)."""
    return audit.latest(client, f"{DIRECTORIES}:{DIRECTORIES}")
