"""A directory admin's acts on groups and groupements (A7, A8, A9, A12)."""

from __future__ import annotations

from datetime import timedelta

from google.cloud import datastore

from ..codes import new_code
from ..config import Config
from ..store import entities, sessions, throttle
from ..store.base import in_transaction, now
from . import audit, passwords
from .accounts import attempt, reset_password
from .directories import claim_or_raise
from .errors import Conflict, Forbidden, NotFound, Unauthenticated
from .names import normalize
from .principal import GROUP, Principal
from .views import group_view


def _log(client: datastore.Client, principal: Principal, action: str, group: datastore.Entity, detail: str = "") -> None:
    audit.record(client, principal, action, f"{GROUP}:{group.key.name}",
                 detail=detail or f"{group['name']} ({group['initials']})")


def _referenced(client: datastore.Client, principal: Principal, code: str) -> datastore.Entity:
    """A group this directory actively references; any other is not found here (A11)."""
    entity = entities.get(client, entities.GROUP, code)
    if entity is None or principal.subject not in (entity.get("refs") or []):
        raise NotFound("not_referenced")
    return entity


def _index_former_refs(entity: datastore.Entity) -> None:
    """The directories whose page lists this group as recent or deactivated, in one indexed list (one query).

    Expired history goes at every write, so that the list only holds what pages still show.
    """
    at = now()
    entity["history"] = [h for h in entity.get("history") or [] if h["until"] > at]
    deactivated_by = [entity["deactivated_by"]] if entity.get("deactivated_by") and not entity["active"] else []
    entity["former_refs"] = [h["directory"] for h in entity.get("history") or []] + deactivated_by


def _forget_history(entity: datastore.Entity, directory: str) -> None:
    entity["history"] = [h for h in entity.get("history") or [] if h["directory"] != directory]
    _index_former_refs(entity)


def create_group(client: datastore.Client, principal: Principal, type: str, name: str, initials: str) -> dict:
    """Create a group or groupement referenced by this directory, with the password 0000 (A1, A3, A7)."""
    code = new_code()
    initial_hash = passwords.hash_password(passwords.INITIAL_PASSWORD)

    def work() -> datastore.Entity:
        claim_or_raise(client, "group", code, {"name": normalize(name), "initials": normalize(initials)})
        entity = entities.new(client, entities.GROUP, code)
        entity.update(
            type=type, name=name, initials=initials, name_norm=normalize(name), initials_norm=normalize(initials),
            password_hash=initial_hash, must_change=True, active=True, created=now(),
            refs=[principal.subject], history=[], former_refs=[], deactivated_by=None, deactivated_at=None,
            mailing_day=None, mailer="Z", mailing_responsible=None, deliveries=[],
            message_subject="", message_body="",
        )
        client.put(entity)
        _log(client, principal, f"{type}_created", entity)
        return entity

    return group_view(in_transaction(client, work))


def add_reference(
    client: datastore.Client, config: Config, principal: Principal, directory: str, code: str, password: str,
    client_addr: str,
) -> dict:
    """Reference a group another active directory references, with its password as the animator's consent (A8).

    The directory and the group may be given by code or by initials. A group still on 0000 cannot consent.
    """
    entity = entities.resolve(client, entities.GROUP, "group", code, normalize(code))
    other = entities.resolve(client, entities.DIRECTORY, "directory", directory, normalize(directory))
    # Its own counter: failed references must not lock the animator out of signing in.
    counters = attempt(client, config, f"reference:{entity.key.name if entity else normalize(code)}", client_addr)

    def listed_in_other(group: datastore.Entity | None) -> bool:
        return group is not None and other is not None and other["active"] and other.key.name in (group.get("refs") or [])

    if not passwords.verify_password(entity.get("password_hash") if listed_in_other(entity) else None, password):
        raise Unauthenticated()
    throttle.release(client, counters)
    verified_hash = entity["password_hash"]

    def work() -> datastore.Entity:
        fresh = entities.get(client, entities.GROUP, entity.key.name)
        if not (listed_in_other(fresh) and fresh["active"] and fresh["password_hash"] == verified_hash):
            raise Unauthenticated()  # dereferenced, deactivated or reset meanwhile
        if fresh.get("must_change"):
            raise Forbidden("group_password_unchanged")
        if principal.subject in fresh["refs"]:
            raise Conflict("already_referenced")
        fresh["refs"] = [*fresh["refs"], principal.subject]
        _forget_history(fresh, principal.subject)
        client.put(fresh)
        _log(client, principal, "reference_added", fresh)
        return fresh

    return group_view(in_transaction(client, work))


def dereference(client: datastore.Client, config: Config, principal: Principal, code: str) -> str:
    """Stop referencing a group: recent history if referenced elsewhere, else deactivated (A9)."""
    directory = principal.subject

    def work() -> str:
        entity = _referenced(client, principal, code)
        entity["refs"] = [d for d in entity["refs"] if d != directory]
        at = now()
        if entity["refs"]:
            _forget_history(entity, directory)
            entity["history"] = [*entity["history"], {"directory": directory, "until": at + timedelta(days=config.recent_days)}]
            state = "recent"
        else:
            entity.update(active=False, deactivated_by=directory, deactivated_at=at)
            state = "deactivated"
        _index_former_refs(entity)
        client.put(entity)
        _log(client, principal, f"dereferenced_{state}", entity)
        return state

    state = in_transaction(client, work)
    if state == "deactivated":
        sessions.end_all(client, GROUP, code)
    return state


def reactivate(client: datastore.Client, config: Config, principal: Principal, code: str) -> dict:
    """Reactivate a group this directory deactivated, within the window (A9)."""

    def work() -> datastore.Entity:
        entity = entities.get(client, entities.GROUP, code)
        if entity is None or entity.get("deactivated_by") != principal.subject or entity["active"]:
            raise NotFound("not_deactivated_here")
        if entity["deactivated_at"] + timedelta(days=config.reactivation_days) <= now():
            raise Forbidden("reactivation_expired")
        refs = list(dict.fromkeys([*entity["refs"], principal.subject]))
        entity.update(active=True, deactivated_by=None, deactivated_at=None, refs=refs)
        _forget_history(entity, principal.subject)
        client.put(entity)
        _log(client, principal, "group_reactivated", entity)
        return entity

    return group_view(in_transaction(client, work))


def reset_group_password(client: datastore.Client, principal: Principal, code: str) -> None:
    """Reset a referenced group's password to 0000: the directory takes power, visibly (A4, A11)."""
    reset_password(client, principal, GROUP, code, allowed=lambda group: principal.subject in (group.get("refs") or []))


def set_mailing(client: datastore.Client, principal: Principal, code: str, day: str | None, mailer: str) -> dict:
    """Set a group's mailing day and mailer; this directory becomes responsible for it (A12)."""

    def work() -> datastore.Entity:
        entity = _referenced(client, principal, code)
        entity.update(mailing_day=day, mailer=mailer, mailing_responsible=principal.subject)
        client.put(entity)
        _log(client, principal, "mailing_configured", entity, f"{entity['name']} : {day or '-'} / {mailer}")
        return entity

    return group_view(in_transaction(client, work))
