"""The general admin: the directories-admin password (page /admin/pwd.html and API)."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

from ..services import accounts, general
from ..services import principal as roles
from ..services.errors import NotFound
from . import edge, forms

blueprint = Blueprint("general", __name__)
PASSWORD_FIELDS = [forms.Field("password", forms.password)]
MAILER_FIELDS = [
    forms.Field("from", forms.email), forms.Field("smtp_host", forms.hostname),
    forms.Field("smtp_port", forms.integer(1, 65535)), forms.Field("username", forms.text(254, min_length=0)),
    forms.Field("password", forms.text(512, min_length=0, strip=False), required=False),
    forms.Field("starttls", forms.boolean),
]
as_general = edge.requires(roles.GENERAL)


def mailer_values(letter: str, data: object) -> dict:
    """A mailer's settings from input; the letter must be A–Y (Z means no mailer)."""
    if letter not in general.LETTERS:
        raise NotFound()
    return forms.parse(data, MAILER_FIELDS)


@blueprint.put("/api/directories-admin/password")
@as_general
def api_set_directories_admin_password() -> Response:
    values = forms.parse(edge.json_body(), PASSWORD_FIELDS)
    accounts.set_directories_admin_password(edge.client(), edge.principal(), values["password"])
    return edge.no_content()


@blueprint.get("/api/mailers")
@as_general
def api_mailers() -> Response:
    return edge.answer(general.list_mailers(edge.client()))


@blueprint.put("/api/mailers/<letter>")
@as_general
def api_set_mailer(letter: str) -> Response:
    values = mailer_values(letter, edge.json_body())
    return edge.answer(general.set_mailer(edge.client(), edge.config(), edge.principal(), letter, values))


@blueprint.get("/api/technical-state")
@as_general
def api_technical_state() -> Response:
    return edge.answer(general.technical_state(edge.client(), edge.config(), count=request.args.get("count") == "1"))


@blueprint.get("/admin/pwd.html")
def page() -> Response:
    who = edge.principal()
    if who is None or who.role != roles.GENERAL:
        return edge.page("general/sign_in.html", emulator=edge.config().emulator)
    return edge.page("general/password.html", who=who, mailers=general.list_mailers(edge.client()),
                     state=general.technical_state(edge.client(), edge.config(), count=request.args.get("count") == "1"))


@blueprint.post("/admin/pwd.html")
@as_general
def page_set_password() -> Response:
    values = forms.parse(request.form.to_dict(), PASSWORD_FIELDS)
    accounts.set_directories_admin_password(edge.client(), edge.principal(), values["password"])
    return edge.back("/admin/pwd.html", "directories_admin_password_set")


@blueprint.post("/admin/mailers")
@as_general
def page_set_mailer() -> Response:
    data = request.form.to_dict()
    letter = data.pop("letter", "")
    data["starttls"] = data.get("starttls", "off")
    if not data.get("password"):
        data.pop("password", None)  # an empty field keeps the stored password
    if data.pop("clear_password", "") == "on":
        data["password"] = ""
    general.set_mailer(edge.client(), edge.config(), edge.principal(), letter, mailer_values(letter, data))
    return edge.back("/admin/pwd.html", "saved")
