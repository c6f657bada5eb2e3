"""Weekly mailing batches (key: group and ISO week) and their recipients, kept in chunks (children of the batch).

A chunk holds up to CHUNK recipients: they are claimed, sent and recorded together, so that a batch of
10,000 members costs a few hundred writes, not tens of thousands (and no entity is written per message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.cloud import datastore

from annuaires.store.base import Schema, query, reading

CHUNK = 100  # recipients of one chunk (a chunk of 100 stays far below Datastore's 1 MiB per entity)

# Recipient states: claimed before it is sent, so that no worker sends it twice (A13).
PENDING, CLAIMED, SENT, DEFERRED, REFUSED, ERROR, UNKNOWN = (
    "pending", "claimed", "sent", "deferred", "refused", "error", "unknown")
OUTCOMES = (SENT, DEFERRED, REFUSED, ERROR, UNKNOWN)
# Why a batch not done waits: its mailer's limit, deferred recipients to retry later, a relay that cannot be reached.
HELD_CAUSES = MAILER_LIMIT, DEFERRED_RETRY, RELAY_UNAVAILABLE = ("mailer_limit", "deferred_retry", "relay_unavailable")
# Chunk states: some recipients to send now, claimed by a worker, deferred ones to retry later, nothing left.
WAITING, DONE = "waiting", "done"


@dataclass
class Batch:
    """One group's mailing of one ISO week; its counters add up its chunks' recipients when a task ends."""

    id: str  # "<group>:<week>": a second dispatch of the week finds it
    group: str = ""
    week: str = ""  # ISO week, e.g. "2026-W48", in the service's time zone
    directory: str = ""  # responsible when it was made
    mailer: str = ""
    status: str = "pending"  # pending, sending, waiting (deferred recipients to retry later), done
    created: datetime | None = None
    started: datetime | None = None
    finished: datetime | None = None
    recipients_made: bool = False
    maker: str = ""  # the worker making the chunks of a large group, and since when
    making_since: datetime | None = None
    sent: int = 0
    deferred: int = 0
    refused: int = 0
    errors: int = 0
    unknown: int = 0
    held: str = ""  # why it is not done yet: HELD_CAUSES, or "" (being sent, or done)
    resumes_at: datetime | None = None  # mailer_limit, deferred_retry: when its next task comes
    held_detail: str = ""  # relay_unavailable: what the connection answered
    expires: datetime | None = None  # a TTL policy deletes it after 12 weeks (cloudbuild.yaml)


@dataclass
class Recipient:
    """One member in one batch: its state, when, and the server's text when it was not sent."""

    member: int
    name: str = ""
    email: str = ""
    status: str = PENDING
    at: datetime | None = None
    anomaly: str = ""
    attempts: int = 0
    next_try: datetime | None = None  # deferred: when it is tried again (None: given up for the day)


@dataclass
class Chunk:
    """Up to CHUNK recipients of one batch, claimed by one worker at a time."""

    number: int  # 1, 2, … within its batch
    batch: str
    recipients: list[Recipient] = field(default_factory=list)
    state: str = PENDING  # PENDING, CLAIMED, WAITING or DONE, from its recipients (settle)
    claim: str = ""  # the worker holding it, and since when
    claimed_at: datetime | None = None
    due_at: datetime | None = None  # WAITING: when its first deferred recipient is due
    expires: datetime | None = None  # a TTL policy deletes it after 12 weeks, with its batch

    def settle(self) -> None:
        """Its state from its recipients' (the claim stays while some are claimed)."""
        statuses = {r.status for r in self.recipients}
        retries = [r.next_try for r in self.recipients if r.status == DEFERRED and r.next_try is not None]
        self.due_at = None
        if CLAIMED in statuses:
            self.state = CLAIMED
            return
        self.claim, self.claimed_at = "", None
        if PENDING in statuses:
            self.state = PENDING
        elif retries:
            self.state, self.due_at = WAITING, min(retries)
        else:
            self.state = DONE


# Only what queries filter or sort on is indexed (fewer index rows to write: batches and chunks are written
# twice each a week); Datastore's TTL reads `expires` without an index.
BATCHES = Schema("MailingBatch", Batch, "id", unindexed=(
    "started", "finished", "recipients_made", "maker", "making_since", "sent", "deferred", "refused", "errors", "unknown",
    "held", "resumes_at", "held_detail", "expires"))
CHUNKS = Schema("RecipientChunk", Chunk, "number", unindexed=("claim", "expires"), parent_kind="MailingBatch",
                parent_field="batch", packed=(("recipients", Recipient),))


def batch_id(group: str, week: str) -> str:
    """The key name of a group's batch of one week."""
    return f"{group}:{week}"


def group_of(batch: str) -> str:
    """The group whose batch this is."""
    return batch.partition(":")[0]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def chunks_in(client: datastore.Client, batch: str, state: str, limit: int, *,
              before: tuple[str, datetime] | None = None) -> list[Chunk]:
    """Up to `limit` chunks of a batch in one state (with `before`: whose time property is set and not after,
    earliest first)."""
    # "> EPOCH" leaves out unset times, whichever way the store orders values of mixed types.
    filters = [("state", "=", state)] + ([(before[0], ">", EPOCH), (before[0], "<=", before[1])] if before else [])
    q = query(client, CHUNKS.kind, *filters, ancestor=BATCHES.key(client, batch), order=before[0] if before else None)
    return reading(client, lambda: [CHUNKS.read(e) for e in q.fetch(limit=limit)])


def chunks_of(client: datastore.Client, batch: str) -> list[Chunk]:
    """Every chunk of a batch, in order (a batch of 5,000 members has 50)."""
    q = query(client, CHUNKS.kind, ancestor=BATCHES.key(client, batch))
    return reading(client, lambda: [CHUNKS.read(e) for e in q.fetch()])


def batch_with_chunks(client: datastore.Client, batch: str, numbers: list[int]) -> tuple[Batch | None, list[Chunk]]:
    """A batch and some of its chunks, in one lookup (inside the caller's transaction, if any)."""
    keys = [BATCHES.key(client, batch)] + [CHUNKS.key(client, number, batch) for number in numbers]
    found = reading(client, lambda: client.get_multi(keys))
    batches = [BATCHES.read(e) for e in found if e.key.kind == BATCHES.kind]
    return (batches[0] if batches else None), sorted((CHUNKS.read(e) for e in found if e.key.kind == CHUNKS.kind),
                                                     key=lambda c: c.number)


def put_chunks(client: datastore.Client, chunks: list[Chunk]) -> None:
    """Store chunks, up to 500 a call (Datastore's limit)."""
    for start in range(0, len(chunks), 500):
        client.put_multi([CHUNKS.entity(client, c) for c in chunks[start:start + 500]])


def recipients_of(client: datastore.Client, batch: str) -> list[Recipient]:
    """Every recipient of a batch."""
    return [r for chunk in chunks_of(client, batch) for r in chunk.recipients]


def batches_of_directory(client: datastore.Client, directory: str, since: datetime, limit: int) -> list[Batch]:
    """The batches made for a directory since a time, newest first."""
    q = query(client, BATCHES.kind, ("directory", "=", directory), ("created", ">=", since), order="-created")
    return [BATCHES.read(e) for e in q.fetch(limit=limit)]


def last_batch(client: datastore.Client, group: str) -> Batch | None:
    """A group's latest batch."""
    found = list(query(client, BATCHES.kind, ("group", "=", group), order="-created").fetch(limit=1))
    return BATCHES.read(found[0]) if found else None


def not_started(client: datastore.Client, week: str, mailer: str, limit: int) -> list[str]:
    """The ids of batches of the week for this mailer that no task has started yet."""
    q = query(client, BATCHES.kind, ("week", "=", week), ("mailer", "=", mailer), ("status", "=", "pending"))
    q.keys_only()
    return reading(client, lambda: [e.key.name for e in q.fetch(limit=limit)])
