"""Mail accounts (B1, B3): the JSON API over mail domains, accounts and aliases, for mail admins (the general
admin is one)."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

from ..services import mail_accounts as service
from ..services import mail_changes, mail_exports, mail_operators, mail_sync, mailbox, values
from ..services.roles import GENERAL, MAIL, Principal
from . import edge, forms

blueprint = Blueprint("mail", __name__)
TEXT = values.text(320, min_length=0)
DOMAIN_FIELDS = [forms.Field("name", TEXT), forms.Field("site", TEXT)]
ACCOUNT_FIELDS = [forms.Field("address", TEXT), forms.Field("display_name", TEXT, required=False),
                  forms.Field("password", values.password), forms.Field("quota_mb", lambda v: v, required=False)]
ACCOUNT_CHANGES = [forms.Field("address", TEXT), forms.Field("display_name", TEXT), forms.Field("active", values.boolean),
                   forms.Field("quota_mb", lambda v: v), forms.Field("password", values.password)]
ALIAS_FIELDS = [forms.Field("address", TEXT), forms.Field("targets", lambda v: v)]
SEARCH = values.text(100, min_length=0)
OPERATOR_FIELDS = [forms.Field("login", TEXT), forms.Field("password", values.password),
                   forms.Field("domains", lambda v: v, required=False), forms.Field("admin", values.boolean, required=False)]
MAILBOX_PASSWORD_FIELDS = [forms.Field("address", TEXT), forms.Field("current", values.password),
                           forms.Field("new", values.password)]


def mail_admin() -> Principal:
    """Who manages mail accounts in this request: the general admin, a mail admin or an operator (the service
    decides what each may do)."""
    return edge.signed_in(GENERAL, MAIL)


def _given(fields: list[forms.Field], partial: bool = False) -> dict:
    return forms.parse(edge.json_body(), fields, partial=partial)


@blueprint.get("/api/mail/domains")
def list_domains() -> Response:
    return edge.answer(service.list_domains(edge.ctx(), mail_admin()))


@blueprint.post("/api/mail/domains")
def create_domain() -> Response:
    principal = mail_admin()
    return edge.answer(service.create_domain(edge.ctx(), principal, **_given(DOMAIN_FIELDS)), 201)


@blueprint.get("/api/mail/accounts")
def list_accounts() -> Response:
    principal = mail_admin()
    search = values.checked(q=(SEARCH, request.args.get("q", "")))["q"]
    return edge.listed(*service.list_accounts(edge.ctx(), principal, request.args.get("domain", ""), edge.cursor_arg(),
                                              search))


@blueprint.post("/api/mail/accounts")
def create_account() -> Response:
    principal = mail_admin()
    return edge.answer(service.create_account(edge.ctx(), principal, **_given(ACCOUNT_FIELDS)), 201)


@blueprint.get("/api/mail/accounts/<address>")
def get_account(address: str) -> Response:
    return edge.answer(service.get_account(edge.ctx(), mail_admin(), address))


@blueprint.patch("/api/mail/accounts/<address>")
def update_account(address: str) -> Response:
    principal = mail_admin()
    given = _given(ACCOUNT_CHANGES, partial=True)
    if "address" in given:
        given["new_address"] = given.pop("address")
    return edge.answer(service.update_account(edge.ctx(), principal, address, **given))


@blueprint.delete("/api/mail/accounts/<address>")
def delete_account(address: str) -> Response:
    service.delete_account(edge.ctx(), mail_admin(), address)
    return edge.no_content()


@blueprint.get("/api/mail/aliases")
def list_aliases() -> Response:
    principal = mail_admin()
    return edge.listed(*service.list_aliases(edge.ctx(), principal, request.args.get("domain", ""), edge.cursor_arg()))


@blueprint.post("/api/mail/aliases")
def create_alias() -> Response:
    principal = mail_admin()
    return edge.answer(service.create_alias(edge.ctx(), principal, **_given(ALIAS_FIELDS)), 201)


@blueprint.delete("/api/mail/aliases/<address>")
def delete_alias(address: str) -> Response:
    service.delete_alias(edge.ctx(), mail_admin(), address)
    return edge.no_content()


@blueprint.get("/api/mail/operators")
def list_operators() -> Response:
    return edge.answer(mail_operators.list_operators(edge.ctx(), mail_admin()))


@blueprint.post("/api/mail/operators")
def create_operator() -> Response:
    principal = mail_admin()
    return edge.answer(mail_operators.create_operator(edge.ctx(), principal, **_given(OPERATOR_FIELDS)), 201)


@blueprint.delete("/api/mail/operators/<login>")
def delete_operator(login: str) -> Response:
    mail_operators.delete_operator(edge.ctx(), mail_admin(), login)
    return edge.no_content()


@blueprint.post("/api/mail/password")
def change_mailbox_password() -> Response:
    """A mailbox user's own password: no session, the current password (throttled as a sign-in)."""
    given = _given(MAILBOX_PASSWORD_FIELDS)
    mailbox.change_password(edge.ctx(), given["address"], given["current"], given["new"], client_addr=edge.client_addr(),
                            device_cookie=edge.device_cookie())
    return edge.no_content()


@blueprint.put("/api/mail/export-token")
def set_export_token() -> Response:
    principal = mail_admin()
    mail_changes.set_export_token(edge.ctx(), principal, _given([forms.Field("token", lambda v: v)])["token"])
    return edge.no_content()


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


@blueprint.get("/api/mail/sync/runs")
def sync_runs() -> Response:
    """The last runs of this instance's sync with its reference (B5)."""
    mail_operators.must_be_mail_admin(mail_admin())
    return edge.answer(mail_sync.runs(edge.ctx()))


@blueprint.get("/api/mail/export/<name>")
def export(name: str) -> Response:
    """A map, the passwd-file or the maintenance script, as the mail host reads it, streamed (B4)."""
    export_reader()
    ctx = edge.ctx()
    lines = mail_exports.export(ctx.client, name, ctx.now())
    # The lines need no request context (the client and the time are given): the entry point's app streams them.
    return Response(lines, mimetype="text/plain")
