"""The directories admin's work: list, create, reset, deactivate directories (A1, A5, A6)."""

from __future__ import annotations

from annuaires.codes import is_code, new_code
from annuaires.services import audit, passwords, values
from annuaires.services.auth import reset_password
from annuaires.services.context import Context
from annuaires.services.directories.name_claims import claim_names
from annuaires.services.errors import NotFound
from annuaires.services.names import sort_key
from annuaires.services.roles import DIRECTORIES, DIRECTORY, Principal
from annuaires.services.views import directory_row
from annuaires.store import directories
from annuaires.store.base import in_transaction
from annuaires.store.directories import Directory


def list_directories(ctx: Context, cursor: str | None = None) -> tuple[list[dict], str | None]:
    """One page of directories, by name."""
    found, next_cursor = directories.page_by_name(ctx.client, ctx.config.page_size, cursor)
    return [directory_row(d) for d in found], next_cursor


def create_directory(ctx: Context, principal: Principal, name: str, initials: str) -> dict:
    """Create a directory with the password 0000, its name and initials unique (A1, A3, A5)."""
    given = values.checked(name=(values.NAME, name), initials=(values.initials, initials))
    initial_hash = ctx.passwords.hash(passwords.INITIAL_PASSWORD)
    code, at = new_code(), ctx.now()

    def work() -> Directory:
        directory = Directory(code, given["name"], given["initials"], sort_key(given["name"]), password_hash=initial_hash,
                              must_change=True, password_set=at, active=True, created=at)
        claim_names(ctx.client, "directory", directory, given["name"], given["initials"])
        directories.SCHEMA.put(ctx.client, directory)
        audit.record(ctx, principal, "directory_created", target=f"{DIRECTORY.name}:{code}",
                     target_name=f"{directory.name} ({directory.initials})")
        return directory

    return directory_row(in_transaction(ctx.client, work))


def set_directory_active(ctx: Context, principal: Principal, code: str, active: bool) -> None:
    """Deactivate or reactivate a directory; nothing is deleted (A6)."""

    def work() -> None:
        directory = directories.SCHEMA.get(ctx.client, code) if is_code(code) else None
        if directory is None:
            raise NotFound()
        directory.active = active
        directories.SCHEMA.put(ctx.client, directory)
        audit.record(ctx, principal, "directory_activated" if active else "directory_deactivated",
                     target=f"{DIRECTORY.name}:{code}", target_name=f"{directory.name} ({directory.initials})")

    in_transaction(ctx.client, work)  # a deactivated directory's sessions open nothing any more (A6)


def reset_directory_password(ctx: Context, principal: Principal, code: str) -> None:
    """Reset a directory's password to 0000 (A2, A4)."""
    reset_password(ctx, principal, DIRECTORY, code)


def directory_name(ctx: Context, code: str) -> str:
    """A directory's name, for a confirmation page."""
    directory = directories.SCHEMA.get(ctx.client, code) if is_code(code) else None
    if directory is None:
        raise NotFound()
    return f"{directory.name} ({directory.initials})"


def audit_of_directories_admin(ctx: Context, cursor: str | None = None) -> tuple[list[dict], str | None]:
    """What was done to the directories admin itself (its password set by the general admin), and its own acts."""
    return audit.latest(ctx, f"{DIRECTORIES.name}:{DIRECTORIES.name}", cursor)
