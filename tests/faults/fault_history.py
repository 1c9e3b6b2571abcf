"""Test helper: reach tests/core's HistoryBuilder from tests/faults (no package __init__ here)."""

from __future__ import annotations

import sys
from pathlib import Path

_CORE_TESTS = str(Path(__file__).resolve().parent.parent / "core")
if _CORE_TESTS not in sys.path:
    sys.path.append(_CORE_TESTS)

from history_builder import HistoryBuilder, payload  # noqa: E402

__all__ = ["HistoryBuilder", "payload"]
