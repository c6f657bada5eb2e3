"""A directory's admin (page /adminloc.html and API): its directory, groups, references, mailing settings."""

from __future__ import annotations

from werkzeug.wrappers import Response

from annuaires.catalogs import N_
from annuaires.services import audit as audit_service
from annuaires.services import handover, values
from annuaires.services.directories import directory as service
from annuaires.services.mailing import dispatch, mailers
from annuaires.services.mailing import report as mailing_report
from annuaires.services.roles import DIRECTORY, GROUP, Principal
from annuaires.web import charts, edge, forms, preconditions
from annuaires.web.areas import Area
from annuaires.web.labels import STATES

area = Area("directory", DIRECTORY)
blueprint = area.blueprint


def _describe(principal: Principal, code: str, **_: str) -> str:
    return service.group_name(edge.ctx(), principal, code)


@area.page
def page(principal: Principal) -> tuple[str, dict]:
    ctx = edge.ctx()
    view = service.overview(ctx, principal, edge.cursor_arg(), edge.cursor_arg("former"))
    weeks = dispatch.last_weeks(ctx, charts.WEEKS)
    sent = [{**g, "chart": charts.weekly_chart(g["batches"], weeks)}
            for g in mailing_report.directory_mailing(ctx, principal)]
    return "directory/overview.html", {"d": view, "weekdays": values.WEEKDAYS,
                                             "mailers": {m["letter"]: m for m in mailers.list_mailers(ctx)},
                                             "letters": (*values.MAILER_LETTERS, values.NO_MAILER), "sent": sent,
                                             "inputs": forms.bounds(create_group=service.CREATE_GROUP_INPUT,
                                                                    add_reference=service.REFERENCE_INPUT,
                                                                    update_from_form=service.UPDATE_INPUT)}


@area.subpage("/adminloc/groups/<code>/mailing")
def group_mailing(principal: Principal, code: str) -> tuple[str, dict]:
    """The last batch of one group, recipient by recipient (A14)."""
    return "directory/mailing.html", {"last": mailing_report.last_batch(edge.ctx(), principal, code)}


@area.api("/api/directory/mailing")
def mailing(principal: Principal) -> Response:
    return edge.answer(mailing_report.directory_mailing(edge.ctx(), principal))


@area.api("/api/directory/groups/<code>/mailing/last")
def last_batch(principal: Principal, code: str) -> Response:
    return edge.answer(mailing_report.last_batch(edge.ctx(), principal, code))


@area.act(api=("POST", "/api/directory/groups/<code>/mailing/resend"), form="/adminloc/groups/<code>/mailing/resend",
          status=202, notice=N_("resend_queued"), back="/adminloc/groups/{code}/mailing")
def resend(principal: Principal, _: dict, code: str) -> dict:
    return mailing_report.resend(edge.ctx(), principal, code)


def _groups(shown: list[dict]) -> list[tuple[str, object, int]]:
    """The groups' mailing configurations an answer shows, with their versions (its ETag, R2)."""
    return [("Group", g["code"], g["version"]) for g in shown]


@area.api("/api/directory")
def overview(principal: Principal) -> Response:
    view = service.overview(edge.ctx(), principal)
    return preconditions.tagged(edge.answer(view), [("Directory", view["code"], view["version"]), *_groups(view["groups"])])


@area.api("/api/directory/groups")
def groups(principal: Principal) -> Response:
    shown, next_cursor = service.groups_page(edge.ctx(), principal, edge.cursor_arg())
    return preconditions.tagged(edge.listed(shown, next_cursor), _groups(shown))


@area.api("/api/directory/former")
def former(principal: Principal) -> Response:
    return edge.listed(*service.former_page(edge.ctx(), principal, edge.cursor_arg()))


@area.api("/api/directory/audit")
def audit(principal: Principal) -> Response:
    return edge.listed(*audit_service.latest(edge.ctx(), principal.actor, edge.cursor_arg()))


@area.act(api=("PATCH", "/api/directory"), fields=service.UPDATE_INPUT, partial=True)
def update(principal: Principal, given: dict) -> dict:
    return service.update(edge.ctx(), principal, **given, seen=preconditions.seen())


@area.act(form="/adminloc/settings", fields=[*service.UPDATE_INPUT, forms.Field("no_color", values.boolean, required=False)],
          partial=True)
def update_from_form(principal: Principal, given: dict) -> dict:
    """The settings form: a colour input always sends a colour, so a box says "none"."""
    if given.pop("no_color", False):
        given["color"] = ""
    return service.update(edge.ctx(), principal, **given, seen=preconditions.seen())


@area.subpage("/adminloc/groups/<code>")
def group_sheet(principal: Principal, code: str) -> tuple[str, dict]:
    """What to hand over to a new group's or groupement's animator: its code, 0000, the address of its sign-in page."""
    return area.handover(handover.of_group(edge.ctx(), principal, code), signs_in=GROUP)


@area.act(api=("POST", "/api/directory/groups"), form="/adminloc/groups/create", fields=service.CREATE_GROUP_INPUT, status=201,
          notice=N_("group_created"), back=lambda created: f"/adminloc/groups/{created['code']}")
def create_group(principal: Principal, given: dict) -> dict:
    return service.create_group(edge.ctx(), principal, **given)


@area.act(api=("POST", "/api/directory/references"), form="/adminloc/groups/reference", fields=service.REFERENCE_INPUT,
          status=201, notice=N_("reference_added"))
def add_reference(principal: Principal, given: dict) -> dict:
    return service.add_reference(edge.ctx(), principal, given["directory"], given["group"], given["password"],
                                 client_addr=edge.client_addr(), device_cookie=edge.device_cookie())


@area.act(api=("DELETE", "/api/directory/groups/<code>"), form="/adminloc/groups/<code>/dereference",
          notice=lambda state: STATES[state["state"]], confirm=(N_("confirm_dereference"), N_("dereference"), _describe))
def dereference(principal: Principal, _: dict, code: str) -> dict:
    return {"state": service.dereference(edge.ctx(), principal, code)}


@area.act(api=("POST", "/api/directory/groups/<code>/reactivate"), form="/adminloc/groups/<code>/reactivate",
          notice=N_("reactivated"))
def reactivate(principal: Principal, _: dict, code: str) -> dict:
    return service.reactivate(edge.ctx(), principal, code)


@area.act(api=("POST", "/api/directory/groups/<code>/password-reset"), form="/adminloc/groups/<code>/password-reset",
          status=204, notice=N_("password_reset"), confirm=(N_("confirm_group_password_reset"), N_("reset_password"), _describe))
def reset_group_password(principal: Principal, _: dict, code: str) -> None:
    service.reset_group_password(edge.ctx(), principal, code)


@area.act(api=("PUT", "/api/directory/groups/<code>/mailing"), fields=service.MAILING_INPUT)
def set_mailing(principal: Principal, given: dict, code: str) -> dict:
    return service.set_mailing(edge.ctx(), principal, code, given["day"], given["mailer"], seen=preconditions.seen())


@area.act(form="/adminloc/groups/<code>/mailing",
          fields=[*service.MAILING_INPUT, forms.Field("take_over", values.boolean, required=False)])
def set_mailing_from_form(principal: Principal, given: dict, code: str) -> dict:
    """The page asks first before taking over a mailing another directory is responsible for."""
    return service.set_mailing(edge.ctx(), principal, code, given["day"], given["mailer"],
                               take_over=given.get("take_over", False), seen=preconditions.seen())
