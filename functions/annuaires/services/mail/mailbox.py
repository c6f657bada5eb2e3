"""Mailbox users (B2): each changes its own password, with its current one, throttled as a sign-in."""

from __future__ import annotations

from annuaires.services import audit, devices
from annuaires.services.auth import count_attempt
from annuaires.services.context import Context
from annuaires.services.errors import InvalidInput, Unauthenticated
from annuaires.services.mail import values as mail_values
from annuaires.services.mail.accounts import in_mail_transaction, local_only
from annuaires.services.roles import MAILBOX
from annuaires.store import mail as store


def change_password(ctx: Context, address: str, current: str, new: str, *, client_addr: str, device_cookie: str = "") -> str:
    """Set a mailbox's new password (the mail host has it at its next export, a following site at its next sync); the
    browser's device cookie now remembering the address (R3), so that strangers' guesses never lock its owner out.
    A wrong current password, an unknown address and a deactivated account answer the same, and count the same."""
    try:
        where = mail_values.address(address)
    except ValueError:
        raise InvalidInput({"address": "invalid_address"}) from None
    problem = mail_values.password_problem(new, where.key) or ("password_unchanged" if new == current else None)
    if problem:
        raise InvalidInput({"new": problem})
    account = store.ACCOUNTS.get(ctx.client, where.key, where.domain)
    give_back = count_attempt(ctx, MAILBOX, where.key if account else f"unknown:{where.key}", client_addr, device_cookie)
    verified = ctx.passwords.verify(account.password_hash if account else None, current)
    if not verified or not account.active:  # a deactivated account never confirms its password
        raise InvalidInput({"current": "wrong_current_password"})
    give_back()
    local_only(account)
    new_hash, checked_hash = ctx.passwords.hash(new), account.password_hash

    def work() -> tuple[None, list[tuple[str, str]]]:
        fresh = store.ACCOUNTS.get(ctx.client, where.key, where.domain)
        if fresh is None or fresh.password_hash != checked_hash:
            raise Unauthenticated()  # reset, renamed or deleted meanwhile: the current password is no longer it
        fresh.password_hash, fresh.updated = new_hash, ctx.now()
        store.ACCOUNTS.put(ctx.client, fresh)
        audit.record_as(ctx, f"{MAILBOX.name}:{where.key}", where.key, "mail_password_changed", target=f"mail:{where.key}",
                        target_name=where.key, also=[f"domain:{where.domain}"])
        return None, [("MailAccount", where.key)]

    in_mail_transaction(ctx, work)
    return devices.remember(ctx.device_key, device_cookie, f"{MAILBOX.name}:{where.key}")
