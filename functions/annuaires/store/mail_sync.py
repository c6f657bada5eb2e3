"""A following instance's sync with its reference (B5): where it is in the reference's feed, and its runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from google.cloud import datastore

from annuaires.store.base import Schema, query

REFERENCE = "reference"  # the key name of the one state: an instance follows one reference


@dataclass
class SyncState:
    """The number of the last change of the reference's feed applied here, and the run that holds the lease
    (two runs never overlap: a run starts only once the last one's lease is released or has expired)."""

    name: str = REFERENCE
    cursor: str = "0"
    updated: datetime | None = None
    lease_holder: str = ""
    lease_until: datetime | None = None


@dataclass
class SyncError:
    name: str = ""  # the entity the reference changed (an address, a domain, a site)
    reason: str = ""


@dataclass
class SyncRun:
    """One run: when, from which cursor to which, what it applied, what it could not."""

    id: int | None
    started: datetime | None = None
    finished: datetime | None = None
    cursor_from: str = "0"
    cursor: str = "0"
    applied: int = 0
    errors: list[SyncError] = field(default_factory=list)
    expires: datetime | None = None


STATES = Schema("MailSyncState", SyncState, "name", unindexed=("cursor", "updated", "lease_holder", "lease_until"))
RUNS = Schema("MailSyncRun", SyncRun, "id", packed=(("errors", SyncError),),
              unindexed=("finished", "cursor_from", "cursor", "applied"))


def latest_runs(client: datastore.Client, limit: int) -> list[SyncRun]:
    """The last runs, newest first."""
    return [RUNS.read(e) for e in query(client, RUNS.kind, order="-started").fetch(limit=limit)]
