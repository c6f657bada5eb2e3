"""What grew: the cumulative time of each function a request goes through, at two sizes of data, compared."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from pathlib import Path
from typing import Any

LABEL_PARTS = 3  # the end of a function's file path that names it well enough (package/module.py)


def label(where: tuple[str, int, str]) -> str:
    """`package/module.py:line(function)`, or the built-in's name."""
    file, line, name = where
    if file == "~":
        return name
    return f"{'/'.join(Path(file).parts[-LABEL_PARTS:])}:{line}({name})"


def per_call(work: Callable[[], Any], calls: int) -> dict[str, float]:
    """Milliseconds of cumulative time per call of `work`, by function (this thread only: cProfile's own)."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        for _ in range(calls):
            work()
    finally:
        profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]  (documented as the raw table)
    return {label(where): cumulative * 1000 / calls for where, (_, _, _, cumulative, _) in stats.items()}


def grown(small: dict[str, float], large: dict[str, float], top: int, within: tuple[str, ...]) -> list[dict[str, Any]]:
    """The `top` functions whose time per call grew most from `small` to `large`, among those whose label holds one
    of `within` (the project's own, and the Datastore client's calls: the layers of gRPC between say nothing)."""
    rows = [{"function": name, "small_ms": round(small.get(name, 0.0), 2), "large_ms": round(ms, 2),
             "grew_ms": round(ms - small.get(name, 0.0), 2)} for name, ms in large.items()
            if any(part in name for part in within)]
    return sorted(rows, key=lambda row: row["grew_ms"], reverse=True)[:top]
