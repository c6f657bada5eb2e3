"""What every route shares: the request's sessions (one per role), CSRF, JSON and page answers, safe links."""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, g, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from annuaires.services import auth
from annuaires.services.context import Context
from annuaires.services.errors import Forbidden, InvalidInput, PasswordChangeRequired, Unauthenticated
from annuaires.services.roles import ROLES, Principal, Role
from annuaires.services.values import WEEKDAYS
from annuaires.web.i18n import translate

SESSION_COOKIE = "annuaires_{role}"  # one session per role: a volunteer is often a directory admin and an animator
DEVICE_COOKIE = "annuaires_device"
PAGE_CURSOR = re.compile(r"[A-Za-z0-9_-]*={0,2}")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def ctx() -> Context:
    """What the services act with."""
    return current_app.extensions["annuaires"]


def session_cookie(role: Role) -> str:
    """The name of a role's session cookie."""
    return SESSION_COOKIE.format(role=role.name)


def session_of(role: Role) -> tuple[Principal | None, str]:
    """The role's session in this request, or None and why it ended (read once per request)."""
    cache = g.setdefault("sessions", {})
    if role.name not in cache:
        cache[role.name] = auth.authenticate(ctx(), role, request.cookies.get(session_cookie(role), ""))
    return cache[role.name]


def who() -> Principal:
    """The principal the route acts for (set by `signed_in`)."""
    return g.principal


def held_roles() -> list[Role]:
    """The roles this browser holds a session cookie for."""
    return [role for role in ROLES.values() if request.cookies.get(session_cookie(role))]


def signed_in(*roles: Role, allow_password_change: bool = False) -> Principal:
    """The principal of the first of `roles` signed in, checked (A3, CSRF), or the error to answer.

    Unauthenticated when none is; Forbidden when the browser is signed in, but as another role.
    """
    for role in roles:
        principal, _ = session_of(role)
        if principal is not None:
            break
    else:
        others = [r for r in held_roles() if r not in roles and session_of(r)[0] is not None]
        raise Forbidden() if others else Unauthenticated()
    if principal.must_change_password and not allow_password_change:
        raise PasswordChangeRequired()
    check_csrf(principal)
    g.principal = principal
    return principal


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


def check_csrf(principal: Principal) -> None:
    """A state-changing request made with a session must carry that session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf", "")
    if not hmac.compare_digest(sent.encode(), principal.csrf.encode()):
        raise Forbidden("csrf_failed")


def is_api() -> bool:
    """Whether this request is for the JSON API rather than a page."""
    return request.path.startswith(("/api/", "/tasks/"))


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


def listed(items: list, next_cursor: str | None) -> Response:
    """A page of a list: the items, and the next page's cursor in `X-Next-Cursor` (the one convention)."""
    response = answer(items)
    if next_cursor:
        response.headers["X-Next-Cursor"] = next_cursor
    return response


def no_content() -> Response:
    """An empty 204 answer."""
    return Response(status=204)


def cursor_arg(name: str = "cursor") -> str | None:
    """A cursor query parameter: where a page of a list starts."""
    value = request.args.get(name, "")
    if len(value) > 2000:
        raise InvalidInput({name: "too_long"})
    if not PAGE_CURSOR.fullmatch(value):  # Datastore's cursors are URL-safe base64: "!!" would decode to the start
        raise InvalidInput({name: "invalid_cursor"})
    return value or None


def json_body() -> Any:
    """The request's JSON body (None if it is not JSON); nesting too deep for the parser is bad input."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise InvalidInput({"body": "too_deep"}) from None


def client_addr() -> str:
    """The client's address, as the trusted proxies saw it (throttling)."""
    return request.remote_addr or ""


def device_cookie() -> str:
    """This browser's device cookie (OWASP), remembering the accounts it signed in to."""
    return request.cookies.get(DEVICE_COOKIE, "")[:2000]


def page(template: str, status: int = 200, **context: Any) -> Response:
    """A rendered page."""
    return Response(render_template(template, **context), status=status, mimetype="text/html")


def site_path(path: str) -> str:
    """A path that stays on this site in a link: browsers read a leading `//` or `/\\` as another host."""
    return "/" + quote(path.lstrip("/\\"), safe="/@")


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


def back(path: str, done: str = "", **args: str) -> Response:
    """After a form post: back to a page, saying what was done (post/redirect/get)."""
    query = urlencode({**({"done": done} if done else {}), **args})
    return redirect(f"{path}?{query}" if query else path, code=303)


def t(key: str, **params: object) -> str:
    """The message for a key in the request's language."""
    return translate(key, g.get("lang", "fr"), **params)


def localtime(value: datetime | None, zone: ZoneInfo) -> str:
    """A stored UTC time as shown on pages: in the service's time zone, to the minute."""
    return value.astimezone(zone).strftime("%d/%m/%Y %H:%M") if value else ""


def audit_detail(detail: str, action: str) -> str:
    """An audit entry's detail in the page's language: a mailing's weekday by its name ("jeudi", not "thu")."""
    if action == "mailing_configured":
        day, _, mailer = detail.rpartition(" : ")[2].partition(" / ")
        return f"{t('day_' + day) if day in WEEKDAYS else t('no_day')} / {mailer}"
    return detail
