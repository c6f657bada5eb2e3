"""The audit log (A4): every administrative act, seen by its author and by every entity it concerns."""

from __future__ import annotations

from google.cloud import datastore

from ..store import audit as audit_store
from ..store.base import now
from .principal import Principal

# Every action the log records; each has a label `audit_<action>` in web/messages.py.
ACTIONS = (
    "password_changed", "directories_admin_password_set", "password_reset", "mailer_configured",
    "directory_created", "directory_activated", "directory_deactivated", "directory_updated",
    "group_created", "groupement_created", "reference_added", "dereferenced_recent", "dereferenced_deactivated",
    "group_reactivated", "mailing_configured", "member_added", "member_updated", "member_activated",
    "member_deactivated", "member_removed", "message_updated", "delivery_added", "delivery_removed",
)


def record(client: datastore.Client, principal: Principal, action: str, *concerns: str, detail: str = "") -> None:
    """Write one entry (inside the caller's transaction, if any), concerning its author too."""
    assert action in ACTIONS, action
    client.put(audit_store.entry(
        client, at=now(), actor=principal.actor, actor_name=principal.display_name, action=action,
        concerns=list(dict.fromkeys([principal.actor, *concerns])), detail=detail,
    ))


def latest(client: datastore.Client, concern: str) -> list[dict]:
    """The latest entries concerning one entity, newest first, as shown."""
    return [
        {"at": e["at"], "actor": e["actor"], "actor_role": e["actor"].split(":", 1)[0],
         "actor_name": e.get("actor_name", ""), "action": e["action"], "detail": e.get("detail", "")}
        for e in audit_store.latest(client, concern)
    ]
