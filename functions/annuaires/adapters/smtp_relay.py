"""One SMTP connection to a mailer's relay: STARTTLS on 587, implicit TLS on 465, login when configured.

Google Cloud blocks outbound port 25: relays are reached on 587 or 465.
"""

from __future__ import annotations

import re
import smtplib
import ssl

from annuaires.store.mailers import Mailer

TIMEOUT_SECONDS = 30
DOT_AT_LINE_START = re.compile(rb"(?m)^\.")


class Outcome:
    """What the relay answered for one message."""

    SENT, DEFERRED, REFUSED, ERROR, UNKNOWN = "sent", "deferred", "refused", "error", "unknown"


class ConnectionLost(Exception):
    """The relay cannot be reached or dropped the connection: the rest of the batch waits for a later attempt."""


def connect(mailer: Mailer, password: str) -> smtplib.SMTP:
    """An open, authenticated connection to a mailer's relay."""
    context = ssl.create_default_context()
    try:
        if mailer.smtp_port == 465:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(mailer.smtp_host, mailer.smtp_port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            smtp = smtplib.SMTP(mailer.smtp_host, mailer.smtp_port, timeout=TIMEOUT_SECONDS)
            if mailer.starttls:
                smtp.starttls(context=context)
        if mailer.username:
            _login(smtp, mailer.username, password)
    except (OSError, smtplib.SMTPException) as error:
        raise ConnectionLost(f"{mailer.smtp_host}:{mailer.smtp_port}: {error}") from error
    return smtp


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH PLAIN where the relay offers it: one round trip, and no other mechanism tried after a refusal."""
    smtp.ehlo_or_helo_if_needed()
    if "plain" in smtp.esmtp_features.get("auth", "").lower().split():
        smtp.user, smtp.password = username, password
        smtp.auth("PLAIN", smtp.auth_plain)  # SMTPAuthenticationError when refused
    else:
        smtp.login(username, password)


def send(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> tuple[str, str]:
    """Send one message (its bytes, CRLF line ends) to one recipient: its outcome and the server's text (empty when sent).

    A 4xx answer defers it, a 5xx refuses it. A connection lost before the message went raises
    ConnectionLost (it will be sent later); lost while the message was going, its outcome is unknown:
    the relay may have taken it, so it is not sent again on its own. Where the relay offers PIPELINING
    (RFC 2920, as Postfix and the large providers do), MAIL, RCPT and DATA go together: two round trips
    a message instead of four.
    """
    if not deliverable(sender) or not deliverable(recipient):
        return Outcome.ERROR, f"address not deliverable over SMTP: {sender if not deliverable(sender) else recipient!r}"[:500]
    try:
        smtp.ehlo_or_helo_if_needed()
        commands = [f"MAIL FROM:<{sender}>", f"RCPT TO:<{recipient}>", "DATA"]
        if smtp.has_extn("pipelining"):
            smtp.send("".join(f"{command}\r\n" for command in commands))
            replies = [smtp.getreply() for _ in commands]
        else:
            replies = []
            for command in commands:
                smtp.putcmd(command)
                replies.append(smtp.getreply())
                if replies[-1][0] not in (250, 251, 354):
                    break
        refused = next(((code, text) for code, text in replies if code not in (250, 251, 354)), None)
        if refused is not None or replies[-1][0] != 354:
            if replies[-1][0] == 354:  # DATA taken although a command before it failed: end it empty
                smtp.send(b".\r\n")
                smtp.getreply()
            smtp.rset()
            return _by_code(refused[0]), _text(*refused)
    except (OSError, smtplib.SMTPException) as error:
        raise ConnectionLost(str(error)) from error
    try:
        smtp.send(DOT_AT_LINE_START.sub(b"..", data) + b".\r\n")  # data ends with CRLF; a line of "." is doubled
        code, text = smtp.getreply()
    except (OSError, smtplib.SMTPException) as error:
        return Outcome.UNKNOWN, f"connection lost while sending: {error}"[:500]
    if code != 250:
        return _by_code(code), _text(code, text)
    return Outcome.SENT, ""


def deliverable(address: str) -> bool:
    """Whether an address can travel in plain SMTP as it is: ASCII, printable, no space, bracket or quote (which
    also keeps line breaks, and so injected commands, out of the envelope)."""
    return "@" in address and address.isascii() and address.isprintable() and not any(c in address for c in ' <>()[],;:\\"')


def _by_code(code: int) -> str:
    return Outcome.DEFERRED if 400 <= code < 500 else Outcome.REFUSED if 500 <= code < 600 else Outcome.ERROR


def _text(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"[:500]


def quit(smtp: smtplib.SMTP) -> None:  # noqa: A001 (SMTP's own word)
    """Say goodbye to the relay, or just close when it is gone."""
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
