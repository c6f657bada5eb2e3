"""Mail accounts (B1, B3): the JSON API over mail domains, accounts and aliases, for mail admins (the general
admin is one)."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

from ..services import mail_accounts as service
from ..services import values
from ..services.roles import GENERAL, Principal
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


def mail_admin() -> Principal:
    """Who manages mail accounts in this request (the general admin, for now)."""
    return edge.signed_in(GENERAL)


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
