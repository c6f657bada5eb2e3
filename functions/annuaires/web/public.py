"""What members reach from their e-mails, with no session: one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

from annuaires.services.mailing import unsubscribe as service
from annuaires.web import edge

blueprint = Blueprint("public", __name__)
LINK = "/unsubscribe/<group>/<member_id>/<token>"


@blueprint.get(LINK)
def unsubscribe_page(group: str, member_id: str, token: str) -> Response:
    """Ask first: mail scanners follow links, only a person (or the mail provider's one-click POST) unsubscribes."""
    found_group, member = service.member_of_link(edge.ctx(), group, member_id, token)
    return edge.page("unsubscribe.html", group=found_group, member=member, done=False, action=edge.site_path(request.path))


@blueprint.post(LINK)
def unsubscribe(group: str, member_id: str, token: str) -> Response:
    member = service.unsubscribe(edge.ctx(), group, member_id, token)
    found_group, _ = service.member_of_link(edge.ctx(), group, member_id, token)
    return edge.page("unsubscribe.html", group=found_group, member=member, done=True, action="")
