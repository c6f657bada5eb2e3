"""Weekly mailing batches: one per group and ISO week, made for the directory responsible for it (A12, A13)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from annuaires.codes import is_code
from annuaires.services.context import Context
from annuaires.services.directories.directory import responsible
from annuaires.services.mailing.recipients import KEPT
from annuaires.services.values import NO_MAILER, WEEKDAYS
from annuaires.store import directories, groups
from annuaires.store import mailing as store
from annuaires.store.base import in_transaction
from annuaires.store.mailing import Batch

PAGE = 500
GROUPS_PER_TRANSACTION = 25  # the emulator's limit of entity groups in one transaction (each batch is one)


def iso_week(ctx: Context, at: datetime) -> str:
    """The ISO week of a time, in the service's time zone (A13): "2026-W48"."""
    year, week, _ = at.astimezone(ZoneInfo(ctx.config.timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def make_batch(ctx: Context, group_code: str, week: str) -> tuple[Batch | None, bool]:
    """The group's batch of the week and whether it was made now; None when its mailing is paused or has no mailer (A12)."""
    return make_batches(ctx, [group_code], week).get(group_code, (None, False))


def make_batches(ctx: Context, codes: list[str], week: str) -> dict[str, tuple[Batch | None, bool]]:
    """Each group's batch of the week and whether it was made now (None: paused or no mailer, A12).

    Three lookups for the whole page (batches, groups, responsible directories), then one transaction per 25
    batches made: the batch's key says group and week, so a second dispatch finds it and makes nothing.
    """
    codes = [code for code in dict.fromkeys(codes) if is_code(code)]
    existing = store.BATCHES.get_many(ctx.client, [store.batch_id(code, week) for code in codes])
    found = {code: existing.get(store.batch_id(code, week)) for code in codes}
    eligible = [g for g in groups.SCHEMA.get_many(ctx.client, [c for c in codes if found[c] is None]).values()
                if g.active and g.mailing_day and g.mailer not in ("", NO_MAILER)]
    in_charge = directories.SCHEMA.get_many(ctx.client, [g.mailing_responsible or "" for g in eligible])
    answer: dict[str, tuple[Batch | None, bool]] = {code: (batch, False) for code, batch in found.items()}
    new = [(group, directory) for group in eligible if (directory := responsible(group, in_charge)) is not None]
    for start in range(0, len(new), GROUPS_PER_TRANSACTION):
        answer.update(_made_once(ctx, new[start:start + GROUPS_PER_TRANSACTION], week))
    return answer


def _made_once(ctx: Context, new: list[tuple[groups.Group, str]], week: str) -> dict[str, tuple[Batch, bool]]:
    """The batches of some groups, each made unless a dispatch at the same time made it (one transaction)."""

    def work() -> dict[str, tuple[Batch, bool]]:
        existing = store.BATCHES.get_many(ctx.client, [store.batch_id(group.code, week) for group, _ in new])
        at, made = ctx.now(), {}
        for group, directory in new:
            batch_id = store.batch_id(group.code, week)
            if batch_id in existing:
                made[group.code] = existing[batch_id], False
            else:
                made[group.code] = Batch(batch_id, group.code, week, directory, group.mailer, created=at, expires=at + KEPT), True
        store.BATCHES.put_many(ctx.client, [batch for batch, made_now in made.values() if made_now])
        return made

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
            for batch, new in make_batches(ctx, codes, week).values():
                if batch is None or batch.status == "done":
                    continue
                made += new
                ctx.queue.send_later(batch.group, batch.week)
                queued += 1
            if cursor is None:
                break
    return {"week": week, "made": made, "queued": queued}
