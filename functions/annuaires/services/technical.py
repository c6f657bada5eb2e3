"""The technical state a general admin checks: where the service runs and, on demand, how much it holds."""

from __future__ import annotations

from annuaires.services.context import Context
from annuaires.store.base import count

COUNTED_KINDS = ("Directory", "Group", "Member", "Session", "Audit")
COUNT_UP_TO = 10_000  # beyond, the page says "10000 or more": counting is for a glance, not for accounting


def technical_state(ctx: Context, *, with_counts: bool) -> dict:
    """Mode, project, zone and keys set; with `with_counts`, entities of each kind (up to a bound)."""
    config = ctx.config
    return {
        "mode": "emulator" if config.emulator else "production",
        "project": config.project,
        "namespace": config.namespace or "",
        "timezone": config.timezone,
        "test_datastore": config.test_datastore,
        "secrets_key_set": bool(config.secrets_key),
        "iap_audience_set": bool(config.iap_audience),
        "counts": {kind: count(ctx.client, kind, COUNT_UP_TO) for kind in COUNTED_KINDS} if with_counts else None,
        "counts_up_to": COUNT_UP_TO,
    }
