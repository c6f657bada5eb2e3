"""Mail domains, their accounts and aliases (B1), the sites whose policy gives companion mailboxes (B3), and the
claim each address in use holds, once, whatever uses it.

Accounts, aliases and address claims are children of their domain: a domain's accounts are one ancestor
query in address order, with no index, and a domain's writes are one entity group. Addresses are stored as
they are compared: the local part in lower case, the domain in its ASCII (IDNA) form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from google.cloud import datastore

from annuaires.store.base import Schema, fetch_page, query

COMPANIONS = ("secours", "backup", "archives")  # the companion mailboxes of every account (B3), in this order
LOCAL = "local"  # an entity created here
FROM_REFERENCE = "reference"  # what a following instance's reference gave it (B5)


@dataclass
class MailSite:
    """A site's policy: its companion domains and how long the secours copies are kept."""

    code: str
    secours: str = ""  # the companion domains, ASCII
    backup: str = ""
    archives: str = ""
    retention_days: int = 15
    origin: str = LOCAL
    created: datetime | None = None

    def companion_domains(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in COMPANIONS}


@dataclass
class MailDomain:
    """A domain the mail host serves: a real one, or a site's companion domain (never both)."""

    name: str  # ASCII form, lower case
    display: str = ""  # the Unicode form people read
    site: str = ""
    companion: str = ""  # the companion it is for ("secours"…), empty for a real domain
    origin: str = LOCAL
    created: datetime | None = None


@dataclass
class MailAccount:
    """A mailbox: its address, who it is, its password's argon2id hash, whether it receives and signs in."""

    address: str  # local@domain as compared: the local part in lower case, the domain ASCII
    domain: str = ""
    local: str = ""  # the local part as it was typed (its case kept, for display)
    display_name: str = ""
    search_name: str = ""  # the display name as searched: lower case, without accents
    password_hash: str = ""
    active: bool = True
    quota_mb: int | None = None
    origin: str = LOCAL
    created: datetime | None = None
    updated: datetime | None = None
    version: int = 0  # of what its admins edit (R2); each instance its own


@dataclass
class MailAlias:
    """An address that forwards to others (accounts here, aliases, or addresses elsewhere)."""

    address: str
    domain: str = ""
    targets: list[str] = field(default_factory=list)
    origin: str = LOCAL
    created: datetime | None = None
    updated: datetime | None = None
    version: int = 0  # (R2)


@dataclass
class MailAddress:
    """The claim of one address in use: by an account, an alias, or as an account's companion (`use`)."""

    address: str
    domain: str = ""
    owner: str = ""  # the account or alias holding it
    use: str = ""  # "account", "alias", or a companion's name


SITES = Schema("MailSite", MailSite, "code")
DOMAINS = Schema("MailDomain", MailDomain, "name", unindexed=("display", "site", "origin", "created"))
ACCOUNTS = Schema("MailAccount", MailAccount, "address", parent_kind="MailDomain", parent_field="domain",
                  unindexed=("local", "display_name", "password_hash", "quota_mb", "created", "updated"),
                  secret=("password_hash",))
ALIASES = Schema("MailAlias", MailAlias, "address", parent_kind="MailDomain", parent_field="domain",
                 unindexed=("origin", "created", "updated"))
ADDRESSES = Schema("MailAddress", MailAddress, "address", parent_kind="MailDomain", parent_field="domain",
                   unindexed=("owner", "use"))


def domain_of(address: str) -> str:
    """The domain part of a stored address."""
    return address.rsplit("@", 1)[1]


def address_keys(client: datastore.Client, addresses: list[str]) -> list[datastore.Key]:
    """The claim keys of addresses (each under its domain)."""
    return [ADDRESSES.key(client, address, domain_of(address)) for address in addresses]


def real_domains(client: datastore.Client) -> list[MailDomain]:
    """Every real domain, by name (a site has a few: one query)."""
    found = (DOMAINS.read(e) for e in query(client, DOMAINS.kind, ("companion", "=", "")).fetch())
    return sorted(found, key=lambda domain: domain.name)


def companion_domain_names(client: datastore.Client) -> set[str]:
    """Every companion domain here: those of the sites, and the domains stored as companions (a few: two queries)."""
    found = {n for e in query(client, SITES.kind).fetch() for n in SITES.read(e).companion_domains().values() if n}
    return found | {e.key.name for e in query(client, DOMAINS.kind, ("companion", ">", "")).fetch()}


def accounts_page(client: datastore.Client, domain: str, limit: int, cursor: str | None,
                  search: str = "") -> tuple[list[MailAccount], str | None]:
    """A page of a domain's accounts in address order; with `search` (in the searched form), the first of those
    whose address or display name starts with it, by address (one page: a search is narrowed, not paged)."""
    parent = DOMAINS.key(client, domain)
    if not search:
        return ACCOUNTS.page(client, query(client, ACCOUNTS.kind, ancestor=parent), limit, cursor)
    end = search + "\U0010ffff"
    by_address = query(client, ACCOUNTS.kind, ("__key__", ">=", ACCOUNTS.key(client, search, domain)),
                       ("__key__", "<", ACCOUNTS.key(client, end, domain)), ancestor=parent)
    by_name = query(client, ACCOUNTS.kind, ("search_name", ">=", search), ("search_name", "<", end), ancestor=parent)
    found = {e.key.name: ACCOUNTS.read(e) for q in (by_address, by_name) for e in fetch_page(client, q, limit, None)[0]}
    return [found[name] for name in sorted(found)][:limit], None


def aliases_page(client: datastore.Client, domain: str, limit: int, cursor: str | None) -> tuple[list[MailAlias], str | None]:
    """A page of a domain's aliases in address order."""
    return ALIASES.page(client, query(client, ALIASES.kind, ancestor=DOMAINS.key(client, domain)), limit, cursor)


@dataclass
class MailSettings:
    """The mail settings of this instance: the hash of the export token the mail host and followers present."""

    name: str = "mail"
    export_token_hash: str = ""  # SHA-256 of the token (a random token of 24 characters or more: no slow hash needed)
    updated: datetime | None = None


SETTINGS = Schema("MailSettings", MailSettings, "name", unindexed=("export_token_hash", "updated"),
                  secret=("export_token_hash",))
