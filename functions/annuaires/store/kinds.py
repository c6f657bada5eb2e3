"""Every kind the service stores, with its schema: what dump and reload walk."""

from __future__ import annotations

from annuaires.store import (
    audit,
    directories,
    groups,
    mail,
    mail_feed,
    mail_operators,
    mail_sync,
    mailers,
    mailing,
    members,
    messages,
    quota,
    sessions,
    settings,
    throttle,
)
from annuaires.store import name_claims as claims
from annuaires.store.base import Schema

ALL: tuple[Schema, ...] = (
    directories.SCHEMA, groups.SCHEMA, messages.SCHEMA, members.SCHEMA, claims.SCHEMA, audit.SCHEMA,
    mailers.SCHEMA, mailing.BATCHES, mailing.CHUNKS, quota.SCHEMA, settings.SCHEMA, sessions.SCHEMA, throttle.SCHEMA,
    mail.SITES, mail.DOMAINS, mail.ACCOUNTS, mail.ALIASES, mail.ADDRESSES, mail_feed.COUNTER, mail_feed.BLOCKS,
    mail_operators.OPERATORS, mail.SETTINGS, mail_sync.STATES, mail_sync.RUNS,
)
BY_KIND = {schema.kind: schema for schema in ALL}

# Never dumped, never reloaded (A15): sessions and sign-in counters end by themselves and open accounts; the mail
# roles (operators, mail admins) and the mail host's export token are named on each instance by its general admin
# and mail admins. The directories admin runs dumps and reloads: a file it reloads must not make it one of them.
NOT_DUMPED = frozenset({sessions.SCHEMA.kind, throttle.SCHEMA.kind, mail_operators.OPERATORS.kind, mail.SETTINGS.kind})
DUMPED: tuple[Schema, ...] = tuple(schema for schema in ALL if schema.kind not in NOT_DUMPED)
