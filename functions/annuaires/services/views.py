"""How records are shown: the dictionaries the API answers and the pages render."""

from __future__ import annotations

from annuaires.services.values import NO_MAILER
from annuaires.store.directories import Directory
from annuaires.store.groups import Group
from annuaires.store.members import Member


def group_view(group: Group) -> dict:
    """A group or groupement as a directory admin sees it (no member, no message)."""
    return {
        "code": group.code, "type": group.type, "name": group.name, "initials": group.initials, "active": group.active,
        "mailing": {"day": group.mailing_day, "mailer": group.mailer or NO_MAILER, "responsible": group.mailing_responsible},
        "version": group.version,
    }


def short_group(group: Group) -> dict:
    """A group named in another's page: who it is, nothing more."""
    return {"code": group.code, "type": group.type, "name": group.name, "initials": group.initials}


def _directory(directory: Directory) -> dict:
    return {"code": directory.code, "name": directory.name, "initials": directory.initials, "active": directory.active}


def directory_row(directory: Directory) -> dict:
    """A directory as the directories admin sees it in its list."""
    return {**_directory(directory), "created": directory.created}


def directory_view(directory: Directory) -> dict:
    """A directory as its own admin sees it."""
    return {**_directory(directory), "color": directory.color, "comment": directory.comment, "version": directory.version}


def member_view(member: Member) -> dict:
    """A member of a group (alterconso) or groupement (producteur)."""
    return {"id": None if member.id is None else str(member.id),  # (a dry run's member is not written: no id yet)
            "name": member.name, "email": member.email, "active": member.active, "version": member.version}
