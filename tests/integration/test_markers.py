"""Markers on the real dev server: patches (versioning) and side effects, live and on replay.

Histories are recorded with one version of a workflow and replayed with the next, as a
deployment would: the patched() protocol must let old runs replay and new runs take new code.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest

from temporal_sdk import workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client, WorkflowHistory
from temporal_sdk.worker import Replayer, Worker
from temporal_sdk.workflow import NondeterminismError

_ET = EventType
_NAME = "Versioned"


@workflow.defn(name=_NAME)
class V1:
    @workflow.run
    async def run(self) -> str:
        await workflow.sleep(timedelta(milliseconds=10))
        return "old"


@workflow.defn(name=_NAME)
class V2:
    @workflow.run
    async def run(self) -> str:
        if workflow.patched("faster"):
            await workflow.sleep(timedelta(milliseconds=5))
            return "new"
        await workflow.sleep(timedelta(milliseconds=10))
        return "old"


@workflow.defn(name=_NAME)
class V3:
    @workflow.run
    async def run(self) -> str:
        workflow.deprecate_patch("faster")
        await workflow.sleep(timedelta(milliseconds=5))
        return "new"


@workflow.defn(name=_NAME)
class V4:
    @workflow.run
    async def run(self) -> str:
        await workflow.sleep(timedelta(milliseconds=5))
        return "new"


_calls: list[int] = []


def _draw() -> int:
    _calls.append(1)
    return len(_calls) * 7


@workflow.defn
class SideEffects:
    @workflow.run
    async def run(self) -> list[int]:
        first = workflow.side_effect(_draw)
        await workflow.sleep(timedelta(milliseconds=10))
        second: int = workflow.side_effect(_draw, result_type=int)
        return [first, second]


async def _record(client: Client, task_queue: str, wf: type) -> tuple[Any, WorkflowHistory]:
    async with Worker(client, task_queue=task_queue, workflows=[wf]):
        handle = await client.start_workflow(
            _NAME if wf in (V1, V2, V3, V4) else wf.run,  # type: ignore[attr-defined]
            id=f"marker-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        result = await handle.result()
        return result, await handle.fetch_history()


async def _replay(wf: type, history: WorkflowHistory) -> None:
    await Replayer(workflows=[wf]).replay_workflow(history)


def _patch_markers(history: WorkflowHistory) -> list[dict[str, Any]]:
    found = []
    for event in history.events:
        if event.event_type == _ET.EVENT_TYPE_MARKER_RECORDED:
            attrs = event.marker_recorded_event_attributes
            assert attrs.marker_name == "core_patch"
            found.append(json.loads(attrs.details["patch-data"].payloads[0].data))
    return found


async def test_old_runs_keep_old_path_new_runs_take_patch(client: Client, task_queue: str) -> None:
    result, v1_history = await _record(client, task_queue, V1)
    assert result == "old"
    assert _patch_markers(v1_history) == []
    # A run recorded before the patch replays on patched code: patched() is false there.
    await _replay(V2, v1_history)

    result, v2_history = await _record(client, task_queue, V2)
    assert result == "new"
    assert _patch_markers(v2_history) == [{"id": "faster", "deprecated": False}]
    await _replay(V2, v2_history)
    # Deprecating the patch keeps patched runs replaying.
    await _replay(V3, v2_history)
    # Removing the call while runs still carry a live (not deprecated) marker is caught.
    with pytest.raises(NondeterminismError, match="MarkerRecorded"):
        await _replay(V4, v2_history)


async def test_deprecated_marker_may_be_dropped_later(client: Client, task_queue: str) -> None:
    result, v3_history = await _record(client, task_queue, V3)
    assert result == "new"
    assert _patch_markers(v3_history) == [{"id": "faster", "deprecated": True}]
    await _replay(V3, v3_history)
    await _replay(V4, v3_history)


async def test_side_effect_runs_once_and_replays_from_history(
    client: Client, task_queue: str
) -> None:
    _calls.clear()
    result, history = await _record(client, task_queue, SideEffects)
    assert result == [7, 14]
    calls = len(_calls)
    markers = [
        e.marker_recorded_event_attributes
        for e in history.events
        if e.event_type == _ET.EVENT_TYPE_MARKER_RECORDED
    ]
    assert [m.marker_name for m in markers] == ["SideEffect", "SideEffect"]
    assert [json.loads(m.details["side-effect-id"].payloads[0].data) for m in markers] == [1, 2]
    assert [json.loads(m.details["data"].payloads[0].data) for m in markers] == [7, 14]
    await _replay(SideEffects, history)
    assert len(_calls) == calls, "replay must not run the side effect again"
