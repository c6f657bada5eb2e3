"""Health, the OpenAPI description, and the home page."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..services.errors import NotFound, Unauthenticated
from . import edge
from .openapi import openapi_document

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


# The acts a confirmation page may lead to: (endpoint, action argument) → (question, button).
CONFIRMABLE = {
    ("directories.page_act", "password-reset"): ("confirm_directory_password_reset", "reset_password"),
    ("directories.page_act", "deactivate"): ("confirm_directory_deactivate", "deactivate_verb"),
    ("directory.page_act", "password-reset"): ("confirm_group_password_reset", "reset_password"),
    ("directory.page_act", "dereference"): ("confirm_dereference", "dereference"),
    ("group.page_member_act", "remove"): ("confirm_member_remove", "remove"),
    ("group.page_remove_delivery", None): ("confirm_delivery_remove", "remove"),
}


@blueprint.get("/confirm")
def confirm() -> Response:
    """Ask before an act that cannot be undone; only the app's own confirmable acts are accepted."""
    if edge.principal() is None:
        raise Unauthenticated()
    to = request.args.get("to", "")
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(to, method="POST")
    except HTTPException:
        raise NotFound() from None
    act = CONFIRMABLE.get((endpoint, args.get("action")))
    if act is None or not to.startswith("/") or to.startswith("//"):
        raise NotFound()
    question, button = act
    subject = request.args.get("subject", "")[:120]  # the name shown on the page the person came from
    return edge.page("confirm.html", to=to, label=edge.t(button), subject=subject, question=question,
                     back_to=edge.page_shown_before())
