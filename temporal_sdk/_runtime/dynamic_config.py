"""Apply a dynamic workflow's ``@workflow.dynamic_config`` method to the run.

Rule: looked up only for dynamic workflow classes, once per run, after ``__init__`` and before
the run method; a returned ``failure_exception_types`` replaces the class-level list (the worker's
list still applies).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_MARK = "__temporal_workflow_dynamic_config"


def dynamic_failure_types(obj: Any) -> Sequence[type[BaseException]] | None:
    """The failure exception types ``obj``'s dynamic-config method returns, if it has one."""
    for klass in type(obj).__mro__:
        for attr in vars(klass).values():
            if getattr(attr, _MARK, False):
                config = attr(obj)
                types: Sequence[type[BaseException]] | None = getattr(
                    config, "failure_exception_types", None
                )
                return types
    return None
