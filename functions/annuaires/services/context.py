"""What every service acts with: the datastore, the configuration, the clock, the password hasher, the keys, and the
ports to the world outside (built once by the bootstrap)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from google.cloud import datastore

from annuaires.config import Config
from annuaires.services.passwords import Passwords
from annuaires.services.ports import Links, ReferenceFeed, SecretsBox, SmtpRelay, TaskQueue


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
    queue: TaskQueue  # the mailing's send tasks
    relay: SmtpRelay  # the mailers' SMTP relays
    secrets: SecretsBox  # the mailers' passwords at rest
    links: Links  # the service's own addresses
    reference_feed: ReferenceFeed | None = None  # the change feed of the instance this one follows (B5), if any
    clock: Callable[[], datetime] = utc_now
    old_link_keys: tuple[bytes, ...] = ()  # from rotated secrets keys: links of e-mails sent before still work

    @functools.cached_property
    def client(self) -> datastore.Client:
        """The Datastore client, made at first use."""
        return self.client_factory()

    def now(self) -> datetime:
        """The current time, UTC-aware."""
        return self.clock()
