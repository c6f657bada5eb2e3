"""The values of mail accounts (B1, B2): addresses and domains as the mail host compares them, site codes,
and (through password_policy) the password policy of mailboxes. Checks in the manner of services/values.py: the clean value, or
ValueError with a message key.

Addresses are read by email-validator (RFC 5321/5322 syntax, internationalised domains through IDNA 2008);
local parts stay ASCII, and those of this site's own addresses keep to what Dovecot takes as a login.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email

from annuaires.services import password_policy
from annuaires.store.mail import COMPANIONS, MailAddress, MailSite, domain_of

MAILBOX_LOCAL = re.compile(r"[A-Za-z0-9._-]+")  # what a mail host's logins take (Dovecot's default username characters)
SITE_CODE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?")
MAX_QUOTA_MB = 10 * 1024 * 1024  # 10 TB: beyond it, a typing error
MAX_RETENTION_DAYS = 3650
MAX_TARGETS = 50
# An argon2id hash in its PHC string form, and nothing more: what Dovecot's {ARGON2ID} scheme verifies. Salt and
# hash are unpadded base64; no character of it may break a passwd-file line (no ':', no space, no line break).
ARGON2ID = re.compile(r"\$argon2id\$v=19\$m=[1-9][0-9]{0,7},t=[1-9][0-9]{0,3},p=[1-9][0-9]{0,2}"
                      r"\$[A-Za-z0-9+/]{11,86}\$[A-Za-z0-9+/]{16,172}")


@dataclass(frozen=True)
class Address:
    """An address as typed and as compared."""

    key: str  # local part in lower case @ ASCII domain: what is stored and compared
    local: str  # the local part as typed
    domain: str  # ASCII (IDNA) form
    display: str  # as people read it: the local part as typed @ the Unicode domain


def address(value: Any) -> Address:
    """A mail address (`invalid_address` when email-validator refuses it, `non_ascii_local_part` for é@…)."""
    if not isinstance(value, str):
        raise ValueError("not_text")
    try:
        found = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValueError("non_ascii_local_part" if "before the @-sign" in str(error) and "nternational" in str(error)
                         else "invalid_address") from error
    return Address(f"{found.local_part.lower()}@{found.ascii_domain}", found.local_part, found.ascii_domain,
                   f"{found.local_part}@{found.domain}")


def mailbox_address(value: Any) -> Address:
    """An address of this site's own (an account or an alias): its local part of letters, digits, dots, hyphens
    and underscores, which every mail host's maps, mailbox folders and logins take."""
    try:
        found = address(value)
    except ValueError:
        local = value.strip().rpartition("@")[0] if isinstance(value, str) else ""
        if local.isascii() and local and not MAILBOX_LOCAL.fullmatch(local):
            raise ValueError("mailbox_local_part") from None  # "marie christine@…": say what it may hold
        raise
    if not MAILBOX_LOCAL.fullmatch(found.local):
        raise ValueError("mailbox_local_part")
    return found


def domain(value: Any) -> tuple[str, str]:
    """A domain name: its ASCII form and its Unicode form (read as the domain of an address would be)."""
    if not isinstance(value, str) or "@" in value:
        raise ValueError("invalid_domain")
    try:
        found = validate_email(f"postmaster@{value.strip()}", check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError("invalid_domain") from error
    return found.ascii_domain, found.domain


def site_code(value: Any) -> str:
    """A site's code (`fr`, `ca-qc`): lower-case letters, digits and hyphens, 20 at most."""
    if not isinstance(value, str) or not SITE_CODE.fullmatch(value.strip().lower()):
        raise ValueError("invalid_site_code")
    return value.strip().lower()


def quota_mb(value: Any) -> int | None:
    """A mailbox quota in MB, or none (null)."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_QUOTA_MB:
        raise ValueError("invalid_quota")
    return value


def retention_days(value: Any) -> int:
    """How many days a site keeps its secours copies: a whole number (a JSON number, never text)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_RETENTION_DAYS:
        raise ValueError("invalid_retention_days")
    return value


def argon2id_hash(value: Any) -> str:
    """A password's argon2id hash as the mail host's passwd-file carries it (`invalid_password_hash` otherwise)."""
    if not isinstance(value, str) or not ARGON2ID.fullmatch(value):
        raise ValueError("invalid_password_hash")
    return value


def is_companion_domain(name: str, companion_domains: Collection[str]) -> bool:
    """A companion domain of a site here, or named like one (`*.secours`, `*.backup`, `*.archives`)."""
    return name in companion_domains or name.rsplit(".", 1)[-1] in COMPANIONS


def alias_targets(address: str, given: Any, companion_domains: Collection[str]) -> list[str]:
    """An alias's targets: 1 to 50 addresses, as compared, once each; never the alias itself, never a companion
    mailbox (it is reached through its account only, B3)."""
    if not isinstance(given, list) or not given:
        raise ValueError("targets_required")
    if len(given) > MAX_TARGETS:
        raise ValueError("too_many_targets")
    targets = list(dict.fromkeys(_target(t) for t in given))
    if address in targets:
        raise ValueError("alias_to_itself")
    if any(is_companion_domain(domain_of(t), companion_domains) for t in targets):
        raise ValueError("target_is_companion")
    return targets


def _target(value: Any) -> str:
    try:
        return address(value).key
    except ValueError:
        raise ValueError("invalid_address") from None


def default_site(code: str) -> MailSite:
    """A new site's policy: companion domains `<site>.secours`, `<site>.backup`, `<site>.archives`; 15 days."""
    return MailSite(code, *(f"{code}.{name}" for name in COMPANIONS))


def companions(key: str, site: MailSite) -> dict[str, str]:
    """An account's companion mailboxes at its site (B3): its local part at each companion domain."""
    local = key.rsplit("@", 1)[0]
    return {name: f"{local}@{companion}" for name, companion in site.companion_domains().items()}


def account_claims(key: str, site: MailSite) -> list[MailAddress]:
    """The addresses an account holds: its own, and its companions at its site."""
    return [MailAddress(key, domain_of(key), key, "account"),
            *(MailAddress(a, domain_of(a), key, use) for use, a in companions(key, site).items())]


def alias_claim(key: str) -> MailAddress:
    """The address an alias holds."""
    return MailAddress(key, domain_of(key), key, "alias")


def new_password(address: str) -> Callable[[Any], str]:
    """The check of a mailbox's new password, for `values.checked` (the mail policy of R3, password_policy.MAIL)."""
    return password_policy.check(password_policy.MAIL, address=address)


def password_problem(password: str, address: str) -> str | None:
    """What is wrong with a mailbox's new password (a message key), or None (password_policy.MAIL)."""
    return password_policy.problem(password_policy.MAIL, password, address=address)
