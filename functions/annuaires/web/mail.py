"""Mail accounts (B1–B5): the pages (/messagerie.html and below) and the JSON API over mail domains, accounts,
aliases and operators, for mail admins (the general admin is one) and operators; the mailbox users' own
password page; the exports and the change feed the mail host and following instances read."""

from __future__ import annotations

import secrets
from zoneinfo import ZoneInfo

from flask import request
from werkzeug.wrappers import Response

from annuaires.catalogs import N_
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
from annuaires.services.roles import GENERAL, MAIL, Principal
from annuaires.web import edge, forms, once, paths, preconditions
from annuaires.web.areas import Area, refused, status_of
from annuaires.web.auth import with_device

area = Area("mail", MAIL, also=(GENERAL,))
blueprint = area.blueprint

TEXT = values.text(320, min_length=0)
SEARCH = values.text(100, min_length=0)
DOMAIN_FIELDS = [forms.Field("name", TEXT), forms.Field("site", TEXT)]
ACCOUNT_FIELDS = [forms.Field("address", TEXT), forms.Field("display_name", TEXT, required=False),
                  forms.Field("password", values.password), forms.Field("quota_mb", lambda v: v, required=False)]
ACCOUNT_FORM_FIELDS = [forms.Field("address", TEXT), forms.Field("display_name", TEXT, required=False),
                       forms.Field("password", values.password), forms.Field("confirm", values.password, required=False),
                       forms.Field("quota_mb", mail_values.QUOTA_TYPED, required=False)]
ACCOUNT_CHANGES = [forms.Field("address", TEXT), forms.Field("display_name", TEXT), forms.Field("active", values.boolean),
                   forms.Field("quota_mb", lambda v: v), forms.Field("password", values.password)]
DESCRIBE_FIELDS = [forms.Field("display_name", TEXT), forms.Field("quota_mb", mail_values.QUOTA_TYPED)]
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


def _domain_page(address: str) -> str:
    return f"/messagerie/domains/{mail_values.typed_domain(address)}"


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
    domain = service.get_domain(ctx, principal, mail_values.typed_domain(account["address"]))
    return "mail/account.html", {"account": account, "domain": domain, "audit": audit, "audit_next": audit_next}


# Domains

@area.api("/api/mail/domains")
def list_domains(principal: Principal) -> Response:
    return edge.answer(service.list_domains(edge.ctx(), principal))


@area.act(api=("POST", "/api/mail/domains"), form="/messagerie/domains", fields=DOMAIN_FIELDS, status=201,
          notice=N_("mail_domain_created"))
def create_domain(principal: Principal, given: dict) -> dict:
    return service.create_domain(edge.ctx(), principal, **given)


@area.api("/api/mail/domains/<domain>/audit")
def domain_audit(principal: Principal, domain: str) -> Response:
    """The audit log of a domain: every act on its accounts and aliases, newest first."""
    name = service.get_domain(edge.ctx(), principal, domain)["name"]
    return edge.listed(*audit_service.latest(edge.ctx(), f"domain:{name}", edge.cursor_arg()))


# Accounts

def _versions(kind: str, key: str, shown: list[dict]) -> list[tuple[str, object, int]]:
    """The accounts, aliases or operators an answer shows, with their versions (its ETag, R2)."""
    return [(kind, item[key].lower() if kind == "MailAccount" else item[key], item["version"]) for item in shown]


@area.api("/api/mail/accounts")
def list_accounts(principal: Principal) -> Response:
    search = values.checked(q=(SEARCH, request.args.get("q", "")))["q"]
    shown, next_cursor = service.list_accounts(edge.ctx(), principal, request.args.get("domain", ""), edge.cursor_arg(),
                                               search)
    return preconditions.tagged(edge.listed(shown, next_cursor), _versions("MailAccount", "address", shown))


@area.act(api=("POST", "/api/mail/accounts"), fields=ACCOUNT_FIELDS, status=201)
def create_account(principal: Principal, given: dict) -> dict:
    return service.create_account(edge.ctx(), principal, **given)


@area.act(form="/messagerie/domains/<domain>/accounts", fields=ACCOUNT_FORM_FIELDS, notice=N_("mail_account_created"),
          back=_account_page, shown_on=domain_page)
def create_account_from_form(principal: Principal, given: dict, domain: str) -> dict:
    given = forms.confirmed(given, "password")
    return service.create_account(edge.ctx(), principal, **{**given, "address": mail_values.in_domain(given["address"], domain)})


@area.api("/api/mail/accounts/<address>")
def get_account(principal: Principal, address: str) -> Response:
    shown = service.get_account(edge.ctx(), principal, address)
    return preconditions.tagged(edge.answer(shown), _versions("MailAccount", "address", [shown]))


@area.act(api=("PATCH", "/api/mail/accounts/<address>"), fields=ACCOUNT_CHANGES, partial=True)
def update_account(principal: Principal, given: dict, address: str) -> dict:
    if "address" in given:
        given["new_address"] = given.pop("address")
    return service.update_account(edge.ctx(), principal, address, **given, seen=preconditions.seen())


@area.act(form="/messagerie/accounts/<address>/describe", fields=DESCRIBE_FIELDS, back="/messagerie/accounts/{address}",
          shown_on=account_page)
def describe_account(principal: Principal, given: dict, address: str) -> dict:
    return service.update_account(edge.ctx(), principal, address, **given, seen=preconditions.seen())


@area.act(form="/messagerie/accounts/<address>/rename", fields=RENAME_FIELDS, notice=N_("mail_account_renamed"),
          back=_account_page, shown_on=account_page)
def rename_account(principal: Principal, given: dict, address: str) -> dict:
    new_address = mail_values.in_domain(given["address"], mail_values.typed_domain(address))
    return service.update_account(edge.ctx(), principal, address, new_address=new_address, seen=preconditions.seen())


@area.act(form="/messagerie/accounts/<address>/password", fields=RESET_FIELDS, notice=N_("mail_password_reset"),
          back="/messagerie/accounts/{address}", shown_on=account_page)
def reset_account_password(principal: Principal, given: dict, address: str) -> dict:
    return service.update_account(edge.ctx(), principal, address, **forms.confirmed(given, "password"), seen=preconditions.seen())


@area.act(form="/messagerie/accounts/<address>/activate", notice=N_("mail_account_activated"),
          back="/messagerie/accounts/{address}", shown_on=account_page)
def activate_account(principal: Principal, _: dict, address: str) -> dict:
    return service.update_account(edge.ctx(), principal, address, active=True, seen=preconditions.seen())


@area.act(form="/messagerie/accounts/<address>/deactivate", notice=N_("mail_account_deactivated"),
          back="/messagerie/accounts/{address}", shown_on=account_page)
def deactivate_account(principal: Principal, _: dict, address: str) -> dict:
    return service.update_account(edge.ctx(), principal, address, active=False, seen=preconditions.seen())


def _account(principal: Principal, address: str, **_: str) -> str:
    account = service.get_account(edge.ctx(), principal, address)
    return f"{account['address']} ({account['display_name']})" if account["display_name"] else account["address"]


@area.act(api=("DELETE", "/api/mail/accounts/<address>"), form="/messagerie/accounts/<address>/delete", status=204,
          notice=N_("mail_account_deleted"), confirm=(N_("confirm_mail_account_delete"), N_("delete"), _account),
          back=lambda _, address: _domain_page(address), shown_on=account_page)
def delete_account(principal: Principal, _: dict, address: str) -> None:
    service.delete_account(edge.ctx(), principal, address, seen=preconditions.seen())


# Aliases

@area.api("/api/mail/aliases")
def list_aliases(principal: Principal) -> Response:
    shown, next_cursor = service.list_aliases(edge.ctx(), principal, request.args.get("domain", ""), edge.cursor_arg())
    return preconditions.tagged(edge.listed(shown, next_cursor), _versions("MailAlias", "address", shown))


@area.act(api=("POST", "/api/mail/aliases"), fields=ALIAS_FIELDS, status=201)
def create_alias(principal: Principal, given: dict) -> dict:
    return service.create_alias(edge.ctx(), principal, **given)


@area.act(form="/messagerie/domains/<domain>/aliases", fields=ALIAS_FORM_FIELDS, notice=N_("mail_alias_created"),
          back="/messagerie/domains/{domain}", shown_on=domain_page)
def create_alias_from_form(principal: Principal, given: dict, domain: str) -> dict:
    targets = mail_values.typed_targets(given["targets"])
    return service.create_alias(edge.ctx(), principal, mail_values.in_domain(given["address"], domain), targets)


def _alias(principal: Principal, address: str, **_: str) -> str:
    return service.alias_label(edge.ctx(), principal, address)


@area.act(api=("DELETE", "/api/mail/aliases/<address>"), form="/messagerie/aliases/<address>/delete", status=204,
          notice=N_("mail_alias_deleted"), confirm=(N_("confirm_mail_alias_delete"), N_("delete"), _alias),
          back=lambda _, address: _domain_page(address),
          shown_on=lambda principal, address: domain_page(principal, mail_values.typed_domain(address)))
def delete_alias(principal: Principal, _: dict, address: str) -> None:
    service.delete_alias(edge.ctx(), principal, address, seen=preconditions.seen())


# Operators

@area.api("/api/mail/operators")
def list_operators(principal: Principal) -> Response:
    shown = mail_operators.list_operators(edge.ctx(), principal)
    return preconditions.tagged(edge.answer(shown), _versions("MailOperator", "login", shown))


@area.act(api=("POST", "/api/mail/operators"), form="/messagerie/operators", fields=OPERATOR_FIELDS, status=201,
          notice=N_("mail_operator_created"), many=("domains",))
def create_operator(principal: Principal, given: dict) -> dict:
    return mail_operators.create_operator(edge.ctx(), principal, **given)


def _operator(principal: Principal, login: str, **_: str) -> str:
    return mail_operators.operator_label(edge.ctx(), principal, login)


@area.act(api=("DELETE", "/api/mail/operators/<login>"), form="/messagerie/operators/<login>/delete", status=204,
          notice=N_("mail_operator_deleted"), confirm=(N_("confirm_mail_operator_delete"), N_("delete"), _operator))
def delete_operator(principal: Principal, _: dict, login: str) -> None:
    mail_operators.delete_operator(edge.ctx(), principal, login, seen=preconditions.seen())


# The export token, the feed, the sync, the exports

@area.act(api=("PUT", "/api/mail/export-token"), fields=[forms.Field("token", lambda v: v)], status=204)
def set_export_token(principal: Principal, given: dict) -> None:
    mail_changes.set_export_token(edge.ctx(), principal, given["token"])


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
    return once.keep(edge.back(TOKEN_PAGE, N_("mail_token_made")), principal, TOKEN_PAGE, token)


page_new_export_token.confirm = (N_("confirm_new_token"), N_("mail_new_token"), _token_now)  # type: ignore[attr-defined]


@blueprint.get(TOKEN_PAGE)
def page_token() -> Response:
    """The new token, shown to the admin who made it, once: a reload says it was shown and makes none."""
    principal, _ = area.session()
    if principal is None or principal.must_change_password:
        return edge.back(paths.home(MAIL))
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


@blueprint.get(paths.MAIL_CHANGES)
def changes() -> Response:
    """The change feed a following instance pulls (B5)."""
    export_reader()
    return edge.answer(mail_changes.changes(edge.ctx(), request.args.get("since")))


@area.api("/api/mail/sync/runs")
def sync_runs(principal: Principal) -> Response:
    """The last runs of this instance's sync with its reference (B5)."""
    mail_operators.must_be_mail_admin(principal)
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


@blueprint.get(paths.MAILBOX_PASSWORD)
def mailbox_page() -> Response:
    return edge.page("mail/mailbox.html", failed=None)


@blueprint.post(paths.MAILBOX_PASSWORD)
def page_change_mailbox_password() -> Response:
    data = request.form.to_dict()
    try:
        device = _change_mailbox_password(forms.confirmed(forms.parse(data, MAILBOX_FORM_FIELDS)))
    except DomainError as error:
        return edge.page("mail/mailbox.html", status_of(error), failed=refused("mailbox_password", error, data))
    return with_device(edge.back(paths.MAILBOX_PASSWORD, N_("mailbox_password_changed")), device)
