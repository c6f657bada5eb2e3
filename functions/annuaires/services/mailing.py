"""Weekly mailing batches: one per group and ISO week, made for the directory responsible for it (A12, A13)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ..codes import is_code
from ..store import directories, groups
from ..store import mailing as store
from ..store.base import in_transaction
from ..store.mailing import Batch
from .context import Context
from .directory_admin import responsible
from .recipients import KEPT
from .values import NO_MAILER, WEEKDAYS

PAGE = 500


def iso_week(ctx: Context, at: datetime) -> str:
    """The ISO week of a time, in the service's time zone (A13): "2026-W48"."""
    year, week, _ = at.astimezone(ZoneInfo(ctx.config.timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def make_batch(ctx: Context, group_code: str, week: str) -> tuple[Batch | None, bool]:
    """The group's batch of the week and whether it was made now; None when its mailing is paused or has no mailer (A12)."""
    if not is_code(group_code):
        return None, False

    def work() -> tuple[Batch | None, bool]:
        existing = store.BATCHES.get(ctx.client, store.batch_id(group_code, week))
        if existing is not None:
            return existing, False  # a second dispatch of the week finds it and does nothing
        group = groups.SCHEMA.get(ctx.client, group_code)
        if group is None or not group.active or not group.mailing_day or group.mailer in ("", NO_MAILER):
            return None, False
        in_charge = responsible(group, directories.SCHEMA.get_many(ctx.client, [group.mailing_responsible or ""]))
        if in_charge is None:
            return None, False
        at = ctx.now()
        batch = Batch(store.batch_id(group_code, week), group_code, week, in_charge, group.mailer, created=at, expires=at + KEPT)
        return store.BATCHES.put(ctx.client, batch), True

    return in_transaction(ctx.client, work, lookup_first=True)


def dispatch(ctx: Context) -> dict:
    """Make this week's batch of every group whose day has come, and queue the sending of each not done yet.

    Days up to today count, so that a day missed (scheduler or service down) is caught up within its ISO
    week; a batch made already is found, never made again (A13). Pages of group codes, one query per day.
    """
    at = ctx.now()
    week, today = iso_week(ctx, at), at.astimezone(ZoneInfo(ctx.config.timezone)).isoweekday()
    made = queued = 0
    for day in WEEKDAYS[:today]:
        cursor = None
        while True:
            codes, cursor = groups.due_on(ctx.client, day, PAGE, cursor)
            for code in codes:
                batch, new = make_batch(ctx, code, week)
                if batch is None or batch.status == "done":
                    continue
                made += new
                ctx.queue.send_later(batch.group, batch.week)
                queued += 1
            if cursor is None:
                break
    return {"week": week, "made": made, "queued": queued}
