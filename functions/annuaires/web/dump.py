"""Dumps and reloads for the directories admin's command (A15): GET /api/dump streamed as JSON Lines, POST /api/reload."""

from __future__ import annotations

import itertools

from flask import Blueprint, request
from werkzeug.wrappers import Response

from ..services import auth, reload
from ..services import dump as service
from ..services.errors import Unauthenticated
from ..services.roles import DIRECTORIES, Principal
from . import edge

blueprint = Blueprint("dump", __name__)
SCRIPT_USER = "directories"  # HTTP Basic's user name for the directories admin
MAX_DUMP_BYTES = 64 * 1024**3  # a reload's body: far beyond any other


def directories_admin() -> Principal:
    """The directories admin: its session, or, for scripts, HTTP Basic with its password (throttled as a sign-in)."""
    credentials = request.authorization
    if credentials is None or credentials.type != "basic":
        return edge.signed_in(DIRECTORIES)
    if credentials.username != SCRIPT_USER:
        raise Unauthenticated("wrong_password")
    return auth.check_directories_password(edge.ctx(), credentials.password or "", client_addr=edge.client_addr())


@blueprint.get("/api/dump")
def dump() -> Response:
    """The dump, a query page at a time: never held whole."""
    directories_admin()
    kinds = [name.strip() for name in request.args.get("kinds", "").split(",") if name.strip()] or None
    lines = service.dump(edge.ctx(), request.headers.get("X-Dump-Passphrase", ""), kinds,
                         request.args.get("directory", "").strip() or None)
    first = next(lines)  # bad input is refused before the answer begins
    # The lines need no request context (the service has all it reads): the entry point's own app streams them.
    return Response(itertools.chain([first], lines), mimetype="application/x-ndjson")


@blueprint.post("/api/reload")
def reload_dump() -> Response:
    """A dump's lines, read as they come (a dump may be far larger than any other body), checked, then written."""
    directories_admin()
    request.max_content_length = MAX_DUMP_BYTES  # (None would mean the app's 1 MiB)
    count = reload.reload(edge.ctx(), request.headers.get("X-Dump-Passphrase", ""), request.stream)
    return edge.answer({"entities": count})
