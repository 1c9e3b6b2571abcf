"""The built-in queries the SDK answers for every workflow: stack traces and workflow metadata.

Rule: read-only. These functions look at the run's pending coroutines and its handler tables;
they never resume a coroutine or change a table. Reading source files for the enhanced stack
trace is IO the determinism guard would refuse, so it runs unrestricted (it cannot influence the
workflow: queries produce no commands).
"""

from __future__ import annotations

import asyncio
import linecache
import traceback
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

import temporal_sdk
from temporal_sdk._runtime import guard as _guard
from temporal_sdk.api.sdk.v1 import (
    EnhancedStackTrace,
    StackTrace,
    StackTraceFileLocation,
    StackTraceFileSlice,
    StackTraceSDKInfo,
    WorkflowDefinition,
    WorkflowInteractionDefinition,
    WorkflowMetadata,
)

if TYPE_CHECKING:
    from temporal_sdk._runtime.handlers import HandlerTable, LiveHandler

_SDK_NAME = "temporal-sdk-python"


def _pending_tasks(table: HandlerTable) -> list[asyncio.Task[Any]]:
    loop = table.loop
    if loop.is_closed():
        return []
    return [t for t in asyncio.all_tasks(loop) if not t.done()]


def _frames(task: asyncio.Task[Any]) -> list[FrameType]:
    """The task's await chain, outermost first (``Task.get_stack`` stops at the top frame)."""
    frames: list[FrameType] = []
    obj: Any = task.get_coro()
    while obj is not None:
        frame = getattr(obj, "cr_frame", None) or getattr(obj, "gi_frame", None)
        if frame is not None:
            frames.append(frame)
        obj = getattr(obj, "cr_await", None) or getattr(obj, "gi_yieldfrom", None)
    return frames


def stack_trace(table: HandlerTable) -> str:
    """``__stack_trace``: one readable block per pending coroutine, innermost call last."""
    blocks = []
    for task in _pending_tasks(table):
        summaries = [
            traceback.FrameSummary(f.f_code.co_filename, f.f_lineno, f.f_code.co_name)
            for f in _frames(task)
        ]
        blocks.append(
            f"Stack for task {task.get_name()!r} (most recent call last):\n"
            + "".join(traceback.format_list(summaries))
        )
    return "\n".join(blocks)


def enhanced_stack_trace(table: HandlerTable) -> EnhancedStackTrace:
    """``__enhanced_stack_trace``: structured locations plus the source of each file."""
    sources: dict[str, StackTraceFileSlice] = {}
    stacks: list[StackTrace] = []
    with _guard.unrestricted():
        for task in _pending_tasks(table):
            locations = []
            for frame in _frames(task):
                path = frame.f_code.co_filename
                if path not in sources:
                    sources[path] = StackTraceFileSlice(
                        line_offset=0, content="".join(linecache.getlines(path))
                    )
                locations.append(
                    StackTraceFileLocation(
                        file_path=path,
                        line=frame.f_lineno or 0,
                        column=-1,
                        function_name=frame.f_code.co_name,
                        internal_code=False,
                    )
                )
            stacks.append(StackTrace(locations=locations))
    version = getattr(temporal_sdk, "__version__", "")
    return EnhancedStackTrace(
        sdk=StackTraceSDKInfo(name=_SDK_NAME, version=version), sources=sources, stacks=stacks
    )


def _definitions(table: dict[str | None, LiveHandler]) -> list[WorkflowInteractionDefinition]:
    found = [
        WorkflowInteractionDefinition(name=h.name or "", description=h.description or "")
        for h in table.values()
    ]
    return sorted(found, key=lambda d: d.name)


def workflow_metadata(table: HandlerTable) -> WorkflowMetadata:
    """``__temporal_workflow_metadata``: the run's signal, query and update definitions."""
    queries = _definitions(table.queries)
    queries.extend(
        WorkflowInteractionDefinition(name=name, description=desc)
        for name, desc in BUILTIN_DESCRIPTIONS.items()
    )
    queries.sort(key=lambda d: d.name)
    return WorkflowMetadata(
        definition=WorkflowDefinition(
            type=table.definition.name or "",
            query_definitions=queries,
            signal_definitions=_definitions(table.signals),
            update_definitions=_definitions(table.updates),
        ),
        current_details=table.current_details,
    )


BUILTIN_QUERIES: dict[str, Callable[[HandlerTable], Any]] = {
    "__stack_trace": stack_trace,
    "__enhanced_stack_trace": enhanced_stack_trace,
    "__temporal_workflow_metadata": workflow_metadata,
}
"""Query names the SDK answers itself, before looking at the workflow's handlers."""

BUILTIN_DESCRIPTIONS: dict[str, str] = {
    "__stack_trace": "Current stack trace of every pending workflow coroutine.",
    "__enhanced_stack_trace": "Structured stack trace of every pending coroutine, with sources.",
    "__temporal_workflow_metadata": "Metadata about the workflow's handlers.",
}
