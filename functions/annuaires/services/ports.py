"""What the services need from outside the datastore, declared as they use it; `adapters/` (and `web/links.py`
for the service's own addresses) implement these, and the bootstrap hands them over in the Context."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from annuaires.store.mailers import Mailer
from annuaires.store.mailing import Outcome


class TaskQueue(Protocol):
    """The mailing's task queue: each task sends what is due in one batch."""

    def send_later(self, group: str, week: str, at: datetime | None = None) -> None:
        """Queue a send task for a group's batch of a week (at a time, or now); the same task twice is sent once."""


class RelayUnavailable(Exception):
    """The relay cannot be reached or dropped the connection: the rest of the batch waits for a later attempt."""


class RelayConnection(Protocol):
    """One open connection to a mailer's relay, for as many messages as the task sends."""

    def send(self, sender: str, recipient: str, data: bytes) -> tuple[Outcome, str]:
        """Send one message (its bytes, CRLF line ends) to one recipient: its outcome and the server's text.

        Raises RelayUnavailable when the connection was lost before the message went (it is sent later);
        lost while it was going, its outcome is UNKNOWN (the relay may have taken it).
        """

    def quit(self) -> None:
        """Say goodbye to the relay, or just close when it is gone."""

    def close(self) -> None:
        """Drop the connection at once (after it failed)."""


def deliverable(address: str) -> bool:
    """Whether an address can travel in plain SMTP as it is: ASCII, printable, no space, bracket or quote (which
    also keeps line breaks, and so injected commands, out of the envelope)."""
    return "@" in address and address.isascii() and address.isprintable() and not any(c in address for c in ' <>()[],;:\\"')


class SmtpRelay(Protocol):
    """The mailers' SMTP relays."""

    def connect(self, mailer: Mailer, password: str) -> RelayConnection:
        """An open, authenticated connection to a mailer's relay (RelayUnavailable when it cannot be had)."""


class ReferenceUnavailable(Exception):
    """The reference did not answer a page (down, refusing the token, too large, or not a feed)."""


class ReferenceFeed(Protocol):
    """The change feed of the instance this one follows (B5)."""

    def __call__(self, cursor: str) -> Any:
        """The page of changes after a cursor, as the reference sent it (a dict, when it is a feed), read within
        bounded size and time; ReferenceUnavailable when there is none to read."""


class SecretsBox(Protocol):
    """Write-only secrets at rest (the mailers' SMTP passwords)."""

    def seal(self, plaintext: str, owner: str) -> bytes:
        """A secret sealed for one owner (a mailer's letter)."""

    def open(self, sealed: bytes, owner: str) -> str:
        """A sealed secret of one owner, in clear."""


class Links(Protocol):
    """The service's own addresses, as services put them in what they send (the routes belong to the web layer)."""

    def unsubscribe(self, group: str, member_id: int, token: str) -> str:
        """The path of one member's one-click unsubscribe link."""

    def unsubscribe_sample(self) -> str:
        """An unsubscribe address as a preview shows it, a sample standing for each member's own."""

    def absolute(self, path: str) -> str:
        """A path of this service as an address from outside (in an e-mail, for the task queue)."""

    def send_task(self) -> str:
        """The address the task queue calls to send a batch."""
