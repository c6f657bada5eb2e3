"""Sign-in, sessions, passwords and their throttling (A2, A3, A4)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from google.cloud import datastore

from ..codes import is_code
from ..config import Config
from ..store import entities, sessions, throttle
from ..store.base import in_transaction, now
from . import audit, passwords
from .errors import Forbidden, InvalidInput, NotFound, TooManyAttempts, Unauthenticated
from .names import normalize
from .principal import DIRECTORIES, ENTITY_ROLES, GENERAL, Principal

# Roles whose sessions end together when their password changes: they carry an epoch.
EPOCH_ROLES = (*ENTITY_ROLES, DIRECTORIES)


def _open_session(
    client: datastore.Client, config: Config, role: str, subject: str, epoch: int = 0
) -> tuple[str, str]:
    # An entity's token names it, so that a request reads its session and its entity in one batch;
    # the session stored under the token's hash stays the authority on who it is.
    secret = secrets.token_urlsafe(32)
    token = f"{secret}.{role}.{subject}" if role in EPOCH_ROLES else secret
    csrf = secrets.token_urlsafe(24)
    at = now()
    sessions.create(
        client, token, role=role, subject=subject, csrf=csrf, epoch=epoch,
        created=at, expires=at + timedelta(hours=config.session_hours),
    )
    return token, csrf


def sign_in_general(client: datastore.Client, config: Config, email: str) -> Principal:
    """Open a general-admin session for an e-mail already proven (IAP, or local sign-in)."""
    email = email.strip().lower()
    if email not in config.general_admins:
        raise Unauthenticated()
    token, csrf = _open_session(client, config, GENERAL, email)
    return Principal(GENERAL, email, csrf, token)


def attempt(
    client: datastore.Client, config: Config, account: str, client_addr: str
) -> list[str]:
    """Count a password attempt on the account and the client before checking it, or refuse (429)."""
    counters = {f"account:{account}": config.throttle_account_failures,
                f"client:{client_addr}": config.throttle_client_failures}
    if not throttle.reserve(client, counters, now(), timedelta(seconds=config.throttle_window_seconds)):
        raise TooManyAttempts()
    return list(counters)


def sign_in(
    client: datastore.Client, config: Config, role: str, identifier: str, password: str, client_addr: str
) -> Principal:
    """Check a password for the directories admin, a directory or a group; open a session."""
    if role == DIRECTORIES:
        entity, subject = entities.settings(client, entities.DIRECTORIES_ADMIN), DIRECTORIES
    else:
        kind, family = ENTITY_ROLES[role]
        entity = entities.resolve(client, kind, family, identifier, normalize(identifier))
        subject = entity.key.name if entity is not None else ""
    # One counter per account, whether it is named by its code or its initials.
    counters = attempt(client, config, f"{role}:{subject or normalize(identifier)}", client_addr)
    if not passwords.verify_password(entity.get("password_hash") if entity else None, password):
        raise Unauthenticated()
    throttle.release(client, counters)
    if role in ENTITY_ROLES and not entity.get("active", True):
        raise Forbidden("account_deactivated")
    # The session carries the entity's epoch as read before the password was checked: a reset
    # committed since then has moved the epoch on, and this session opens nothing (A4).
    token, csrf = _open_session(client, config, role, subject, entity.get("sessions_epoch", 0))
    return Principal(role, subject, csrf, token, bool(entity.get("must_change")), entity)


def authenticate(client: datastore.Client, config: Config, token: str) -> Principal | None:
    """The principal of a session token, or None if it is unknown, expired, or ended by a reset or a password change."""
    if not token:
        return None
    _, claimed_role, claimed_subject = (token.split(".") + ["", ""])[:3]
    along = None
    if claimed_role in ENTITY_ROLES and is_code(claimed_subject):
        along = client.key(ENTITY_ROLES[claimed_role][0], claimed_subject)
    elif (claimed_role, claimed_subject) == (DIRECTORIES, DIRECTORIES):
        along = client.key(entities.SETTINGS, entities.DIRECTORIES_ADMIN)
    session, entity = sessions.get(client, token, along)
    if session is None or session["expires"] <= now():
        return None
    role, subject = session["role"], session["subject"]
    if role == GENERAL and subject not in config.general_admins:
        return None  # no longer listed in the configuration
    if (role, subject) != (claimed_role, claimed_subject):
        entity = None
    if role in EPOCH_ROLES and (
        entity is None or not entity.get("active", True)
        or session.get("epoch", 0) != entity.get("sessions_epoch", 0)
    ):
        return None
    if role not in ENTITY_ROLES:
        entity = None  # the directories admin's settings are not an entity it signs in as
    must_change = bool(entity and entity.get("must_change"))
    return Principal(role, subject, session["csrf"], token, must_change, entity)


def sign_out(client: datastore.Client, principal: Principal) -> None:
    """End the principal's session."""
    sessions.delete(client, principal.token)


def change_password(client: datastore.Client, principal: Principal, current: str, new: str) -> None:
    """Change the signed-in entity's own password; its other sessions end (A4)."""
    if principal.role not in ENTITY_ROLES:
        raise Forbidden()
    kind = ENTITY_ROLES[principal.role][0]
    if not passwords.verify_password(principal.entity.get("password_hash"), current):
        raise InvalidInput({"current": "wrong_password"})
    problem = passwords.policy_error(new)
    if problem is None and new == current:
        problem = "password_unchanged"
    if problem:
        raise InvalidInput({"new": problem})
    new_hash = passwords.hash_password(new)
    verified_hash = principal.entity["password_hash"]

    def work() -> None:
        entity = entities.get(client, kind, principal.subject)
        if entity["password_hash"] != verified_hash:
            raise Unauthenticated()  # reset or changed meanwhile: this session has ended
        epoch = entity.get("sessions_epoch", 0) + 1
        entity.update(password_hash=new_hash, must_change=False, sessions_epoch=epoch)
        client.put(entity)
        sessions.move_to_epoch(client, principal.token, epoch)  # this session goes on, the others end
        audit.record(client, principal, "password_changed")

    in_transaction(client, work)
    sessions.end_all(client, principal.role, principal.subject, keep=sessions.token_key(client, principal.token))


def set_directories_admin_password(client: datastore.Client, principal: Principal, password: str) -> None:
    """The general admin sets the directories-admin password, on an empty datastore too."""
    problem = passwords.policy_error(password)
    if problem:
        raise InvalidInput({"password": problem})
    new_hash = passwords.hash_password(password)

    def work() -> None:
        entity = entities.settings(client, entities.DIRECTORIES_ADMIN) or entities.new_settings(
            client, entities.DIRECTORIES_ADMIN)
        epoch = entity.get("sessions_epoch", 0) + 1  # every session opened with the old password ends
        entity.update(password_hash=new_hash, updated=now(), sessions_epoch=epoch)
        client.put(entity)
        audit.record(client, principal, "directories_admin_password_set", f"{DIRECTORIES}:{DIRECTORIES}")

    in_transaction(client, work)
    sessions.end_all(client, DIRECTORIES, DIRECTORIES)


def reset_password(
    client: datastore.Client, principal: Principal, role: str, code: str,
    allowed: Callable[[datastore.Entity], bool] = lambda _: True,
) -> datastore.Entity:
    """Overwrite an entity's password with 0000, end its sessions, and log it where it sees it (A4).

    `allowed` is checked inside the transaction: whether this principal may reset this entity.
    """
    kind = ENTITY_ROLES[role][0]
    initial_hash = passwords.hash_password(passwords.INITIAL_PASSWORD)

    def work() -> datastore.Entity:
        entity = entities.get(client, kind, code)
        if entity is None or not allowed(entity):
            raise NotFound()
        epoch = entity.get("sessions_epoch", 0) + 1
        entity.update(password_hash=initial_hash, must_change=True, sessions_epoch=epoch)
        client.put(entity)
        audit.record(client, principal, "password_reset", f"{role}:{code}")
        return entity

    entity = in_transaction(client, work)
    sessions.end_all(client, role, code)
    return entity
