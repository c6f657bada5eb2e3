"""An animator's work on its own group or groupement: members, weekly message, deliveries (A10)."""

from __future__ import annotations

from google.cloud import datastore

from ..config import Config
from ..store import entities, members
from ..store.base import in_transaction, now
from . import audit
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .names import normalize
from .principal import Principal
from .views import member_view

GROUPEMENT = "groupement"


def shares_active_directory(
    groupement: datastore.Entity, group: datastore.Entity, directories: dict[str, datastore.Entity]
) -> bool:
    """Whether both are actively referenced by at least one active directory (A6, A10)."""
    if not (groupement["active"] and group["active"]):
        return False
    shared = set(groupement.get("refs") or []) & set(group.get("refs") or [])
    return any(d in directories and directories[d]["active"] for d in shared)


def _short(entity: datastore.Entity) -> dict:
    return {"code": entity.key.name, "type": entity["type"], "name": entity["name"], "initials": entity["initials"]}


def overview(client: datastore.Client, config: Config, principal: Principal, cursor: str | None = None) -> dict:
    """The group, its directories, members (one page), message, deliveries and suppliers, audit log.

    A constant number of Datastore calls: one query or batch get per list.
    """
    group = principal.entity
    found, next_cursor = members.of_group(client, group.key.name, limit=config.page_size, cursor=cursor)
    delivered = entities.get_many(client, entities.GROUP, group.get("deliveries") or [])
    suppliers, _ = entities.page(client, entities.GROUP, [("deliveries", "=", group.key.name)], limit=config.page_size)
    related = [group, *delivered.values(), *suppliers]
    directories = entities.get_many(client, entities.DIRECTORY, {d for g in related for d in g.get("refs") or []})

    def link(groupement: datastore.Entity, delivered_group: datastore.Entity, shown: datastore.Entity) -> dict:
        return {**_short(shown), "suspended": not shares_active_directory(groupement, delivered_group, directories)}

    return {
        **_short(group),
        "directories": [
            {"code": d, "name": directories[d]["name"], "initials": directories[d]["initials"],
             "active": directories[d]["active"]}
            for d in group.get("refs") or [] if d in directories
        ],
        "members": [member_view(m) for m in found],
        "members_cursor": next_cursor,
        "deliveries": [link(group, delivered[c], delivered[c]) for c in group.get("deliveries") or [] if c in delivered],
        "suppliers": [link(s, group, s) for s in suppliers],
        "message": {"subject": group.get("message_subject", ""), "body": group.get("message_body", "")},
        "mailing": {"day": group.get("mailing_day"), "mailer": group.get("mailer") or "Z"},
        "audit": audit.latest(client, principal.actor),
    }


def add_member(client: datastore.Client, principal: Principal, name: str, email: str) -> dict:
    """Add a member; one e-mail address appears once in a group."""
    code = principal.subject

    def work() -> datastore.Entity:
        if members.of_group(client, code, limit=1, email=email.lower())[0]:
            raise InvalidInput({"email": "email_taken"})
        member = members.new(client, code)
        member.update(name=name, email=email, email_norm=email.lower(), active=True, created=now())
        client.put(member)
        audit.record(client, principal, "member_added", detail=f"{name} <{email}>")
        return member

    return member_view(in_transaction(client, work))


def _member(client: datastore.Client, principal: Principal, member_id: str) -> datastore.Entity:
    if not (member_id.isascii() and member_id.isdigit() and 0 < int(member_id) < 2**63):
        raise NotFound()  # not an id Datastore could have given
    entity = client.get(members.key(client, principal.subject, int(member_id)))
    if entity is None:
        raise NotFound()
    return entity


def update_member(client: datastore.Client, principal: Principal, member_id: str, values: dict) -> dict:
    """Change a member's name, e-mail or active flag."""

    def work() -> datastore.Entity:
        member = _member(client, principal, member_id)
        if "email" in values and values["email"].lower() != member["email_norm"]:
            if members.of_group(client, principal.subject, limit=1, email=values["email"].lower())[0]:
                raise InvalidInput({"email": "email_taken"})
            member["email_norm"] = values["email"].lower()
        action = "member_updated"
        if "active" in values and values["active"] != member["active"]:
            action = "member_activated" if values["active"] else "member_deactivated"
        member.update(values)
        client.put(member)
        audit.record(client, principal, action, detail=f"{member['name']} <{member['email']}>")
        return member

    return member_view(in_transaction(client, work))


def remove_member(client: datastore.Client, principal: Principal, member_id: str) -> None:
    """Remove a member."""

    def work() -> None:
        member = _member(client, principal, member_id)
        client.delete(member.key)
        audit.record(client, principal, "member_removed", detail=f"{member['name']} <{member['email']}>")

    in_transaction(client, work)


def set_message(client: datastore.Client, principal: Principal, subject: str, body: str) -> dict:
    """Write the weekly message."""

    def work() -> dict:
        group = entities.get(client, entities.GROUP, principal.subject)
        group.update(message_subject=subject, message_body=body, message_updated=now())
        client.put(group)
        audit.record(client, principal, "message_updated", detail=subject)
        return {"subject": subject, "body": body}

    return in_transaction(client, work)


def add_delivery(client: datastore.Client, principal: Principal, code: str) -> dict:
    """A groupement adds a group it delivers (by code or initials), only while they share an active directory (A10)."""
    groupement = principal.entity
    if groupement["type"] != GROUPEMENT:
        raise Forbidden("not_a_groupement")
    group = entities.resolve(client, entities.GROUP, "group", code, normalize(code))
    if group is None or group["type"] != "group":
        raise NotFound()
    code = group.key.name
    if code in (groupement.get("deliveries") or []):
        raise Conflict("already_delivered")
    directories = entities.get_many(client, entities.DIRECTORY, set(groupement["refs"]) & set(group["refs"]))
    if not shares_active_directory(groupement, group, directories):
        raise Forbidden("no_shared_directory")

    def work() -> None:
        fresh = entities.get(client, entities.GROUP, principal.subject)
        if code in (fresh.get("deliveries") or []):
            raise Conflict("already_delivered")
        fresh["deliveries"] = [*(fresh.get("deliveries") or []), code]
        client.put(fresh)
        audit.record(client, principal, "delivery_added", f"group:{code}", detail=f"{group['name']} ({group['initials']})")

    in_transaction(client, work)
    return {**_short(group), "suspended": False}


def remove_delivery(client: datastore.Client, principal: Principal, code: str) -> None:
    """A groupement stops delivering a group."""

    def work() -> None:
        fresh = entities.get(client, entities.GROUP, principal.subject)
        if code not in (fresh.get("deliveries") or []):
            raise NotFound()
        fresh["deliveries"] = [c for c in fresh["deliveries"] if c != code]
        client.put(fresh)
        audit.record(client, principal, "delivery_removed", f"group:{code}", detail=code)

    in_transaction(client, work)
