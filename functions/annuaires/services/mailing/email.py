"""The weekly e-mail as a member receives it: rendered from templates/email/weekly, headers safe for any Unicode."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import secrets
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from annuaires.adapters import smtp_relay as smtp
from annuaires.services.context import Context
from annuaires.store import messages
from annuaires.store.groups import Group
from annuaires.store.members import Member

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"
SAMPLE_NAME = "Prénom Nom"


@functools.cache
def _templates() -> Environment:
    # The HTML part is escaped, the text parts are not (they are text): member names and messages are data.
    # auto_reload off: the templates ship with the code, and checking their files costs two stats a message.
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, keep_trailing_newline=False, auto_reload=False)


def unsubscribe_token(ctx: Context, group: str, member_id: int, key: bytes | None = None) -> str:
    """An unguessable token for one member of one group (no storage: it is signed, with the newest key unless
    another is given)."""
    mac = hmac.new(key or ctx.link_key, f"unsubscribe|{group}|{member_id}".encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(mac).decode()


def unsubscribe_path(ctx: Context, group: str, member_id: int) -> str:
    """The one-click unsubscribe address of one member, on this service."""
    return f"/unsubscribe/{group}/{member_id}/{unsubscribe_token(ctx, group, member_id)}"


def render_subject(group: Group, message: messages.Message) -> str:
    """The week's subject, the same for every member (one line)."""
    return " ".join(_templates().get_template("weekly/subject.txt").render(group=group, message=message).split())


def _paragraphs(message: messages.Message) -> list[list[str]]:
    return [p.split("\n") for p in message.body.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _bodies(group: Group, message: messages.Message, paragraphs: list[list[str]], member_name: str,
            unsubscribe_url: str) -> tuple[str, str]:
    """The text and the HTML of one member's e-mail."""
    env = _templates()
    context = {"group": group, "message": message, "member": {"name": member_name}, "paragraphs": paragraphs,
               "unsubscribe_url": unsubscribe_url}
    return env.get_template("weekly/body.txt").render(context) + "\n", env.get_template("weekly/body.html").render(context)


def render(group: Group, message: messages.Message, member_name: str, unsubscribe_url: str) -> dict[str, str]:
    """Subject, text and HTML of the week's e-mail for one member."""
    text, html = _bodies(group, message, _paragraphs(message), member_name, unsubscribe_url)
    return {"subject": render_subject(group, message), "text": text, "html": html}


class Weekly:
    """The week's e-mail of one group, prepared once per batch; `compose` makes each member's (a tenth of a ms).

    Built by hand rather than with `email.message` (ten times slower), but only from encoders of the
    standard library: RFC 2047 encoded words for headers, quoted-printable bodies, CRLF line ends.
    """

    def __init__(self, ctx: Context, group: Group, message: messages.Message, sender: str) -> None:
        self.ctx, self.group, self.message, self.paragraphs = ctx, group, message, _paragraphs(message)
        display, self.sender_address = parseaddr(sender)
        self.domain = self.sender_address.rpartition("@")[2] or None
        subject = render_subject(group, message)
        # "=_" never occurs in quoted-printable text ("=" is always "=3D" there): the boundary cannot clash.
        self.boundary = "=_" + secrets.token_hex(12)
        self.sender = _header("From", _mailbox(display, self.sender_address))
        self.subject = _header("Subject", _encoded(subject))
        self.mime = ("MIME-Version: 1.0\r\n" + "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
                     + f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n')

    def compose(self, member: Member, at: datetime) -> bytes:
        """The e-mail one member receives: multipart text and HTML, one-click unsubscribe (RFC 8058), Message-ID, Date.

        Raises ValueError for an address that cannot travel in plain SMTP (not ASCII, spaces, brackets).
        """
        if not smtp.deliverable(member.email):
            raise ValueError(f"address not deliverable over SMTP without SMTPUTF8: {member.email!r}")
        url = self.ctx.config.public_url + unsubscribe_path(self.ctx, self.group.code, member.id)
        text, html = _bodies(self.group, self.message, self.paragraphs, member.name, url)
        head = (self.sender + _header("To", _mailbox(member.name, member.email)) + self.subject
                + f"Date: {format_datetime(at)}\r\n" + f"Message-ID: {make_msgid(domain=self.domain)}\r\n"
                + f"List-Unsubscribe: <{url}>\r\n" + self.mime)
        return "".join((head, "\r\n", self._part("plain", text), self._part("html", html),
                        f"--{self.boundary}--\r\n")).encode("ascii")

    def _part(self, subtype: str, content: str) -> str:
        body = binascii.b2a_qp(content.replace("\r\n", "\n").replace("\n", "\r\n").encode(), istext=True).decode("ascii")
        return (f"--{self.boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
                f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{body}\r\n")


def _encoded(text: str) -> str:
    """A header's text: as it is when plain ASCII, else RFC 2047 encoded words; one line, folded below 78."""
    text = " ".join(text.split())  # no line break can come from a name or a subject: no header injection
    charset = "us-ascii" if text.isascii() else "utf-8"
    return Header(text, charset, maxlinelen=76).encode(linesep="\r\n")


def _mailbox(display: str, address: str) -> str:
    """A display name and an address as one header value (the name quoted or encoded, never spliced)."""
    display = " ".join(display.split())
    if not display:
        return address
    if display.isascii():
        return formataddr((display, address))  # quoted when it holds specials
    return f"{_encoded(display)} <{address}>"


def _header(name: str, value: str) -> str:
    return f"{name}: {value}\r\n"


def preview(ctx: Context, group: Group, shown: dict | None = None) -> dict[str, str]:
    """This week's e-mail as a member receives it (a sample name and link stand for the member's own).

    `shown`: the message's subject and body when the caller has read them already.
    """
    if shown is not None:
        message = messages.Message(group.code, shown["subject"], shown["body"])
    else:
        message = messages.SCHEMA.get(ctx.client, group.code) or messages.Message(group.code)
    return render(group, message, SAMPLE_NAME, ctx.config.public_url + "/unsubscribe/…")
