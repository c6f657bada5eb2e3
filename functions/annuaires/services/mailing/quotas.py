"""A worker's share of a mailer's sending limits (A13, "Beyond the seeds"): reserved in chunks, given back when unused.

A batch that reaches a cap waits until the next minute or day and resumes: it does not fail.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from annuaires.services.context import Context
from annuaires.store import quota
from annuaires.store.mailers import Mailer

DAY_CHUNK = 500  # reserved from the day's limit at once, so that the day's entity is written rarely


class Allowance:
    """What one worker may still send under a mailer's limits; `take` asks for more as it goes."""

    def __init__(self, ctx: Context, mailer: Mailer) -> None:
        self.ctx, self.mailer = ctx, mailer
        self.day_left = 0  # reserved from today's limit, not sent yet
        self.day_id = ""
        self.resume_at: datetime | None = None  # when a used-up limit opens again

    def take(self, wanted: int) -> int:
        """How many of `wanted` messages may go now (all, with no limits); sets `resume_at` when not all may."""
        at = self.ctx.now()
        local = at.astimezone(ZoneInfo(self.ctx.config.timezone))
        granted = self._from_day(local, at, wanted) if self.mailer.per_day else wanted
        if granted and self.mailer.per_minute:
            minute = local.replace(second=0, microsecond=0)
            in_minute = quota.reserve(self.ctx.client, f"{self.mailer.letter}:minute:{minute:%Y-%m-%dT%H:%M}",
                                      self.mailer.per_minute, granted, at + timedelta(hours=1))
            self.unused(granted - in_minute)
            if in_minute < granted:
                self.resume_at = (minute + timedelta(minutes=1)).astimezone(at.tzinfo)
            granted = in_minute
        return granted

    def _from_day(self, local: datetime, at: datetime, wanted: int) -> int:
        day_id = f"{self.mailer.letter}:day:{local:%Y-%m-%d}"
        if day_id != self.day_id:
            self.release()
            self.day_id = day_id
        if self.day_left < wanted:
            self.day_left += quota.reserve(self.ctx.client, day_id, self.mailer.per_day,
                                           max(wanted - self.day_left, DAY_CHUNK), at + timedelta(days=2))
        granted = min(wanted, self.day_left)
        self.day_left -= granted
        if granted < wanted:
            midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            self.resume_at = midnight.astimezone(at.tzinfo)
        return granted

    def unused(self, count: int) -> None:
        """Messages granted but not sent (their claims given back): they go back to the day's pocket."""
        if self.mailer.per_day:
            self.day_left += count

    def release(self) -> None:
        """Give back to the day what this worker reserved and did not send."""
        if self.day_id:
            quota.give_back(self.ctx.client, self.day_id, self.day_left)
        self.day_left = 0
