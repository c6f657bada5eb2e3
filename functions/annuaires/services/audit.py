"""The audit log (A4): every administrative act, seen by its author and by every account it concerns."""

from __future__ import annotations

from collections.abc import Iterable

from annuaires.services.context import Context
from annuaires.services.roles import Principal
from annuaires.store import audit as store

# Every action the log records; each has a label `audit_<action>` in web/messages.py.
ACTIONS = (
    "password_changed", "directories_admin_password_set", "password_reset", "mailer_configured",
    "directory_created", "directory_activated", "directory_deactivated", "directory_updated",
    "group_created", "groupement_created", "reference_added", "dereferenced_recent", "dereferenced_deactivated",
    "group_reactivated", "mailing_configured", "member_added", "member_updated", "member_activated",
    "member_deactivated", "member_removed", "members_imported",
    "member_unsubscribed", "message_updated", "delivery_added", "delivery_removed",
    "mail_domain_created", "mail_account_created", "mail_account_updated", "mail_account_renamed",
    "mail_account_activated", "mail_account_deactivated", "mail_password_reset", "mail_account_deleted",
    "mail_alias_created", "mail_alias_deleted", "mail_password_changed", "mail_operator_created", "mail_operator_deleted",
    "mail_export_token_set",
)
PAGE = 50


def record(ctx: Context, principal: Principal, action: str, *, target: str = "", target_name: str = "",
           detail: str = "", also: Iterable[str] = ()) -> None:
    """Write one entry (inside the caller's transaction, if any), seen by its author, its target and `also`."""
    record_as(ctx, principal.actor, principal.display_name, action, target=target, target_name=target_name,
              detail=detail, also=also)


def record_as(ctx: Context, actor: str, actor_name: str, action: str, *, target: str = "", target_name: str = "",
              detail: str = "", also: Iterable[str] = ()) -> None:
    """Write one entry for an actor who is no signed-in principal (a member following a link in an e-mail)."""
    assert action in ACTIONS, action
    concerns = list(dict.fromkeys(c for c in (actor, target, *also) if c))
    entry = store.Entry(None, ctx.now(), actor, actor_name, action, target, target_name, detail, concerns)
    store.add(ctx.client, entry)


def latest(ctx: Context, concern: str, cursor: str | None = None) -> tuple[list[dict], str | None]:
    """One page of the entries concerning one account, newest first, as shown."""
    found, next_cursor = store.latest(ctx.client, concern, PAGE, cursor)
    return [
        {"at": e.at, "actor": e.actor, "actor_role": e.actor.split(":", 1)[0], "actor_name": e.actor_name,
         "action": e.action, "target": e.target, "target_name": e.target_name, "detail": e.detail}
        for e in found
    ], next_cursor
