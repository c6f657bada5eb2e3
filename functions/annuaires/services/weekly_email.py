"""The weekly e-mail as a member receives it: rendered from templates/email/weekly, headers safe for any Unicode."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..store import messages
from ..store.groups import Group
from ..store.members import Member
from .context import Context

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "email"
SAMPLE_NAME = "Prénom Nom"


@functools.cache
def _templates() -> Environment:
    # The HTML part is escaped, the text parts are not (they are text): member names and messages are data.
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, keep_trailing_newline=False)


def unsubscribe_token(ctx: Context, group: str, member_id: int) -> str:
    """An unguessable token for one member of one group (no storage: it is signed)."""
    mac = hmac.new(ctx.link_key, f"unsubscribe|{group}|{member_id}".encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(mac).decode()


def unsubscribe_path(ctx: Context, group: str, member_id: int) -> str:
    """The one-click unsubscribe address of one member, on this service."""
    return f"/unsubscribe/{group}/{member_id}/{unsubscribe_token(ctx, group, member_id)}"


def render(group: Group, message: messages.Message, member_name: str, unsubscribe_url: str) -> dict[str, str]:
    """Subject, text and HTML of the week's e-mail for one member."""
    env = _templates()
    paragraphs = [p.split("\n") for p in message.body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    context = {"group": group, "message": message, "member": {"name": member_name}, "paragraphs": paragraphs,
               "unsubscribe_url": unsubscribe_url}
    subject = " ".join(env.get_template("weekly/subject.txt").render(context).split())
    return {"subject": subject, "text": env.get_template("weekly/body.txt").render(context) + "\n",
            "html": env.get_template("weekly/body.html").render(context)}


def build(ctx: Context, group: Group, message: messages.Message, member: Member, sender: str, at: datetime) -> EmailMessage:
    """The e-mail one member receives: multipart text and HTML, one-click unsubscribe (RFC 8058), Message-ID, Date."""
    url = ctx.config.public_url + unsubscribe_path(ctx, group.code, member.id)
    parts = render(group, message, member.name, url)
    mail = EmailMessage()
    display, address = parseaddr(sender)
    mail["From"] = Address(display, addr_spec=address)
    mail["To"] = Address(member.name, addr_spec=member.email)  # quoted and encoded by the library, never spliced
    mail["Subject"] = parts["subject"]
    mail["Date"] = format_datetime(at)
    mail["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    mail["List-Unsubscribe"] = f"<{url}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(parts["text"])
    mail.add_alternative(parts["html"], subtype="html")
    return mail


def preview(ctx: Context, group: Group, shown: dict | None = None) -> dict[str, str]:
    """This week's e-mail as a member receives it (a sample name and link stand for the member's own).

    `shown`: the message's subject and body when the caller has read them already.
    """
    if shown is not None:
        message = messages.Message(group.code, shown["subject"], shown["body"])
    else:
        message = messages.SCHEMA.get(ctx.client, group.code) or messages.Message(group.code)
    return render(group, message, SAMPLE_NAME, ctx.config.public_url + "/unsubscribe/…")
