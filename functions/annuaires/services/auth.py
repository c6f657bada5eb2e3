"""Sign-in, sessions, passwords and their throttling (A2, A3, A4)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from annuaires.codes import is_code
from annuaires.services import audit, devices, password_policy, passwords
from annuaires.services.context import Context
from annuaires.services.errors import Forbidden, InvalidInput, NotFound, TooManyAttempts, Unauthenticated
from annuaires.services.names import skeleton_key
from annuaires.services.roles import ACCOUNT_ROLES, DIRECTORIES, ENTITY_ROLES, GENERAL, MAIL, ROLES, Principal, Role
from annuaires.store import name_claims as claims
from annuaires.store import sessions, settings, throttle
from annuaires.store.accounts import Account
from annuaires.store.base import in_transaction

# Refused sign-ins, for the operators: the account by its code only (a name typed there may be a password).
log = logging.getLogger("annuaires.auth")
MAX_LOGIN = 40
DIRECTORIES_ADMIN_NAMES = ("annuaires", "annuaire", "admingen")  # what its password should not be built on


@dataclass
class SignedIn:
    """A new session, and the device cookie that now remembers this browser for the account."""

    principal: Principal
    device_cookie: str


def _open_session(ctx: Context, role: Role, subject: str, epoch: int, replaced: str | None) -> Principal:
    # The token names its account, so that a request reads its session and its account in one batch;
    # the session stored under the token's hash stays the authority on who it is.
    token = f"{secrets.token_urlsafe(32)}.{role.name}.{subject}"
    csrf = secrets.token_urlsafe(24)
    at = ctx.now()
    sessions.SCHEMA.put(ctx.client, sessions.Session(
        sessions.token_id(token), role.name, subject, csrf, epoch, at, at + timedelta(hours=ctx.config.session_hours)))
    if replaced:
        sessions.delete(ctx.client, replaced)  # signing in again ends the session it replaces
    return Principal(role, subject, csrf, token)


def sign_in_general(ctx: Context, email: str, replaced: str | None = None) -> Principal:
    """Open a general-admin session for an e-mail already proven (IAP, or local sign-in)."""
    email = email.strip().lower()
    if email not in ctx.config.general_admins:
        raise Unauthenticated("general_not_listed")
    return _open_session(ctx, GENERAL, email, 0, replaced)


def resolve(ctx: Context, role: Role, code_or_initials: str) -> Account | None:
    """A directory or group by its code (in any case) or its initials."""
    code = code_or_initials.strip().lower()
    if is_code(code) and (account := role.schema.get(ctx.client, code)) is not None:
        return account
    owner = claims.owner(ctx.client, role.family, "initials", skeleton_key(code_or_initials))
    return role.schema.get(ctx.client, owner) if owner else None


def subject_of(account: Account | None, identifier: str) -> str:
    """Whose counter an attempt counts on: the account's (by code or initials alike), or the unknown name's own."""
    return account.code if account is not None else f"unknown:{skeleton_key(identifier)}"


def _logged(subject: str) -> str:
    return "(unknown name)" if subject.startswith("unknown:") else subject


def count_attempt(ctx: Context, role: Role, subject: str, client_addr: str, device_cookie: str) -> Callable[[], None]:
    """Count a password attempt before checking it, or refuse (429); returns how to give it back on success.

    A browser that signed in to this account before counts on its own device counter, so that a
    stranger's guesses never lock it out; any other counts on the account's and the address's.
    """
    config = ctx.config
    nonce = devices.known_device(ctx.device_key, device_cookie, f"{role.name}:{subject}")
    if nonce is not None:
        counters = {f"device:{nonce}": config.throttle_account_failures}
    else:
        counters = {f"account:{role.name}:{subject}": config.throttle_account_failures,
                    f"client:{client_addr}": config.throttle_client_failures}
    at = ctx.now()
    until = throttle.reserve(ctx.client, counters, at, timedelta(seconds=config.throttle_window_seconds))
    if until is not None:
        log.warning("sign-in throttled: %s %s from %s", role.name, _logged(subject), client_addr)
        raise TooManyAttempts(minutes=max(1, -(-int((until - at).total_seconds()) // 60)))
    return lambda: throttle.release(ctx.client, list(counters))


def sign_in(ctx: Context, role: Role, identifier: str, password: str, *, client_addr: str,
            device_cookie: str = "", replaced: str | None = None) -> SignedIn:
    """Check a password for the directories admin, a directory, a group or a mail operator; open a session."""
    if role is DIRECTORIES:
        account, subject = settings.SCHEMA.get(ctx.client, settings.DIRECTORIES_ADMIN), DIRECTORIES.name
    elif role is MAIL:
        login = identifier.strip().lower()
        account = MAIL.schema.get(ctx.client, login) if login and len(login) <= MAX_LOGIN else None
        subject = account.login if account is not None else f"unknown:{skeleton_key(identifier)}"
    else:
        account = resolve(ctx, role, identifier)
        subject = subject_of(account, identifier)
    give_back = count_attempt(ctx, role, subject, client_addr, device_cookie)
    verified = ctx.passwords.verify(account.password_hash if account else None, password)
    must_change = bool(getattr(account, "must_change", False))
    # With 0000, only the code signs in: initials are guessable, codes are not (A3).
    if not verified or (must_change and identifier.strip().lower() != subject):
        log.warning("sign-in refused: %s %s from %s", role.name, _logged(subject), client_addr)
        raise Unauthenticated("wrong_password" if role is DIRECTORIES else "wrong_credentials")
    give_back()
    if not getattr(account, "active", True):
        raise Forbidden("account_deactivated")
    if must_change and initial_password_expired(ctx, account):
        raise Forbidden("initial_password_expired")
    # The session carries the epoch read before the password was checked: a reset committed since
    # has moved the epoch on, and this session opens nothing (A4).
    principal = _open_session(ctx, role, subject, account.sessions_epoch, replaced)
    principal.must_change_password, principal.account = must_change, account if role in ACCOUNT_ROLES else None
    return SignedIn(principal, devices.remember(ctx.device_key, device_cookie, f"{role.name}:{subject}"))


def check_directories_password(ctx: Context, password: str, *, client_addr: str) -> Principal:
    """The directories admin, for a script that gives its password with each call (HTTP Basic): checked and
    throttled as a sign-in, and no session opened."""
    account = settings.SCHEMA.get(ctx.client, settings.DIRECTORIES_ADMIN)
    give_back = count_attempt(ctx, DIRECTORIES, DIRECTORIES.name, client_addr, "")
    if not ctx.passwords.verify(account.password_hash if account else None, password):
        log.warning("directories-admin password refused from %s", client_addr)
        raise Unauthenticated("wrong_password")
    give_back()
    return Principal(DIRECTORIES, DIRECTORIES.name, "", "", False, None)


def initial_password_expired(ctx: Context, account: Account) -> bool:
    """Whether a 0000 password is past its days (A3): then only the level above can reset it again."""
    since = account.password_set or account.created
    return since is not None and since + timedelta(days=ctx.config.initial_password_days) <= ctx.now()


def authenticate(ctx: Context, role: Role, token: str) -> tuple[Principal | None, str]:
    """The principal of a role's session token, or None and why it has ended (a message key; empty without a token).

    A session ends when it expires, is signed out or replaced, or its account is reset, changes its
    password elsewhere or is deactivated (A4, A6).
    """
    if not token:
        return None, ""
    _, claimed_role, claimed_subject = (token.split(".", 2) + ["", ""])[:3]
    along = None
    if claimed_role == role.name and role.schema is not None and (role not in ENTITY_ROLES or is_code(claimed_subject)):
        along = role.schema.key(ctx.client, role.key_name(claimed_subject))
    session, entity = sessions.get_with(ctx.client, token, along)
    if session is None or (session.role, session.subject) != (role.name, claimed_subject):
        return None, "session_closed"
    if session.expires <= ctx.now():
        return None, "session_expired"
    if role is GENERAL and session.subject not in ctx.config.general_admins:
        return None, "session_closed"  # no longer listed in the configuration
    account = role.schema.read(entity) if entity is not None else None
    if role.epoch and account is None:
        return None, "session_closed"
    if not getattr(account, "active", True):
        return None, "account_deactivated"
    if role.epoch and session.epoch != account.sessions_epoch:
        return None, "session_reset" if getattr(account, "must_change", False) else "session_password_changed"
    must_change = bool(getattr(account, "must_change", False))
    return Principal(role, session.subject, session.csrf, token, must_change, account if role in ACCOUNT_ROLES else None), ""


def sign_out(ctx: Context, principal: Principal) -> None:
    """End the principal's session."""
    sessions.delete(ctx.client, principal.token)


def change_password(ctx: Context, principal: Principal, current: str, new: str, *, client_addr: str,
                    device_cookie: str = "") -> None:
    """Change the signed-in account's own password; its other sessions end (A4). Wrong `current` passwords count."""
    role = principal.role
    if role not in ACCOUNT_ROLES:
        raise Forbidden()
    problem = password_policy.problem(password_policy.policy_of(role.name), new, password_policy.names_of(principal.account))
    if problem is None and new == current:
        problem = "password_unchanged"
    if problem:
        raise InvalidInput({"new": problem})
    give_back = count_attempt(ctx, role, principal.subject, client_addr, device_cookie)
    verified_hash = principal.account.password_hash
    if not ctx.passwords.verify(verified_hash, current):
        raise InvalidInput({"current": "wrong_current_password"})
    give_back()
    new_hash = ctx.passwords.hash(new)

    def work() -> None:
        account = role.schema.get(ctx.client, principal.subject)
        if account is None or account.password_hash != verified_hash:
            raise Unauthenticated()  # reset or changed meanwhile: this session has ended
        account.password_hash, account.must_change, account.password_set = new_hash, False, ctx.now()
        account.sessions_epoch += 1
        role.schema.put(ctx.client, account)
        sessions.move_to_epoch(ctx.client, principal.token, account.sessions_epoch)  # this one goes on, the others end
        audit.record(ctx, principal, "password_changed")

    in_transaction(ctx.client, work)  # the new epoch ends the account's other sessions


def set_directories_admin_password(ctx: Context, principal: Principal, password: str) -> None:
    """The general admin sets the directories-admin password, on an empty datastore too."""
    problem = password_policy.problem(password_policy.VOLUNTEER, password, DIRECTORIES_ADMIN_NAMES)
    if problem:
        raise InvalidInput({"password": problem})
    new_hash = ctx.passwords.hash(password)

    def work() -> None:
        admin = settings.SCHEMA.get(ctx.client, settings.DIRECTORIES_ADMIN) or settings.DirectoriesAdmin()
        admin.password_hash, admin.updated = new_hash, ctx.now()
        admin.sessions_epoch += 1  # every session opened with the old password ends
        settings.SCHEMA.put(ctx.client, admin)
        audit.record(ctx, principal, "directories_admin_password_set", target=f"{DIRECTORIES.name}:{DIRECTORIES.name}")

    in_transaction(ctx.client, work)  # the new epoch ends every session opened with the old password


def reset_password(ctx: Context, principal: Principal, role: Role, code: str,
                   allowed: Callable[[Account], bool] = lambda _: True) -> Account:
    """Overwrite an account's password with 0000, end its sessions, and log it where it sees it (A4).

    `allowed` is checked inside the transaction: whether this principal may reset this account.
    """
    initial_hash = ctx.passwords.hash(passwords.INITIAL_PASSWORD)

    def work() -> Account:
        account = role.schema.get(ctx.client, code) if is_code(code) else None
        if account is None or not allowed(account):
            raise NotFound()
        account.password_hash, account.must_change, account.password_set = initial_hash, True, ctx.now()
        account.sessions_epoch += 1
        role.schema.put(ctx.client, account)
        audit.record(ctx, principal, "password_reset", target=f"{role.name}:{code}",
                     target_name=f"{account.name} ({account.initials})")
        return account

    return in_transaction(ctx.client, work)  # the new epoch ends every session of the account


def role_named(name: object) -> Role:
    """The role an input names, or bad input."""
    if not isinstance(name, str) or name not in ROLES:
        raise InvalidInput({"role": "invalid_choice"})
    return ROLES[name]
