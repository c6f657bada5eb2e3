"""What people see of the weekly mailing (A14): a directory's batches, a batch's recipients, a resend, the animator's summary."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from annuaires.codes import is_code
from annuaires.services.context import Context
from annuaires.services.directories.directory import responsible
from annuaires.services.errors import NotFound
from annuaires.services.roles import Principal
from annuaires.store import groups
from annuaires.store import mailing as store
from annuaires.store.base import in_transaction
from annuaires.store.groups import Group

WEEKS_SHOWN = 12
NOT_SENT = (store.DEFERRED, store.REFUSED, store.ERROR, store.UNKNOWN)


def batch_view(batch: store.Batch) -> dict:
    """A batch as API.md's B."""
    return {"id": batch.id, "week": batch.week, "started": batch.started, "finished": batch.finished,
            "status": batch.status, "sent": batch.sent, "deferred": batch.deferred, "refused": batch.refused,
            "errors": batch.errors, "unknown": batch.unknown,
            "held": {"cause": batch.held, "until": batch.resumes_at, "detail": batch.held_detail}
            if batch.held and batch.status != "done" else None}


def _in_charge(principal: Principal, group: Group | None) -> bool:
    return group is not None and responsible(group, {principal.subject: principal.account}) == principal.subject


def directory_mailing(ctx: Context, principal: Principal) -> list[dict]:
    """The last weeks' batches of each group this directory is responsible for now, newest first (two Datastore calls)."""
    since = ctx.now() - timedelta(weeks=WEEKS_SHOWN)
    found = store.batches_of_directory(ctx.client, principal.subject, since, limit=WEEKS_SHOWN * ctx.config.page_size)
    named = groups.SCHEMA.get_many(ctx.client, [b.group for b in found])
    shown: dict[str, dict] = {}
    for batch in found:
        group = named.get(batch.group)
        if _in_charge(principal, group):
            entry = shown.setdefault(group.code, {"group": group.code, "name": group.name, "initials": group.initials,
                                                  "batches": []})
            entry["batches"].append(batch_view(batch))
    return sorted(shown.values(), key=lambda g: g["name"].casefold())


def _responsible_group(ctx: Context, principal: Principal, code: str) -> Group:
    group = groups.SCHEMA.get(ctx.client, code) if is_code(code) else None
    if not _in_charge(principal, group):
        raise NotFound("not_responsible")
    return group


def last_batch(ctx: Context, principal: Principal, code: str) -> dict:
    """The last batch of a group this directory is responsible for, each recipient with its status, time and anomaly."""
    group = _responsible_group(ctx, principal, code)
    batch = store.last_batch(ctx.client, group.code)
    if batch is None:
        raise NotFound("no_batch_yet")
    return {"batch": batch_view(batch), "group": {"code": group.code, "name": group.name, "initials": group.initials},
            "recipients": sorted(({"member": str(r.member), "name": r.name, "email": r.email, "status": r.status,
                                   "at": r.at, "anomaly": r.anomaly}
                                  for r in store.recipients_of(ctx.client, batch.id)),
                                 key=lambda r: r["name"].casefold())}


def resend(ctx: Context, principal: Principal, code: str) -> dict:
    """Send the last batch again to its recipients not marked sent, and only to them (never twice to one sent)."""
    group = _responsible_group(ctx, principal, code)
    batch = store.last_batch(ctx.client, group.code)
    if batch is None:
        raise NotFound("no_batch_yet")

    reset: Counter = Counter()
    for chunk in store.chunks_of(ctx.client, batch.id):
        if any(r.status in NOT_SENT for r in chunk.recipients):
            reset += in_transaction(ctx.client, lambda number=chunk.number: _back_to_pending(ctx, batch.id, number))

    def work() -> store.Batch:
        fresh = store.BATCHES.get(ctx.client, batch.id)
        for status, n in reset.items():
            setattr(fresh, _counter(status), getattr(fresh, _counter(status)) - n)
        if reset:
            fresh.status, fresh.finished = "sending", None
        return store.BATCHES.put(ctx.client, fresh)

    fresh = in_transaction(ctx.client, work)
    if reset:
        ctx.queue.send_later(fresh.group, fresh.week)
    return batch_view(fresh)


def _back_to_pending(ctx: Context, batch: str, number: int) -> Counter:
    """Inside a transaction: a chunk's recipients still not sent become pending again; how many, by the state
    they left (recipients a worker holds now are left to it)."""
    chunk = store.CHUNKS.get(ctx.client, number, batch)
    if chunk is None:
        return Counter()
    again = [r for r in chunk.recipients if r.status in NOT_SENT]
    left = Counter(r.status for r in again)
    for recipient in again:
        recipient.status, recipient.next_try = store.PENDING, None
    chunk.settle()
    store.CHUNKS.put(ctx.client, chunk)
    return left


def _counter(status: str) -> str:
    return "errors" if status == store.ERROR else status


def group_summary(ctx: Context, group: Group) -> dict | None:
    """The animator's view: the last batch's summary and the addresses it could not reach."""
    batch = store.last_batch(ctx.client, group.code)
    if batch is None:
        return None
    failed = [{"email": r.email, "status": r.status, "anomaly": r.anomaly}
              for r in store.recipients_of(ctx.client, batch.id) if r.status in NOT_SENT]
    return {**batch_view(batch), "not_sent": failed}
