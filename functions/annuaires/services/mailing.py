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
from .sending import KEPT
from .values import NO_MAILER


def iso_week(ctx: Context, at: datetime) -> str:
    """The ISO week of a time, in the service's time zone (A13): "2026-W48"."""
    year, week, _ = at.astimezone(ZoneInfo(ctx.config.timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def make_batch(ctx: Context, group_code: str, week: str) -> Batch | None:
    """The group's batch of the week, made once; None when its mailing is paused or set to no mailer (A12)."""
    if not is_code(group_code):
        return None

    def work() -> Batch | None:
        existing = store.BATCHES.get(ctx.client, store.batch_id(group_code, week))
        if existing is not None:
            return existing  # a second dispatch of the week finds it and does nothing
        group = groups.SCHEMA.get(ctx.client, group_code)
        if group is None or not group.active or not group.mailing_day or group.mailer in ("", NO_MAILER):
            return None
        in_charge = responsible(group, directories.SCHEMA.get_many(ctx.client, [group.mailing_responsible or ""]))
        if in_charge is None:
            return None
        at = ctx.now()
        batch = Batch(store.batch_id(group_code, week), group_code, week, in_charge, group.mailer, created=at, expires=at + KEPT)
        return store.BATCHES.put(ctx.client, batch)

    return in_transaction(ctx.client, work)
