"""What the site's mail host pulls (B4): Postfix's maps, Dovecot's passwd-file, and the maintenance script, as
text in the formats they read, streamed a query batch at a time (a site of 50,000 accounts in bounded memory).

Every active account is a mailbox, and so are its companions (B3): the secours copy of what it receives (in
`recipient_bcc_maps`), the hourly backup of its mailbox, its archives. A deactivated account receives nothing
and signs in nowhere, its companions with it.
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.cloud import datastore

from annuaires.services.errors import NotFound
from annuaires.services.mail import values as mail_values
from annuaires.store import mail as store
from annuaires.store.base import query
from annuaires.store.mail import MailAccount, MailSite

log = logging.getLogger("annuaires.mail_exports")

# What reaches a file, whatever is stored: each value is checked against the format it goes into, and an entry
# with a value that could break its line (whitespace, ':', a line break, '..' or '/' in a path part, non-ASCII)
# is left out, with a warning naming it (never its hash). The services store nothing else; this holds when
# something else wrote to Datastore.
DOMAIN = re.compile(r"(?=.{1,253}\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*",
                    re.ASCII)
MAILBOX_LOCAL = re.compile(r"(?=.{1,64}\Z)[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*", re.ASCII)  # also a safe path part
TARGET_LOCAL = re.compile(r"(?=.{1,64}\Z)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*", re.ASCII)


class Unsafe(ValueError):
    """A stored value that would break the line it goes into."""


def _domain(value: Any) -> str:
    if not isinstance(value, str) or not DOMAIN.fullmatch(value):
        raise Unsafe("a domain name")
    return value


def _address(value: Any, local_part: re.Pattern = MAILBOX_LOCAL) -> str:
    """An address as the maps carry it: a safe local part (for this site's mailboxes, a safe folder name too)."""
    if not isinstance(value, str) or value.count("@") != 1:
        raise Unsafe("an address")
    local, domain = value.split("@")
    if not local_part.fullmatch(local):
        raise Unsafe("an address")
    _domain(domain)
    return value


def _target(value: Any) -> str:
    return _address(value, TARGET_LOCAL)


def _label(value: Any) -> str:
    return repr(value)[:120]


def _entries(export: str, items: Iterable[Any], lines_of: Callable[[Any], Iterable[str]]) -> Iterator[str]:
    """The lines of each entry, or none of them (a warning said) when one of its values is unsafe."""
    for item in items:
        try:
            lines = list(lines_of(item))
        except (Unsafe, TypeError, ValueError, AttributeError, KeyError) as error:  # (a property of an odd type)
            reason = str(error) if isinstance(error, Unsafe) else type(error).__name__
            log.warning("mail export %s: an entry left out (%s): unsafe %s", export, _label(getattr(item, "key", item)),
                        reason)
            continue
        yield from lines


def sites_of_domains(client: datastore.Client) -> dict[str, MailSite]:
    """Each domain's site policy (two queries: an instance has a few sites and domains)."""
    sites = {e.key.name: store.SITES.read(e) for e in query(client, store.SITES.kind).fetch()}
    return {e.key.name: sites.get(e["site"]) or mail_values.default_site(e["site"])
            for e in query(client, store.DOMAINS.kind).fetch() if isinstance(e.get("site"), str)}


@dataclass
class Mailbox:
    """An active account as the exports write it: its address and companions checked; its quota and its site's
    retention checked where they are written (a bad one leaves out that line alone, not the mailbox's mail)."""

    account: MailAccount
    address: str
    companions: dict[str, str]
    site: MailSite

    def quota_mb(self) -> int | None:
        try:
            return mail_values.quota_mb(self.account.quota_mb)
        except ValueError:
            raise Unsafe("a quota") from None

    def retention_days(self) -> int:
        try:
            return mail_values.retention_days(self.site.retention_days)
        except ValueError:
            raise Unsafe("a retention") from None


def _mailbox(entity: datastore.Entity, sites: dict[str, MailSite]) -> Mailbox | None:
    """An account's address and companions as the exports write them (Unsafe when one would break a line), None
    when inactive."""
    account = store.ACCOUNTS.read(entity)
    if account.active is not True or account.domain not in sites:
        return None
    address = _address(account.address)
    if address.rsplit("@", 1)[1] != account.domain:
        raise Unsafe("an address outside its domain")
    site = sites[account.domain]
    companions = {name: _address(a) for name, a in mail_values.companions(address, site).items()}
    return Mailbox(account, address, companions, site)


def _accounts(client: datastore.Client, export: str, lines_of: Callable[[Mailbox], Iterable[str]]) -> Iterator[str]:
    """The lines of every active account, in address order by domain, read a query batch at a time."""
    sites = sites_of_domains(client)

    def lines(entity: datastore.Entity) -> Iterable[str]:
        mailbox = _mailbox(entity, sites)
        return lines_of(mailbox) if mailbox is not None else ()
    return _entries(export, query(client, store.ACCOUNTS.kind).fetch(), lines)


def _folder(address: str) -> str:
    local, domain = address.rsplit("@", 1)
    return f"{domain}/{local}/"  # a Maildir under the mail host's virtual_mailbox_base


def virtual_mailbox_domains(client: datastore.Client) -> Iterator[str]:
    return _entries("virtual_mailbox_domains", query(client, store.DOMAINS.kind).fetch(),
                    lambda e: [f"{_domain(e.key.name)} OK\n"])


def virtual_mailbox_maps(client: datastore.Client) -> Iterator[str]:
    return _accounts(client, "virtual_mailbox_maps", lambda m: [
        f"{address} {_folder(address)}\n" for address in (m.address, *m.companions.values())])


def _alias_line(entity: datastore.Entity) -> list[str]:
    alias = store.ALIASES.read(entity)
    if not isinstance(alias.targets, list) or not alias.targets:
        raise Unsafe("alias targets")
    return [f"{_address(alias.address)} {','.join(_target(t) for t in alias.targets)}\n"]


def virtual_alias_maps(client: datastore.Client) -> Iterator[str]:
    return _entries("virtual_alias_maps", query(client, store.ALIASES.kind).fetch(), _alias_line)


def recipient_bcc_maps(client: datastore.Client) -> Iterator[str]:
    return _accounts(client, "recipient_bcc_maps", lambda m: [f"{m.address} {m.companions['secours']}\n"])


def _passwd_lines(mailbox: Mailbox) -> list[str]:
    """user:{ARGON2ID}hash (Dovecot's scheme name for argon2id), then the extra fields: the account's quota on
    its own mailbox; the companions open with the same password."""
    try:
        scheme_hash = f"{{ARGON2ID}}{mail_values.argon2id_hash(mailbox.account.password_hash)}"
    except ValueError:
        raise Unsafe("a password hash") from None
    quota_mb = mailbox.quota_mb()
    quota = f"userdb_quota_rule=*:storage={quota_mb}M" if quota_mb is not None else ""
    return [f"{mailbox.address}:{scheme_hash}::::::{quota}\n",
            *(f"{address}:{scheme_hash}::::::\n" for address in mailbox.companions.values())]


def dovecot_passwd(client: datastore.Client) -> Iterator[str]:
    return _accounts(client, "dovecot_passwd", _passwd_lines)


def maintenance(client: datastore.Client, now: datetime) -> Iterator[str]:
    """The mail host's cron runs `maintenance.sh purge` daily and `maintenance.sh backup` hourly."""
    yield ("#!/bin/bash\n"
           f"# Made by Annuaires at {now.isoformat(timespec='seconds')}: the retention policy of the companion mailboxes.\n"
           "# maintenance.sh purge   (daily)  empties the secours copies older than each site's retention days\n"
           "# maintenance.sh backup  (hourly) copies each mailbox, messages and folders, to its backup mailbox\n"
           "set -u\nMAIL_ROOT=\"${MAIL_ROOT:-/var/vmail}\"\nfailed=0\n"
           "purge() { doveadm expunge -u \"$1\" mailbox '*' savedbefore \"$2\" || failed=1; }\n"
           "backup() { doveadm backup -u \"$1\" \"maildir:$MAIL_ROOT/$2\" || failed=1; }\n"
           "case \"${1:-}\" in\npurge)\n")
    yield from _accounts(client, "maintenance.sh", lambda m: [
        f"  purge {shlex.quote(m.companions['secours'])} {m.retention_days()}d\n"])
    yield "  ;;\nbackup)\n"
    yield from _accounts(client, "maintenance.sh", lambda m: [
        f"  backup {shlex.quote(m.address)} {shlex.quote(_folder(m.companions['backup']))}\n"])
    yield "  ;;\n*)\n  echo \"usage: $0 purge|backup\" >&2\n  exit 2\n  ;;\nesac\nexit \"$failed\"\n"


EXPORTS: dict[str, Callable[..., Iterator[str]]] = {
    "virtual_mailbox_domains": virtual_mailbox_domains, "virtual_mailbox_maps": virtual_mailbox_maps,
    "virtual_alias_maps": virtual_alias_maps, "recipient_bcc_maps": recipient_bcc_maps,
    "dovecot_passwd": dovecot_passwd, "maintenance.sh": maintenance,
}


def export(client: datastore.Client, name: str, now: datetime) -> Iterator[str]:
    """One export's lines; NotFound for a name that is none."""
    if name not in EXPORTS:
        raise NotFound()
    return maintenance(client, now) if name == "maintenance.sh" else EXPORTS[name](client)
