"""A week's batch as tests make and send it: made for today's ISO week, sent by the send task with the tasks token."""

from __future__ import annotations

from annuaires.services.mailing import dispatch as mailing

TASKS = {"Authorization": "Bearer test-tasks-token"}


def batch_of(ctx, group):
    week = mailing.iso_week(ctx, ctx.now())
    return mailing.make_batch(ctx, group["code"], week)[0]


def send(api, batch, expect=200):
    return api.post("/tasks/mailing/send", {"group": batch.group, "week": batch.week}, headers=TASKS, expect=expect).get_json()
