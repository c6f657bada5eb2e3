"""An animator: its group's members, weekly message and deliveries (page /animateur.html and API)."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

from ..services import group
from ..services import principal as roles
from . import edge, forms

blueprint = Blueprint("group", __name__)
PAGE = "/animateur.html"

MEMBER_FIELDS = [forms.Field("name", forms.text(120)), forms.Field("email", forms.email),
                 forms.Field("active", forms.boolean, required=False)]
MESSAGE_FIELDS = [forms.Field("subject", forms.text(200, min_length=0)),
                  forms.Field("body", forms.text(20000, min_length=0, multiline=True, strip=False))]
DELIVERY_FIELDS = [forms.Field("group", forms.text(80))]
as_animator = edge.requires(roles.GROUP)


@blueprint.get("/api/group")
@as_animator
def api_overview() -> Response:
    return edge.answer(group.overview(edge.client(), edge.config(), edge.principal(), edge.cursor_arg()))


@blueprint.post("/api/group/members")
@as_animator
def api_add_member() -> Response:
    values = forms.parse(edge.json_body(), MEMBER_FIELDS)
    values.pop("active", None)
    return edge.answer(group.add_member(edge.client(), edge.principal(), **values), 201)


@blueprint.patch("/api/group/members/<member_id>")
@as_animator
def api_update_member(member_id: str) -> Response:
    values = forms.parse(edge.json_body(), MEMBER_FIELDS, partial=True)
    return edge.answer(group.update_member(edge.client(), edge.principal(), member_id, values))


@blueprint.delete("/api/group/members/<member_id>")
@as_animator
def api_remove_member(member_id: str) -> Response:
    group.remove_member(edge.client(), edge.principal(), member_id)
    return edge.no_content()


@blueprint.put("/api/group/message")
@as_animator
def api_set_message() -> Response:
    values = forms.parse(edge.json_body(), MESSAGE_FIELDS)
    return edge.answer(group.set_message(edge.client(), edge.principal(), **values))


@blueprint.post("/api/group/deliveries")
@as_animator
def api_add_delivery() -> Response:
    values = forms.parse(edge.json_body(), DELIVERY_FIELDS)
    return edge.answer(group.add_delivery(edge.client(), edge.principal(), values["group"]), 201)


@blueprint.delete("/api/group/deliveries/<code>")
@as_animator
def api_remove_delivery(code: str) -> Response:
    group.remove_delivery(edge.client(), edge.principal(), code)
    return edge.no_content()


# Pages
@blueprint.get(PAGE)
def page() -> Response:
    who = edge.principal()
    if who is None or who.role != roles.GROUP:
        return edge.page("group/sign_in.html")
    if who.must_change_password:
        return edge.page("password_first.html", who=who)
    view = group.overview(edge.client(), edge.config(), who, edge.cursor_arg())
    return edge.page("group/overview.html", who=who, grp=view)


@blueprint.post("/animateur/members")
@as_animator
def page_add_member() -> Response:
    values = forms.parse(request.form.to_dict(), MEMBER_FIELDS)
    values.pop("active", None)
    group.add_member(edge.client(), edge.principal(), **values)
    return edge.back(PAGE, "member_added")


@blueprint.post("/animateur/members/<member_id>/<any(activate, deactivate, remove):action>")
@as_animator
def page_member_act(member_id: str, action: str) -> Response:
    if action == "remove":
        group.remove_member(edge.client(), edge.principal(), member_id)
        return edge.back(PAGE, "member_removed")
    group.update_member(edge.client(), edge.principal(), member_id, {"active": action == "activate"})
    return edge.back(PAGE, "saved")


@blueprint.post("/animateur/message")
@as_animator
def page_set_message() -> Response:
    values = forms.parse(request.form.to_dict(), MESSAGE_FIELDS)
    group.set_message(edge.client(), edge.principal(), **values)
    return edge.back(PAGE, "saved")


@blueprint.post("/animateur/deliveries")
@as_animator
def page_add_delivery() -> Response:
    values = forms.parse(request.form.to_dict(), DELIVERY_FIELDS)
    group.add_delivery(edge.client(), edge.principal(), values["group"])
    return edge.back(PAGE, "delivery_added")


@blueprint.post("/animateur/deliveries/<code>/remove")
@as_animator
def page_remove_delivery(code: str) -> Response:
    group.remove_delivery(edge.client(), edge.principal(), code)
    return edge.back(PAGE, "delivery_removed")
