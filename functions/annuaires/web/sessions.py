"""Signing in and out, and changing one's own password: API and pages."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from ..services import accounts
from ..services import principal as roles
from ..services.errors import Forbidden, InvalidInput, Unauthenticated
from . import edge, forms
from .iap import IAP_HEADER, google_keys, verified_email

blueprint = Blueprint("sessions", __name__)

IDENTIFIER_FIELD = {roles.DIRECTORY: "directory", roles.GROUP: "group"}
SIGN_IN_FIELDS = {
    roles.GENERAL: [forms.Field("email", forms.email, required=False)],
    roles.DIRECTORIES: [forms.Field("password", forms.password)],
    roles.DIRECTORY: [forms.Field("directory", forms.text(80)), forms.Field("password", forms.password)],
    roles.GROUP: [forms.Field("group", forms.text(80)), forms.Field("password", forms.password)],
}
PASSWORD_FIELDS = [forms.Field("current", forms.password), forms.Field("new", forms.password)]


def sign_in(data: dict) -> roles.Principal:
    """Open a session from sign-in input (JSON or form), whatever the role."""
    role = data.get("role") if isinstance(data, dict) else None
    if not isinstance(role, str) or role not in SIGN_IN_FIELDS:
        raise InvalidInput({"role": "invalid_choice"})
    values = forms.parse({k: v for k, v in data.items() if k != "role"}, SIGN_IN_FIELDS[role])
    config, client = edge.config(), edge.client()
    if role == roles.GENERAL:
        if config.emulator:
            email = values.get("email")
            if not email:
                raise InvalidInput({"email": "required"})
        else:
            keys = current_app.extensions.get("iap_keys", google_keys)  # tests give their own signing keys
            email = verified_email(request.headers.get(IAP_HEADER, ""), config.iap_audience, keys)
            if email is None:
                raise Unauthenticated()
        return accounts.sign_in_general(client, config, email)
    identifier = values.get(IDENTIFIER_FIELD.get(role, ""), "")
    return accounts.sign_in(client, config, role, identifier, values["password"], request.remote_addr or "")


def set_session_cookie(response: Response, who: roles.Principal) -> Response:
    """Give the browser its session cookie."""
    config = edge.config()
    response.set_cookie(
        edge.SESSION_COOKIE, who.token, max_age=config.session_hours * 3600,
        httponly=True, samesite="Lax", secure=config.secure_cookies, path="/",
    )
    return response


def session_view(who: roles.Principal) -> dict:
    """What a session tells about itself."""
    return {"role": who.role, "csrf": who.csrf, "must_change_password": who.must_change_password,
            "subject": who.subject}


@blueprint.post("/api/session")
@edge.csrf_exempt
def api_sign_in() -> Response:
    who = sign_in(edge.json_body())
    return set_session_cookie(edge.answer(session_view(who)), who)


@blueprint.get("/api/session")
def api_session() -> Response:
    who = edge.principal()
    if who is None:
        raise Unauthenticated()
    return edge.answer(session_view(who))


@blueprint.delete("/api/session")
def api_sign_out() -> Response:
    who = edge.principal()
    if who is not None:
        accounts.sign_out(edge.client(), who)
    response = edge.no_content()
    response.delete_cookie(edge.SESSION_COOKIE, path="/")
    return response


@blueprint.post("/api/session/password")
@edge.requires(roles.DIRECTORY, roles.GROUP, allow_password_change=True)
def api_change_password() -> Response:
    values = forms.parse(edge.json_body(), PASSWORD_FIELDS)
    accounts.change_password(edge.client(), edge.principal(), values["current"], values["new"])
    return edge.no_content()


# Pages: each role's page posts its sign-in form here and comes back to itself.
ROLE_PAGES = {
    roles.GENERAL: "/admin/pwd.html", roles.DIRECTORIES: "/admingen.html",
    roles.DIRECTORY: "/adminloc.html", roles.GROUP: "/animateur.html",
}


@blueprint.post("/signin")
@edge.csrf_exempt
def page_sign_in() -> Response:
    data = request.form.to_dict()
    target = ROLE_PAGES.get(data.get("role", ""), "/")
    try:
        who = sign_in(data)
    except (Unauthenticated, Forbidden, InvalidInput) as error:
        return edge.back(target, error=error.message_key)
    return set_session_cookie(edge.back(target), who)


@blueprint.post("/signout")
def page_sign_out() -> Response:
    who = edge.principal()
    if who is not None:
        accounts.sign_out(edge.client(), who)
    response = edge.back(ROLE_PAGES.get(who.role if who else "", "/"))
    response.delete_cookie(edge.SESSION_COOKIE, path="/")
    return response


@blueprint.post("/password")
@edge.requires(roles.DIRECTORY, roles.GROUP, allow_password_change=True)
def page_change_password() -> Response:
    who = edge.principal()
    values = forms.parse(request.form.to_dict(), PASSWORD_FIELDS)
    accounts.change_password(edge.client(), who, values["current"], values["new"])
    return edge.back(ROLE_PAGES[who.role], "password_changed")
