"""Settings of the whole service: the directories admin's password."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from annuaires.store.base import Schema

DIRECTORIES_ADMIN = "directories-admin"


@dataclass
class DirectoriesAdmin:
    """The directories admin's password, set by a general admin."""

    name: str = DIRECTORIES_ADMIN
    password_hash: str = ""
    updated: datetime | None = None
    sessions_epoch: int = 0


SCHEMA = Schema("Settings", DirectoriesAdmin, "name", unindexed=("password_hash", "updated", "sessions_epoch"),
                secret=("password_hash",))
