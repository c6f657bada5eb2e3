"""The directories admin (page /admingen.html and API): directories, their passwords, activation."""

from __future__ import annotations

from werkzeug.wrappers import Response

from annuaires.catalogs import N_
from annuaires.services import handover
from annuaires.services.directories import directories as service
from annuaires.services.roles import DIRECTORIES, DIRECTORY, Principal
from annuaires.web import edge, forms
from annuaires.web.areas import Area

area = Area("directories", DIRECTORIES)
blueprint = area.blueprint


def _describe(_: Principal, code: str, **__: str) -> str:
    return service.directory_name(edge.ctx(), code)


@area.page
def page(principal: Principal) -> tuple[str, dict]:
    ctx = edge.ctx()
    found, next_cursor = service.list_directories(ctx, edge.cursor_arg())
    audit, audit_next = service.audit_of_directories_admin(ctx, edge.cursor_arg("audit"))
    return "directories/overview.html", {"directories": found, "cursor": next_cursor, "audit": audit,
                                               "audit_cursor": audit_next,
                                               "inputs": forms.bounds(create_directory=service.CREATE_INPUT)}


@area.api("/api/directories")
def list_directories(principal: Principal) -> Response:
    return edge.listed(*service.list_directories(edge.ctx(), edge.cursor_arg()))


@area.api("/api/directories-admin/audit")
def audit(principal: Principal) -> Response:
    return edge.listed(*service.audit_of_directories_admin(edge.ctx(), edge.cursor_arg()))


@area.subpage("/admingen/directories/<code>")
def directory_sheet(principal: Principal, code: str) -> tuple[str, dict]:
    """What to hand over to a directory's admin: its code, 0000, the address of its sign-in page (a GET: a reload
    shows it again, never creates again)."""
    return area.handover(handover.of_directory(edge.ctx(), principal, code), signs_in=DIRECTORY)


@area.act(api=("POST", "/api/directories"), form="/admingen/directories", fields=service.CREATE_INPUT, status=201,
          notice=N_("directory_created"), back=lambda created: f"/admingen/directories/{created['code']}")
def create_directory(principal: Principal, given: dict) -> dict:
    return service.create_directory(edge.ctx(), principal, **given)


@area.act(api=("POST", "/api/directories/<code>/password-reset"), form="/admingen/directories/<code>/password-reset",
          status=204, notice=N_("password_reset"), confirm=(N_("confirm_directory_password_reset"), N_("reset_password"), _describe))
def reset_password(principal: Principal, _: dict, code: str) -> None:
    service.reset_directory_password(edge.ctx(), principal, code)


@area.act(api=("POST", "/api/directories/<code>/deactivate"), form="/admingen/directories/<code>/deactivate",
          status=204, notice=N_("deactivate"), confirm=(N_("confirm_directory_deactivate"), N_("deactivate_verb"), _describe))
def deactivate(principal: Principal, _: dict, code: str) -> None:
    service.set_directory_active(edge.ctx(), principal, code, False)


@area.act(api=("POST", "/api/directories/<code>/activate"), form="/admingen/directories/<code>/activate",
          status=204, notice=N_("activate"))
def activate(principal: Principal, _: dict, code: str) -> None:
    service.set_directory_active(edge.ctx(), principal, code, True)
