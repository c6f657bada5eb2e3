"""Which directory is responsible for a group's weekly mailing (A12): the rule the directory pages, the group's
page, the dispatch and the mailing report all read."""

from __future__ import annotations

from annuaires.store.directories import Directory
from annuaires.store.groups import Group


def responsible(group: Group, directory_of: dict[str, Directory]) -> str | None:
    """The directory responsible for a group's mailing: the last that set it, while it references the group and is active (A12)."""
    code = group.mailing_responsible
    if code and code in group.refs and code in directory_of and directory_of[code].active:
        return code
    return None


def responsible_named(group: Group, directory_of: dict[str, Directory]) -> dict:
    """The responsible directory as a group's mailing shows it: its code and name, or None for both."""
    code = responsible(group, directory_of)
    return {"responsible": code, "responsible_name": directory_of[code].name if code else None}
