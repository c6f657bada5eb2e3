"""What the site's mail host pulls (B4): Postfix's maps, Dovecot's passwd-file, and the maintenance script, as
text in the formats they read, streamed a query batch at a time (a site of 50,000 accounts in bounded memory).

Every active account is a mailbox, and so are its companions (B3): the secours copy of what it receives (in
`recipient_bcc_maps`), the hourly backup of its mailbox, its archives. A deactivated account receives nothing
and signs in nowhere, its companions with it.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from datetime import datetime

from google.cloud import datastore

from ..store import mail as store
from ..store.base import query
from ..store.mail import MailAccount, MailSite
from . import mail_values
from .errors import NotFound


def sites_of_domains(client: datastore.Client) -> dict[str, MailSite]:
    """Each domain's site policy (two queries: an instance has a few sites and domains)."""
    sites = {e.key.name: store.SITES.read(e) for e in query(client, store.SITES.kind).fetch()}
    return {e.key.name: sites.get(e["site"]) or mail_values.default_site(e["site"])
            for e in query(client, store.DOMAINS.kind).fetch()}


def _accounts(client: datastore.Client) -> Iterator[tuple[MailAccount, MailSite, dict[str, str]]]:
    """Every active account, in address order by domain, with its site and its companion mailboxes."""
    sites = sites_of_domains(client)
    for entity in query(client, store.ACCOUNTS.kind).fetch():  # a batch at a time (the library's iterator holds one)
        account = store.ACCOUNTS.read(entity)
        if account.active and account.domain in sites:
            site = sites[account.domain]
            yield account, site, mail_values.companions(account.address, site)


def _mailbox(address: str) -> str:
    local, domain = address.rsplit("@", 1)
    return f"{domain}/{local}/"  # a Maildir under the mail host's virtual_mailbox_base


def virtual_mailbox_domains(client: datastore.Client) -> Iterator[str]:
    for entity in query(client, store.DOMAINS.kind).fetch():
        yield f"{entity.key.name} OK\n"


def virtual_mailbox_maps(client: datastore.Client) -> Iterator[str]:
    for account, _, companions in _accounts(client):
        for address in (account.address, *companions.values()):
            yield f"{address} {_mailbox(address)}\n"


def virtual_alias_maps(client: datastore.Client) -> Iterator[str]:
    for entity in query(client, store.ALIASES.kind).fetch():
        alias = store.ALIASES.read(entity)
        yield f"{alias.address} {','.join(alias.targets)}\n"


def recipient_bcc_maps(client: datastore.Client) -> Iterator[str]:
    for account, _, companions in _accounts(client):
        yield f"{account.address} {companions['secours']}\n"


def dovecot_passwd(client: datastore.Client) -> Iterator[str]:
    """user:{ARGON2ID}hash (Dovecot's scheme name for argon2id): the account and its companions, one password."""
    for account, _, companions in _accounts(client):
        for address in (account.address, *companions.values()):
            yield f"{address}:{{ARGON2ID}}{account.password_hash}::::::\n"


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
    for _, site, companions in _accounts(client):
        yield f"  purge {shlex.quote(companions['secours'])} {site.retention_days}d\n"
    yield "  ;;\nbackup)\n"
    for account, _, companions in _accounts(client):
        yield f"  backup {shlex.quote(account.address)} {shlex.quote(_mailbox(companions['backup']))}\n"
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
