"""Mail domains, accounts and aliases (B1, B3): the rules, the same for pages, the API and the sync.

Every address in use has one owner (an account, an alias, or the account of a companion mailbox), recorded in
the transaction that writes it: an address is used once, compared without case. Each write adds its change to
the feed a following instance reads (B5), and its act to the audit log of the domain concerned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from annuaires.catalogs import N_
from annuaires.services import audit, values, versions
from annuaires.services.context import Context
from annuaires.services.errors import Conflict, InvalidInput, NotFound
from annuaires.services.mail import values as mail_values
from annuaires.services.mail.operators import may_manage, must_be_mail_admin, visible_domains
from annuaires.services.names import sort_key
from annuaires.services.roles import Principal
from annuaires.store import mail as store
from annuaires.store import mail_feed
from annuaires.store.base import in_transaction, lookup
from annuaires.store.mail import MailAccount, MailAddress, MailAlias, MailDomain, MailSite

T = TypeVar("T")
DISPLAY_NAME = values.text(120, min_length=0)
MAX_TARGETS = mail_values.MAX_TARGETS
ALIAS_DEPTH = 10  # aliases followed at most, looking for a loop


def in_mail_transaction(ctx: Context, work: Callable[[], tuple[T, list[tuple[str, str]]]]) -> T:
    """Run a write and number its changes in the feed, in one transaction."""
    def both() -> T:
        result, changed = work()
        mail_feed.add(ctx.client, changed, ctx.now())
        return result
    return in_transaction(ctx.client, both, lookup_first=True)


def _record(ctx: Context, principal: Principal, action: str, domain: str, target: str, detail: str = "",
            renamed: mail_values.Address | None = None) -> None:
    """An act in the logs of its domain and its account or alias (a rename: in the new one's logs too)."""
    also = [f"domain:{domain}", *((f"mail:{renamed.key}", f"domain:{renamed.domain}") if renamed else ())]
    audit.record(ctx, principal, action, target=f"mail:{target}", target_name=target, detail=detail, also=also)


# Domains and sites

def domain_row(domain: MailDomain, site: MailSite | None) -> dict:
    return {"name": domain.name, "display": domain.display, "site": domain.site,
            "companions": site.companion_domains() if site else {}, "retention_days": site.retention_days if site else None}


def list_domains(ctx: Context, principal: Principal) -> list[dict]:
    """The real domains the principal manages, by name, each with its site's companion domains."""
    found = store.real_domains(ctx.client)
    mine = set(visible_domains(principal, [d.name for d in found]))
    found = [d for d in found if d.name in mine]
    sites = store.SITES.get_many(ctx.client, [d.site for d in found])
    return [domain_row(d, sites.get(d.site)) for d in found]


def create_domain(ctx: Context, principal: Principal, name: str, site: str) -> dict:
    """Add a real domain to a site (the site made with its default policy if new); a companion domain of any
    site can never be a real one, nor the other way round (B3)."""
    must_be_mail_admin(principal)
    given = values.checked(name=(mail_values.domain, name), site=(mail_values.site_code, site))
    (ascii_name, display), code = given["name"], given["site"]
    at = ctx.now()

    def work() -> tuple[dict, list[tuple[str, str]]]:
        existing = store.SITES.get(ctx.client, code)
        policy = existing or mail_values.default_site(code)
        names = [ascii_name, *policy.companion_domains().values()]
        found = store.DOMAINS.get_many(ctx.client, names)
        if ascii_name in found:
            raise InvalidInput({"name": N_("domain_exists") if not found[ascii_name].companion else N_("domain_is_companion")})
        if any(found.get(n) is not None and not found[n].companion for n in names[1:]):
            raise InvalidInput({"site": N_("companion_is_real_domain")})
        changed = [(store.DOMAINS.kind, ascii_name)]
        if existing is None:
            policy.created = at
            store.SITES.put(ctx.client, policy)
            store.DOMAINS.put_many(ctx.client, [MailDomain(n, n, code, companion, created=at)
                                                for companion, n in policy.companion_domains().items()])
            changed += [(store.SITES.kind, code), *((store.DOMAINS.kind, n) for n in policy.companion_domains().values())]
        domain = MailDomain(ascii_name, display, code, "", created=at)
        store.DOMAINS.put(ctx.client, domain)
        _record(ctx, principal, "mail_domain_created", ascii_name, ascii_name, detail=code)
        return domain_row(domain, policy), changed

    return in_mail_transaction(ctx, work)


def _real_domain(ctx: Context, name: str) -> tuple[MailDomain, MailSite]:
    """A real domain and its site (in the caller's transaction), or InvalidInput naming the address."""
    domain = store.DOMAINS.get(ctx.client, name)
    if domain is None or domain.companion:
        raise InvalidInput({"address": N_("unknown_domain") if domain is None else N_("domain_is_companion")})
    return domain, store.SITES.get(ctx.client, domain.site) or mail_values.default_site(domain.site)


# Accounts

def account_row(account: MailAccount, site: MailSite) -> dict:
    return {"address": f"{account.local}@{account.domain}", "display_name": account.display_name,
            "active": account.active, "quota_mb": account.quota_mb, "origin": account.origin,
            "companions": mail_values.companions(account.address, site), "version": account.version}


def _own(ctx: Context, owned: list[MailAddress], renamed_from: str = "") -> None:
    """Inside a transaction: own these addresses, or Conflict naming the first one already owned (but by the
    account being renamed, which owns its old addresses still)."""
    held = {e.key.name: store.ADDRESSES.read(e) for e in lookup(ctx.client, [
        store.ADDRESSES.key(ctx.client, a.address, a.domain) for a in owned])}
    for wanted in owned:
        holder = held.get(wanted.address)
        if holder is not None and (not renamed_from or holder.owner != renamed_from):
            raise Conflict(N_("address_taken") if wanted.use in ("account", "alias") else N_("companion_taken"),
                           address=wanted.address, field="address")
    store.ADDRESSES.put_many(ctx.client, owned)


def _disown(ctx: Context, owned: list[MailAddress]) -> None:
    ctx.client.delete_multi([store.ADDRESSES.key(ctx.client, a.address, a.domain) for a in owned])


def create_account(ctx: Context, principal: Principal, address: str, password: str, display_name: str = "",
                   quota_mb: int | None = None) -> dict:
    """Create a mailbox with its companions (B1, B3); its address and theirs unused, its password strong."""
    given = values.checked(address=(mail_values.mailbox_address, address), display_name=(DISPLAY_NAME, display_name),
                           quota_mb=(mail_values.quota_mb, quota_mb), password=(mail_values.new_password(str(address)), password))
    where = given["address"]
    may_manage(principal, where.domain)
    password_hash, at = ctx.passwords.hash(password), ctx.now()

    def work() -> tuple[dict, list[tuple[str, str]]]:
        _, site = _real_domain(ctx, where.domain)
        account = MailAccount(where.key, where.domain, where.local, given["display_name"], sort_key(given["display_name"]),
                              password_hash, True, given["quota_mb"], created=at, updated=at, version=versions.first(at))
        _own(ctx, mail_values.owned_by_account(where.key, site))
        store.ACCOUNTS.put(ctx.client, account)
        _record(ctx, principal, "mail_account_created", where.domain, where.key)
        return account_row(account, site), [(store.ACCOUNTS.kind, where.key)]

    return in_mail_transaction(ctx, work)


def _managed(principal: Principal, address: str) -> mail_values.Address:
    """An address of a domain the principal manages (Forbidden before anything is read of another's), or NotFound."""
    try:
        where = mail_values.address(address)
    except ValueError:
        raise NotFound() from None
    may_manage(principal, where.domain)
    return where


def _account(ctx: Context, principal: Principal, address: str) -> MailAccount:
    where = _managed(principal, address)
    account = store.ACCOUNTS.get(ctx.client, where.key, where.domain)
    if account is None:
        raise NotFound()
    return account


def local_only(record: MailAccount | MailAlias) -> None:
    """What a following instance got from its reference is changed there, not here (the next sync would undo it)."""
    if record.origin != store.LOCAL:
        raise Conflict("managed_by_reference")


def get_account(ctx: Context, principal: Principal, address: str) -> dict:
    account = _account(ctx, principal, address)
    _, site = _real_domain(ctx, account.domain)
    return account_row(account, site)


def _managed_domain(ctx: Context, principal: Principal, domain: str) -> tuple[MailDomain, MailSite]:
    """A real domain the principal manages (checked before it is read), and its site."""
    name = values.checked(domain=(mail_values.domain, domain))["domain"][0]
    may_manage(principal, name)
    return _real_domain(ctx, name)


def get_domain(ctx: Context, principal: Principal, domain: str) -> dict:
    """A real domain the principal manages, with its site's companion domains and retention."""
    return domain_row(*_managed_domain(ctx, principal, domain))


def _accounts(ctx: Context, domain: MailDomain, site: MailSite, cursor: str | None, search: str) -> tuple[list[dict], str | None]:
    found, next_cursor = store.accounts_page(ctx.client, domain.name, ctx.config.page_size, cursor, sort_key(search.strip()))
    return [account_row(a, site) for a in found], next_cursor


def _aliases(ctx: Context, domain: MailDomain, cursor: str | None) -> tuple[list[dict], str | None]:
    found, next_cursor = store.aliases_page(ctx.client, domain.name, ctx.config.page_size, cursor)
    return [alias_row(a) for a in found], next_cursor


def list_accounts(ctx: Context, principal: Principal, domain: str, cursor: str | None = None,
                  search: str = "") -> tuple[list[dict], str | None]:
    """One page of a domain's accounts in address order; with `search`, those whose address or display name
    starts with it (two queries at most, whatever the domain's size)."""
    return _accounts(ctx, *_managed_domain(ctx, principal, domain), cursor, search)


def domain_overview(ctx: Context, principal: Principal, domain: str, cursor: str | None = None, search: str = "",
                    aliases_cursor: str | None = None) -> dict:
    """A domain's page: the domain, one page of its accounts (or of those found), one page of its aliases."""
    real, site = _managed_domain(ctx, principal, domain)
    accounts, next_accounts = _accounts(ctx, real, site, cursor, search)
    aliases, next_aliases = _aliases(ctx, real, aliases_cursor)
    return {"domain": domain_row(real, site), "accounts": accounts, "next": next_accounts, "aliases": aliases,
            "next_aliases": next_aliases}


def update_account(ctx: Context, principal: Principal, address: str, *, seen: versions.Seen | None = None,
                   **changes: Any) -> dict:
    """Change an account's display name, quota, activity or password (a reset), or rename it (`new_address`):
    its companions follow (B3); only the account `seen` (R2)."""
    current = _account(ctx, principal, address)
    local_only(current)
    checks = {"display_name": DISPLAY_NAME, "active": values.boolean, "quota_mb": mail_values.quota_mb,
              "new_address": mail_values.mailbox_address}
    given = values.checked(**{k: (checks[k], v) for k, v in changes.items() if k in checks})
    renamed = given.get("new_address")
    if renamed is not None:
        may_manage(principal, renamed.domain)
    key = renamed.key if renamed is not None else current.address
    password_hash = None
    if "password" in changes:
        if problem := mail_values.password_problem(changes["password"], key):
            raise InvalidInput({"password": problem})
        password_hash = ctx.passwords.hash(changes["password"])
    at = ctx.now()

    def work() -> tuple[dict, list[tuple[str, str]]]:
        account, site = _stored(ctx, current)
        versions.check(seen, store.ACCOUNTS.kind, account.address, account, account_row(account, site))
        changed = [(store.ACCOUNTS.kind, account.address)]
        if renamed is not None and renamed.key != account.address:
            _, new_site = _real_domain(ctx, renamed.domain)
            taken = mail_values.owned_by_account(renamed.key, new_site)
            _own(ctx, taken, renamed_from=account.address)
            kept = {c.address for c in taken}
            _disown(ctx, [c for c in mail_values.owned_by_account(account.address, site) if c.address not in kept])
            ctx.client.delete(store.ACCOUNTS.key(ctx.client, account.address, account.domain))
            _record(ctx, principal, "mail_account_renamed", account.domain, account.address, detail=renamed.key,
                    renamed=renamed)
            account.address, account.domain, site = renamed.key, renamed.domain, new_site
            changed.append((store.ACCOUNTS.kind, renamed.key))
        if renamed is not None:
            account.local = renamed.local
        for name in ("display_name", "active", "quota_mb"):
            if name in given:
                setattr(account, name, given[name])
        account.search_name = sort_key(account.display_name)
        if password_hash is not None:
            account.password_hash = password_hash
            _record(ctx, principal, "mail_password_reset", account.domain, account.address)
        if "active" in given:
            _record(ctx, principal, "mail_account_activated" if given["active"] else "mail_account_deactivated",
                    account.domain, account.address)
        if any(k in given for k in ("display_name", "quota_mb")):
            _record(ctx, principal, "mail_account_updated", account.domain, account.address)
        account.updated = at
        store.ACCOUNTS.put(ctx.client, account)
        return account_row(account, site), changed

    return in_mail_transaction(ctx, work)


def _stored(ctx: Context, current: MailAccount) -> tuple[MailAccount, MailSite]:
    """An account as its transaction reads it again, with its domain's site (NotFound if deleted meanwhile)."""
    account = store.ACCOUNTS.get(ctx.client, current.address, current.domain)
    if account is None:
        raise NotFound()
    return account, _real_domain(ctx, account.domain)[1]


def delete_account(ctx: Context, principal: Principal, address: str, *, seen: versions.Seen | None = None) -> None:
    """Delete an account and the addresses it owns (the mailboxes' content is the mail host's); only as `seen` (R2)."""
    current = _account(ctx, principal, address)
    local_only(current)

    def work() -> tuple[None, list[tuple[str, str]]]:
        account, site = _stored(ctx, current)
        versions.unchanged(seen, store.ACCOUNTS.kind, account.address, account, account_row(account, site))
        _disown(ctx, mail_values.owned_by_account(account.address, site))
        ctx.client.delete(store.ACCOUNTS.key(ctx.client, account.address, account.domain))
        _record(ctx, principal, "mail_account_deleted", account.domain, account.address)
        return None, [(store.ACCOUNTS.kind, account.address)]

    in_mail_transaction(ctx, work)


# Aliases

def alias_row(alias: MailAlias) -> dict:
    return {"address": alias.address, "targets": alias.targets, "origin": alias.origin, "version": alias.version}


def _targets(ctx: Context, address: str, given: Any) -> list[str]:
    """The rule of mail_values.alias_targets, with the companion domains of every site here."""
    return values.checked(targets=(lambda v: mail_values.alias_targets(
        address, v, store.companion_domain_names(ctx.client)), given))["targets"]


def _check_no_loop(ctx: Context, address: str, targets: list[str]) -> None:
    """Inside a transaction: follow the targets that are aliases here, level by level; reaching `address` is a loop."""
    level, seen = targets, set(targets)
    for _ in range(ALIAS_DEPTH):
        found = [store.ALIASES.read(e) for e in lookup(ctx.client, [
            store.ALIASES.key(ctx.client, t, store.domain_of(t)) for t in level])]
        following = [t for alias in found for t in alias.targets]
        if address in following:
            raise InvalidInput({"targets": N_("alias_loop")})
        level = [t for t in following if t not in seen]
        seen.update(level)
        if not level:
            return
    raise InvalidInput({"targets": N_("alias_too_deep")})


def list_aliases(ctx: Context, principal: Principal, domain: str, cursor: str | None = None) -> tuple[list[dict], str | None]:
    return _aliases(ctx, _managed_domain(ctx, principal, domain)[0], cursor)


def create_alias(ctx: Context, principal: Principal, address: str, targets: Any) -> dict:
    """An alias of this site's domain to other addresses; no address twice, no alias to itself, no loop (B1)."""
    where = values.checked(address=(mail_values.mailbox_address, address))["address"]
    may_manage(principal, where.domain)
    chosen, at = _targets(ctx, where.key, targets), ctx.now()

    def work() -> tuple[dict, list[tuple[str, str]]]:
        _real_domain(ctx, where.domain)
        _own(ctx, [mail_values.owned_by_alias(where.key)])
        _check_no_loop(ctx, where.key, chosen)
        alias = MailAlias(where.key, where.domain, chosen, created=at, updated=at, version=versions.first(at))
        store.ALIASES.put(ctx.client, alias)
        _record(ctx, principal, "mail_alias_created", where.domain, where.key, detail=", ".join(chosen))
        return alias_row(alias), [(store.ALIASES.kind, where.key)]

    return in_mail_transaction(ctx, work)


def alias_label(ctx: Context, principal: Principal, address: str) -> str:
    """An alias as a confirmation page names it: where it leads."""
    where = _managed(principal, address)
    alias = store.ALIASES.get(ctx.client, where.key, where.domain)
    if alias is None:
        raise NotFound()
    return f"{alias.address} → {', '.join(alias.targets)}"


def delete_alias(ctx: Context, principal: Principal, address: str, *, seen: versions.Seen | None = None) -> None:
    """Delete an alias (only as `seen`, R2)."""
    where = _managed(principal, address)

    def work() -> tuple[None, list[tuple[str, str]]]:
        alias = store.ALIASES.get(ctx.client, where.key, where.domain)
        if alias is None:
            raise NotFound()
        local_only(alias)
        versions.unchanged(seen, store.ALIASES.kind, alias.address, alias, alias_row(alias))
        _disown(ctx, [mail_values.owned_by_alias(where.key)])
        ctx.client.delete(store.ALIASES.key(ctx.client, where.key, where.domain))
        _record(ctx, principal, "mail_alias_deleted", where.domain, where.key)
        return None, [(store.ALIASES.kind, where.key)]

    in_mail_transaction(ctx, work)

