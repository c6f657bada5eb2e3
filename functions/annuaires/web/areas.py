"""One idiom for every role's routes: its page, its API, and each act reachable from both.

An act is one service call with two doors: the API route takes JSON and answers JSON; the form route
takes a form and goes back to the page with a notice, or shows the page again with each error next
to its field and what was typed kept (never a password).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, g, request
from werkzeug.wrappers import Response

from annuaires.catalogs import N_, translate
from annuaires.services.errors import DomainError, InvalidInput, TooManyAttempts
from annuaires.services.roles import Principal, Role
from annuaires.services.versions import ChangedElsewhere
from annuaires.web import carry, edge, forms, paths

# Each role's area, by role name: its sign-in page is where sessions of that role begin and end.
AREAS: dict[str, Area] = {}
STATUS = {
    "invalid_input": 400, "unauthenticated": 401, "forbidden": 403, "password_change_required": 403,
    "not_found": 404, "name_taken": 409, "initials_taken": 409, "conflict": 409, "too_many_attempts": 429,
    "changed_elsewhere": 412,
}
# Fields whose value a refused form never shows again.
SECRET_FIELDS = {"password", "current", "new", "confirm"}


@dataclass
class Failed:
    """A form that was refused: which one, each field's error, a message for the whole form, what was typed."""

    form: str
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    typed: dict[str, str] = field(default_factory=dict)
    params: dict[str, object] = field(default_factory=dict)  # what the field errors' messages name
    at_top: bool = False  # a button with no fields (a row's act): its refusal shows at the top of the page
    current: dict[str, object] = field(default_factory=dict)  # changed elsewhere meanwhile: what is stored now (R2)

    def first(self) -> str | None:
        """The first field in error (it gets the focus)."""
        return next(iter(self.errors), None)


def refused(form: str, error: DomainError, data: dict[str, str]) -> Failed:
    """How a refused form is shown again."""
    lang = g.get("lang", "fr")
    errors = dict(error.fields) if isinstance(error, InvalidInput) else {}
    if not errors and "field" in error.params:
        errors = {str(error.params["field"]): error.message_key}  # a name, initials or an address taken
    message = "" if errors else translate(error.message_key, lang, **error.params)
    typed = {k: v for k, v in data.items() if k not in SECRET_FIELDS and k != "csrf"}
    current = error.current if isinstance(error, ChangedElsewhere) else {}
    return Failed(form, errors, message, typed, dict(error.params), current=current)


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error."""
    return STATUS.get(error.code, 409)


class Area:
    """One role's page, API routes and acts, on a blueprint of their own."""

    def __init__(self, name: str, role: Role, *, also: tuple[Role, ...] = ()) -> None:
        """`name`: the area's module in web/ and its folder in templates/. `also`: other roles whose sessions the
        area's pages and routes take (the general admin's, for mail)."""
        self.blueprint = Blueprint(name, __name__)
        self.role, self.templates, self.roles = role, name, (role, *also)
        self._view: Callable[..., tuple[str, dict]] | None = None
        AREAS[role.name] = self

    def session(self) -> tuple[Principal | None, str]:
        """The session the area's pages act for (the first of its roles signed in), or None and why its own ended."""
        principal, reason = edge.session_of(self.role)
        for role in self.roles[1:]:
            principal = principal or edge.session_of(role)[0]
        return principal, "" if principal else reason

    def signed_in(self, *, allow_password_change: bool = False) -> Principal:
        """The principal of a route of the area, checked (A3, CSRF), or the error to answer."""
        return edge.signed_in(*self.roles, allow_password_change=allow_password_change)

    def render(self, principal: Principal, failed: Failed | None = None, status: int = 200,
               view: Callable[..., tuple[str, dict]] | None = None, args: dict | None = None, **extra: Any) -> Response:
        """A page of the role for a signed-in principal (its main page, or `view` with the URL's `args`), with a
        refused form shown again (or what else `extra` adds)."""
        if principal.must_change_password:  # (a form carried through sign-in waits for the new password, R2)
            return edge.page("password_first.html", status, who=principal, failed=failed, carried=extra.get("carried"))
        template, context = (view or self._view)(principal, **(args or {}))
        return edge.page(template, status, who=principal, failed=failed, **context, **extra)

    def handover(self, sheet: dict, signs_in: Role) -> tuple[str, dict]:
        """The page handing over what the area just made (A3, A7): the sheet, the address where it signs in (`signs_in`'s
        page, on this site), and the way back to the area's own page."""
        return "handover.html", {"sheet": sheet, "sign_in_url": request.url_root.rstrip("/") + paths.home(signs_in),
                                 "back_to": paths.home(self.role)}

    def form_session(self, typed: dict[str, str] | None = None) -> Principal | Response:
        """The principal a page's form acts for (CSRF checked), or the sign-in page: carrying what the form
        held when there is something typed to keep (R2, web/carry.py), else the way back to it."""
        principal, reason = self.session()
        if principal is None:
            carried = carry.from_form(request.cookies.get(edge.session_cookie(self.role), ""), typed)
            if carried:
                return self.sign_in_page(reason or "session_closed", status=401, carried=carried)
            return edge.back(paths.home(self.role), reason=reason or "session_closed")
        return self.signed_in()

    def sign_in_page(self, reason: str = "", failed: Failed | None = None, status: int = 200,
                     carried: carry.Carried | None = None) -> Response:
        """The role's sign-in form, saying why the person is there (and carrying a form sent too late)."""
        return edge.page(f"{self.templates}/sign_in.html", status, role=self.role, reason=reason, failed=failed,
                         carried=carried)

    def replay(self, principal: Principal, carried: carry.Carried) -> Response | None:
        """After signing in again: the page of the form that was carried, filled in with what was typed and not
        sent (R2); None when it is not a form of this area, or was typed for another account."""
        found = carry.form_of(carried)
        if found is None or not found[0].startswith(f"{self.blueprint.name}."):
            return None
        _, view, args = found
        if carried.subject and carried.subject != principal.subject:
            return None
        if principal.must_change_password:
            return self.render(principal, carried=carried)
        name, shown_on = view.replay  # type: ignore[attr-defined]
        failed = Failed("-".join([name, *map(str, args.values())]), message=translate("carried_back", g.get("lang", "fr")),
                        typed=carried.fields)
        return self.render(principal, failed, view=shown_on, args=args if shown_on else None)

    def page(self, view: Callable[[Principal], tuple[str, dict]]) -> Callable:
        """The role's page: not signed in, its sign-in form; on 0000, the password change first (A3)."""
        self._view = view

        def show() -> Response:
            principal, reason = self.session()
            if principal is None:
                response = self.sign_in_page(request.args.get("reason", "") or reason)
                if reason:
                    response.delete_cookie(edge.session_cookie(self.role), path="/")
                return response
            return self.render(principal)

        self.blueprint.add_url_rule(paths.home(self.role), endpoint="page", view_func=show, methods=["GET"])
        return view

    def subpage(self, rule: str) -> Callable:
        """Another page of the role, behind the same guard as its main page."""

        def decorate(view: Callable[..., tuple[str, dict]]) -> Callable[..., tuple[str, dict]]:
            def show(**kwargs: Any) -> Response:
                principal, reason = self.session()
                if principal is None or principal.must_change_password:
                    return edge.back(paths.home(self.role), **({"reason": reason} if reason else {}))
                return self.render(principal, view=view, args=kwargs)

            self.blueprint.add_url_rule(rule, endpoint=f"page_{view.__name__}", view_func=show, methods=["GET"])
            return view

        return decorate

    def api(self, rule: str, method: str = "GET", *, allow_password_change: bool = False) -> Callable:
        """A JSON route of this role: `view(principal, **url_args)`, given the principal the area checked."""

        def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
            def route(**kwargs: Any) -> Response:
                return view(self.signed_in(allow_password_change=allow_password_change), **kwargs)

            self.blueprint.add_url_rule(rule, endpoint=f"api_{view.__name__}", view_func=route, methods=[method])
            return view

        return decorate

    def act(self, *, api: tuple[str, str] | None = None, form: str | None = None, fields: list[forms.Field] | tuple = (),
            partial: bool = False, status: int = 200, notice: str | Callable[[Any], str] = N_("saved"),
            confirm: tuple[str, str, Callable[..., str]] | None = None, back: str | Callable[..., str] | None = None,
            shown_on: Callable[..., tuple[str, dict]] | None = None, many: tuple[str, ...] = ()) -> Callable:
        """An act with two doors: `api` = (method, rule) answering JSON, `form` = a POST rule back to the page.

        Either door calls `act(principal, given, **url_args)`: the principal the area checked, the fields parsed.

        `confirm` = (question, button, describe): the form asks first on a page naming, from the store,
        what it acts on (`describe(principal, **url_args)`). `back`: the page the form returns to, formatted
        with the URL's arguments, or made of the act's result and them (the role's page by default).
        `shown_on`: the subpage the form is on, shown again with its errors (the role's page by default).
        `many`: the form's fields that may be given several times (boxes ticked), as lists.
        """

        def decorate(act: Callable[..., Any]) -> Callable[..., Any]:
            name = act.__name__
            if api is not None:
                def api_route(**kwargs: Any) -> Response:
                    principal = self.signed_in()
                    given = forms.parse(edge.json_body(), list(fields), partial=partial) if fields else {}  # no body to read
                    result = act(principal, given, **kwargs)
                    return edge.no_content() if status == 204 else edge.answer(result, status)

                self.blueprint.add_url_rule(api[1], endpoint=f"api_{name}", view_func=api_route, methods=[api[0]])
            if form is not None:
                def form_route(**kwargs: Any) -> Response:
                    principal = self.form_session()
                    if isinstance(principal, Response):
                        return principal
                    data: dict[str, Any] = request.form.to_dict()
                    data.pop("version", None)  # the version the form was shown with: edge.seen() reads it (R2)
                    data.update({field: request.form.getlist(field) for field in many if field in request.form})
                    try:
                        given = forms.parse(data, list(fields), partial=partial) if fields else {}
                        result = act(principal, given, **kwargs)
                    except DomainError as error:
                        if isinstance(error, TooManyAttempts | InvalidInput) or status_of(error) in (403, 404, 409, 412):
                            form_id = "-".join([name, *map(str, kwargs.values())])  # a row's form names its row
                            failed = refused(form_id, error, data)
                            failed.at_top = not fields
                            return self.render(principal, failed, status_of(error), view=shown_on, args=kwargs if shown_on else None)
                        raise
                    path = (back(result, **kwargs) if callable(back) else back.format(**kwargs)) if back else paths.home(self.role)
                    return edge.back(edge.site_path(path), notice(result) if callable(notice) else notice)

                form_route.confirm = confirm  # type: ignore[attr-defined]
                form_route.replay = (name, shown_on) if fields else None  # type: ignore[attr-defined]
                self.blueprint.add_url_rule(form, endpoint=f"form_{name}", view_func=form_route, methods=["POST"])
            return act

        return decorate
