"""What every service acts with: the datastore, the configuration, the clock, the password hasher, the keys."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from google.cloud import datastore

from annuaires.adapters.task_queue import Queue
from annuaires.config import Config
from annuaires.services.passwords import Passwords


def utc_now() -> datetime:
    """The current time, UTC-aware, at the millisecond Datastore keeps."""
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


@dataclass
class Context:
    """Given to the app once; tests set its clock instead of rewriting stored times."""

    config: Config
    client_factory: Callable[[], datastore.Client]
    passwords: Passwords
    device_key: bytes  # signs the device cookies that keep a known browser out of the lockout
    link_key: bytes  # signs the links of e-mails (one-click unsubscribe)
    clock: Callable[[], datetime] = utc_now
    old_link_keys: tuple[bytes, ...] = ()  # from rotated secrets keys: links of e-mails sent before still work

    @functools.cached_property
    def client(self) -> datastore.Client:
        """The Datastore client, made at first use."""
        return self.client_factory()

    @functools.cached_property
    def queue(self) -> Queue:
        """The mailing's task queue (Cloud Tasks, or its emulator)."""
        return Queue(self.config)

    def now(self) -> datetime:
        """The current time, UTC-aware."""
        return self.clock()
