"""Dumps and reloads for the directories admin's command (A15): GET /api/dump streamed as JSON Lines, POST /api/reload."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator

from flask import Blueprint, request
from werkzeug.wrappers import Response

from annuaires.services import auth
from annuaires.services.dump import dump as service
from annuaires.services.dump import reload
from annuaires.services.errors import Unauthenticated
from annuaires.services.roles import DIRECTORIES, Principal
from annuaires.web import edge

blueprint = Blueprint("dump", __name__)
SCRIPT_USER = "directories"  # HTTP Basic's user name for the directories admin
MAX_DUMP_BYTES = 64 * 1024**3  # a reload's body: far beyond any other
PIECE = 64 * 1024  # bytes of lines written to the answer at once (a write a line would cost more than the line)
READ_BUFFER = 1024 * 1024  # the request's raw stream reads a line a byte at a time: lines are read from a buffer


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
    return Response(_pieces(itertools.chain([first], lines)), mimetype="application/x-ndjson")


def _pieces(lines: Iterator[str]) -> Iterator[bytes]:
    """Lines gathered into pieces of about PIECE bytes, each written (and sent as a chunk) at once."""
    gathered, size = [], 0
    for line in lines:
        gathered.append(data := line.encode())
        size += len(data)
        if size >= PIECE:
            yield b"".join(gathered)
            gathered, size = [], 0
    if gathered:
        yield b"".join(gathered)


@blueprint.post("/api/reload")
def reload_dump() -> Response:
    """A dump's lines, read as they come (a dump may be far larger than any other body), checked, then written."""
    directories_admin()
    request.max_content_length = MAX_DUMP_BYTES  # (None would mean the app's 1 MiB)
    lines = reload.lines_of(io.BufferedReader(request.stream, READ_BUFFER))  # a line of 100 MB is read 2 MiB in, refused
    count = reload.reload(edge.ctx(), request.headers.get("X-Dump-Passphrase", ""), lines)
    return edge.answer({"entities": count})
