"""An animator (page /animateur.html and API): its group's members, weekly message and deliveries."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from annuaires.catalogs import N_
from annuaires.services import audit as audit_service
from annuaires.services.directories import group as service
from annuaires.services.errors import InvalidInput
from annuaires.services.mailing import email as weekly_email
from annuaires.services.mailing import report as mailing_report
from annuaires.services.roles import GROUP, Principal
from annuaires.web import edge, forms, paths, preconditions
from annuaires.web.areas import Area, refused

area = Area("group", GROUP)
blueprint = area.blueprint



@area.page
def page(principal: Principal) -> tuple[str, dict]:
    ctx = edge.ctx()
    view = service.overview(ctx, principal)
    eligible = service.delivery_choices(ctx, principal)
    options = [(g["code"], f"{g['name']} ({g['initials']})") for g in eligible]
    mail = weekly_email.preview(ctx, principal.group, view["message"])  # the message the view read already
    last = mailing_report.group_summary(ctx, principal.group)
    not_reached = {r["email"]: r for r in last["not_sent"]} if last else {}
    return "group/overview.html", {"grp": view, "eligible_options": options, "mail_preview": mail,
                                      "last_batch": last, "not_reached": not_reached,
                                      "inputs": forms.bounds(add_member=service.MEMBER_INPUT, set_message=service.MESSAGE_INPUT)}


def _members(group: str, shown: list[dict]) -> list[tuple[str, object, int]]:
    """The members an answer shows, with their versions (its ETag, R2)."""
    return [("Member", f"{group}/{m['id']}", m["version"]) for m in shown]


@area.api("/api/group")
def overview(principal: Principal) -> Response:
    view = service.overview(edge.ctx(), principal)
    things = [("Message", view["code"], view["message"]["version"]), *_members(view["code"], view["members"])]
    return preconditions.tagged(edge.answer(view), things)


@area.api("/api/group/mailing/preview")
def mailing_preview(principal: Principal) -> Response:
    return edge.answer(weekly_email.preview(edge.ctx(), principal.group))


@area.api("/api/group/members")
def members(principal: Principal) -> Response:
    shown, next_cursor = service.members_page(edge.ctx(), principal, edge.cursor_arg())
    return preconditions.tagged(edge.listed(shown, next_cursor), _members(principal.subject, shown))


@area.api("/api/group/suppliers")
def suppliers(principal: Principal) -> Response:
    return edge.listed(*service.suppliers_page(edge.ctx(), principal, edge.cursor_arg()))


@area.api("/api/group/audit")
def audit(principal: Principal) -> Response:
    return edge.listed(*audit_service.latest(edge.ctx(), principal.actor, edge.cursor_arg()))


@area.api("/api/group/deliveries/eligible")
def eligible(principal: Principal) -> Response:
    return edge.answer(service.eligible_deliveries(edge.ctx(), principal))


@area.act(api=("POST", "/api/group/members"), form="/animateur/members", fields=service.MEMBER_INPUT, status=201,
          notice=N_("member_added"))
def add_member(principal: Principal, given: dict) -> dict:
    return service.add_member(edge.ctx(), principal, **given)


@area.act(api=("PATCH", "/api/group/members/<member_id>"), fields=service.MEMBER_CHANGES, partial=True)
def update_member(principal: Principal, given: dict, member_id: str) -> dict:
    return service.update_member(edge.ctx(), principal, member_id, **given, seen=preconditions.seen())


@area.act(form="/animateur/members/<member_id>/activate")
def activate_member(principal: Principal, _: dict, member_id: str) -> dict:
    return service.update_member(edge.ctx(), principal, member_id, active=True, seen=preconditions.seen())


@area.act(form="/animateur/members/<member_id>/deactivate")
def deactivate_member(principal: Principal, _: dict, member_id: str) -> dict:
    return service.update_member(edge.ctx(), principal, member_id, active=False, seen=preconditions.seen())


def _member(principal: Principal, member_id: str, **_: str) -> str:
    return service.member_label(edge.ctx(), principal, member_id)


@area.act(api=("DELETE", "/api/group/members/<member_id>"), form="/animateur/members/<member_id>/remove", status=204,
          notice=N_("member_removed"), confirm=(N_("confirm_member_remove"), N_("remove"), _member))
def remove_member(principal: Principal, _: dict, member_id: str) -> None:
    service.remove_member(edge.ctx(), principal, member_id, seen=preconditions.seen())


@area.act(api=("PUT", "/api/group/message"), form="/animateur/message", fields=service.MESSAGE_INPUT)
def set_message(principal: Principal, given: dict) -> dict:
    return service.set_message(edge.ctx(), principal, **given, seen=preconditions.seen())


@area.act(api=("POST", "/api/group/deliveries"), form="/animateur/deliveries", fields=service.DELIVERY_INPUT, status=201,
          notice=N_("delivery_added"))
def add_delivery(principal: Principal, given: dict) -> dict:
    return service.add_delivery(edge.ctx(), principal, given["group"])


def _delivery(principal: Principal, code: str, **_: str) -> str:
    return service.delivery_name(edge.ctx(), principal, code)


@area.act(api=("DELETE", "/api/group/deliveries/<code>"), form="/animateur/deliveries/<code>/remove", status=204,
          notice=N_("delivery_removed"), confirm=(N_("confirm_delivery_remove"), N_("remove"), _delivery))
def remove_delivery(principal: Principal, _: dict, code: str) -> None:
    service.remove_delivery(edge.ctx(), principal, code)


@area.act(api=("POST", "/api/group/members/import"), fields=service.IMPORT_INPUT)
def import_members(principal: Principal, given: dict) -> dict:
    return service.import_members(edge.ctx(), principal, given["text"], dry_run=given.get("dry_run", False))


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
        return edge.back(paths.home(GROUP), N_("members_imported"))
    return area.render(principal, import_preview=result, import_text=text)


page_import_members.replay = ("import_members", None)  # type: ignore[attr-defined]  # a list sent too late comes back (R2)
