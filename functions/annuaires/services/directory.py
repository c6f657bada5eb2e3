"""A directory admin's view and settings of its own directory (A1, A9, A11)."""

from __future__ import annotations

from datetime import timedelta

from google.cloud import datastore

from ..config import Config
from ..store import claims, entities
from ..store.base import in_transaction, now
from . import audit
from .directories import claim_or_raise
from .names import normalize
from .principal import Principal
from .views import directory_view, group_view

# Former references shown at most: recent ones expire, deactivated ones stay (nothing is deleted, A6, A9).
FORMER_LIMIT = 1000


def overview(client: datastore.Client, config: Config, principal: Principal, cursor: str | None = None) -> dict:
    """The directory, the groups it references (one page), its recent history and audit log (A11).

    A constant number of Datastore calls whatever the number of groups: one query for the referenced
    groups, one for the former ones (recent and deactivated), one for the audit log.
    """
    code, at = principal.subject, now()
    groups, next_cursor = entities.page(
        client, entities.GROUP, [("refs", "=", code)], limit=config.page_size, cursor=cursor, order="name_norm")
    former, _ = entities.page(client, entities.GROUP, [("former_refs", "=", code)], limit=FORMER_LIMIT)
    window = timedelta(days=config.reactivation_days)
    return {
        **directory_view(principal.entity),
        "groups": [group_view(g) for g in groups],
        "recent": [
            {**group_view(g), "until": until}
            for g in former
            if (until := recent_until(g, code)) is not None and until > at
        ],
        "deactivated": [
            {**group_view(g), "deactivated_at": g["deactivated_at"], "reactivable": g["deactivated_at"] + window > at}
            for g in former if not g["active"] and g.get("deactivated_by") == code
        ],
        "audit": audit.latest(client, principal.actor),
        "cursor": next_cursor,
    }


def recent_until(group: datastore.Entity, directory: str) -> object | None:
    """Until when a group stays in a directory's recently-referenced list (A9)."""
    for item in group.get("history") or []:
        if item["directory"] == directory:
            return item["until"]
    return None


def update(client: datastore.Client, principal: Principal, values: dict) -> dict:
    """Rename the directory (name and initials stay unique, A1) or change its colour and comment."""
    code = principal.subject

    def work() -> datastore.Entity:
        entity = entities.get(client, entities.DIRECTORY, code)
        wanted = {f: normalize(values[f]) for f in ("name", "initials") if f in values}
        changed = {f: n for f, n in wanted.items() if n != entity[f"{f}_norm"]}
        claim_or_raise(client, "directory", code, changed)
        for field in changed:
            claims.release(client, "directory", field, entity[f"{field}_norm"])
            entity[f"{field}_norm"] = changed[field]
        entity.update(values)
        client.put(entity)
        audit.record(client, principal, "directory_updated", detail=", ".join(v for v in values.values() if v))
        return entity

    return directory_view(in_transaction(client, work))
