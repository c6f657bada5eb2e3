"""A batch's recipients, in chunks: made once, claimed before they are sent, recorded after (A13).

Only pending (or due deferred) recipients can be claimed, in a transaction, by one worker at a time: two
workers never claim one recipient. A claim whose worker stopped before recording the outcomes becomes
`unknown` after a lease, never sent again on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from annuaires.services.context import Context
from annuaires.store import mailing as store
from annuaires.store import members
from annuaires.store.base import in_transaction, until_available
from annuaires.store.mailing import Batch, Chunk, Recipient
from annuaires.store.members import Member

LEASE = timedelta(minutes=15)  # longer than a task may run: a claim older than this lost its worker
FIRST_RETRY = timedelta(minutes=5)  # a deferred recipient is tried again after 5, 10, 20, 40… minutes, the same day
KEPT = timedelta(weeks=12)  # batches and their recipients, then Datastore's TTL deletes them
MEMBERS_PAGE = 500
UNKNOWN_TEXT = "outcome unknown: the sending stopped before its answer was recorded"


@dataclass
class Claimed:
    """A chunk claimed by one worker: the recipients it sends, the state each had, and what became of them."""

    chunk: Chunk
    due: list[Recipient]
    before: dict[int, str]
    outcomes: dict[int, tuple[str, str, datetime]] = field(default_factory=dict)  # member → outcome, text, time


def make(ctx: Context, batch: Batch, worker: str) -> list[Claimed]:
    """The chunks of the batch's active members, made once, claimed by the worker that makes them (one write
    fewer each); none when another worker made them or is making them."""
    at = ctx.now()
    first, cursor = members.any_order(ctx.client, batch.group, limit=MEMBERS_PAGE)
    if cursor is None:  # the whole group in one page: its chunks and the batch in one transaction

        def work() -> list[Chunk]:
            fresh = store.BATCHES.get(ctx.client, batch.id)
            if fresh.recipients_made or _made_elsewhere(fresh, worker, at):
                return []
            chunks = _chunked(batch.id, _active(first), 1, worker, at)
            store.put_chunks(ctx.client, chunks)
            store.BATCHES.put(ctx.client, _made(fresh, at))
            return chunks

        return [_owned(c) for c in in_transaction(ctx.client, work, lookup_first=True)]
    return [_owned(c) for c in _make_large(ctx, batch, first, cursor, worker, at)]


def _make_large(ctx: Context, batch: Batch, page: list[Member], cursor: str | None, worker: str,
                at: datetime) -> list[Chunk]:
    """More members than a transaction holds: this worker becomes the batch's maker, then writes its chunks
    page by page. A maker that died is replaced after the lease, and its chunks are kept: only members that no
    chunk holds are added."""
    batch_id = batch.id

    def start() -> bool:
        fresh = store.BATCHES.get(ctx.client, batch_id)
        if fresh.recipients_made or _made_elsewhere(fresh, worker, at):
            return False
        fresh.maker, fresh.making_since, fresh.status, fresh.started = worker, at, "sending", fresh.started or at
        store.BATCHES.put(ctx.client, fresh)
        return True

    if not in_transaction(ctx.client, start, lookup_first=True):
        return []
    existing = store.chunks_of(ctx.client, batch_id)
    held = {r.member for chunk in existing for r in chunk.recipients}
    number, made = max((c.number for c in existing), default=0) + 1, []
    while True:
        chunks = _chunked(batch_id, [m for m in _active(page) if m.id not in held], number, worker, at)
        store.put_chunks(ctx.client, chunks)
        made, number = made + chunks, number + len(chunks)
        if cursor is None:
            break
        page, cursor = members.any_order(ctx.client, batch.group, limit=MEMBERS_PAGE, cursor=cursor)
    in_transaction(ctx.client, lambda: store.BATCHES.put(ctx.client, _made(store.BATCHES.get(ctx.client, batch_id), at)),
                   lookup_first=True)
    return made


def _active(page: list[Member]) -> list[Member]:
    return [m for m in page if m.active]


def _made_elsewhere(batch: Batch, worker: str, at: datetime) -> bool:
    return bool(batch.maker) and batch.maker != worker and batch.making_since is not None and batch.making_since > at - LEASE


def _made(batch: Batch, at: datetime) -> Batch:
    batch.recipients_made, batch.maker, batch.making_since = True, "", None
    batch.status, batch.started = "sending", batch.started or at
    return batch


def _chunked(batch_id: str, page: list[Member], first_number: int, worker: str, at: datetime) -> list[Chunk]:
    """Chunks of up to CHUNK members, claimed by `worker`."""
    return [Chunk(first_number + n, batch_id, [Recipient(m.id, m.name, m.email, store.CLAIMED) for m in page[i:i + store.CHUNK]],
                  store.CLAIMED, worker, at, expires=at + KEPT)
            for n, i in enumerate(range(0, len(page), store.CHUNK))]


def _owned(chunk: Chunk) -> Claimed:
    return Claimed(chunk, list(chunk.recipients), {r.member: store.PENDING for r in chunk.recipients})


def _due(recipient: Recipient, at: datetime) -> bool:
    return recipient.status == store.PENDING or (
        recipient.status == store.DEFERRED and recipient.next_try is not None and recipient.next_try <= at)


def claim(ctx: Context, batch_id: str, worker: str) -> Claimed | None:
    """Claim one chunk with recipients due now, or None when the batch has none left to claim.

    The query outside the transaction only names candidates: the transaction reads each again and claims
    it only if it is still free (queries inside transactions cost the emulator dearly; lookups do not).
    """
    while True:
        at = ctx.now()
        candidates = (store.chunks_in(ctx.client, batch_id, store.PENDING, 3)
                      or store.chunks_in(ctx.client, batch_id, store.WAITING, 3, before=("due_at", at)))
        if not candidates:
            return None
        for candidate in candidates:
            claimed = in_transaction(ctx.client, lambda number=candidate.number, at=at: _take(ctx, batch_id, number, worker, at),
                                     lookup_first=True)
            if claimed is not None:
                return claimed
        # every candidate was taken meanwhile: look again


def _take(ctx: Context, batch_id: str, number: int, worker: str, at: datetime) -> Claimed | None:
    chunk = store.CHUNKS.get(ctx.client, number, batch_id)
    if chunk is None or chunk.state == store.CLAIMED:
        return None
    due = [r for r in chunk.recipients if _due(r, at)]
    if not due:
        return None
    before = {r.member: r.status for r in due}
    for recipient in due:
        recipient.status = store.CLAIMED
    chunk.state, chunk.claim, chunk.claimed_at = store.CLAIMED, worker, at
    store.CHUNKS.put(ctx.client, chunk)
    return Claimed(chunk, due, before)


def record(ctx: Context, claimed: Claimed, worker: str) -> None:
    """Write what became of a claimed chunk's recipients; those not tried are given back, as they were. Written
    again while Datastore does not answer (merging is idempotent): a claim left behind would wait for its lease,
    and its recipients' outcomes would be lost."""

    def work() -> None:
        chunk = store.CHUNKS.get(ctx.client, claimed.chunk.number, claimed.chunk.batch)
        if chunk is not None:
            store.CHUNKS.put(ctx.client, merge(ctx, chunk, claimed, worker))

    until_available(lambda: in_transaction(ctx.client, work, lookup_first=True))


def merge(ctx: Context, chunk: Chunk, claimed: Claimed, worker: str) -> Chunk:
    """The chunk as stored now, with what became of the recipients this worker claimed in it."""
    for recipient in chunk.recipients:
        if recipient.member in claimed.outcomes:
            _apply(ctx, recipient, *claimed.outcomes[recipient.member])
        elif recipient.member in claimed.before and recipient.status == store.CLAIMED and chunk.claim == worker:
            recipient.status = claimed.before[recipient.member]
    if chunk.claim == worker:
        chunk.claim = ""
    chunk.settle()
    return chunk


def _apply(ctx: Context, recipient: Recipient, outcome: str, text: str, at: datetime) -> None:
    recipient.status, recipient.anomaly, recipient.at = outcome, text, at
    recipient.attempts += 1
    recipient.next_try = None
    if outcome == store.DEFERRED:
        retry = at + FIRST_RETRY * 2 ** (recipient.attempts - 1)
        zone = ZoneInfo(ctx.config.timezone)
        if retry.astimezone(zone).date() == at.astimezone(zone).date():  # retried within the day, then left
            recipient.next_try = retry


def release(ctx: Context, owned: Iterable[Claimed]) -> None:
    """Give back chunks this worker made and did not hand out (nobody else can have touched them)."""
    chunks = [c.chunk for c in owned]
    for chunk in chunks:
        for recipient in chunk.recipients:
            if recipient.status == store.CLAIMED:
                recipient.status = store.PENDING
        chunk.claim = ""
        chunk.settle()
    store.put_chunks(ctx.client, chunks)


def expire(ctx: Context, batch_id: str) -> int:
    """Claims older than the lease lost their worker between the SMTP answers and their record: outcome
    unknown, never resent on its own. How many recipients."""
    at = ctx.now()
    cutoff = at - LEASE
    stale = store.chunks_in(ctx.client, batch_id, store.CLAIMED, 50, before=("claimed_at", cutoff))

    def work(number: int) -> int:
        chunk, lost = store.CHUNKS.get(ctx.client, number, batch_id), 0
        if chunk is None or chunk.state != store.CLAIMED or chunk.claimed_at is None or chunk.claimed_at > cutoff:
            return 0
        for recipient in chunk.recipients:
            if recipient.status == store.CLAIMED:
                recipient.status, recipient.at, recipient.anomaly, lost = store.UNKNOWN, at, UNKNOWN_TEXT, lost + 1
        chunk.claim = ""
        chunk.settle()
        store.CHUNKS.put(ctx.client, chunk)
        return lost

    return sum(in_transaction(ctx.client, lambda n=chunk.number: work(n), lookup_first=True) for chunk in stale)
