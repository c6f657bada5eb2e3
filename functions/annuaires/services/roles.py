"""Who acts: the roles of PRODUCT.md, declared once, and the signed-in principal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from annuaires.store import directories, groups, settings
from annuaires.store.accounts import Account
from annuaires.store.base import Schema
from annuaires.store.mail_operators import OPERATORS, MailOperator


@dataclass(frozen=True)
class Role:
    """A role: where its account is stored, what names it at sign-in, its page, whether its sessions share an epoch."""

    name: str
    page: str
    identifier: str | None = None  # the sign-in field naming the account (None: the role has one account)
    schema: Schema | None = None  # where the account signing in is stored (None: nothing stored, e.g. Google accounts)
    key_name: Callable[[str], str] = lambda subject: subject  # the stored account's key, from the session's subject
    epoch: bool = True  # a new password or a reset ends every session of the account (A4)
    family: str = ""  # the name space of its accounts' names and initials (A1)
    password: bool = True  # signs in with a password (the general admin's identity comes from Google)


GENERAL = Role("general", "/admin/pwd.html", identifier="email", epoch=False, password=False)
DIRECTORIES = Role("directories", "/admingen.html", schema=settings.SCHEMA, key_name=lambda _: settings.DIRECTORIES_ADMIN)
DIRECTORY = Role("directory", "/adminloc.html", identifier="directory", schema=directories.SCHEMA, family="directory")
GROUP = Role("group", "/animateur.html", identifier="group", schema=groups.SCHEMA, family="group")
MAIL = Role("mail", "/messagerie.html", identifier="login", schema=OPERATORS)  # mail admins and operators (B2)
# Mailbox users change their own password, with no session: a role only for the throttling of their attempts.
MAILBOX = Role("mailbox", "/messagerie/mot-de-passe.html", identifier="address", epoch=False)

ROLES: dict[str, Role] = {role.name: role for role in (GENERAL, DIRECTORIES, DIRECTORY, GROUP, MAIL)}
# Roles that sign in as a directory or a group: code or initials, and a password that starts as 0000.
ENTITY_ROLES = (DIRECTORY, GROUP)
# Roles whose principal carries its stored account (what it may do depends on it).
ACCOUNT_ROLES = (DIRECTORY, GROUP, MAIL)


@dataclass
class Principal:
    """Who is acting in a request: a role, the account signed in, its session's CSRF token."""

    role: Role
    subject: str
    csrf: str = ""
    token: str = ""
    must_change_password: bool = False
    account: Account | MailOperator | None = field(default=None, repr=False)  # the directory, group or operator

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return f"{self.role.name}:{self.subject}"

    @property
    def display_name(self) -> str:
        """The principal's name as people know it (a directory's or group's name, an e-mail)."""
        if self.account is not None:
            return self.account.name
        return self.subject if self.role is GENERAL else ""
