"""What directories and groups share: they sign in with a code or initials and a password."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Long or never-filtered texts stay out of indexes.
ACCOUNT_UNINDEXED = ("password_hash", "name_key", "initials_key", "password_set", "sessions_epoch")


@dataclass
class Account:
    """A directory or a group: names (and their name claims' keys, A1), password state, sessions' epoch."""

    code: str
    name: str = ""
    initials: str = ""
    name_sort: str = ""  # the name as lists sort it
    name_key: str = ""  # the name claims it holds (A1): kept, so a rename releases exactly those
    initials_key: str = ""
    password_hash: str = ""
    must_change: bool = True  # still on 0000 (A3)
    password_set: datetime | None = None  # when the current password was set: 0000 expires
    active: bool = True
    created: datetime | None = None
    sessions_epoch: int = 0  # sessions opened under another epoch are over (A4)
