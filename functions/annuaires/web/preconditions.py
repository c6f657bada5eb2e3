"""Lost updates refused at the doors (R2): the ETag an answer carries, and what a write says it saw (If-Match, or a
page form's hidden version), read into the services' `Seen`."""

from __future__ import annotations

from collections.abc import Iterable

from flask import request
from werkzeug.wrappers import Response

from annuaires.services import versions
from annuaires.web.edge import is_api

IF_MATCH_LIMIT = 16_384  # characters of an If-Match header read at most


def tagged(response: Response, things: Iterable[tuple[str, object, int]]) -> Response:
    """An answer's ETag: the versions of the editable things it shows, so that a write names what it saw."""
    response.headers["ETag"] = f'"{versions.parts(things)}"'
    return response


def seen() -> versions.Seen | None:
    """What the writer of this request saw: the API's If-Match, or a page form's hidden version (None: neither was
    given, and the write is taken as it comes). What cannot be read matches nothing stored: 412, as a stale one."""
    try:
        if is_api():
            header = request.headers.get("If-Match")
            return None if header is None else if_match(header)
        shown = request.form.get("version", "")
        return versions.seen_in_form(shown) if shown else None
    except ValueError:
        raise versions.ChangedElsewhere(message_key="version_unreadable") from None


def if_match(header: str) -> versions.Seen:
    """If-Match (RFC 9110): `*`, or a list of strong entity-tags; a weak one never matches (strong comparison)."""
    if header.strip() == "*":
        return versions.Seen(anything=True)
    if len(header) > IF_MATCH_LIMIT:
        raise ValueError("too long")
    by_tag: dict[str, set[int]] = {}
    items = [item.strip() for item in header.split(",") if item.strip()]
    for item in items:
        if len(item) < 2 or not (item.startswith('"') and item.endswith('"')):
            raise ValueError("not a strong entity-tag")
        for name, found in versions.seen_parts(item[1:-1]).by_tag.items():
            by_tag.setdefault(name, set()).update(found)
    if not items:
        raise ValueError("no entity-tag")
    return versions.Seen({name: frozenset(found) for name, found in by_tag.items()})
