"""The general admin (page /admin/pwd.html and API): the directories-admin password, mailers, technical state."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from annuaires.services import auth, technical, values, versions
from annuaires.services.errors import NotFound
from annuaires.services.mailing import mailers
from annuaires.services.roles import GENERAL, Principal
from annuaires.web import edge, forms, preconditions
from annuaires.web.areas import Area

area = Area("general", GENERAL)
blueprint = area.blueprint

PASSWORD_FIELDS = [forms.Field("password", values.password), forms.Field("confirm", values.password, required=False)]
MAILER_FIELDS = [
    forms.Field("from", values.text(320)), forms.Field("smtp_host", values.text(253)),
    forms.Field("smtp_port", mailers.SMTP_PORT), forms.Field("username", mailers.USERNAME),
    forms.Field("password", values.text(512, min_length=0, strip=False), required=False),
    forms.Field("starttls", values.boolean),
    forms.Field("per_minute", mailers.PER_MINUTE, required=False),
    forms.Field("per_day", mailers.PER_DAY, required=False),
]


@area.page
def page(principal: Principal) -> tuple[str, dict]:
    ctx = edge.ctx()
    state = technical.technical_state(ctx, with_counts=request.args.get("count") == "1")
    listed = mailers.list_mailers(ctx)
    # ?mailer=C: that mailer's form filled in for editing (never its password), when it is configured.
    editing = next((m for m in listed if m["letter"] == request.args.get("mailer") and m["smtp_host"]), None)
    return "general/overview.html", {"mailers": listed, "state": state, "editing": editing,
                                           "mailers_seen": versions.parts(_mailers(listed)),
                                           "letters": mailers.LETTERS, "local_smtp": ctx.config.local_smtp}


@area.act(api=("PUT", "/api/directories-admin/password"), form="/admin/pwd.html", fields=PASSWORD_FIELDS, status=204,
          notice="directories_admin_password_set")
def set_directories_admin_password(given: dict) -> None:
    auth.set_directories_admin_password(edge.ctx(), edge.who(), forms.confirmed(given, "password")["password"])


def _mailers(shown: list[dict]) -> list[tuple[str, object, int]]:
    """The mailers an answer or the form shows, with their versions (its ETag, R2)."""
    return [("Mailer", m["letter"], m["version"]) for m in shown]


@area.api("/api/mailers")
def list_mailers() -> Response:
    shown = mailers.list_mailers(edge.ctx())
    return preconditions.tagged(edge.answer(shown), _mailers(shown))


@area.api("/api/mailers/<letter>")
def get_mailer(letter: str) -> Response:
    """One mailer, with its ETag (R2)."""
    shown = [m for m in mailers.list_mailers(edge.ctx()) if m["letter"] == letter]
    if not shown:
        raise NotFound()
    return preconditions.tagged(edge.answer(shown[0]), _mailers(shown))


@area.act(api=("PUT", "/api/mailers/<letter>"), fields=MAILER_FIELDS)
def set_mailer(given: dict, letter: str) -> dict:
    return mailers.set_mailer(edge.ctx(), edge.who(), letter, given, seen=preconditions.seen())


MAILER_FORM_FIELDS = [*(f for f in MAILER_FIELDS if f.name != "starttls"), forms.Field("letter", values.text(1)),
                      forms.Field("starttls", values.boolean, required=False),
                      forms.Field("clear_password", values.boolean, required=False)]


@area.act(form="/admin/mailers", fields=MAILER_FORM_FIELDS)
def set_mailer_from_form(given: dict) -> dict:
    """The mailer form: an unchecked box is absent; an empty password field keeps the stored one; a box clears it."""
    letter = given.pop("letter")
    given.setdefault("starttls", False)
    if not given.get("password"):
        given.pop("password", None)
    if given.pop("clear_password", False):
        given["password"] = ""
    return mailers.set_mailer(edge.ctx(), edge.who(), letter, given, seen=preconditions.seen())


@area.api("/api/technical-state")
def technical_state() -> Response:
    return edge.answer(technical.technical_state(edge.ctx(), with_counts=request.args.get("count") == "1"))
