"""A small weekly-mailing chart drawn on the server as SVG (pages carry no script)."""

from __future__ import annotations

WEEKS = 12
WIDTH, HEIGHT, BAR, GAP = 12 * 22, 60, 16, 6


def weekly_chart(batches: list[dict], weeks: list[str]) -> list[dict]:
    """One bar per week given (the mailing's ISO weeks, oldest first): its week, and sent / not sent heights and counts."""
    by_week = {b["week"]: b for b in batches}
    counts = [(w, by_week.get(w)) for w in weeks]
    most = max([(b["sent"] + b["deferred"] + b["refused"] + b["errors"] + b["unknown"]) for _, b in counts if b] or [1]) or 1
    bars = []
    for index, (week, batch) in enumerate(counts):
        sent = batch["sent"] if batch else 0
        other = (batch["deferred"] + batch["refused"] + batch["errors"] + batch["unknown"]) if batch else 0
        sent_height, other_height = round(HEIGHT * sent / most), round(HEIGHT * other / most)
        bars.append({"week": week, "x": index * (BAR + GAP), "sent": sent, "other": other,
                     "sent_y": HEIGHT - sent_height, "sent_height": sent_height,
                     "other_y": HEIGHT - sent_height - other_height, "other_height": other_height})
    return bars
