"""Mail accounts (B1–B5): the pages (/messagerie.html and below) and the JSON API over mail domains, accounts,
aliases and operators, for mail admins (the general admin is one) and operators; the mailbox users' own
password page; the exports and the change feed the mail host and following instances read."""

from __future__ import annotations

import secrets
from zoneinfo import ZoneInfo

from flask import request
from werkzeug.wrappers import Response

from annuaires.services import audit as audit_service
from annuaires.services import values
from annuaires.services.errors import DomainError
from annuaires.services.mail import accounts as service
from annuaires.services.mail import exports as mail_exports
from annuaires.services.mail import feed as mail_changes
from annuaires.services.mail import mailbox
from annuaires.services.mail import operators as mail_operators
from annuaires.services.mail import sync as mail_sync
from annuaires.services.mail import values as mail_values
from annuaires.services.roles import GENERAL, MAIL, MAILBOX, Principal
from annuaires.web import edge, forms, once, preconditions
from annuaires.web.areas import Area, refused, status_of
from annuaires.web.auth import with_device

area = Area("mail", MAIL, also=(GENERAL,))
blueprint = area.blueprint

TEXT = values.text(320, min_length=0)
SEARCH = values.text(100, min_length=0)
QUOTA_FORM = values.integer(1, mail_values.MAX_QUOTA_MB, nullable=True)  # a form's field: digits, or empty for none
DOMAIN_FIELDS = [forms.Field("name", TEXT), forms.Field("site", TEXT)]
ACCOUNT_FIELDS = [forms.Field("address", TEXT), forms.Field("display_name", TEXT, required=False),
                  forms.Field("password", values.password), forms.Field("quota_mb", lambda v: v, required=False)]
ACCOUNT_FORM_FIELDS = [forms.Field("address", TEXT), forms.Field("display_name", TEXT, required=False),
                       forms.Field("password", values.password), forms.Field("confirm", values.password, required=False),
                       forms.Field("quota_mb", QUOTA_FORM, required=False)]
ACCOUNT_CHANGES = [forms.Field("address", TEXT), forms.Field("display_name", TEXT), forms.Field("active", values.boolean),
                   forms.Field("quota_mb", lambda v: v), forms.Field("password", values.password)]
DESCRIBE_FIELDS = [forms.Field("display_name", TEXT), forms.Field("quota_mb", QUOTA_FORM)]
RENAME_FIELDS = [forms.Field("address", TEXT)]
RESET_FIELDS = [forms.Field("password", values.password), forms.Field("confirm", values.password, required=False)]
ALIAS_FIELDS = [forms.Field("address", TEXT), forms.Field("targets", lambda v: v)]
ALIAS_FORM_FIELDS = [forms.Field("address", TEXT), forms.Field("targets", values.text(20_000, min_length=0, multiline=True))]
OPERATOR_FIELDS = [forms.Field("login", TEXT), forms.Field("password", values.password),
                   forms.Field("domains", lambda v: v, required=False), forms.Field("admin", values.boolean, required=False)]
MAILBOX_PASSWORD_FIELDS = [forms.Field("address", TEXT), forms.Field("current", values.password),
                           forms.Field("new", values.password)]
MAILBOX_FORM_FIELDS = [*MAILBOX_PASSWORD_FIELDS, forms.Field("confirm", values.password, required=False)]


def mail_admin() -> Principal:
    """Who manages mail accounts in this request: the general admin, a mail admin or an operator (the service
    decides what each may do)."""
    return area.signed_in()


def _in_domain(address: str, domain: str) -> str:
    """What a domain page's form typed as an address: a local part alone is at that domain."""
    return address if "@" in address else f"{address}@{domain}"


def _domain_of(address: str) -> str:
    """The domain part of an address from a URL (none if it has no @: the service refuses it)."""
    return address.rpartition("@")[2]


def _domain_page(address: str) -> str:
    return f"/messagerie/domains/{_domain_of(address)}"


def _account_page(result: dict, **_: str) -> str:
    return f"/messagerie/accounts/{result['address']}"


# Pages

@area.page
def page(principal: Principal) -> tuple[str, dict]:
    """The mail domains the principal manages; for mail admins, the operators, the export token, the sync."""
    ctx = edge.ctx()
    admin = mail_operators.is_mail_admin(principal)
    view = {"domains": service.list_domains(ctx, principal), "admin": admin, "may_name_admins": principal.role is GENERAL}
    if admin:
        view.update(operators=mail_operators.list_operators(ctx, principal), runs=mail_sync.runs(ctx),
                    reference=ctx.config.mail_reference_url,
                    token_set_at=mail_changes.export_token_set_at(ctx, principal))
    return "mail/overview.html", view


@area.subpage("/messagerie/domains/<domain>")
def domain_page(principal: Principal, domain: str) -> tuple[str, dict]:
    """A domain: its accounts (searched by address or display name, a page at a time), its aliases, its log."""
    ctx = edge.ctx()
    search = values.checked(q=(SEARCH, request.args.get("q", "")))["q"]
    view = service.domain_overview(ctx, principal, domain, edge.cursor_arg(), search, edge.cursor_arg("aliases"))
    audit, audit_next = audit_service.latest(ctx, f"domain:{view['domain']['name']}", edge.cursor_arg("audit"))
    return "mail/domain.html", {**view, "q": search, "audit": audit, "audit_next": audit_next}


@area.subpage("/messagerie/accounts/<address>")
def account_page(principal: Principal, address: str) -> tuple[str, dict]:
    """An account: its companion mailboxes (never typed, B3), what may be changed, its log."""
    ctx = edge.ctx()
    account = service.get_account(ctx, principal, address)
    audit, audit_next = audit_service.latest(ctx, f"mail:{account['address']}", edge.cursor_arg("audit"))
    domain = service.get_domain(ctx, principal, _domain_of(account["address"]))
    return "mail/account.html", {"account": account, "domain": domain, "audit": audit, "audit_next": audit_next}


# Domains

@area.api("/api/mail/domains")
def list_domains() -> Response:
    return edge.answer(service.list_domains(edge.ctx(), edge.who()))


@area.act(api=("POST", "/api/mail/domains"), form="/messagerie/domains", fields=DOMAIN_FIELDS, status=201,
          notice="mail_domain_created")
def create_domain(given: dict) -> dict:
    return service.create_domain(edge.ctx(), edge.who(), **given)


@area.api("/api/mail/domains/<domain>/audit")
def domain_audit(domain: str) -> Response:
    """The audit log of a domain: every act on its accounts and aliases, newest first."""
    name = service.get_domain(edge.ctx(), edge.who(), domain)["name"]
    return edge.listed(*audit_service.latest(edge.ctx(), f"domain:{name}", edge.cursor_arg()))


# Accounts

def _versions(kind: str, key: str, shown: list[dict]) -> list[tuple[str, object, int]]:
    """The accounts, aliases or operators an answer shows, with their versions (its ETag, R2)."""
    return [(kind, item[key].lower() if kind == "MailAccount" else item[key], item["version"]) for item in shown]


@area.api("/api/mail/accounts")
def list_accounts() -> Response:
    search = values.checked(q=(SEARCH, request.args.get("q", "")))["q"]
    shown, next_cursor = service.list_accounts(edge.ctx(), edge.who(), request.args.get("domain", ""), edge.cursor_arg(),
                                               search)
    return preconditions.tagged(edge.listed(shown, next_cursor), _versions("MailAccount", "address", shown))


@area.act(api=("POST", "/api/mail/accounts"), fields=ACCOUNT_FIELDS, status=201)
def create_account(given: dict) -> dict:
    return service.create_account(edge.ctx(), edge.who(), **given)


@area.act(form="/messagerie/domains/<domain>/accounts", fields=ACCOUNT_FORM_FIELDS, notice="mail_account_created",
          back=_account_page, shown_on=domain_page)
def create_account_from_form(given: dict, domain: str) -> dict:
    given = forms.confirmed(given, "password")
    return service.create_account(edge.ctx(), edge.who(), **{**given, "address": _in_domain(given["address"], domain)})


@area.api("/api/mail/accounts/<address>")
def get_account(address: str) -> Response:
    shown = service.get_account(edge.ctx(), edge.who(), address)
    return preconditions.tagged(edge.answer(shown), _versions("MailAccount", "address", [shown]))


@area.act(api=("PATCH", "/api/mail/accounts/<address>"), fields=ACCOUNT_CHANGES, partial=True)
def update_account(given: dict, address: str) -> dict:
    if "address" in given:
        given["new_address"] = given.pop("address")
    return service.update_account(edge.ctx(), edge.who(), address, **given, seen=preconditions.seen())


@area.act(form="/messagerie/accounts/<address>/describe", fields=DESCRIBE_FIELDS, back="/messagerie/accounts/{address}",
          shown_on=account_page)
def describe_account(given: dict, address: str) -> dict:
    return service.update_account(edge.ctx(), edge.who(), address, **given, seen=preconditions.seen())


@area.act(form="/messagerie/accounts/<address>/rename", fields=RENAME_FIELDS, notice="mail_account_renamed",
          back=_account_page, shown_on=account_page)
def rename_account(given: dict, address: str) -> dict:
    new_address = _in_domain(given["address"], _domain_of(address))
    return service.update_account(edge.ctx(), edge.who(), address, new_address=new_address, seen=preconditions.seen())


@area.act(form="/messagerie/accounts/<address>/password", fields=RESET_FIELDS, notice="mail_password_reset",
          back="/messagerie/accounts/{address}", shown_on=account_page)
def reset_account_password(given: dict, address: str) -> dict:
    return service.update_account(edge.ctx(), edge.who(), address, **forms.confirmed(given, "password"), seen=preconditions.seen())


@area.act(form="/messagerie/accounts/<address>/activate", notice="mail_account_activated",
          back="/messagerie/accounts/{address}", shown_on=account_page)
def activate_account(_: dict, address: str) -> dict:
    return service.update_account(edge.ctx(), edge.who(), address, active=True, seen=preconditions.seen())


@area.act(form="/messagerie/accounts/<address>/deactivate", notice="mail_account_deactivated",
          back="/messagerie/accounts/{address}", shown_on=account_page)
def deactivate_account(_: dict, address: str) -> dict:
    return service.update_account(edge.ctx(), edge.who(), address, active=False, seen=preconditions.seen())


def _account(principal: Principal, address: str, **_: str) -> str:
    account = service.get_account(edge.ctx(), principal, address)
    return f"{account['address']} ({account['display_name']})" if account["display_name"] else account["address"]


@area.act(api=("DELETE", "/api/mail/accounts/<address>"), form="/messagerie/accounts/<address>/delete", status=204,
          notice="mail_account_deleted", confirm=("confirm_mail_account_delete", "delete", _account),
          back=lambda _, address: _domain_page(address), shown_on=account_page)
def delete_account(_: dict, address: str) -> None:
    service.delete_account(edge.ctx(), edge.who(), address, seen=preconditions.seen())


# Aliases

@area.api("/api/mail/aliases")
def list_aliases() -> Response:
    shown, next_cursor = service.list_aliases(edge.ctx(), edge.who(), request.args.get("domain", ""), edge.cursor_arg())
    return preconditions.tagged(edge.listed(shown, next_cursor), _versions("MailAlias", "address", shown))


@area.act(api=("POST", "/api/mail/aliases"), fields=ALIAS_FIELDS, status=201)
def create_alias(given: dict) -> dict:
    return service.create_alias(edge.ctx(), edge.who(), **given)


@area.act(form="/messagerie/domains/<domain>/aliases", fields=ALIAS_FORM_FIELDS, notice="mail_alias_created",
          back="/messagerie/domains/{domain}", shown_on=domain_page)
def create_alias_from_form(given: dict, domain: str) -> dict:
    """The targets typed one a line (or separated by commas or spaces)."""
    targets = given["targets"].replace(",", " ").split()
    return service.create_alias(edge.ctx(), edge.who(), _in_domain(given["address"], domain), targets)


def _alias(principal: Principal, address: str, **_: str) -> str:
    return service.alias_label(edge.ctx(), principal, address)


@area.act(api=("DELETE", "/api/mail/aliases/<address>"), form="/messagerie/aliases/<address>/delete", status=204,
          notice="mail_alias_deleted", confirm=("confirm_mail_alias_delete", "delete", _alias),
          back=lambda _, address: _domain_page(address),
          shown_on=lambda principal, address: domain_page(principal, _domain_of(address)))
def delete_alias(_: dict, address: str) -> None:
    service.delete_alias(edge.ctx(), edge.who(), address, seen=preconditions.seen())


# Operators

@area.api("/api/mail/operators")
def list_operators() -> Response:
    shown = mail_operators.list_operators(edge.ctx(), edge.who())
    return preconditions.tagged(edge.answer(shown), _versions("MailOperator", "login", shown))


@area.act(api=("POST", "/api/mail/operators"), form="/messagerie/operators", fields=OPERATOR_FIELDS, status=201,
          notice="mail_operator_created", many=("domains",))
def create_operator(given: dict) -> dict:
    return mail_operators.create_operator(edge.ctx(), edge.who(), **given)


def _operator(principal: Principal, login: str, **_: str) -> str:
    return mail_operators.operator_label(edge.ctx(), principal, login)


@area.act(api=("DELETE", "/api/mail/operators/<login>"), form="/messagerie/operators/<login>/delete", status=204,
          notice="mail_operator_deleted", confirm=("confirm_mail_operator_delete", "delete", _operator))
def delete_operator(_: dict, login: str) -> None:
    mail_operators.delete_operator(edge.ctx(), edge.who(), login, seen=preconditions.seen())


# The export token, the feed, the sync, the exports

@area.act(api=("PUT", "/api/mail/export-token"), fields=[forms.Field("token", lambda v: v)], status=204)
def set_export_token(given: dict) -> None:
    mail_changes.set_export_token(edge.ctx(), edge.who(), given["token"])


TOKEN_PAGE = "/messagerie/jeton"


def _token_now(principal: Principal, **_: str) -> str:
    """What a new token replaces, for the page that asks first."""
    at = mail_changes.export_token_set_at(edge.ctx(), principal)
    return edge.t("mail_token_replaced", at=edge.localtime(at, ZoneInfo(edge.ctx().config.timezone))) if at else \
        edge.t("mail_no_token")


@blueprint.post("/messagerie/export-token")
def page_new_export_token() -> Response:
    """A new random token (asked first, on /confirm), then the page that shows it once (post, redirect, show)."""
    principal = area.form_session()
    if isinstance(principal, Response):
        return principal
    token = secrets.token_urlsafe(32)
    mail_changes.set_export_token(edge.ctx(), principal, token)
    return once.keep(edge.back(TOKEN_PAGE, "mail_token_made"), principal, TOKEN_PAGE, token)


page_new_export_token.confirm = ("confirm_new_token", "mail_new_token", _token_now)  # type: ignore[attr-defined]


@blueprint.get(TOKEN_PAGE)
def page_token() -> Response:
    """The new token, shown to the admin who made it, once: a reload says it was shown and makes none."""
    principal, _ = area.session()
    if principal is None or principal.must_change_password:
        return edge.back(MAIL.page)
    at = mail_changes.export_token_set_at(edge.ctx(), principal)  # a mail admin's only
    token = once.take(principal, TOKEN_PAGE)
    response = area.render(principal, view=lambda _: ("mail/token.html", {"new_token": token, "token_set_at": at}))
    return once.forget(response, TOKEN_PAGE) if token else response


def export_reader() -> None:
    """The mail host or a following instance (`Authorization: Bearer <export token>`), or a mail admin's session."""
    credentials = request.headers.get("Authorization", "")
    if credentials.startswith("Bearer "):
        mail_changes.check_export_token(edge.ctx(), credentials.removeprefix("Bearer "))
    else:
        mail_operators.must_be_mail_admin(mail_admin())


@blueprint.get("/api/mail/changes")
def changes() -> Response:
    """The change feed a following instance pulls (B5)."""
    export_reader()
    return edge.answer(mail_changes.changes(edge.ctx(), request.args.get("since")))


@area.api("/api/mail/sync/runs")
def sync_runs() -> Response:
    """The last runs of this instance's sync with its reference (B5)."""
    mail_operators.must_be_mail_admin(edge.who())
    return edge.answer(mail_sync.runs(edge.ctx()))


@blueprint.get("/api/mail/export/<name>")
def export(name: str) -> Response:
    """A map, the passwd-file or the maintenance script, as the mail host reads it, streamed (B4)."""
    export_reader()
    ctx = edge.ctx()
    lines = mail_exports.export(ctx.client, name, ctx.now())
    # The lines need no request context (the client and the time are given): the entry point's app streams them.
    return Response(lines, mimetype="text/plain")


# Mailbox users: their own password, no session

def _change_mailbox_password(given: dict) -> str:
    """The change made; the browser's device cookie that now remembers the address."""
    return mailbox.change_password(edge.ctx(), given["address"], given["current"], given["new"],
                                   client_addr=edge.client_addr(), device_cookie=edge.device_cookie())


@blueprint.post("/api/mail/password")
def change_mailbox_password() -> Response:
    """A mailbox user's own password: no session, the current password (throttled as a sign-in)."""
    device = _change_mailbox_password(forms.parse(edge.json_body(), MAILBOX_PASSWORD_FIELDS))
    return with_device(edge.no_content(), device)


@blueprint.get(MAILBOX.page)
def mailbox_page() -> Response:
    return edge.page("mail/mailbox.html", failed=None)


@blueprint.post(MAILBOX.page)
def page_change_mailbox_password() -> Response:
    data = request.form.to_dict()
    try:
        device = _change_mailbox_password(forms.confirmed(forms.parse(data, MAILBOX_FORM_FIELDS)))
    except DomainError as error:
        return edge.page("mail/mailbox.html", status_of(error), failed=refused("mailbox_password", error, data))
    return with_device(edge.back(MAILBOX.page, "mailbox_password_changed"), device)
