"""Benchmarks run by `make bench`: the project against a baseline, in the same run, on the same data.

`python -m bench.<name>` runs from the project root without PYTHONPATH, so importing this
package puts `functions/` (the deployed source) and the root on sys.path, as pytest does for the tests (pyproject.toml).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (str(ROOT), str(ROOT / "functions")):
    if _path not in sys.path:
        sys.path.insert(0, _path)
