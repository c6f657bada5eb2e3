"""A directory's admin: its own directory, the groups it references, their mailing settings (A1, A7–A12)."""

from __future__ import annotations

import functools
from datetime import timedelta

from annuaires.codes import is_code, new_code
from annuaires.services import audit, auth, passwords, values, versions
from annuaires.services.context import Context
from annuaires.services.directories.name_claims import claim_names
from annuaires.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from annuaires.services.mailing.mailers import mailing_mailer
from annuaires.services.names import sort_key
from annuaires.services.roles import DIRECTORY, GROUP, Principal
from annuaires.services.views import directory_view, group_view
from annuaires.store import directories, groups
from annuaires.store.base import in_transaction
from annuaires.store.directories import Directory
from annuaires.store.groups import Group


def responsible(group: Group, directory_of: dict[str, Directory]) -> str | None:
    """The directory responsible for a group's mailing: the last that set it, while it references the group and is active (A12)."""
    code = group.mailing_responsible
    if code and code in group.refs and code in directory_of and directory_of[code].active:
        return code
    return None


def groups_view(ctx: Context, found: list[Group]) -> list[dict]:
    """Groups as a directory admin sees them, each mailing's responsible directory named (one batch)."""
    named = directories.SCHEMA.get_many(ctx.client, [g.mailing_responsible for g in found if g.mailing_responsible])
    views = []
    for group in found:
        view, code = group_view(group), responsible(group, named)
        view["mailing"].update(responsible=code, responsible_name=named[code].name if code else None)
        views.append(view)
    return views


def groups_page(ctx: Context, principal: Principal, cursor: str | None = None) -> tuple[list[dict], str | None]:
    """One page of the groups this directory references, by name."""
    found, next_cursor = groups.referenced_by(ctx.client, principal.subject, ctx.config.page_size, cursor)
    return groups_view(ctx, found), next_cursor


def former_page(ctx: Context, principal: Principal, cursor: str | None = None) -> tuple[list[dict], str | None]:
    """One page of the groups this directory referenced recently (A9) or deactivated and may still reactivate.

    Each says its state: `recent` until a date, or `deactivated` and reactivable until a date; a group
    past both windows is no longer shown (it stays stored: nothing is deleted).
    """
    code, at = principal.subject, ctx.now()
    found, next_cursor = groups.formerly_referenced_by(ctx.client, code, ctx.config.page_size, cursor)
    shown = []
    for group in found:
        if (deadline := reactivation_deadline(ctx, group, code)) and deadline > at:
            shown.append({**group_view(group), "state": "deactivated", "deactivated_at": group.deactivated_at,
                          "until": deadline})
        elif (until := recent_until(group, code)) and until > at:
            shown.append({**group_view(group), "state": "recent", "until": until})
    return shown, next_cursor


def overview(ctx: Context, principal: Principal, cursor: str | None = None, former_cursor: str | None = None) -> dict:
    """The directory, the first page of its groups, of its former ones and of its audit log (A11).

    A constant number of Datastore calls whatever the number of groups: one query per list, one batch
    for the directories responsible for the groups shown.
    """
    shown, next_groups = groups_page(ctx, principal, cursor)
    former, next_former = former_page(ctx, principal, former_cursor)
    entries, next_audit = audit.latest(ctx, principal.actor)
    return {
        **directory_view(principal.account),
        "groups": shown,
        "recent": [g for g in former if g["state"] == "recent"],
        "deactivated": [g for g in former if g["state"] == "deactivated"],
        "audit": entries,
        "next": {"groups": next_groups, "former": next_former, "audit": next_audit},
    }


def recent_until(group: Group, directory: str) -> object | None:
    """Until when a group stays in a directory's recently-referenced list (A9)."""
    return next((item["until"] for item in group.history if item["directory"] == directory), None)


def reactivation_deadline(ctx: Context, group: Group, directory: str) -> object | None:
    """Until when a directory may reactivate a group it deactivated (A9), or None."""
    if group.active or group.deactivated_by != directory or group.deactivated_at is None:
        return None
    return group.deactivated_at + timedelta(days=ctx.config.reactivation_days)


def update(ctx: Context, principal: Principal, name: str | None = None, initials: str | None = None,
           color: str | None = None, comment: str | None = None, *, seen: versions.Seen | None = None) -> dict:
    """Rename the directory (name and initials stay unique, A1) or change its colour and comment (as `seen`, R2)."""
    given = {k: v for k, v in {"name": (values.NAME, name), "initials": (values.initials, initials),
                               "color": (values.color, color), "comment": (values.COMMENT, comment)}.items()
             if v[1] is not None}
    changes = values.checked(**given)

    def work() -> Directory:
        directory = directories.SCHEMA.get(ctx.client, principal.subject)
        versions.check(seen, "Directory", directory.code, directory, directory_view(directory))
        claim_names(ctx.client, "directory", directory, changes.get("name"), changes.get("initials"))
        for field, value in changes.items():
            setattr(directory, field, value)
        directory.name_sort = sort_key(directory.name)
        directories.SCHEMA.put(ctx.client, directory)
        audit.record(ctx, principal, "directory_updated", detail=", ".join(str(v) for v in changes.values() if v))
        return directory

    return directory_view(in_transaction(ctx.client, work))


def _log(ctx: Context, principal: Principal, action: str, group: Group, detail: str = "") -> None:
    audit.record(ctx, principal, action, target=f"{GROUP.name}:{group.code}",
                 target_name=f"{group.name} ({group.initials})", detail=detail)


def _referenced(ctx: Context, principal: Principal, code: str) -> Group:
    """A group this directory actively references; any other is not found here (A11)."""
    group = groups.SCHEMA.get(ctx.client, code) if is_code(code) else None
    if group is None or principal.subject not in group.refs:
        raise NotFound("not_referenced")
    return group


def _index_former_refs(group: Group, at: object) -> None:
    """The directories whose page lists this group as recent or deactivated, in one indexed list (one query).

    Expired history goes at every write, so that the list only holds what pages still show.
    """
    group.history = [h for h in group.history if h["until"] > at]
    deactivated_by = [group.deactivated_by] if group.deactivated_by and not group.active else []
    group.former_refs = list(dict.fromkeys([h["directory"] for h in group.history] + deactivated_by))


def _forget_history(group: Group, directory: str, at: object) -> None:
    group.history = [h for h in group.history if h["directory"] != directory]
    _index_former_refs(group, at)


def _referenced_again(ctx: Context, principal: Principal, group: Group, action: str) -> Group:
    """Inside a transaction: this directory references the group (again), no longer as history."""
    group.refs = list(dict.fromkeys([*group.refs, principal.subject]))
    _forget_history(group, principal.subject, ctx.now())
    groups.SCHEMA.put(ctx.client, group)
    _log(ctx, principal, action, group)
    return group


def create_group(ctx: Context, principal: Principal, type: str, name: str, initials: str) -> dict:
    """Create a group or groupement referenced by this directory, with the password 0000 (A1, A3, A7)."""
    given = values.checked(type=(values.GROUP_TYPE, type), name=(values.NAME, name), initials=(values.initials, initials))
    initial_hash = ctx.passwords.hash(passwords.INITIAL_PASSWORD)
    code, at = new_code(), ctx.now()

    def work() -> Group:
        group = Group(code, given["name"], given["initials"], sort_key(given["name"]), password_hash=initial_hash,
                      must_change=True, password_set=at, active=True, created=at, type=given["type"], refs=[principal.subject])
        claim_names(ctx.client, "group", group, given["name"], given["initials"])
        groups.SCHEMA.put(ctx.client, group)
        _log(ctx, principal, f"{group.type}_created", group)
        return group

    return groups_view(ctx, [in_transaction(ctx.client, work)])[0]


def add_reference(ctx: Context, principal: Principal, directory: str, group: str, password: str, *,
                  client_addr: str, device_cookie: str = "") -> dict:
    """Reference a group another active directory references, with its password as the animator's consent (A8).

    The directory and the group may be given by code or by initials. Failures count on the group's own
    sign-in counter, and every refusal gets one answer: it tells nothing of the group's state.
    """
    found = auth.resolve(ctx, GROUP, group)
    other = auth.resolve(ctx, DIRECTORY, directory)
    give_back = auth.count_attempt(ctx, GROUP, auth.subject_of(found, group), client_addr, device_cookie)

    def consents(g: Group | None) -> bool:
        return (g is not None and other is not None and other.active and other.code in g.refs and g.active
                and not g.must_change)

    if not (consents(found) and ctx.passwords.verify(found.password_hash, password)):
        raise Forbidden("reference_refused")
    give_back()
    verified_hash = found.password_hash

    def work() -> Group:
        fresh = groups.SCHEMA.get(ctx.client, found.code)
        fresh_other = directories.SCHEMA.get(ctx.client, other.code)  # re-read: deactivated meanwhile?
        if not (fresh_other and fresh_other.active and consents(fresh) and fresh.password_hash == verified_hash):
            raise Forbidden("reference_refused")
        if principal.subject in fresh.refs:
            raise Conflict("already_referenced")
        return _referenced_again(ctx, principal, fresh, "reference_added")

    return groups_view(ctx, [in_transaction(ctx.client, work)])[0]


def dereference(ctx: Context, principal: Principal, code: str) -> str:
    """Stop referencing a group: recent history if referenced elsewhere, else deactivated (A9).

    A directory that was responsible for its mailing is no longer: the mailing pauses (A12).
    """
    directory = principal.subject

    def work() -> str:
        group, at = _referenced(ctx, principal, code), ctx.now()
        group.refs = [d for d in group.refs if d != directory]
        if group.mailing_responsible == directory:
            group.mailing_responsible = None
        if group.refs:
            _forget_history(group, directory, at)
            group.history = [*group.history, {"directory": directory, "until": at + timedelta(days=ctx.config.recent_days)}]
            state = "recent"
        else:
            group.active, group.deactivated_by, group.deactivated_at = False, directory, at
            state = "deactivated"
        _index_former_refs(group, at)
        groups.SCHEMA.put(ctx.client, group)
        _log(ctx, principal, f"dereferenced_{state}", group)
        return state

    return in_transaction(ctx.client, work)  # a deactivated group's sessions open nothing any more


def reactivate(ctx: Context, principal: Principal, code: str) -> dict:
    """Reactivate a group this directory deactivated, within the window (A9)."""

    def work() -> Group:
        group = groups.SCHEMA.get(ctx.client, code) if is_code(code) else None
        deadline = reactivation_deadline(ctx, group, principal.subject) if group else None
        if deadline is None:
            raise NotFound("not_deactivated_here")
        if deadline <= ctx.now():
            raise Forbidden("reactivation_expired")
        group.active, group.deactivated_by, group.deactivated_at = True, None, None
        return _referenced_again(ctx, principal, group, "group_reactivated")

    return groups_view(ctx, [in_transaction(ctx.client, work)])[0]


def reset_group_password(ctx: Context, principal: Principal, code: str) -> None:
    """Reset a referenced group's password to 0000: the directory takes power, visibly (A4, A11)."""
    auth.reset_password(ctx, principal, GROUP, code, allowed=lambda group: principal.subject in group.refs)


def set_mailing(ctx: Context, principal: Principal, code: str, day: str | None, mailer: str, *,
                take_over: bool = True, seen: versions.Seen | None = None) -> dict:
    """Set a group's mailing day and mailer; this directory becomes responsible for it (A12).

    Without `take_over`, a mailing another active directory is responsible for is left to it.
    """
    given = values.checked(day=(values.WEEKDAY, day), mailer=(functools.partial(mailing_mailer, ctx), mailer))

    def work() -> Group:
        group = _referenced(ctx, principal, code)
        if not take_over and group.mailing_responsible not in (None, principal.subject):
            in_charge = responsible(group, directories.SCHEMA.get_many(ctx.client, [group.mailing_responsible]))
            if in_charge is not None:
                raise InvalidInput({"take_over": "take_over_confirm"})
        versions.check(seen, "Group", group.code, group, group_view(group)["mailing"])  # after: taking over says more
        group.mailing_day, group.mailer, group.mailing_responsible = given["day"], given["mailer"], principal.subject
        groups.SCHEMA.put(ctx.client, group)
        _log(ctx, principal, "mailing_configured", group, f"{given['day'] or '-'} / {given['mailer']}")
        return group

    return groups_view(ctx, [in_transaction(ctx.client, work)])[0]


def group_name(ctx: Context, principal: Principal, code: str) -> str:
    """A referenced group's name, for a confirmation page."""
    group = _referenced(ctx, principal, code)
    return f"{group.name} ({group.initials})"

