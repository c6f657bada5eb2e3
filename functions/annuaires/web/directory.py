"""A directory's admin (page /adminloc.html and API): its directory, groups, references, mailing settings."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from annuaires.services import audit as audit_service
from annuaires.services import handover, values
from annuaires.services.directories import directory as service
from annuaires.services.mailing import mailers
from annuaires.services.mailing import report as mailing_report
from annuaires.services.roles import DIRECTORY, GROUP, Principal
from annuaires.web import charts, edge, forms, preconditions
from annuaires.web.areas import Area

area = Area("directory", DIRECTORY)
blueprint = area.blueprint

UPDATE_FIELDS = [forms.Field("name", values.NAME), forms.Field("initials", values.initials),
                 forms.Field("color", values.color), forms.Field("comment", values.COMMENT)]
CREATE_FIELDS = [forms.Field("type", values.GROUP_TYPE), forms.Field("name", values.NAME),
                 forms.Field("initials", values.initials)]
REFERENCE_FIELDS = [forms.Field("directory", values.text(80)), forms.Field("group", values.text(80)),
                    forms.Field("password", values.password)]
MAILING_FIELDS = [forms.Field("day", values.WEEKDAY), forms.Field("mailer", values.MAILING_MAILER)]


def _describe(principal: Principal, code: str, **_: str) -> str:
    return service.group_name(edge.ctx(), principal, code)


@area.page
def page(principal: Principal) -> tuple[str, dict]:
    ctx = edge.ctx()
    view = service.overview(ctx, principal, edge.cursor_arg(), edge.cursor_arg("former"))
    sent = [{**g, "chart": charts.weekly_chart(g["batches"], ctx.now(), ctx.config.timezone)}
            for g in mailing_report.directory_mailing(ctx, principal)]
    return "directory/overview.html", {"d": view, "weekdays": values.WEEKDAYS,
                                             "mailers": {m["letter"]: m for m in mailers.list_mailers(ctx)},
                                             "letters": (*values.MAILER_LETTERS, values.NO_MAILER), "sent": sent}


@area.subpage("/adminloc/groups/<code>/mailing")
def group_mailing(principal: Principal, code: str) -> tuple[str, dict]:
    """The last batch of one group, recipient by recipient (A14)."""
    return "directory/mailing.html", {"last": mailing_report.last_batch(edge.ctx(), principal, code)}


@area.api("/api/directory/mailing")
def mailing() -> Response:
    return edge.answer(mailing_report.directory_mailing(edge.ctx(), edge.who()))


@area.api("/api/directory/groups/<code>/mailing/last")
def last_batch(code: str) -> Response:
    return edge.answer(mailing_report.last_batch(edge.ctx(), edge.who(), code))


@area.act(api=("POST", "/api/directory/groups/<code>/mailing/resend"), form="/adminloc/groups/<code>/mailing/resend",
          status=202, notice="resend_queued", back="/adminloc/groups/{code}/mailing")
def resend(_: dict, code: str) -> dict:
    return mailing_report.resend(edge.ctx(), edge.who(), code)


def _groups(shown: list[dict]) -> list[tuple[str, object, int]]:
    """The groups' mailing configurations an answer shows, with their versions (its ETag, R2)."""
    return [("Group", g["code"], g["version"]) for g in shown]


@area.api("/api/directory")
def overview() -> Response:
    view = service.overview(edge.ctx(), edge.who())
    return preconditions.tagged(edge.answer(view), [("Directory", view["code"], view["version"]), *_groups(view["groups"])])


@area.api("/api/directory/groups")
def groups() -> Response:
    shown, next_cursor = service.groups_page(edge.ctx(), edge.who(), edge.cursor_arg())
    return preconditions.tagged(edge.listed(shown, next_cursor), _groups(shown))


@area.api("/api/directory/former")
def former() -> Response:
    return edge.listed(*service.former_page(edge.ctx(), edge.who(), edge.cursor_arg()))


@area.api("/api/directory/audit")
def audit() -> Response:
    return edge.listed(*audit_service.latest(edge.ctx(), edge.who().actor, edge.cursor_arg()))


@area.act(api=("PATCH", "/api/directory"), fields=UPDATE_FIELDS, partial=True)
def update(given: dict) -> dict:
    return service.update(edge.ctx(), edge.who(), **given, seen=preconditions.seen())


@area.act(form="/adminloc/settings", fields=[*UPDATE_FIELDS, forms.Field("no_color", values.boolean, required=False)],
          partial=True)
def update_from_form(given: dict) -> dict:
    """The settings form: a colour input always sends a colour, so a box says "none"."""
    if given.pop("no_color", False):
        given["color"] = ""
    return service.update(edge.ctx(), edge.who(), **given, seen=preconditions.seen())


@area.subpage("/adminloc/groups/<code>")
def group_sheet(principal: Principal, code: str) -> tuple[str, dict]:
    """What to hand over to a new group's or groupement's animator: its code, 0000, the address of its sign-in page."""
    return "handover.html", {"sheet": handover.of_group(edge.ctx(), principal, code),
                             "sign_in_url": request.url_root.rstrip("/") + GROUP.page, "back_to": DIRECTORY.page}


@area.act(api=("POST", "/api/directory/groups"), form="/adminloc/groups/create", fields=CREATE_FIELDS, status=201,
          notice="group_created", back=lambda created: f"/adminloc/groups/{created['code']}")
def create_group(given: dict) -> dict:
    return service.create_group(edge.ctx(), edge.who(), **given)


@area.act(api=("POST", "/api/directory/references"), form="/adminloc/groups/reference", fields=REFERENCE_FIELDS,
          status=201, notice="reference_added")
def add_reference(given: dict) -> dict:
    return service.add_reference(edge.ctx(), edge.who(), given["directory"], given["group"], given["password"],
                                 client_addr=edge.client_addr(), device_cookie=edge.device_cookie())


@area.act(api=("DELETE", "/api/directory/groups/<code>"), form="/adminloc/groups/<code>/dereference",
          notice=lambda state: f"state_{state['state']}", confirm=("confirm_dereference", "dereference", _describe))
def dereference(_: dict, code: str) -> dict:
    return {"state": service.dereference(edge.ctx(), edge.who(), code)}


@area.act(api=("POST", "/api/directory/groups/<code>/reactivate"), form="/adminloc/groups/<code>/reactivate",
          notice="reactivated")
def reactivate(_: dict, code: str) -> dict:
    return service.reactivate(edge.ctx(), edge.who(), code)


@area.act(api=("POST", "/api/directory/groups/<code>/password-reset"), form="/adminloc/groups/<code>/password-reset",
          status=204, notice="password_reset", confirm=("confirm_group_password_reset", "reset_password", _describe))
def reset_group_password(_: dict, code: str) -> None:
    service.reset_group_password(edge.ctx(), edge.who(), code)


@area.act(api=("PUT", "/api/directory/groups/<code>/mailing"), fields=MAILING_FIELDS)
def set_mailing(given: dict, code: str) -> dict:
    return service.set_mailing(edge.ctx(), edge.who(), code, given["day"], given["mailer"], seen=preconditions.seen())


@area.act(form="/adminloc/groups/<code>/mailing",
          fields=[*MAILING_FIELDS, forms.Field("take_over", values.boolean, required=False)])
def set_mailing_from_form(given: dict, code: str) -> dict:
    """The page asks first before taking over a mailing another directory is responsible for."""
    return service.set_mailing(edge.ctx(), edge.who(), code, given["day"], given["mailer"],
                               take_over=given.get("take_over", False), seen=preconditions.seen())
