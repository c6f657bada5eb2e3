"""A group's weekly message (up to 20 kB): apart from the group, so that lists of groups never load it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from annuaires.store.base import Schema


@dataclass
class Message:
    """The weekly message of one group; key = the group's code."""

    group: str
    subject: str = ""
    body: str = ""
    updated: datetime | None = None
    version: int = 0  # (R2)


SCHEMA = Schema("Message", Message, "group", unindexed=("subject", "body", "updated"))
