"""Health, the OpenAPI description, the home page, and the confirmation page of acts that cannot be undone."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from annuaires.services.errors import NotFound
from annuaires.web import edge
from annuaires.web.areas import AREAS
from annuaires.web.openapi import openapi_document

blueprint = Blueprint("meta", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    return edge.answer({"ok": True})


@blueprint.get("/api/openapi.json")
def openapi() -> Response:
    return edge.answer(openapi_document())


@blueprint.get("/")
def home() -> Response:
    return edge.page("home.html")


@blueprint.get("/confirm")
def confirm() -> Response:
    """Ask before an act that cannot be undone, naming what it acts on as the store knows it."""
    to = request.args.get("to", "")
    if not to.startswith("/") or to.startswith("//") or len(to) > 200:
        raise NotFound()
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(to, method="POST")
    except HTTPException:
        raise NotFound() from None
    view = current_app.view_functions[endpoint]
    act = getattr(view, "confirm", None)
    area = AREAS.get(next((name for name, a in AREAS.items() if endpoint.startswith(f"{a.blueprint.name}.")), ""))
    if act is None or area is None:
        raise NotFound()
    principal = area.signed_in()
    question, button, describe = act
    back_to = edge.page_shown_before() if request.referrer else area.role.page  # the page the button was on
    return edge.page("confirm.html", to=edge.site_path(to), label=edge.t(button), question=question,
                     subject=describe(principal, **args), back_to=back_to, who=principal,
                     version=request.args.get("version", "")[:40])  # what the button's page showed (R2)
