"""The general admin: the directories-admin password (page /admin/pwd.html and API)."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

from ..services import accounts
from . import edge, forms

blueprint = Blueprint("general", __name__)
PASSWORD_FIELDS = [forms.Field("password", forms.password)]


@blueprint.put("/api/directories-admin/password")
@edge.requires(accounts.GENERAL)
def api_set_directories_admin_password() -> Response:
    values = forms.parse(edge.json_body(), PASSWORD_FIELDS)
    accounts.set_directories_admin_password(edge.client(), edge.principal(), values["password"])
    return edge.no_content()


@blueprint.get("/admin/pwd.html")
def page() -> Response:
    who = edge.principal()
    if who is None or who.role != accounts.GENERAL:
        return edge.page("general/sign_in.html", emulator=edge.config().emulator)
    return edge.page("general/password.html", who=who)


@blueprint.post("/admin/pwd.html")
@edge.requires(accounts.GENERAL)
def page_set_password() -> Response:
    values = forms.parse(request.form.to_dict(), PASSWORD_FIELDS)
    accounts.set_directories_admin_password(edge.client(), edge.principal(), values["password"])
    return edge.back("/admin/pwd.html", "directories_admin_password_set")
