"""What every route shares: the request's principal, role checks, CSRF, JSON and page answers."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, g, jsonify, redirect, render_template, request
from google.cloud import datastore
from werkzeug.wrappers import Response

from ..config import Config
from ..services.errors import Forbidden, InvalidInput, PasswordChangeRequired, Unauthenticated
from ..services.principal import Principal
from .i18n import language_of, translate

SESSION_COOKIE = "annuaires_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def config() -> Config:
    """The app's configuration."""
    return current_app.config["ANNUAIRES"]


def client() -> datastore.Client:
    """The app's Datastore client, made once."""
    return current_app.extensions["datastore"]()


def principal() -> Principal | None:
    """Who signed in on this request, if anyone."""
    return g.get("principal")


def is_api() -> bool:
    """Whether this request is for the JSON API rather than a page."""
    return request.path.startswith("/api/") or request.path.startswith("/tasks/")


def requires(*roles: str, allow_password_change: bool = False) -> Callable:
    """Let the route run only for the given roles; A3 holds back an entity with a 0000 password."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            who = principal()
            if who is None:
                raise Unauthenticated()
            if who.role not in roles:
                raise Forbidden()
            if who.must_change_password and not allow_password_change:
                raise PasswordChangeRequired()
            return view(*args, **kwargs)

        return wrapper

    return decorate


def csrf_exempt(view: Callable) -> Callable:
    """Mark a route that needs no CSRF token: sign-in, which replaces any session it is sent with."""
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def check_same_site() -> None:
    """Refuse a state-changing request that a browser says comes from another site (login CSRF included).

    Browsers send Sec-Fetch-Site (or at least Origin) on cross-site posts; other applications send neither.
    """
    if request.method in SAFE_METHODS:
        return
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        allowed = fetch_site in ("same-origin", "none")
    else:
        origin = request.headers.get("Origin")
        allowed = origin is None or urlsplit(origin).netloc == request.host
    if not allowed:
        raise Forbidden("cross_site")


def check_csrf() -> None:
    """A state-changing request made with a session cookie must carry the session's CSRF token."""
    who = principal()
    if request.method in SAFE_METHODS or who is None:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "csrf_exempt", False):
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf", "")
    if not hmac.compare_digest(sent.encode(), who.csrf.encode()):
        raise Forbidden("csrf_failed")


def json_ready(value: Any) -> Any:
    """Datetimes as ISO 8601 UTC, recursively."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return value


def answer(body: Any, status: int = 200) -> Response:
    """A JSON answer."""
    response = jsonify(json_ready(body))
    response.status_code = status
    return response


def no_content() -> Response:
    """An empty 204 answer."""
    return Response(status=204)


def cursor_arg() -> str | None:
    """The `cursor` query parameter, where a page starts."""
    value = request.args.get("cursor", "")
    if len(value) > 2000:
        raise InvalidInput({"cursor": "too_long"})
    return value or None


def json_body() -> Any:
    """The request's JSON body (None if it is not JSON); nesting too deep for the parser is bad input."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise InvalidInput({"body": "too_deep"}) from None


def page(template: str, status: int = 200, **context: Any) -> Response:
    """A rendered page."""
    return Response(render_template(template, **context), status=status, mimetype="text/html")


def site_path(path: str) -> str:
    """A path that stays on this site in a link: browsers read a leading `//` or `/\\` as another host."""
    return "/" + quote(path.lstrip("/\\"), safe="/")


def page_shown_before() -> str:
    """The page the person came from (on this site), or the home page."""
    referrer = urlsplit(request.referrer or "")
    same_site = referrer.netloc == request.host and referrer.path.startswith("/")
    return site_path(referrer.path) if same_site else "/"


def page_shown() -> str:
    """The page a person is looking at: this one if it was a GET, else the page its form was on."""
    return site_path(request.path) if request.method == "GET" else page_shown_before()


def language_link(lang: str) -> str:
    """The address of the page shown, in another language (a GET, even after a form post)."""
    args = {k: v for k, v in request.args.items() if k != "lang"} if request.method == "GET" else {}
    return f"{page_shown()}?{urlencode({**args, 'lang': lang})}"


def field_label(name: str) -> str:
    """A field's name as a person reads it."""
    label = t(f"field_{name}")
    return name if label == f"field_{name}" else label


def error_page(status: int, message: str, fields: dict[str, str]) -> Response:
    """A page saying what went wrong, with a link back to the page the form was on."""
    return page("error.html", status, message=message, fields=fields, back_to=page_shown())


def back(path: str, done: str = "", error: str = "") -> Response:
    """After a form post: back to a page, saying what was done or went wrong (post/redirect/get)."""
    if error:
        return redirect(f"{path}?error={error}", code=303)
    return redirect(f"{path}?done={done}" if done else path, code=303)


def t(key: str, **params: object) -> str:
    """The message for a key in the request's language."""
    return translate(key, language_of(request), **params)


def localtime(value: datetime | None, zone: ZoneInfo) -> str:
    """A stored UTC time as shown on pages: in the service's time zone, to the minute."""
    return value.astimezone(zone).strftime("%d/%m/%Y %H:%M") if value else ""
