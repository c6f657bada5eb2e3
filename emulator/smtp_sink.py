"""A local SMTP server (aiosmtpd) that keeps every message it accepts, for `make run` and the tests.

It can be told to answer 4xx or 5xx for chosen addresses, to drop the connection after some messages,
and it keeps each message where a person can read it (one .eml file per message, if given a folder).
"""

from __future__ import annotations

import email
import email.policy
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from emulator.datastore import free_port


@dataclass
class Received:
    """One message as the sink accepted it."""

    sender: str
    recipients: list[str]
    data: bytes

    def parsed(self) -> EmailMessage:
        """The message as a mail client reads it."""
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class Sink:
    """What the sink does and has received; change `answers` or `drop_after` while it runs."""

    folder: Path | None = None
    answers: dict[str, str] = field(default_factory=dict)  # address → SMTP reply, e.g. "451 4.2.0 try later"
    drop_after: int | None = None  # close the connection after this many more accepted messages
    pipelining: bool = True  # offered in the EHLO answer, as relays do (False: an older relay)
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str,  # noqa: N802
                          responses: list[str]) -> list[str]:
        # Relays offer PIPELINING (RFC 2920), as Postfix and the large providers do; aiosmtpd reads one command
        # at a time from its stream, so it takes them pipelined.
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        reply = self.answers.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        with self._lock:
            message = Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            self.received.append(message)
            if self.folder is not None:
                (self.folder / f"{len(self.received):06d}.eml").write_bytes(envelope.content)
            if self.drop_after is not None:
                self.drop_after -= 1
                if self.drop_after <= 0:
                    self.drop_after = None
                    server.transport.close()  # the message was accepted, its answer never arrives
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        """The messages received for one address."""
        with self._lock:
            return [m for m in self.received if address.lower() in (r.lower() for r in m.recipients)]


class RunningSink:
    """A sink listening on 127.0.0.1; stop it with `stop()` (start it again with `start()`).

    `tls`: it offers STARTTLS with this context and takes no mail before it; `login`: the only user and password
    it takes (AUTH, after STARTTLS), as a mailbox provider's relay on port 587 does.
    """

    def __init__(self, sink: Sink, port: int | None = None, *, tls: ssl.SSLContext | None = None,
                 login: tuple[str, str] | None = None) -> None:
        self.sink, self.port, self.login = sink, port or free_port(), login
        self.options: dict = {"tls_context": tls, "require_starttls": True} if tls else {}
        if login:
            self.options.update(authenticator=self._authenticate, auth_require_tls=tls is not None)
        self._controller: Controller | None = None

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: LoginPassword) -> AuthResult:
        given = (auth_data.login.decode(), auth_data.password.decode())
        return AuthResult(success=given == self.login, handled=False)  # handled=False: aiosmtpd answers 535 itself

    def start(self) -> RunningSink:
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port, **self.options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def start(folder: Path | None = None, port: int | None = None, **options: object) -> RunningSink:
    """A sink of its own, started (`options`: RunningSink's)."""
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    return RunningSink(Sink(folder), port, **options).start()  # type: ignore[arg-type]
