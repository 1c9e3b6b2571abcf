"""Cancellation on the real dev server: workflow cancel, activity cancellation types, timers.

Each test asserts the workflow's outcome and the event types the server recorded, then replays
the recorded history through ``Replayer``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client, WorkflowFailureError, WorkflowHandle
from temporal_sdk.exceptions import ActivityError, CancelledError
from temporal_sdk.worker import Replayer, Worker

_ET = EventType
_started_keys: set[str] = set()


@activity.defn
async def wait_for_cancel(key: str) -> str:
    """Heartbeat until cancelled; record that it started so the test can go on."""
    _started_keys.add(key)
    try:
        while True:
            activity.heartbeat()
            await asyncio.sleep(0.2)
    except asyncio.CancelledError:
        raise


@activity.defn
async def cleanup(what: str) -> str:
    return f"cleaned {what}"


@workflow.defn
class SleepForever:
    @workflow.run
    async def run(self) -> str:
        await workflow.sleep(timedelta(hours=1))
        return "woke up"


@workflow.defn
class CleanupOnCancel:
    @workflow.run
    async def run(self) -> str:
        try:
            await workflow.sleep(timedelta(hours=1))
        except asyncio.CancelledError:
            result = await asyncio.shield(
                workflow.execute_activity(
                    cleanup, "up", start_to_close_timeout=timedelta(seconds=30)
                )
            )
            return f"cancelled, then {result}"
        return "woke up"


@workflow.defn
class CancelActivity:
    def __init__(self) -> None:
        self.go = False

    @workflow.signal
    def cancel_now(self) -> None:
        self.go = True

    @workflow.run
    async def run(self, key: str, cancellation_type: str) -> str:
        handle = workflow.start_activity(
            wait_for_cancel,
            key,
            start_to_close_timeout=timedelta(seconds=60),
            heartbeat_timeout=timedelta(seconds=2),
            cancellation_type=workflow.ActivityCancellationType[cancellation_type],
        )
        await workflow.wait_condition(lambda: self.go)
        handle.cancel()
        try:
            await handle
        except ActivityError as err:
            return f"{type(err.cause).__name__}"
        return "completed"


@workflow.defn
class ActivityInWorkflowCancel:
    @workflow.run
    async def run(self, key: str) -> str:
        return await workflow.execute_activity(
            wait_for_cancel,
            key,
            start_to_close_timeout=timedelta(seconds=60),
            heartbeat_timeout=timedelta(seconds=2),
        )


@workflow.defn
class ActivityWithDeadline:
    @workflow.run
    async def run(self, key: str, how: str) -> str:
        call = workflow.execute_activity(
            wait_for_cancel,
            key,
            start_to_close_timeout=timedelta(seconds=60),
            heartbeat_timeout=timedelta(seconds=2),
        )
        try:
            if how == "wait_for":
                await asyncio.wait_for(call, timeout=2)
            else:
                async with asyncio.timeout(2):
                    await call
        except (TimeoutError, ActivityError) as err:
            # As with temporalio, a TRY_CANCEL activity fails at once with a cancelled
            # ActivityError, which the deadline lets through instead of TimeoutError.
            return f"gave up: {type(err).__name__}"
        return "finished"


WORKFLOWS = [
    SleepForever,
    CleanupOnCancel,
    CancelActivity,
    ActivityInWorkflowCancel,
    ActivityWithDeadline,
]


def _id() -> str:
    return f"cancel-{uuid.uuid4()}"


def _worker(client: Client, task_queue: str) -> Worker:
    return Worker(
        client, task_queue=task_queue, workflows=WORKFLOWS, activities=[wait_for_cancel, cleanup]
    )


async def _wait_for(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def _history_types(handle: WorkflowHandle[Any, Any]) -> list[int]:
    history = await handle.fetch_history()
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)
    return [e.event_type for e in history.events]


async def _has_event(handle: WorkflowHandle[Any, Any], event_type: int) -> bool:
    return any([e.event_type == event_type async for e in handle.fetch_history_events()])


async def _started(key: str) -> bool:
    return key in _started_keys


async def test_cancelled_sleep_cancels_timer_and_workflow(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        handle = await client.start_workflow(SleepForever.run, id=_id(), task_queue=task_queue)
        await _wait_for(lambda: _has_event(handle, _ET.EVENT_TYPE_TIMER_STARTED), "TimerStarted")
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        assert isinstance(info.value.cause, CancelledError)
        types = await _history_types(handle)
    assert _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED in types
    assert _ET.EVENT_TYPE_TIMER_CANCELED in types
    assert types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED


async def test_workflow_may_clean_up_under_shield_and_complete(
    client: Client, task_queue: str
) -> None:
    async with _worker(client, task_queue):
        handle = await client.start_workflow(CleanupOnCancel.run, id=_id(), task_queue=task_queue)
        await _wait_for(lambda: _has_event(handle, _ET.EVENT_TYPE_TIMER_STARTED), "TimerStarted")
        await handle.cancel()
        assert await handle.result() == "cancelled, then cleaned up"
        types = await _history_types(handle)
    assert _ET.EVENT_TYPE_TIMER_CANCELED in types
    assert _ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED in types
    assert types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED


@pytest.mark.parametrize(
    "cancellation_type, cancel_requested, canceled",
    [
        ("TRY_CANCEL", True, False),
        ("WAIT_CANCELLATION_COMPLETED", True, True),
        ("ABANDON", False, False),
    ],
)
async def test_activity_cancellation_types(
    client: Client,
    task_queue: str,
    cancellation_type: str,
    cancel_requested: bool,
    canceled: bool,
) -> None:
    key = str(uuid.uuid4())
    async with _worker(client, task_queue):
        handle = await client.start_workflow(
            CancelActivity.run, args=[key, cancellation_type], id=_id(), task_queue=task_queue
        )
        await _wait_for(lambda: _started(key), "the activity to start")
        await handle.signal(CancelActivity.cancel_now)
        assert await handle.result() == "CancelledError"
        types = await _history_types(handle)
    assert (_ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED in types) is cancel_requested
    if canceled:
        # The workflow waited for the activity to confirm: the confirmation precedes the end.
        assert types.index(_ET.EVENT_TYPE_ACTIVITY_TASK_CANCELED) < types.index(
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
        )
    else:
        assert (
            _ET.EVENT_TYPE_ACTIVITY_TASK_CANCELED
            not in types[: types.index(_ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)]
        )


async def test_workflow_cancel_requests_activity_cancel(client: Client, task_queue: str) -> None:
    key = str(uuid.uuid4())
    async with _worker(client, task_queue):
        handle = await client.start_workflow(
            ActivityInWorkflowCancel.run, key, id=_id(), task_queue=task_queue
        )
        await _wait_for(lambda: _started(key), "the activity to start")
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        assert isinstance(info.value.cause, CancelledError)
        types = await _history_types(handle)
    assert _ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED in types
    assert types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED


@pytest.mark.parametrize("how", ["wait_for", "timeout"])
async def test_deadline_around_activity_cancels_it(
    client: Client, task_queue: str, how: str
) -> None:
    key = str(uuid.uuid4())
    async with _worker(client, task_queue):
        handle = await client.start_workflow(
            ActivityWithDeadline.run, args=[key, how], id=_id(), task_queue=task_queue
        )
        assert await handle.result() == "gave up: ActivityError"
        types = await _history_types(handle)
    assert _ET.EVENT_TYPE_TIMER_FIRED in types
    assert _ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED in types
    assert types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
