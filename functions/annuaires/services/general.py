"""The general admin's mailer identities: SMTP settings, passwords write-only and sealed (A12, A13)."""

from __future__ import annotations

from google.cloud import datastore

from ..config import Config
from ..store import entities, mailers
from ..store.base import in_transaction, now
from . import audit
from .errors import InvalidInput
from .principal import Principal
from .secrets_box import SecretBox

LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXY")


def mailer_view(letter: str, entity: datastore.Entity | None) -> dict:
    """A mailer as shown: never its password, only whether it has one."""
    entity = entity or {}
    return {
        "letter": letter,
        "from": entity.get("from", ""),
        "smtp_host": entity.get("smtp_host", ""),
        "smtp_port": entity.get("smtp_port", 587),
        "username": entity.get("username", ""),
        "starttls": entity.get("starttls", True),
        "has_password": bool(entity.get("password_sealed")),
    }


def list_mailers(client: datastore.Client) -> list[dict]:
    """The 25 mailers, configured or not, in letter order."""
    found = mailers.all_mailers(client)
    return [mailer_view(letter, found.get(letter)) for letter in LETTERS]


def set_mailer(client: datastore.Client, config: Config, principal: Principal, letter: str, values: dict) -> dict:
    """Configure one mailer; a missing password keeps the stored one, empty username and password mean no authentication."""
    password = values.pop("password", None)
    if password is None and not values["username"]:
        password = ""
    if password and not config.secrets_key:
        raise InvalidInput({"password": "no_secrets_key"})
    sealed = SecretBox(config.secrets_key).seal(password, letter) if password else None

    def work() -> datastore.Entity:
        entity = mailers.get(client, letter) or mailers.new(client, letter)
        entity.update(values, updated=now())
        if password is not None:  # a missing password keeps the stored one
            entity["password_sealed"] = sealed
        client.put(entity)
        audit.record(client, principal, "mailer_configured", f"mailer:{letter}",
                     detail=f"{letter} : {values['from']} ({values['smtp_host']})")
        return entity

    return mailer_view(letter, in_transaction(client, work))


COUNTED_KINDS = ("Directory", "Group", "Member", "Session", "Audit")
COUNT_UP_TO = 10_000  # beyond, the page says "10000 or more": counting is for a glance, not for accounting


def technical_state(client: datastore.Client, config: Config, *, count: bool) -> dict:
    """What the general admin checks: where the service runs, and, when asked, how much it holds."""
    return {
        "mode": "emulator" if config.emulator else "production",
        "project": config.project,
        "namespace": config.namespace or "",
        "timezone": config.timezone,
        "test_datastore": config.test_datastore,
        "secrets_key_set": bool(config.secrets_key),
        "iap_audience_set": bool(config.iap_audience),
        "counts": {kind: entities.count(client, kind, COUNT_UP_TO) for kind in COUNTED_KINDS} if count else None,
        "counts_up_to": COUNT_UP_TO,
    }
