"""A send task: the week's e-mails of a batch over one SMTP connection, exactly once per member (A13).

The SMTP connection never waits for Datastore: a thread of the worker's own does every Datastore call in
order (claim the next chunk while the current one is being sent, record a chunk once it is sent, add up a
batch when its last chunk is recorded). When its batch is done the task goes on with the week's batches of
the same mailer not started yet, over the same connection (the emulator's queue delivers one task at a
time: draining saves a task and a connection per batch).
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from annuaires.adapters import smtp_relay as smtp
from annuaires.adapters.secrets_box import SecretBox
from annuaires.services.context import Context
from annuaires.services.errors import NotFound
from annuaires.services.mailing import email as weekly_email
from annuaires.services.mailing import quotas, recipients
from annuaires.services.mailing.recipients import Claimed
from annuaires.store import groups, mailers, messages
from annuaires.store import mailing as store
from annuaires.store.base import Schema, in_transaction, reading
from annuaires.store.mailers import Mailer
from annuaires.store.mailing import Batch
from annuaires.store.members import Member

BUDGET_SECONDS = 300  # a task sends for this long at most, then the rest goes to the next task
CHECK_BACK = timedelta(minutes=1)  # when another worker holds claims of the batch
DRAIN_LOOKAHEAD = 20  # batches looked for (and read) at once
log = logging.getLogger(__name__)


@dataclass
class Report:
    """What one send task did in one batch, and when the batch wants its next task (None: done)."""

    batch: str
    counts: Counter = field(default_factory=Counter)
    status: str = ""
    next_at: datetime | None = None


@dataclass
class Opened:
    """A batch being sent: what each of its e-mails needs, and how far its chunks went."""

    batch: Batch
    email: weekly_email.Weekly
    mailer: Mailer
    report: Report
    owned: list[Claimed] = field(default_factory=list)  # made (claimed) by this worker, not handed out yet
    made: list[int] | None = None  # every chunk of the batch, when this worker made them all
    handed: int = 0  # chunks handed to the sending
    recorded: int = 0
    exhausted: bool = False  # nothing more to claim in it for this task


@dataclass
class Work:
    """One claimed chunk for the sending: how many of its recipients the mailer's limits let go now."""

    opened: Opened
    claimed: Claimed
    allowed: int


def send_due(ctx: Context, batch_id: str, *, budget_seconds: float = BUDGET_SECONDS,
             connect: Callable[[Mailer, str], smtplib.SMTP] = smtp.connect) -> list[Report]:
    """Send a batch, then the week's others of its mailer not started yet, while time is left; a report per batch.
    Raises smtp.ConnectionLost (nothing lost) to be retried."""
    return Worker(ctx, batch_id, budget_seconds, connect).run()


class Worker:
    """One send task: its claims' token, its time budget, its connection, its Datastore thread."""

    def __init__(self, ctx: Context, batch_id: str, budget_seconds: float,
                 connect: Callable[[Mailer, str], smtplib.SMTP]) -> None:
        self.ctx, self.connect = ctx, connect
        self.token, self.deadline = secrets.token_urlsafe(9), time.monotonic() + budget_seconds
        self.first, self.upcoming_ids, self.seen = batch_id, [batch_id], set()
        self.read_ahead: dict[str, tuple] = {}
        self.drain: tuple[str, str] | None = None  # the week and mailer of the first batch
        self.current: Opened | None = None
        self.stopped = False
        self.capped_until: datetime | None = None  # a mailer's limit was reached: its batches wait until then
        self.reports: list[Report] = []
        self.mailers: dict[str, Mailer | None] = {}
        self.allowances: dict[str, quotas.Allowance] = {}
        self.connection: smtplib.SMTP | None = None
        self.relay_error = ""
        self.datastore = ThreadPoolExecutor(1, thread_name_prefix="datastore")
        self.jobs: list[Future] = []

    # The sending (the task's own thread).

    def run(self) -> list[Report]:
        upcoming: Future | None = self.datastore.submit(self._next_work)
        try:
            while True:
                current, upcoming = upcoming, None
                work = current.result()
                if work is None:
                    break
                upcoming = self.datastore.submit(self._next_work)  # claimed while this chunk is sent
                try:
                    self._send(work)
                finally:
                    self._later(self._record, work)
        finally:
            self._wind_up(upcoming)
        return self.reports

    def _send(self, work: Work) -> None:
        claimed, mail = work.claimed, work.opened.email
        for recipient in claimed.due[:work.allowed]:
            at = self.ctx.now()
            try:
                data = mail.compose(Member(recipient.member, mail.group.code, recipient.name, recipient.email), at)
            except ValueError as error:
                claimed.outcomes[recipient.member] = (store.ERROR, str(error)[:500], at)
                continue
            try:
                outcome, text = smtp.send(self._connection(work.opened.mailer), mail.sender_address, recipient.email, data)
            except smtp.ConnectionLost as error:
                self.relay_error = str(error)[:500]  # shown with the batch until a later task reaches the relay
                self._drop_connection()
                raise
            claimed.outcomes[recipient.member] = (outcome, text, at)

    def _connection(self, mailer: Mailer) -> smtplib.SMTP:
        if self.connection is None:
            box = SecretBox(self.ctx.config.secrets_key)
            password = box.open(mailer.password_sealed, mailer.letter) if mailer.password_sealed else ""
            self.connection = self.connect(mailer, password)
        return self.connection

    def _drop_connection(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _later(self, job: Callable, *args: object) -> None:
        self.jobs.append(self.datastore.submit(job, *args))

    def _wind_up(self, upcoming: Future | None) -> None:
        """Give back what was claimed and not sent, record what was, add up the batches; then raise what the
        Datastore thread met."""
        if upcoming is not None:  # the sending stopped early: the chunk claimed ahead goes back
            try:
                ahead = upcoming.result()
            except Exception:  # the error the sending stopped on is the one raised
                log.exception("claiming ahead failed while the sending stopped")
                ahead = None
            if ahead is not None:
                self._later(self._record, ahead)
        self._later(self._stop)
        self.datastore.shutdown(wait=True)
        if self.connection is not None:
            smtp.quit(self.connection)
        for job in self.jobs:
            job.result()  # raises the first error of a record or an addition

    # The Datastore thread: every call below runs there, one at a time, in the order submitted.

    def _next_work(self) -> Work | None:
        while not self.stopped and time.monotonic() < self.deadline:
            if self.current is None:
                self.current = self._open_next()
                if self.current is None:
                    return None
            opened = self.current
            if opened.owned:
                claimed = opened.owned.pop(0)
            elif opened.made is not None:
                claimed = None  # it made them all and handed them all: nothing else can be due in it now
            else:
                claimed = recipients.claim(self.ctx, opened.batch.id, self.token)
            if claimed is None:
                self._exhaust(opened)
                continue
            allowance = self._allowance(opened.mailer)
            allowed = allowance.take(len(claimed.due))
            if allowed < len(claimed.due):  # the mailer's limit is reached: its batches wait for it to open again
                self.capped_until, self.stopped = allowance.resume_at, True
            if allowed == 0:
                recipients.record(self.ctx, claimed, self.token)  # given back
                return None
            opened.handed += 1
            return Work(opened, claimed, allowed)
        return None

    def _open_next(self) -> Opened | None:
        while self.upcoming_ids or self._find_following():
            batch_id = self.upcoming_ids.pop(0)
            if batch_id not in self.seen:
                self.seen.add(batch_id)
                opened = self._open(batch_id)
                if opened is not None:
                    return opened
        return None

    def _find_following(self) -> bool:
        if self.drain is None:
            return False
        week, mailer = self.drain
        self.upcoming_ids = [i for i in store.not_started(self.ctx.client, week, mailer, DRAIN_LOOKAHEAD) if i not in self.seen]
        self.read_ahead = self._read(self.upcoming_ids)  # the batches, their groups and messages: one lookup for all
        return bool(self.upcoming_ids)

    def _open(self, batch_id: str) -> Opened | None:
        # Read ahead a moment ago, or now; either way the chunks are made in a transaction that reads the batch again.
        batch, group, message = self.read_ahead.pop(batch_id, None) or self._read([batch_id])[batch_id]
        if batch is None:
            if batch_id == self.first:
                raise NotFound()
            return None
        report = Report(batch_id)
        self.reports.append(report)
        if batch_id == self.first:
            self.drain = (batch.week, batch.mailer)
        if batch.status == "done":
            report.status = "done"
            return None
        mailer = self._mailer(batch.mailer)
        if group is None or mailer is None or not mailer.smtp_host:
            raise smtp.ConnectionLost(f"mailer {batch.mailer} is not configured")
        opened = Opened(batch, weekly_email.Weekly(self.ctx, group, message, mailer.sender), mailer, report)
        if batch.recipients_made:
            report.counts[store.UNKNOWN] += recipients.expire(self.ctx, batch_id)  # only a started batch has old claims
        else:
            opened.owned = recipients.make(self.ctx, batch, self.token)
            if opened.owned:
                opened.made = [c.chunk.number for c in opened.owned]
        return opened

    def _read(self, batch_ids: list[str]) -> dict[str, tuple[Batch | None, groups.Group | None, messages.Message]]:
        """Batches, their groups and their messages, in one lookup."""
        client, codes = self.ctx.client, {batch_id: store.group_of(batch_id) for batch_id in batch_ids}
        keys = [store.BATCHES.key(client, batch_id) for batch_id in batch_ids]
        keys += [schema.key(client, code) for code in set(codes.values()) for schema in (groups.SCHEMA, messages.SCHEMA)]
        found = {(e.key.kind, e.key.name): e for e in reading(client, lambda: client.get_multi(keys))} if keys else {}

        def read(schema: Schema, name: str) -> Any:
            return schema.read(found[schema.kind, name]) if (schema.kind, name) in found else None

        return {batch_id: (read(store.BATCHES, batch_id), read(groups.SCHEMA, code),
                           read(messages.SCHEMA, code) or messages.Message(code)) for batch_id, code in codes.items()}

    def _mailer(self, letter: str) -> Mailer | None:
        if letter not in self.mailers:
            self.mailers[letter] = mailers.SCHEMA.get(self.ctx.client, letter) if letter else None
        return self.mailers[letter]

    def _allowance(self, mailer: Mailer) -> quotas.Allowance:
        if mailer.letter not in self.allowances:
            self.allowances[mailer.letter] = quotas.Allowance(self.ctx, mailer)
        return self.allowances[mailer.letter]

    def _record(self, work: Work) -> None:
        opened = work.opened
        if opened.exhausted and opened.recorded + 1 == opened.handed and opened.made is not None:
            self._record_and_add_up(work)  # the batch's last chunk, all of them made here: one transaction
        else:
            recipients.record(self.ctx, work.claimed, self.token)
        counts = opened.report.counts
        for member, (outcome, _, _) in work.claimed.outcomes.items():
            counts[outcome] += 1
            if work.claimed.before[member] == store.DEFERRED:
                counts[store.DEFERRED] -= 1  # it was counted deferred: it is counted by its new outcome now
        opened.recorded += 1
        if opened.exhausted and opened.recorded == opened.handed and opened.report.status == "":
            self._add_up(opened)

    def _exhaust(self, opened: Opened) -> None:
        """Nothing more to claim in this batch: it is added up once the chunks handed out are recorded."""
        opened.exhausted = True
        if opened is self.current:
            self.current = None
        if opened.recorded == opened.handed:
            self._add_up(opened)

    def _stop(self) -> None:
        self.stopped = True
        for allowance in self.allowances.values():
            allowance.release()
        if self.current is not None:
            recipients.release(self.ctx, self.current.owned)  # out of time, capped or cut off: a later task sends them
            self.current.owned = []
            self._exhaust(self.current)

    def _add_up(self, opened: Opened) -> None:
        """The batch's counters from its chunks (one write), and whether it is done or when to go on.

        The chunks are read inside the transaction (after the batch's lookup, which begins it): read before, a
        worker adding up at the same time with chunks recorded since could be overwritten with older counts.
        """
        at = self.ctx.now()

        def work() -> tuple[str, datetime | None]:
            batch = store.BATCHES.get(self.ctx.client, opened.batch.id)
            standing = self._settle(batch, store.chunks_of(self.ctx.client, opened.batch.id), at)
            store.BATCHES.put(self.ctx.client, batch)
            return standing

        opened.report.status, opened.report.next_at = in_transaction(self.ctx.client, work, lookup_first=True)

    def _record_and_add_up(self, work: Work) -> None:
        opened = work.opened

        def transaction() -> tuple[str, datetime | None]:
            batch, chunks = store.batch_with_chunks(self.ctx.client, opened.batch.id, opened.made or [])
            mine = next(c for c in chunks if c.number == work.claimed.chunk.number)
            store.CHUNKS.put(self.ctx.client, recipients.merge(self.ctx, mine, work.claimed, self.token))
            standing = self._settle(batch, chunks, self.ctx.now())
            store.BATCHES.put(self.ctx.client, batch)
            return standing

        opened.report.status, opened.report.next_at = in_transaction(self.ctx.client, transaction, lookup_first=True)

    def _settle(self, batch: Batch, chunks: list[store.Chunk], at: datetime) -> tuple[str, datetime | None]:
        """Set a batch's counters and status from its chunks; its status and when its next task should come."""
        counts = Counter(r.status for chunk in chunks for r in chunk.recipients)
        batch.sent, batch.deferred, batch.refused = counts[store.SENT], counts[store.DEFERRED], counts[store.REFUSED]
        batch.errors, batch.unknown = counts[store.ERROR], counts[store.UNKNOWN]
        states = {chunk.state for chunk in chunks}
        held = store.CLAIMED in states  # by another worker, or a dead one
        cause = ""
        if store.PENDING in states and batch.recipients_made:
            next_at = self.capped_until or at
            cause = store.MAILER_LIMIT if self.capped_until else store.RELAY_UNAVAILABLE if self.relay_error else ""
        elif held or not batch.recipients_made:
            next_at = at + CHECK_BACK  # not in a loop: their worker makes or records them, or its lease runs out
        else:
            next_at = min((c.due_at for c in chunks if c.state == store.WAITING and c.due_at), default=None)
            cause = store.DEFERRED_RETRY if next_at is not None else ""
        batch.status = "done" if next_at is None else "sending" if next_at <= at or held else "waiting"
        batch.finished = (batch.finished or at) if next_at is None else None
        batch.held, batch.held_detail = cause, self.relay_error if cause == store.RELAY_UNAVAILABLE else ""
        batch.resumes_at = next_at if cause in (store.MAILER_LIMIT, store.DEFERRED_RETRY) else None
        return batch.status, next_at
