"""Weekly mailing batches (key: group and ISO week) and their recipients (children, key: member id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from google.cloud import datastore

from .base import Schema, query, reading

# Recipient states: claimed before it is sent, so that no worker sends it twice (A13).
PENDING, CLAIMED, SENT, DEFERRED, REFUSED, ERROR, UNKNOWN = (
    "pending", "claimed", "sent", "deferred", "refused", "error", "unknown")
OUTCOMES = (SENT, DEFERRED, REFUSED, ERROR, UNKNOWN)


@dataclass
class Batch:
    """One group's mailing of one ISO week; its counters are written once per slice, never per message."""

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
    sent: int = 0
    deferred: int = 0
    refused: int = 0
    errors: int = 0
    unknown: int = 0
    expires: datetime | None = None  # a TTL policy deletes it after 12 weeks (cloudbuild.yaml)


@dataclass
class Recipient:
    """One member in one batch: its state, when, and the server's text when it was not sent."""

    member: int
    batch: str
    name: str = ""
    email: str = ""
    status: str = PENDING
    claim: str = ""  # the worker holding it
    claimed_at: datetime | None = None
    at: datetime | None = None
    anomaly: str = ""
    attempts: int = 0
    next_try: datetime | None = None
    expires: datetime | None = None  # a TTL policy deletes it after 12 weeks


BATCHES = Schema("MailingBatch", Batch, "id", unindexed=("recipients_made", "sent", "deferred", "refused", "errors",
                                                          "unknown"))
RECIPIENTS = Schema("Recipient", Recipient, "member", unindexed=("name", "email", "claim", "anomaly", "attempts", "at"),
                    parent_kind="MailingBatch", parent_field="batch")


def batch_id(group: str, week: str) -> str:
    """The key name of a group's batch of one week."""
    return f"{group}:{week}"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def recipients_in(client: datastore.Client, batch: str, status: str, limit: int, *,
                  before: tuple[str, datetime] | None = None) -> list[Recipient]:
    """Up to `limit` recipients of a batch in one state (with `before`: whose time property is set and not after,
    earliest first)."""
    # "> EPOCH" leaves out unset times, whichever way the store orders values of mixed types.
    filters = [("status", "=", status)] + ([(before[0], ">", EPOCH), (before[0], "<=", before[1])] if before else [])
    q = query(client, RECIPIENTS.kind, *filters, ancestor=BATCHES.key(client, batch), order=before[0] if before else None)
    return reading(client, lambda: [RECIPIENTS.read(e) for e in q.fetch(limit=limit)])


def put_all(client: datastore.Client, records: list[Recipient]) -> None:
    """Store recipients in batches of 500 (Datastore's limit per call)."""
    for start in range(0, len(records), 500):
        client.put_multi([RECIPIENTS.entity(client, r) for r in records[start:start + 500]])


def get_recipients(client: datastore.Client, batch: str, members: list[int]) -> list[Recipient]:
    """Several recipients of one batch in one call."""
    keys = [RECIPIENTS.key(client, member, batch) for member in members]
    return reading(client, lambda: [RECIPIENTS.read(e) for e in client.get_multi(keys)]) if keys else []


def batches_of_directory(client: datastore.Client, directory: str, since: datetime, limit: int) -> list[Batch]:
    """The batches made for a directory since a time, newest first."""
    q = query(client, BATCHES.kind, ("directory", "=", directory), ("created", ">=", since), order="-created")
    return [BATCHES.read(e) for e in q.fetch(limit=limit)]


def last_batch(client: datastore.Client, group: str) -> Batch | None:
    """A group's latest batch."""
    found = list(query(client, BATCHES.kind, ("group", "=", group), order="-created").fetch(limit=1))
    return BATCHES.read(found[0]) if found else None


def recipients_of(client: datastore.Client, batch: str, limit: int) -> list[Recipient]:
    """A batch's recipients (up to `limit`), in member order."""
    q = query(client, RECIPIENTS.kind, ancestor=BATCHES.key(client, batch))
    return reading(client, lambda: [RECIPIENTS.read(e) for e in q.fetch(limit=limit)])


def not_started(client: datastore.Client, week: str, mailer: str) -> Batch | None:
    """A batch of the week for this mailer that no task has started yet."""
    q = query(client, BATCHES.kind, ("week", "=", week), ("mailer", "=", mailer), ("status", "=", "pending"))
    found = list(q.fetch(limit=1))
    return BATCHES.read(found[0]) if found else None
