"""A send task's bookkeeping (A13): what became of its recipients, how far it went in each batch, and each batch's
counters and status from its chunks. Plain data and arithmetic: the worker reads and writes, this module counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from annuaires.store.mailing import DEFERRED_RETRY, MAILER_LIMIT, RELAY_UNAVAILABLE, Batch, BatchStatus, Chunk, ChunkState, Outcome

CHECK_BACK = timedelta(minutes=1)  # when another worker holds chunks of the batch, or is making them


@dataclass
class Report:
    """What one send task did in one batch, and when the batch wants its next task (None: done)."""

    batch: str
    counts: Counter = field(default_factory=Counter)
    status: str = ""
    next_at: datetime | None = None


@dataclass
class BatchLedger:
    """One batch in one task: its report, and its chunks handed to the sending and recorded since."""

    report: Report
    made: list[int] | None = None  # every chunk of the batch, when this task made them all
    handed: int = 0
    recorded: int = 0
    exhausted: bool = False  # nothing more to take in it for this task

    def hand(self) -> None:
        """A chunk goes to the sending."""
        self.handed += 1

    def closing(self) -> bool:
        """Whether the chunk about to be recorded is the batch's last and this task made them all: the record and
        the addition then go in one transaction."""
        return self.exhausted and self.recorded + 1 == self.handed and self.made is not None

    def record(self, outcomes: Mapping[int, tuple[Outcome, str, datetime]], before: Mapping[int, str]) -> bool:
        """A chunk recorded: its recipients' outcomes (member → outcome, text, time) and the states they had before
        (member → state); whether the batch is to be added up now."""
        for member, (outcome, _, _) in outcomes.items():
            self.report.counts[outcome] += 1
            if before[member] == Outcome.DEFERRED:
                self.report.counts[Outcome.DEFERRED] -= 1  # it was counted deferred: it is counted by its new outcome now
        self.recorded += 1
        return self.exhausted and self.recorded == self.handed and not self.added_up

    def exhaust(self) -> bool:
        """Nothing more to take in the batch; whether it is to be added up now (no chunk of it still out)."""
        self.exhausted = True
        return self.recorded == self.handed

    def unknown(self, lost: int) -> None:
        """Recipients of a worker that was lost before it recorded them: their outcome is unknown."""
        self.report.counts[Outcome.UNKNOWN] += lost

    def settled(self, standing: tuple[BatchStatus, datetime | None]) -> None:
        """The batch's status and the time of its next task, once added up."""
        self.report.status, self.report.next_at = standing

    @property
    def added_up(self) -> bool:
        return self.report.status != ""


@dataclass
class Ledger:
    """A whole task: a report per batch, and what stopped it (a mailer's limit, a relay lost)."""

    reports: list[Report] = field(default_factory=list)
    capped_until: datetime | None = None  # a mailer's limit was reached: its batches wait until then
    relay_error: str = ""  # shown with the batch until a later task reaches the relay

    def open(self, batch_id: str) -> BatchLedger:
        """A batch this task goes into."""
        report = Report(batch_id)
        self.reports.append(report)
        return BatchLedger(report)

    def settle(self, batch: Batch, chunks: list[Chunk], at: datetime) -> tuple[BatchStatus, datetime | None]:
        """Set a batch's counters and status from its chunks; its status and when its next task should come."""
        counts = Counter(r.status for chunk in chunks for r in chunk.recipients)
        batch.sent, batch.deferred, batch.refused = counts[Outcome.SENT], counts[Outcome.DEFERRED], counts[Outcome.REFUSED]
        batch.errors, batch.unknown = counts[Outcome.ERROR], counts[Outcome.UNKNOWN]
        states = {chunk.state for chunk in chunks}
        held = ChunkState.TAKEN in states  # by another worker, or a dead one
        cause = ""
        if ChunkState.PENDING in states and batch.recipients_made:
            next_at = self.capped_until or at
            cause = MAILER_LIMIT if self.capped_until else RELAY_UNAVAILABLE if self.relay_error else ""
        elif held or not batch.recipients_made:
            next_at = at + CHECK_BACK  # not in a loop: their worker makes or records them, or its lease runs out
        else:
            next_at = min((c.due_at for c in chunks if c.state == ChunkState.WAITING and c.due_at), default=None)
            cause = DEFERRED_RETRY if next_at is not None else ""
        batch.status = status(next_at, at, held)
        batch.finished = (batch.finished or at) if next_at is None else None
        batch.held, batch.held_detail = cause, self.relay_error if cause == RELAY_UNAVAILABLE else ""
        batch.resumes_at = next_at if cause in (MAILER_LIMIT, DEFERRED_RETRY) else None
        return batch.status, next_at


def status(next_at: datetime | None, at: datetime, held: bool) -> BatchStatus:
    """A batch's status from when its next task comes: none, done; now (or its chunks held elsewhere), sending;
    later, waiting."""
    if next_at is None:
        return BatchStatus.DONE
    return BatchStatus.SENDING if next_at <= at or held else BatchStatus.WAITING
