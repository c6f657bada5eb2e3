"""A form sent after its session ended is not lost (R2): the sign-in page carries what was typed, and after
signing in again the page shows that form filled in, to be checked and sent again.

What is carried is only shown again, never acted upon: the form goes again only when the person presses its
button, with the new session's CSRF token. Passwords are never carried; what is carried is bounded; it is
shown again only on the form it came from, for the account it was typed for (when the ended session's cookie
said which), and only through the sign-in form, which the same-site check guards like every post.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app, request
from werkzeug.exceptions import HTTPException

PREFIX = "carried-"  # the sign-in form's hidden fields that hold what was typed
TO, FOR = "carried_to", "carried_for"  # the form it was typed in (its path), the account it was typed for
CARRIED_FIELDS = 40
CARRIED_CHARACTERS = 256 * 1024  # a weekly message is 20,000 characters at most; a pasted list far less than this
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NOT_CARRIED = {"csrf", "role", "password", "current", "new", "confirm"}  # never a password, never a token


@dataclass
class Carried:
    """What a refused-for-no-session form held: where it goes, for whom, and its fields."""

    to: str = ""
    subject: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.to and self.fields)


def _kept(data: dict[str, object]) -> dict[str, str]:
    """The fields that may be carried, or none when there are too many or too much."""
    kept = {k: v for k, v in data.items() if isinstance(v, str) and k not in NOT_CARRIED and FIELD_NAME.match(k)}
    if len(kept) > CARRIED_FIELDS or sum(len(v) for v in kept.values()) > CARRIED_CHARACTERS:
        return {}
    return kept


def from_form(cookie: str, typed: dict[str, str] | None = None) -> Carried:
    """What a form post that found no session carries to the sign-in page (`typed`: what the route read itself)."""
    data = request.form.to_dict() if typed is None else typed
    subject = (cookie.split(".", 2) + ["", ""])[2]  # a session token names its account: `<random>.<role>.<subject>`
    return Carried(request.path, subject[:200], _kept(data))


def from_sign_in(data: dict[str, str]) -> Carried:
    """What a sign-in form carries (to carry it again when the sign-in is refused, or to show it after)."""
    fields = {k.removeprefix(PREFIX): v for k, v in data.items() if k.startswith(PREFIX)}
    return Carried(data.get(TO, "")[:200], data.get(FOR, "")[:200], _kept(fields))


def own_fields(data: dict[str, str]) -> dict[str, str]:
    """A sign-in form's own fields, without the form it carries."""
    return {k: v for k, v in data.items() if not k.startswith(PREFIX) and k not in (TO, FOR)}


def form_of(carried: Carried) -> tuple[str, object, dict[str, str]] | None:
    """The form route a carried form came from (endpoint, view, its URL's arguments); None unless it is one
    that shows what was typed again (`replay` set by the route)."""
    if not carried.to.startswith("/") or carried.to.startswith("//"):
        return None
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(carried.to, method="POST")
    except HTTPException:
        return None
    view = current_app.view_functions[endpoint]
    return (endpoint, view, args) if getattr(view, "replay", None) else None
