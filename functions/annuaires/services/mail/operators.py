"""Who manages mail accounts (B2): mail admins (the general admin, and those it names) and operators, each of
some domains; what each may do is decided here, for pages, the API and tasks alike."""

from __future__ import annotations

import re

from annuaires.services import audit, password_policy, values, versions
from annuaires.services.context import Context
from annuaires.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from annuaires.services.roles import GENERAL, MAIL, Principal
from annuaires.store import mail as mail_store
from annuaires.store.base import in_transaction
from annuaires.store.mail_operators import OPERATORS, MailOperator, every

LOGIN = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,38}[a-z0-9])?")
MAX_DOMAINS = 200


def is_mail_admin(principal: Principal) -> bool:
    """The general admin, or a mail admin it named."""
    return principal.role is GENERAL or (principal.role is MAIL and bool(getattr(principal.account, "admin", False)))


def may_manage(principal: Principal, domain: str) -> None:
    """Forbidden unless the principal manages this domain's accounts and aliases."""
    if is_mail_admin(principal):
        return
    if principal.role is MAIL and domain in getattr(principal.account, "domains", ()):
        return
    raise Forbidden()


def must_be_mail_admin(principal: Principal) -> None:
    """Domains and operators are the mail admins' (B2)."""
    if not is_mail_admin(principal):
        raise Forbidden()


def visible_domains(principal: Principal, names: list[str]) -> list[str]:
    """The domains among these that the principal manages."""
    return names if is_mail_admin(principal) else [n for n in names if n in getattr(principal.account, "domains", ())]


def operator_row(operator: MailOperator) -> dict:
    return {"login": operator.login, "domains": operator.domains, "admin": operator.admin, "active": operator.active,
            "version": operator.version}


def list_operators(ctx: Context, principal: Principal) -> list[dict]:
    must_be_mail_admin(principal)
    return [operator_row(o) for o in every(ctx.client)]


def _login(value: object) -> str:
    if not isinstance(value, str) or not LOGIN.fullmatch(value.strip().lower()):
        raise ValueError("invalid_login")
    return value.strip().lower()


def _domains(value: object) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_DOMAINS or not all(isinstance(d, str) for d in value):
        raise ValueError("invalid_domains")
    return list(dict.fromkeys(d.strip().lower() for d in value))


def create_operator(ctx: Context, principal: Principal, login: str, password: str, domains: list | None = None,
                    admin: bool = False) -> dict:
    """Name an operator of some domains, or (the general admin only) a mail admin; its password is changed at its
    first sign-in."""
    must_be_mail_admin(principal)
    given = values.checked(login=(_login, login), domains=(_domains, domains or []), admin=(values.boolean, admin))
    if given["admin"] and principal.role is not GENERAL:
        raise Forbidden()
    if problem := password_policy.problem(password_policy.MAIL, password, [given["login"]]):
        raise InvalidInput({"password": problem})
    password_hash, at = ctx.passwords.hash(password), ctx.now()
    known = mail_store.DOMAINS.get_many(ctx.client, given["domains"])
    if any(name not in known or known[name].companion for name in given["domains"]):
        raise InvalidInput({"domains": "unknown_domain"})

    def work() -> MailOperator:
        if OPERATORS.get(ctx.client, given["login"]) is not None:
            raise Conflict("login_taken", field="login")
        operator = MailOperator(given["login"], given["login"], password_hash, given["domains"], given["admin"], True, at,
                                True, at, version=versions.first(at))
        OPERATORS.put(ctx.client, operator)
        audit.record(ctx, principal, "mail_operator_created", target=f"mail:{operator.login}", target_name=operator.login,
                     detail=", ".join(operator.domains) or ("admin" if operator.admin else ""),
                     also=[f"domain:{d}" for d in operator.domains])
        return operator

    return operator_row(in_transaction(ctx.client, work, lookup_first=True))


def _named(ctx: Context, login: object) -> MailOperator:
    """The operator of a login from a URL (in the caller's transaction, if any), or NotFound."""
    try:
        found = OPERATORS.get(ctx.client, _login(login))
    except ValueError:
        found = None  # no operator has such a login
    if found is None:
        raise NotFound()
    return found


def operator_label(ctx: Context, principal: Principal, login: str) -> str:
    """An operator as a confirmation page names it: its login and its domains."""
    must_be_mail_admin(principal)
    operator = _named(ctx, login)
    return f"{operator.login} ({', '.join(operator.domains)})" if operator.domains else operator.login


def delete_operator(ctx: Context, principal: Principal, login: str, *, seen: versions.Seen | None = None) -> None:
    """Remove an operator (its sessions end with it); a mail admin only by the general admin; only as `seen` (R2)."""
    must_be_mail_admin(principal)

    def work() -> None:
        operator = _named(ctx, login)
        if operator.admin and principal.role is not GENERAL:
            raise Forbidden()
        versions.unchanged(seen, "MailOperator", operator.login, operator, operator_row(operator))
        ctx.client.delete(OPERATORS.key(ctx.client, operator.login))
        audit.record(ctx, principal, "mail_operator_deleted", target=f"mail:{operator.login}", target_name=operator.login,
                     also=[f"domain:{d}" for d in operator.domains])

    in_transaction(ctx.client, work, lookup_first=True)
