"""How entities are shown: the dictionaries the API answers and the pages render."""

from __future__ import annotations

from google.cloud import datastore


def group_view(entity: datastore.Entity) -> dict:
    """A group or groupement as a directory admin sees it (no member, no message)."""
    return {
        "code": entity.key.name,
        "type": entity["type"],
        "name": entity["name"],
        "initials": entity["initials"],
        "active": entity["active"],
        "mailing": {
            "day": entity.get("mailing_day"),
            "mailer": entity.get("mailer") or "Z",
            "responsible": entity.get("mailing_responsible"),
        },
    }


def _directory(entity: datastore.Entity) -> dict:
    return {"code": entity.key.name, "name": entity["name"], "initials": entity["initials"], "active": entity["active"]}


def directory_row(entity: datastore.Entity) -> dict:
    """A directory as the directories admin sees it in its list."""
    return {**_directory(entity), "created": entity["created"]}


def directory_view(entity: datastore.Entity) -> dict:
    """A directory as its own admin sees it."""
    return {**_directory(entity), "color": entity.get("color", ""), "comment": entity.get("comment", "")}


def member_view(entity: datastore.Entity) -> dict:
    """A member of a group (alterconso) or groupement (producteur)."""
    return {"id": str(entity.key.id), "name": entity["name"], "email": entity["email"], "active": entity["active"]}
