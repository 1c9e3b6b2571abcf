"""Where a command came from: the workflow-code frame that issued it, as ``file:line in fn``.

Rule: frames inside ``temporal_sdk`` and ``asyncio`` are never an origin; the walk stops at the
event loop's drain so it never reports the worker's own frames.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import temporal_sdk
from temporal_sdk._runtime.loop import WorkflowEventLoop

_SKIP_DIRS = (
    os.path.dirname(temporal_sdk.__file__) + os.sep,
    os.path.dirname(asyncio.__file__) + os.sep,
)
_STOP_AT = WorkflowEventLoop.run_until_idle.__code__


def origin() -> str:
    """``file:line in fn`` of the innermost workflow-code frame issuing a command."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code is _STOP_AT:
            break
        if not code.co_filename.startswith(_SKIP_DIRS):
            return _format_origin(code.co_filename, frame.f_lineno, code.co_name)
        frame = frame.f_back
    return ""


@functools.lru_cache(maxsize=4096)
def _format_origin(filename: str, lineno: int, name: str) -> str:
    # Cached: the same few call sites issue every command of a run, replay after replay.
    return f"{os.path.basename(filename)}:{lineno} in {name}"


def fn_origin(fn: Callable[..., Any]) -> str:
    """``file:line in fn`` of ``fn``'s definition (for commands issued on its return)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return ""
    return f"{os.path.basename(code.co_filename)}:{code.co_firstlineno} in {code.co_name}"
