"""Scheduled and queued work (never called by people): the weekly mailing's tasks."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from annuaires.adapters.smtp_relay import ConnectionLost
from annuaires.services import values
from annuaires.services.errors import Forbidden
from annuaires.services.mail import sync as mail_sync
from annuaires.services.mailing import dispatch as mailing
from annuaires.services.mailing import sending
from annuaires.store.mailing import batch_id
from annuaires.web import edge, forms
from annuaires.web.oidc import task_caller_allowed

blueprint = Blueprint("tasks", __name__)
SEND_FIELDS = [forms.Field("group", values.text(8)), forms.Field("week", values.text(8))]


@blueprint.before_request
def only_the_scheduler_and_the_queues() -> None:
    certs = current_app.extensions["oidc_certs"]
    if not task_caller_allowed(edge.ctx().config, request.headers.get("Authorization", ""), certs):
        raise Forbidden()


@blueprint.post("/tasks/mailing/dispatch")
def dispatch() -> Response:
    """Cloud Scheduler, every morning: this week's batches of the groups whose day has come."""
    return edge.answer(mailing.dispatch(edge.ctx()))


@blueprint.post("/tasks/mailing/send")
def send() -> Response:
    """Send what is due in one batch (and the week's others of its mailer, while time is left); a lost relay
    answers 503, so that the queue tries again later."""
    given, ctx = forms.parse(edge.json_body(), SEND_FIELDS), edge.ctx()
    try:
        reports = sending.send_due(ctx, batch_id(given["group"], given["week"]))
    except ConnectionLost as error:
        return edge.answer({"error": {"code": "relay_unavailable", "message": str(error)}}, 503)
    for report in reports:
        if report.next_at is not None:  # the rest of a batch, or its deferred recipients, in a task of their own
            group, week = report.batch.split(":", 1)
            ctx.queue.send_later(group, week, report.next_at if report.next_at > ctx.now() else None)
    first = reports[0]
    counts = {outcome: n for outcome, n in first.counts.items() if n}  # what this task changed in its batch
    return edge.answer({"batch": first.batch, "status": first.status, "counts": counts, "next_at": first.next_at,
                        "batches": len(reports)})


@blueprint.post("/tasks/mail/sync")
def mail_sync_run() -> Response:
    """Cloud Scheduler, every ten minutes: the reference's changes since the last run (nothing to do when this
    instance follows none)."""
    ctx = edge.ctx()
    if not ctx.config.mail_reference_url:
        return edge.answer({"following": None})
    run = mail_sync.sync(ctx, mail_sync.reference_fetch(ctx.config.mail_reference_url, ctx.config.mail_reference_token))
    return edge.answer({"following": ctx.config.mail_reference_url, "applied": run.applied, "errors": len(run.errors),
                        "cursor": run.cursor})
