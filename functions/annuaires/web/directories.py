"""The directories admin: list, create, reset, deactivate directories (page /admingen.html and API)."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

from ..services import directories as service
from ..services import principal as roles
from . import edge, forms

blueprint = Blueprint("directories", __name__)
CREATE_FIELDS = [forms.Field("name", forms.name(80)), forms.Field("initials", forms.name(12))]
PAGE = "/admingen.html"


@blueprint.get("/api/directories")
@edge.requires(roles.DIRECTORIES)
def api_list() -> Response:
    found, next_cursor = service.list_directories(edge.client(), limit=edge.config().page_size, cursor=edge.cursor_arg())
    response = edge.answer(found)
    if next_cursor:
        response.headers["X-Next-Cursor"] = next_cursor
    return response


@blueprint.post("/api/directories")
@edge.requires(roles.DIRECTORIES)
def api_create() -> Response:
    values = forms.parse(edge.json_body(), CREATE_FIELDS)
    return edge.answer(service.create_directory(edge.client(), edge.principal(), **values), 201)


@blueprint.post("/api/directories/<code>/password-reset")
@edge.requires(roles.DIRECTORIES)
def api_reset(code: str) -> Response:
    service.reset_directory_password(edge.client(), edge.principal(), code)
    return edge.no_content()


@blueprint.post("/api/directories/<code>/<any(activate, deactivate):action>")
@edge.requires(roles.DIRECTORIES)
def api_set_active(code: str, action: str) -> Response:
    service.set_directory_active(edge.client(), edge.principal(), code, action == "activate")
    return edge.no_content()


@blueprint.get(PAGE)
def page() -> Response:
    who = edge.principal()
    if who is None or who.role != roles.DIRECTORIES:
        return edge.page("directories/sign_in.html")
    found, next_cursor = service.list_directories(edge.client(), limit=edge.config().page_size, cursor=edge.cursor_arg())
    audit = service.audit_of_directories_admin(edge.client())
    return edge.page("directories/list.html", who=who, directories=found, audit=audit,
                     cursor=next_cursor)


@blueprint.post("/admingen/directories")
@edge.requires(roles.DIRECTORIES)
def page_create() -> Response:
    values = forms.parse(request.form.to_dict(), CREATE_FIELDS)
    service.create_directory(edge.client(), edge.principal(), **values)
    return edge.back(PAGE, "directory_created")


@blueprint.post("/admingen/directories/<code>/<any(activate, deactivate, 'password-reset'):action>")
@edge.requires(roles.DIRECTORIES)
def page_act(code: str, action: str) -> Response:
    if action == "password-reset":
        service.reset_directory_password(edge.client(), edge.principal(), code)
    else:
        service.set_directory_active(edge.client(), edge.principal(), code, action == "activate")
    return edge.back(PAGE, action.replace("-", "_"))
