"""Health, the OpenAPI description, and the home page."""

from __future__ import annotations

from flask import Blueprint
from werkzeug.wrappers import Response

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
