"""One-click unsubscribe (RFC 8058): a signed link in every weekly e-mail makes its member inactive in that group."""

from __future__ import annotations

import hmac

from annuaires.codes import is_code
from annuaires.services import audit, values, versions
from annuaires.services.context import Context
from annuaires.services.errors import NotFound
from annuaires.services.mailing.email import unsubscribe_token
from annuaires.services.roles import GROUP
from annuaires.store import groups, members
from annuaires.store.base import in_transaction
from annuaires.store.groups import Group
from annuaires.store.members import Member


def member_of_link(ctx: Context, group: str, member_id: str, token: str) -> tuple[Group, Member]:
    """The group and member an unsubscribe link names, or NotFound for any link this service did not sign."""
    number = values.entity_id(member_id)
    if not is_code(group) or number is None:
        raise NotFound()
    signed = [unsubscribe_token(ctx, group, number, key) for key in (ctx.link_key, *ctx.old_link_keys)]
    if not any(hmac.compare_digest(token.encode(), each.encode()) for each in signed):  # (e-mails sent before a rotation)
        raise NotFound()
    found_group, member = groups.SCHEMA.get(ctx.client, group), members.SCHEMA.get(ctx.client, number, group)
    if found_group is None or member is None:
        raise NotFound()
    return found_group, member


def unsubscribe(ctx: Context, group: str, member_id: str, token: str) -> Member:
    """Make the member inactive in that group, and tell its animators in the audit log (idempotent)."""
    _, member = member_of_link(ctx, group, member_id, token)

    def work() -> Member:
        fresh = members.SCHEMA.get(ctx.client, member.id, group)
        if fresh is None:
            raise NotFound()
        if fresh.active:
            fresh.active = False
            versions.bump(fresh)  # an animator's form shown before says active: its save must not undo this (R2)
            members.SCHEMA.put(ctx.client, fresh)
            audit.record_as(ctx, f"member:{fresh.id}", fresh.name, "member_unsubscribed", target=f"{GROUP.name}:{group}",
                            detail=f"{fresh.name} <{fresh.email}>")
        return fresh

    return in_transaction(ctx.client, work)
