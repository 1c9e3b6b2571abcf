"""The package version, as a literal.

Rule: must equal ``version`` in pyproject.toml (``tests/unit/test_version.py`` checks it). A
literal, not ``importlib.metadata``: that import alone costs more than a third of the client's
import budget.
"""

from __future__ import annotations

__version__ = "0.1.0"
