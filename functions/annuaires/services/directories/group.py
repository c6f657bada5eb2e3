"""An animator's work on its own group or groupement: members, weekly message, deliveries (A10, A12)."""

from __future__ import annotations

from annuaires.services import audit, auth, values, versions
from annuaires.services.context import Context
from annuaires.services.directories import member_lines
from annuaires.services.directories.directory import responsible
from annuaires.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from annuaires.services.roles import GROUP, Principal
from annuaires.services.views import member_view, short_group
from annuaires.store import directories, groups, members, messages
from annuaires.store.base import in_transaction
from annuaires.store.directories import Directory
from annuaires.store.groups import Group
from annuaires.store.members import Member


def shares_active_directory(groupement: Group, group: Group, directory_of: dict[str, Directory]) -> bool:
    """Whether both are actively referenced by at least one active directory (A6, A10)."""
    if not (groupement.active and group.active):
        return False
    return any(d in directory_of and directory_of[d].active for d in set(groupement.refs) & set(group.refs))


def members_page(ctx: Context, principal: Principal, cursor: str | None = None) -> tuple[list[dict], str | None]:
    """One page of the group's members, in the order they were added."""
    found, next_cursor = members.of_group(ctx.client, principal.subject, limit=ctx.config.page_size, cursor=cursor)
    return [member_view(m) for m in found], next_cursor


def suppliers_page(ctx: Context, principal: Principal, cursor: str | None = None) -> tuple[list[dict], str | None]:
    """One page of the groupements delivering this group, each link marked suspended or not (A10)."""
    found, next_cursor = groups.suppliers_of(ctx.client, principal.subject, ctx.config.page_size, cursor)
    group = principal.account
    directory_of = directories.SCHEMA.get_many(ctx.client, [d for g in (group, *found) for d in g.refs])
    return [{**short_group(s), "suspended": not shares_active_directory(s, group, directory_of)} for s in found], next_cursor


def overview(ctx: Context, principal: Principal) -> dict:
    """The group, its directories, members, message, deliveries, suppliers and audit log (first pages).

    A constant number of Datastore calls: one query or batch get per list.
    """
    group: Group = principal.account
    found, members_next = members_page(ctx, principal)
    delivered = groups.SCHEMA.get_many(ctx.client, group.deliveries)
    suppliers, suppliers_next = groups.suppliers_of(ctx.client, group.code, ctx.config.page_size, None)
    message = messages.SCHEMA.get(ctx.client, group.code) or messages.Message(group.code)
    related = [group, *delivered.values(), *suppliers]
    directory_of = directories.SCHEMA.get_many(
        ctx.client, [d for g in related for d in g.refs] + [group.mailing_responsible or ""])
    entries, audit_next = audit.latest(ctx, principal.actor)
    in_charge = responsible(group, directory_of)
    return {
        **short_group(group),
        "directories": [
            {"code": d, "name": directory_of[d].name, "initials": directory_of[d].initials, "active": directory_of[d].active}
            for d in group.refs if d in directory_of
        ],
        "members": found,
        "deliveries": [{**short_group(delivered[c]), "suspended": not shares_active_directory(group, delivered[c], directory_of)}
                       for c in group.deliveries if c in delivered],
        "suppliers": [{**short_group(s), "suspended": not shares_active_directory(s, group, directory_of)} for s in suppliers],
        "message": {"subject": message.subject, "body": message.body, "version": message.version},
        "mailing": {"day": group.mailing_day, "mailer": group.mailer or values.NO_MAILER, "responsible": in_charge,
                    "responsible_name": directory_of[in_charge].name if in_charge else None},
        "audit": entries,
        "next": {"members": members_next, "suppliers": suppliers_next, "audit": audit_next},
    }


def _member(ctx: Context, principal: Principal, member_id: str) -> Member:
    number = values.entity_id(member_id)
    if number is None:
        raise NotFound()  # not an id Datastore could have given
    member = members.SCHEMA.get(ctx.client, number, principal.subject)
    if member is None:
        raise NotFound()
    return member


def _email_taken(ctx: Context, group: str, email: str) -> bool:
    return bool(members.of_group(ctx.client, group, limit=1, email=email.lower())[0])


def add_member(ctx: Context, principal: Principal, name: str, email: str) -> dict:
    """Add a member; one e-mail address appears once in a group."""
    given = values.checked(name=(values.MEMBER_NAME, name), email=(values.email, email))

    def work() -> Member:
        if _email_taken(ctx, principal.subject, given["email"]):
            raise InvalidInput({"email": "email_taken"})
        member = members.put_new(ctx.client, members.new(principal.subject, given["name"], given["email"], ctx.now()))
        audit.record(ctx, principal, "member_added", detail=f"{member.name} <{member.email}>")
        return member

    return member_view(in_transaction(ctx.client, work))


def update_member(ctx: Context, principal: Principal, member_id: str, name: str | None = None,
                  email: str | None = None, active: bool | None = None, *, seen: versions.Seen | None = None) -> dict:
    """Change a member's name, e-mail or active flag (as `seen`, R2)."""
    given = {k: v for k, v in {"name": (values.MEMBER_NAME, name), "email": (values.email, email),
                               "active": (values.boolean, active)}.items() if v[1] is not None}
    changes = values.checked(**given)

    def work() -> Member:
        member = _member(ctx, principal, member_id)
        versions.check(seen, "Member", f"{member.group}/{member.id}", member, member_view(member))
        if "email" in changes and changes["email"].lower() != member.email_norm:
            if _email_taken(ctx, principal.subject, changes["email"]):
                raise InvalidInput({"email": "email_taken"})
            member.email_norm = changes["email"].lower()
        action = "member_updated"
        if "active" in changes and changes["active"] != member.active:
            action = "member_activated" if changes["active"] else "member_deactivated"
        for field, value in changes.items():
            setattr(member, field, value)
        members.SCHEMA.put(ctx.client, member)
        audit.record(ctx, principal, action, detail=f"{member.name} <{member.email}>")
        return member

    return member_view(in_transaction(ctx.client, work))


def remove_member(ctx: Context, principal: Principal, member_id: str, *, seen: versions.Seen | None = None) -> None:
    """Remove a member (as `seen`, R2)."""

    def work() -> None:
        member = _member(ctx, principal, member_id)
        versions.unchanged(seen, "Member", f"{member.group}/{member.id}", member, member_view(member))
        ctx.client.delete(members.SCHEMA.key(ctx.client, member.id, principal.subject))
        audit.record(ctx, principal, "member_removed", detail=f"{member.name} <{member.email}>")

    in_transaction(ctx.client, work)


def member_label(ctx: Context, principal: Principal, member_id: str) -> str:
    """A member as a confirmation page names it."""
    member = _member(ctx, principal, member_id)
    return f"{member.name} <{member.email}>"


def set_message(ctx: Context, principal: Principal, subject: str, body: str, *, seen: versions.Seen | None = None) -> dict:
    """Write the weekly message (over the one `seen`, R2)."""
    given = values.checked(subject=(values.SUBJECT, subject), body=(values.BODY, body))

    def work() -> dict:
        message = messages.SCHEMA.get(ctx.client, principal.subject) or messages.Message(principal.subject)
        versions.check(seen, "Message", principal.subject, message, {"subject": message.subject, "body": message.body})
        message.subject, message.body, message.updated = given["subject"], given["body"], ctx.now()
        messages.SCHEMA.put(ctx.client, message)
        audit.record(ctx, principal, "message_updated", detail=given["subject"])
        return {"subject": given["subject"], "body": given["body"], "version": message.version}

    return in_transaction(ctx.client, work)


def _groupement(principal: Principal) -> Group:
    if principal.account.type != values.GROUPEMENT:
        raise Forbidden("not_a_groupement")
    return principal.account


def eligible_deliveries(ctx: Context, principal: Principal) -> list[dict]:
    """The groups a groupement may deliver now (sharing an active directory with it, A10), not yet delivered."""
    groupement = _groupement(principal)
    directory_of = directories.SCHEMA.get_many(ctx.client, groupement.refs)
    active = [d for d in groupement.refs if d in directory_of and directory_of[d].active]
    if not groupement.active or not active:
        return []
    found: dict[str, Group] = {}
    for directory in active[:10]:  # rarely more than 2–3 directories (A8)
        page, _ = groups.referenced_by(ctx.client, directory, 1000, None)
        found.update({g.code: g for g in page if g.type == values.GROUP and g.active})
    return sorted((short_group(g) for c, g in found.items() if c not in groupement.deliveries), key=lambda g: g["name"].casefold())


def add_delivery(ctx: Context, principal: Principal, code: str) -> dict:
    """A groupement adds a group it delivers (by code or initials), only while they share an active directory (A10).

    Both groups and their directories are read again inside the transaction that writes the link.
    """
    _groupement(principal)
    found = auth.resolve(ctx, GROUP, code)
    if found is None or found.type != values.GROUP:
        raise NotFound()

    def work() -> Group:
        pair = groups.SCHEMA.get_many(ctx.client, [principal.subject, found.code])
        groupement, group = pair.get(principal.subject), pair.get(found.code)
        if groupement is None or group is None:
            raise NotFound()
        if group.code in groupement.deliveries:
            raise Conflict("already_delivered")
        directory_of = directories.SCHEMA.get_many(ctx.client, list(set(groupement.refs) & set(group.refs)))
        if not shares_active_directory(groupement, group, directory_of):
            raise Forbidden("no_shared_directory")
        groupement.deliveries = [*groupement.deliveries, group.code]
        groups.SCHEMA.put(ctx.client, groupement)
        audit.record(ctx, principal, "delivery_added", target=f"{GROUP.name}:{group.code}",
                     target_name=f"{group.name} ({group.initials})")
        return group

    return {**short_group(in_transaction(ctx.client, work)), "suspended": False}


def remove_delivery(ctx: Context, principal: Principal, code: str) -> None:
    """A groupement stops delivering a group."""

    def work() -> None:
        groupement = groups.SCHEMA.get(ctx.client, principal.subject)
        if code not in groupement.deliveries:
            raise NotFound()
        groupement.deliveries = [c for c in groupement.deliveries if c != code]
        groups.SCHEMA.put(ctx.client, groupement)
        delivered = groups.SCHEMA.get(ctx.client, code)
        audit.record(ctx, principal, "delivery_removed", target=f"{GROUP.name}:{code}",
                     target_name=f"{delivered.name} ({delivered.initials})" if delivered else code)

    in_transaction(ctx.client, work)


def delivery_name(ctx: Context, principal: Principal, code: str) -> str:
    """A delivered group's name, for a confirmation page."""
    if code not in principal.account.deliveries:
        raise NotFound()
    group = groups.SCHEMA.get(ctx.client, code)
    return f"{group.name} ({group.initials})" if group else code


IMPORT_LINES = 400  # members one import adds at most: one transaction writes them all, or none
IMPORT_LENGTH = 1_000_000  # characters of a pasted list


def import_members(ctx: Context, principal: Principal, text: str, *, dry_run: bool) -> dict:
    """Add many members from text, one a line, as people paste them (services/member_lines.py).

    Each refused line is named with its number, its text and why; with `dry_run` nothing is written. The
    accepted lines are added together, in one transaction that checks again which addresses the group has.
    """
    if not isinstance(text, str):
        raise InvalidInput({"text": "not_text"})
    if len(text) > IMPORT_LENGTH:
        raise InvalidInput({"text": "too_long"})
    if sum(1 for line in member_lines.lines_of(text) if line.strip()) > IMPORT_LINES:
        raise InvalidInput({"text": "too_many_lines"})
    entries, refused = member_lines.read(text)

    def work() -> tuple[list[Member], list[dict]]:
        existing = {m.email_norm for m in members.all_of_group(ctx.client, principal.subject)}
        accepted, taken = [], []
        for entry in entries:
            if entry.email.lower() in existing:
                taken.append({"line": entry.line, "reason": "email_taken",
                              "text": member_lines.shown(f"{entry.name} <{entry.email}>")})
                continue
            existing.add(entry.email.lower())
            accepted.append(members.new(principal.subject, entry.name, entry.email, ctx.now()))
        if not dry_run and accepted:
            members.put_new_many(ctx.client, accepted)
            audit.record(ctx, principal, "members_imported", detail=str(len(accepted)))
        return accepted, taken

    accepted, taken = work() if dry_run else in_transaction(ctx.client, work)
    return {"added": [member_view(m) for m in accepted], "refused": sorted(refused + taken, key=lambda r: r["line"])}
