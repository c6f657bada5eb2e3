"""A directory's admin: its directory, groups, references, mailing (page /adminloc.html and API)."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

from ..services import directory, groups
from ..services import principal as roles
from . import edge, forms

blueprint = Blueprint("directory", __name__)
PAGE = "/adminloc.html"
GROUP_TYPES = ("group", "groupement")

UPDATE_FIELDS = [
    forms.Field("name", forms.name(80)), forms.Field("initials", forms.name(12)),
    forms.Field("color", forms.color), forms.Field("comment", forms.text(500, min_length=0, multiline=True)),
]
CREATE_FIELDS = [
    forms.Field("type", forms.choice(GROUP_TYPES)), forms.Field("name", forms.name(80)), forms.Field("initials", forms.name(12)),
]
REFERENCE_FIELDS = [
    forms.Field("directory", forms.text(80)), forms.Field("group", forms.text(80)), forms.Field("password", forms.password),
]
MAILING_FIELDS = [
    forms.Field("day", forms.choice(forms.WEEKDAYS, nullable=True)), forms.Field("mailer", forms.choice(forms.MAILERS)),
]
as_directory = edge.requires(roles.DIRECTORY)


def act(action: str, code: str, values: dict) -> dict | str | None:
    """Run one act on a group: the same service calls for pages and API."""
    client, config, who = edge.client(), edge.config(), edge.principal()
    if action == "create":
        return groups.create_group(client, who, **values)
    if action == "reference":
        return groups.add_reference(client, config, who, values["directory"], values["group"], values["password"],
                                    request.remote_addr or "")
    if action == "dereference":
        return groups.dereference(client, config, who, code)
    if action == "reactivate":
        return groups.reactivate(client, config, who, code)
    if action == "password-reset":
        return groups.reset_group_password(client, who, code)
    if action == "mailing":
        return groups.set_mailing(client, who, code, values["day"], values["mailer"])
    raise AssertionError(action)


@blueprint.get("/api/directory")
@as_directory
def api_overview() -> Response:
    return edge.answer(directory.overview(edge.client(), edge.config(), edge.principal(), edge.cursor_arg()))


@blueprint.patch("/api/directory")
@as_directory
def api_update() -> Response:
    values = forms.parse(edge.json_body(), UPDATE_FIELDS, partial=True)
    return edge.answer(directory.update(edge.client(), edge.principal(), values))


@blueprint.post("/api/directory/groups")
@as_directory
def api_create_group() -> Response:
    return edge.answer(act("create", "", forms.parse(edge.json_body(), CREATE_FIELDS)), 201)


@blueprint.post("/api/directory/references")
@as_directory
def api_add_reference() -> Response:
    return edge.answer(act("reference", "", forms.parse(edge.json_body(), REFERENCE_FIELDS)), 201)


@blueprint.delete("/api/directory/groups/<code>")
@as_directory
def api_dereference(code: str) -> Response:
    return edge.answer({"state": act("dereference", code, {})})


@blueprint.post("/api/directory/groups/<code>/reactivate")
@as_directory
def api_reactivate(code: str) -> Response:
    return edge.answer(act("reactivate", code, {}))


@blueprint.post("/api/directory/groups/<code>/password-reset")
@as_directory
def api_reset_group_password(code: str) -> Response:
    act("password-reset", code, {})
    return edge.no_content()


@blueprint.put("/api/directory/groups/<code>/mailing")
@as_directory
def api_set_mailing(code: str) -> Response:
    return edge.answer(act("mailing", code, forms.parse(edge.json_body(), MAILING_FIELDS)))


# Pages
@blueprint.get(PAGE)
def page() -> Response:
    who = edge.principal()
    if who is None or who.role != roles.DIRECTORY:
        return edge.page("directory/sign_in.html")
    if who.must_change_password:
        return edge.page("password_first.html", who=who)
    view = directory.overview(edge.client(), edge.config(), who, edge.cursor_arg())
    return edge.page("directory/overview.html", who=who, d=view, weekdays=forms.WEEKDAYS, mailers=forms.MAILERS)


@blueprint.post("/adminloc/settings")
@as_directory
def page_update() -> Response:
    values = forms.parse(request.form.to_dict(), UPDATE_FIELDS, partial=True)
    directory.update(edge.client(), edge.principal(), values)
    return edge.back(PAGE, "saved")


PAGE_ACTS = {  # form action → (fields, notice)
    "create": (CREATE_FIELDS, "group_created"),
    "reference": (REFERENCE_FIELDS, "reference_added"),
    "dereference": ([], None),
    "reactivate": ([], "reactivated"),
    "password-reset": ([], "password_reset"),
    "mailing": (MAILING_FIELDS, "saved"),
}


@blueprint.post("/adminloc/groups/<any(create, reference):action>")
@blueprint.post("/adminloc/groups/<code>/<any(dereference, reactivate, 'password-reset', mailing):action>")
@as_directory
def page_act(action: str, code: str = "") -> Response:
    fields, notice = PAGE_ACTS[action]
    result = act(action, code, forms.parse(request.form.to_dict(), fields))
    return edge.back(PAGE, notice or f"state_{result}")
