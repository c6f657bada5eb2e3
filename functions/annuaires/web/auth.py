"""Signing in and out, and changing one's own password: API and pages, for every role."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from annuaires.services import auth, values
from annuaires.services.errors import DomainError, InvalidInput, Unauthenticated
from annuaires.services.roles import GENERAL, ROLES, Principal, Role
from annuaires.web import carry, edge, forms
from annuaires.web.areas import AREAS, refused, status_of
from annuaires.web.iap import IAP_HEADER, verified_email

blueprint = Blueprint("auth", __name__)


def sign_in_fields(role: Role) -> list[forms.Field]:
    """What a role's sign-in takes: what names the account (an e-mail only in emulator mode), its password."""
    fields = []
    if role.identifier:
        check = values.email if role.identifier == "email" else values.text(80)
        fields.append(forms.Field(role.identifier, check, required=role.password))
    if role.password:
        fields.append(forms.Field("password", values.password))
    return fields


SIGN_IN_FIELDS = {role.name: sign_in_fields(role) for role in ROLES.values()}
PASSWORD_FIELDS = [forms.Field("current", values.password), forms.Field("new", values.password),
                   forms.Field("confirm", values.password, required=False)]
DEVICE_COOKIE_DAYS = 400


def sign_in(data: object) -> tuple[Principal, str]:
    """Open a session from sign-in input (JSON or form), whatever the role; and the browser's new device cookie."""
    role = auth.role_named(data.get("role") if isinstance(data, dict) else None)
    given = forms.parse({k: v for k, v in data.items() if k != "role"}, SIGN_IN_FIELDS[role.name])
    ctx, replaced = edge.ctx(), request.cookies.get(edge.session_cookie(role))
    if role is GENERAL:
        if ctx.config.emulator:
            if not given.get("email"):
                raise InvalidInput({"email": "required"})
            email = given["email"]
        else:
            email = verified_email(request.headers.get(IAP_HEADER, ""), ctx.config.iap_audience,
                                   current_app.extensions["iap_keys"])
            if email is None:
                raise Unauthenticated("general_not_listed")
        return auth.sign_in_general(ctx, email, replaced), edge.device_cookie()
    signed = auth.sign_in(ctx, role, given.get(role.identifier or "", ""), given["password"],
                          client_addr=edge.client_addr(), device_cookie=edge.device_cookie(), replaced=replaced)
    return signed.principal, signed.device_cookie


def with_cookies(response: Response, principal: Principal, device: str) -> Response:
    """Give the browser its session cookie for this role, and its device cookie."""
    config = edge.ctx().config
    response.set_cookie(edge.session_cookie(principal.role), principal.token, max_age=config.session_hours * 3600,
                        httponly=True, samesite="Lax", secure=config.secure_cookies, path="/")
    return with_device(response, device)


def with_device(response: Response, device: str) -> Response:
    """Give the browser its device cookie (OWASP), which remembers the accounts it proved it knows."""
    if device:
        response.set_cookie(edge.DEVICE_COOKIE, device, max_age=DEVICE_COOKIE_DAYS * 86400,
                            httponly=True, samesite="Lax", secure=edge.ctx().config.secure_cookies, path="/")
    return response


def session_view(principal: Principal) -> dict:
    """What a session tells about itself."""
    return {"role": principal.role.name, "csrf": principal.csrf, "must_change_password": principal.must_change_password,
            "subject": principal.subject, "name": principal.display_name}


def role_asked() -> Role:
    """The role a session call is about: `?role=R`, or the only one this browser holds."""
    if "role" in request.args:
        return auth.role_named(request.args["role"])
    held = [r for r in edge.held_roles() if edge.session_of(r)[0] is not None]
    if len(held) > 1:
        raise InvalidInput({"role": "role_needed"})
    if not held:
        raise Unauthenticated()
    return held[0]


@blueprint.post("/api/session")
def api_sign_in() -> Response:
    principal, device = sign_in(edge.json_body())
    return with_cookies(edge.answer(session_view(principal)), principal, device)


@blueprint.get("/api/session")
def api_session() -> Response:
    return edge.answer(session_view(edge.signed_in(role_asked(), allow_password_change=True)))


@blueprint.delete("/api/session")
def api_sign_out() -> Response:
    """End the session of `?role=R`, or the only one held; signing out with none is no error."""
    roles = [auth.role_named(request.args["role"])] if "role" in request.args else edge.held_roles()
    held = [principal for role in roles if (principal := edge.session_of(role)[0]) is not None]
    if len(held) > 1:
        raise InvalidInput({"role": "role_needed"})
    for principal in held:
        edge.check_csrf(principal)
        auth.sign_out(edge.ctx(), principal)
    response = edge.no_content()
    for role in roles:  # stale cookies go too
        response.delete_cookie(edge.session_cookie(role), path="/")
    return response


def change_password(principal: Principal, data: object) -> None:
    given = forms.confirmed(forms.parse(data, PASSWORD_FIELDS))
    auth.change_password(edge.ctx(), principal, given["current"], given["new"],
                         client_addr=edge.client_addr(), device_cookie=edge.device_cookie())


@blueprint.post("/api/session/password")
def api_change_password() -> Response:
    change_password(edge.signed_in(role_asked(), allow_password_change=True), edge.json_body())
    return edge.no_content()


# Pages: each role's page posts its forms here and comes back to itself.
def _area_of_form() -> tuple[Role, object]:
    role = ROLES.get(request.form.get("role", ""))
    if role is None or role.name not in AREAS:  # (a role without pages signs in through the API only)
        raise InvalidInput({"role": "invalid_choice"})
    return role, AREAS[role.name]


@blueprint.post("/signin")
def page_sign_in() -> Response:
    role, area = _area_of_form()
    data = request.form.to_dict()
    carried = carry.from_sign_in(data)
    fields = carry.own_fields(data)
    try:
        principal, device = sign_in(fields)
    except DomainError as error:
        return area.sign_in_page(failed=refused("sign_in", error, fields), status=status_of(error), carried=carried)
    # A form sent after the session ended comes back filled in, shown, not sent (R2); else the role's page.
    shown = area.replay(principal, carried) if carried else None
    other = bool(carried) and carried.subject not in ("", principal.subject)
    return with_cookies(shown or edge.back(role.page, "carried_other_account" if other else ""), principal, device)


@blueprint.post("/signout")
def page_sign_out() -> Response:
    role, _ = _area_of_form()
    principal, _ = edge.session_of(role)
    if principal is not None:
        edge.check_csrf(principal)
        auth.sign_out(edge.ctx(), principal)
    response = edge.back(role.page, reason="signed_out")
    response.delete_cookie(edge.session_cookie(role), path="/")
    return response


@blueprint.post("/password")
def page_change_password() -> Response:
    role, area = _area_of_form()
    principal = edge.signed_in(role, allow_password_change=True)
    data = request.form.to_dict()
    carried = carry.from_sign_in(data)  # a form sent after the session ended, waiting for the first password (R2)
    fields = {k: v for k, v in carry.own_fields(data).items() if k != "role"}
    try:
        change_password(principal, fields)
    except DomainError as error:
        return area.render(principal, refused("change_password", error, data), status_of(error), carried=carried)
    if carried and principal.must_change_password:
        principal.must_change_password = False
        shown = area.replay(principal, carried)
        if shown is not None:
            return shown
    return edge.back(role.page, "password_changed")
