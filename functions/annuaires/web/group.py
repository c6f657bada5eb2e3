"""An animator (page /animateur.html and API): its group's members, weekly message and deliveries."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from annuaires.services import audit as audit_service
from annuaires.services import values
from annuaires.services.directories import group as service
from annuaires.services.errors import InvalidInput
from annuaires.services.mailing import email as weekly_email
from annuaires.services.mailing import report as mailing_report
from annuaires.services.roles import GROUP, Principal
from annuaires.web import edge, forms, preconditions
from annuaires.web.areas import Area, refused

area = Area("group", GROUP)
blueprint = area.blueprint

MEMBER_FIELDS = [forms.Field("name", values.MEMBER_NAME), forms.Field("email", values.email)]
MEMBER_UPDATE_FIELDS = [*MEMBER_FIELDS, forms.Field("active", values.boolean)]
MESSAGE_FIELDS = [forms.Field("subject", values.SUBJECT), forms.Field("body", values.BODY)]
DELIVERY_FIELDS = [forms.Field("group", values.text(80))]
# The list is read line by line by the service: a line it cannot read is refused on its own, never the list.
IMPORT_FIELDS = [forms.Field("text", lambda v: v), forms.Field("dry_run", values.boolean, required=False)]


@area.page
def page(principal: Principal) -> tuple[str, dict]:
    ctx = edge.ctx()
    view = service.overview(ctx, principal)
    eligible = service.eligible_deliveries(ctx, principal) if principal.account.type == values.GROUPEMENT else []
    options = [(g["code"], f"{g['name']} ({g['initials']})") for g in eligible]
    mail = weekly_email.preview(ctx, principal.account, view["message"])  # the message the view read already
    last = mailing_report.group_summary(ctx, principal.account)
    not_reached = {r["email"]: r for r in last["not_sent"]} if last else {}
    return "group/overview.html", {"grp": view, "eligible_options": options, "mail_preview": mail,
                                      "last_batch": last, "not_reached": not_reached}


def _members(group: str, shown: list[dict]) -> list[tuple[str, object, int]]:
    """The members an answer shows, with their versions (its ETag, R2)."""
    return [("Member", f"{group}/{m['id']}", m["version"]) for m in shown]


@area.api("/api/group")
def overview() -> Response:
    view = service.overview(edge.ctx(), edge.who())
    things = [("Message", view["code"], view["message"]["version"]), *_members(view["code"], view["members"])]
    return preconditions.tagged(edge.answer(view), things)


@area.api("/api/group/mailing/preview")
def mailing_preview() -> Response:
    return edge.answer(weekly_email.preview(edge.ctx(), edge.who().account))


@area.api("/api/group/members")
def members() -> Response:
    shown, next_cursor = service.members_page(edge.ctx(), edge.who(), edge.cursor_arg())
    return preconditions.tagged(edge.listed(shown, next_cursor), _members(edge.who().subject, shown))


@area.api("/api/group/suppliers")
def suppliers() -> Response:
    return edge.listed(*service.suppliers_page(edge.ctx(), edge.who(), edge.cursor_arg()))


@area.api("/api/group/audit")
def audit() -> Response:
    return edge.listed(*audit_service.latest(edge.ctx(), edge.who().actor, edge.cursor_arg()))


@area.api("/api/group/deliveries/eligible")
def eligible() -> Response:
    return edge.answer(service.eligible_deliveries(edge.ctx(), edge.who()))


@area.act(api=("POST", "/api/group/members"), form="/animateur/members", fields=MEMBER_FIELDS, status=201,
          notice="member_added")
def add_member(given: dict) -> dict:
    return service.add_member(edge.ctx(), edge.who(), **given)


@area.act(api=("PATCH", "/api/group/members/<member_id>"), fields=MEMBER_UPDATE_FIELDS, partial=True)
def update_member(given: dict, member_id: str) -> dict:
    return service.update_member(edge.ctx(), edge.who(), member_id, **given, seen=preconditions.seen())


@area.act(form="/animateur/members/<member_id>/activate")
def activate_member(_: dict, member_id: str) -> dict:
    return service.update_member(edge.ctx(), edge.who(), member_id, active=True, seen=preconditions.seen())


@area.act(form="/animateur/members/<member_id>/deactivate")
def deactivate_member(_: dict, member_id: str) -> dict:
    return service.update_member(edge.ctx(), edge.who(), member_id, active=False, seen=preconditions.seen())


def _member(principal: Principal, member_id: str, **_: str) -> str:
    return service.member_label(edge.ctx(), principal, member_id)


@area.act(api=("DELETE", "/api/group/members/<member_id>"), form="/animateur/members/<member_id>/remove", status=204,
          notice="member_removed", confirm=("confirm_member_remove", "remove", _member))
def remove_member(_: dict, member_id: str) -> None:
    service.remove_member(edge.ctx(), edge.who(), member_id, seen=preconditions.seen())


@area.act(api=("PUT", "/api/group/message"), form="/animateur/message", fields=MESSAGE_FIELDS)
def set_message(given: dict) -> dict:
    return service.set_message(edge.ctx(), edge.who(), **given, seen=preconditions.seen())


@area.act(api=("POST", "/api/group/deliveries"), form="/animateur/deliveries", fields=DELIVERY_FIELDS, status=201,
          notice="delivery_added")
def add_delivery(given: dict) -> dict:
    return service.add_delivery(edge.ctx(), edge.who(), given["group"])


def _delivery(principal: Principal, code: str, **_: str) -> str:
    return service.delivery_name(edge.ctx(), principal, code)


@area.act(api=("DELETE", "/api/group/deliveries/<code>"), form="/animateur/deliveries/<code>/remove", status=204,
          notice="delivery_removed", confirm=("confirm_delivery_remove", "remove", _delivery))
def remove_delivery(_: dict, code: str) -> None:
    service.remove_delivery(edge.ctx(), edge.who(), code)


@area.act(api=("POST", "/api/group/members/import"), fields=IMPORT_FIELDS)
def import_members(given: dict) -> dict:
    return service.import_members(edge.ctx(), edge.who(), given["text"], dry_run=given.get("dry_run", False))


def _uploaded(data: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without a byte-order mark), or what spreadsheets of Windows write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


@blueprint.post("/animateur/members/import")
def page_import_members() -> Response:
    """Paste a list or upload a CSV: first see what would be added and what is refused, then confirm.

    The list stays in its field after each step (R2), and the page opens on the preview (`#import`).
    """
    text = request.form.get("text", "")
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        text = "\n".join(part for part in (text.strip(), _uploaded(upload.read())) if part)
    principal = area.form_session(typed={"text": text})
    if isinstance(principal, Response):
        return principal
    confirmed = request.form.get("confirm") == "1"
    try:
        result = service.import_members(edge.ctx(), principal, text, dry_run=not confirmed)
    except InvalidInput as error:
        return area.render(principal, refused("import_members", error, {"text": text}), 400)
    if confirmed:
        return edge.back(GROUP.page, "members_imported")
    return area.render(principal, import_preview=result, import_text=text)


page_import_members.replay = ("import_members", None)  # type: ignore[attr-defined]  # a list sent too late comes back (R2)
