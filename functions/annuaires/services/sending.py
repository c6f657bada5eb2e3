"""Sending a weekly batch exactly once per member (A13): claim recipients, send over one connection, record.

Cloud Tasks delivers a task at least once, so the guarantee lives in Datastore: a recipient is claimed in
a transaction before it is sent, and only a pending (or due deferred) recipient can be claimed. A claim
whose worker stopped before recording the outcome becomes `unknown` after a lease, and is never sent
again on its own. Recipients are written in batches (claim, outcome), the batch's counters once per slice.
"""

from __future__ import annotations

import secrets
import smtplib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..store import groups, mailers, members, messages
from ..store import mailing as store
from ..store.base import in_transaction
from ..store.mailers import Mailer
from ..store.mailing import Batch, Recipient
from ..store.members import Member
from . import quotas, smtp, weekly_email
from .context import Context
from .errors import NotFound
from .secrets_box import SecretBox

LEASE = timedelta(minutes=15)  # longer than a task may run: a claim older than this lost its worker
SLICE = 100  # recipients claimed at once
FIRST_RETRY = timedelta(minutes=5)  # a deferred recipient is tried again after 5, 10, 20, 40… minutes, the same day
KEPT = timedelta(weeks=12)  # batches and recipients, then Datastore's TTL deletes them
BUDGET_SECONDS = 300  # a task sends for this long at most, then the rest goes to the next task
CHECK_BACK = timedelta(minutes=1)  # when another worker holds the last claims


@dataclass
class Report:
    """What one send task did, and when the batch wants its next task (None: done)."""

    batch: str
    counts: Counter = field(default_factory=Counter)
    status: str = ""
    next_at: datetime | None = None


class Worker:
    """One send task: its claims' token, its time budget, one connection and one allowance per mailer."""

    def __init__(self, ctx: Context, budget_seconds: float = BUDGET_SECONDS,
                 connect: Callable[[Mailer, str], smtplib.SMTP] = smtp.connect) -> None:
        self.ctx, self.connect = ctx, connect
        self.token, self.deadline = secrets.token_urlsafe(9), time.monotonic() + budget_seconds
        self.connections: dict[str, smtplib.SMTP] = {}
        self.allowances: dict[str, quotas.Allowance] = {}

    def time_left(self) -> bool:
        return time.monotonic() < self.deadline

    def allowance(self, mailer: Mailer) -> quotas.Allowance:
        if mailer.letter not in self.allowances:
            self.allowances[mailer.letter] = quotas.Allowance(self.ctx, mailer)
        return self.allowances[mailer.letter]

    def connection(self, mailer: Mailer, claimed: list[tuple[Recipient, str]]) -> smtplib.SMTP:
        """The open connection to a mailer's relay (opened once per task), or ConnectionLost with the claims given back."""
        if mailer.letter not in self.connections:
            self.connections[mailer.letter] = _connect_or_release(self.ctx, claimed, mailer, self.connect)
        return self.connections[mailer.letter]

    def forget(self, mailer: Mailer) -> None:
        """A connection that was lost is not used again."""
        if (connection := self.connections.pop(mailer.letter, None)) is not None:
            connection.close()

    def close(self) -> None:
        for allowance in self.allowances.values():
            allowance.release()
        for connection in self.connections.values():
            _quietly_close(connection)


def send_due(ctx: Context, batch_id: str, *, budget_seconds: float = BUDGET_SECONDS,
             connect: Callable[[Mailer, str], smtplib.SMTP] = smtp.connect) -> list[Report]:
    """Send a batch, then, while time is left, the other batches of its week and mailer not started yet,
    over the same connection (the emulator's queue delivers one task at a time: draining saves a task and
    a connection per batch). Raises smtp.ConnectionLost (nothing lost) to be retried."""
    worker, reports = Worker(ctx, budget_seconds, connect), []
    try:
        reports.append(send_batch(ctx, batch_id, worker))
        first = store.BATCHES.get(ctx.client, batch_id)
        while worker.time_left() and reports[-1].status == "done":  # not after a cap or a batch left to others
            following = store.not_started(ctx.client, first.week, first.mailer)
            if following is None:
                break
            reports.append(send_batch(ctx, following.id, worker))
    finally:
        worker.close()
    return reports


def send_batch(ctx: Context, batch_id: str, worker: Worker) -> Report:
    """Send what is due in one batch while the worker has time."""
    batch, group, message, mailer = _read(ctx, batch_id)
    report = Report(batch_id)
    if batch.status == "done":
        report.status = "done"
        return report
    if group is None or mailer is None or not mailer.smtp_host:
        raise smtp.ConnectionLost(f"mailer {batch.mailer} is not configured")
    owned: list[tuple[Recipient, str]] = []  # recipients this worker made, claimed by it from the start
    if batch.recipients_made:
        report.counts.update(_expire_claims(ctx, batch_id))  # only a started batch can hold old claims
    else:
        owned = _make_recipients(ctx, batch, worker.token)
    allowance = worker.allowance(mailer)
    allowance.resume_at = None
    drained = False
    try:
        while worker.time_left():
            if owned:
                claimed, owned = owned[:SLICE], owned[SLICE:]
            else:
                claimed = _claim(ctx, batch_id, worker.token)
            if not claimed:
                drained = True
                break
            allowed = allowance.take(len(claimed))
            if allowed < len(claimed):  # the mailer's limit is reached: the rest waits for it to open again
                _release(ctx, claimed[allowed:])
                claimed = claimed[:allowed]
            if not claimed:
                break
            try:
                _send_slice(ctx, worker.connection(mailer, claimed), claimed, group, message, mailer, report)
            except smtp.ConnectionLost:
                worker.forget(mailer)
                raise
    finally:
        if owned:
            _release(ctx, owned)  # out of time, capped or cut off: the rest is sent by a later task
        _close_slice(ctx, batch_id, report, allowance.resume_at, drained, deferred_before=batch.deferred)
    return report


def _read(ctx: Context, batch_id: str) -> tuple[Batch, groups.Group | None, messages.Message, Mailer | None]:
    """A batch, its group, message and mailer (two lookups)."""
    batch = store.BATCHES.get(ctx.client, batch_id)
    if batch is None:
        raise NotFound()
    keys = [groups.SCHEMA.key(ctx.client, batch.group), messages.SCHEMA.key(ctx.client, batch.group),
            mailers.SCHEMA.key(ctx.client, batch.mailer or "Z")]
    found = {e.key.kind: e for e in ctx.client.get_multi(keys)}
    read = {schema.kind: schema.read(found[schema.kind]) if schema.kind in found else None
            for schema in (groups.SCHEMA, messages.SCHEMA, mailers.SCHEMA)}
    message = read[messages.SCHEMA.kind] or messages.Message(batch.group)
    return batch, read[groups.SCHEMA.kind], message, read[mailers.SCHEMA.kind]


def _make_recipients(ctx: Context, batch: Batch, token: str) -> list[tuple[Recipient, str]]:
    """One recipient per active member, made once (those that exist already are never written again),
    claimed by the worker that makes them: one write fewer each. Returns those claims."""
    at, cursor, owned = ctx.now(), None, []
    while True:
        found, cursor = members.of_group(ctx.client, batch.group, limit=500, cursor=cursor)
        active = [m for m in found if m.active]

        def add_missing(page: list[Member] = active) -> list[Recipient]:
            existing = {r.member for r in store.get_recipients(ctx.client, batch.id, [m.id for m in page])}
            made = [_recipient(batch, m, at, token) for m in page if m.id not in existing]
            store.put_all(ctx.client, made)
            return made

        # Two workers making them at once: one wins, the other adds (and owns) nothing.
        owned += [(r, store.PENDING) for r in in_transaction(ctx.client, add_missing)]
        if cursor is None:
            break

    def work() -> None:
        fresh = store.BATCHES.get(ctx.client, batch.id)
        fresh.recipients_made, fresh.status, fresh.started = True, "sending", fresh.started or at
        store.BATCHES.put(ctx.client, fresh)

    in_transaction(ctx.client, work)
    return owned


def _recipient(batch: Batch, member: Member, at: datetime, token: str) -> Recipient:
    return Recipient(member.id, batch.id, member.name, member.email, store.CLAIMED, token, at, expires=at + KEPT)


def _expire_claims(ctx: Context, batch_id: str) -> Counter:
    """Claims older than the lease lost their worker between the SMTP answer and its record: outcome unknown."""
    at = ctx.now()
    cutoff = at - LEASE
    found = [r.member for r in store.recipients_in(ctx.client, batch_id, store.CLAIMED, 500, before=("claimed_at", cutoff))]

    def work() -> int:
        stale = [r for r in store.get_recipients(ctx.client, batch_id, found)
                 if r.status == store.CLAIMED and r.claimed_at is not None and r.claimed_at <= cutoff]
        for recipient in stale:
            recipient.status, recipient.at = store.UNKNOWN, at
            recipient.anomaly = "outcome unknown: the sending stopped before its answer was recorded"
        store.put_all(ctx.client, stale)
        return len(stale)

    return Counter({store.UNKNOWN: in_transaction(ctx.client, work) if found else 0})


def _due(recipient: Recipient, at: datetime) -> bool:
    return recipient.status == store.PENDING or (
        recipient.status == store.DEFERRED and recipient.next_try is not None and recipient.next_try <= at)


def _claim(ctx: Context, batch_id: str, worker: str) -> list[tuple[Recipient, str]]:
    """Claim up to SLICE due recipients; each with the state it had.

    The query outside the transaction only names candidates: the transaction reads each again and claims
    those still due, so that two workers never claim one recipient (queries inside transactions cost the
    emulator dearly; lookups do not).
    """
    at = ctx.now()
    candidates = [r.member for r in store.recipients_in(ctx.client, batch_id, store.PENDING, SLICE)]
    if len(candidates) < SLICE:
        candidates += [r.member for r in store.recipients_in(ctx.client, batch_id, store.DEFERRED, SLICE - len(candidates),
                                                              before=("next_try", at))]
    if not candidates:
        return []

    def work() -> list[tuple[Recipient, str]]:
        claimed = [(r, r.status) for r in store.get_recipients(ctx.client, batch_id, candidates) if _due(r, at)]
        for recipient, _ in claimed:
            recipient.status, recipient.claim, recipient.claimed_at = store.CLAIMED, worker, at
        store.put_all(ctx.client, [r for r, _ in claimed])
        return claimed

    claimed = in_transaction(ctx.client, work)
    return claimed or _claim(ctx, batch_id, worker)  # every candidate was taken meanwhile: look again


def _connect_or_release(ctx: Context, claimed: list[tuple[Recipient, str]], mailer: Mailer,
                        connect: Callable[[Mailer, str], smtplib.SMTP]) -> smtplib.SMTP:
    password = SecretBox(ctx.config.secrets_key).open(mailer.password_sealed, mailer.letter) if mailer.password_sealed else ""
    try:
        return connect(mailer, password)
    except smtp.ConnectionLost:
        _release(ctx, claimed)
        raise


def _release(ctx: Context, claimed: list[tuple[Recipient, str]]) -> None:
    """Give back claims of recipients not tried: they are sent by a later attempt."""
    for recipient, before in claimed:
        recipient.status, recipient.claim, recipient.claimed_at = before, "", None
    in_transaction(ctx.client, lambda: store.put_all(ctx.client, [r for r, _ in claimed]))


def _send_slice(ctx: Context, connection: smtplib.SMTP, claimed: list[tuple[Recipient, str]], group: groups.Group,
                message: messages.Message, mailer: Mailer, report: Report) -> None:
    done: list[Recipient] = []
    try:
        for index, (recipient, before) in enumerate(claimed):
            member = Member(recipient.member, group.code, recipient.name, recipient.email)
            at = ctx.now()
            mail = weekly_email.build(ctx, group, message, member, mailer.sender, at)
            try:
                outcome, text = smtp.send(connection, mail, recipient.email)
            except smtp.ConnectionLost:
                _release(ctx, claimed[index:])
                raise
            _record(ctx, recipient, before, outcome, text, at, report)
            done.append(recipient)
    finally:
        in_transaction(ctx.client, lambda: store.put_all(ctx.client, done))


def _record(ctx: Context, recipient: Recipient, before: str, outcome: str, text: str, at: datetime, report: Report) -> None:
    recipient.status, recipient.anomaly, recipient.at, recipient.claim = outcome, text, at, ""
    recipient.attempts += 1
    if before == store.DEFERRED:
        report.counts[store.DEFERRED] -= 1  # it was counted deferred: it is counted by its new outcome now
    if outcome == store.DEFERRED:
        retry = at + FIRST_RETRY * 2 ** (recipient.attempts - 1)
        recipient.next_try = retry if _same_day(ctx, at, retry) else None  # retried within the day, then left
    report.counts[outcome] += 1


def _same_day(ctx: Context, first: datetime, second: datetime) -> bool:
    zone = ZoneInfo(ctx.config.timezone)
    return first.astimezone(zone).date() == second.astimezone(zone).date()


def _close_slice(ctx: Context, batch_id: str, report: Report, capped_until: datetime | None, drained: bool,
                 deferred_before: int) -> None:
    """Add this task's counts to the batch (one write) and say whether it is done or when to go on.

    `capped_until`: the mailer's limit was reached; the batch waits until then. `drained`: the last claim
    found nothing due. `deferred_before`: the batch's deferred count when this task began.
    """
    at = ctx.now()

    # Where the batch stands (outside the transaction: these only say when the next task comes).
    pending = not drained and bool(store.recipients_in(ctx.client, batch_id, store.PENDING, 1))
    held = bool(store.recipients_in(ctx.client, batch_id, store.CLAIMED, 1))  # by another worker, or a dead one
    any_deferred = deferred_before + report.counts[store.DEFERRED] > 0
    later = store.recipients_in(ctx.client, batch_id, store.DEFERRED, 1,
                                before=("next_try", at + timedelta(days=1))) if any_deferred else []
    if pending:
        next_at = capped_until or at
    elif held:
        next_at = at + CHECK_BACK  # not in a loop: their worker records them, or their lease runs out
    else:
        next_at = later[0].next_try if later else None

    def work() -> tuple[Batch, datetime | None]:
        batch = store.BATCHES.get(ctx.client, batch_id)
        batch.sent += report.counts[store.SENT]
        batch.deferred += report.counts[store.DEFERRED]
        batch.refused += report.counts[store.REFUSED]
        batch.errors += report.counts[store.ERROR]
        batch.unknown += report.counts[store.UNKNOWN]
        batch.status = "done" if next_at is None else "sending" if next_at == at or held else "waiting"
        if batch.status == "done":
            batch.finished = batch.finished or at
        store.BATCHES.put(ctx.client, batch)
        return batch, next_at

    batch, report.next_at = in_transaction(ctx.client, work)
    report.status = batch.status


def _quietly_close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        connection.close()
