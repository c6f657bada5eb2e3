"""What the level above hands over to a new directory, group or groupement (A3, A7): its code, whether it still
has the password 0000 and until when, so that its people can sign in the first time."""

from __future__ import annotations

from datetime import timedelta

from annuaires.codes import is_code
from annuaires.services.context import Context
from annuaires.services.errors import NotFound
from annuaires.services.passwords import INITIAL_PASSWORD
from annuaires.services.roles import Principal
from annuaires.store import directories, groups


def _sheet(account: object, kind: str) -> dict:
    must_change = bool(getattr(account, "must_change", False))
    since = getattr(account, "password_set", None) or getattr(account, "created", None)
    return {"kind": kind, "code": account.code, "name": account.name, "initials": account.initials,  # type: ignore[attr-defined]
            "initial_password": INITIAL_PASSWORD if must_change else None, "since": since}


def of_directory(ctx: Context, principal: Principal, code: str) -> dict:
    """A directory's sheet, for the directories admin."""
    found = directories.SCHEMA.get(ctx.client, code) if is_code(code) else None
    if found is None:
        raise NotFound()
    return _until(ctx, _sheet(found, "directory"))


def of_group(ctx: Context, principal: Principal, code: str) -> dict:
    """A group's or groupement's sheet, for the admin of a directory that references it now (A11)."""
    found = groups.SCHEMA.get(ctx.client, code) if is_code(code) else None
    if found is None or principal.subject not in found.refs:
        raise NotFound()
    return _until(ctx, _sheet(found, found.type))


def _until(ctx: Context, sheet: dict) -> dict:
    """Until when the 0000 password signs in (A3: then the level above resets it again)."""
    since = sheet.pop("since")
    sheet["until"] = since + timedelta(days=ctx.config.initial_password_days) if sheet["initial_password"] and since else None
    return sheet
