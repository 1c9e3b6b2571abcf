"""Events the server writes on its own, on the real dev server: time-outs, terminate, task retries.

Each test asserts what the caller sees and the event types in history, then replays the
history (the replayer must accept every event kind the server put there).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client, WorkflowFailureError, WorkflowHandle
from temporal_sdk.common import RetryPolicy
from temporal_sdk.exceptions import ActivityError, TerminatedError, TimeoutError, TimeoutType
from temporal_sdk.worker import Replayer, Worker

_ET = EventType
_failed_once: set[str] = set()


@activity.defn
async def too_slow() -> None:
    await asyncio.sleep(30)


@workflow.defn
class SlowActivity:
    @workflow.run
    async def run(self) -> str:
        try:
            await workflow.execute_activity(
                too_slow,
                start_to_close_timeout=timedelta(seconds=1),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
        except ActivityError as err:
            cause = err.cause
            assert isinstance(cause, TimeoutError)
            return f"{type(cause).__name__}:{TimeoutType(cause.type).name}"
        return "finished"


@workflow.defn
class Forever:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


@workflow.defn
class FlakyFirstTask:
    @workflow.run
    async def run(self, key: str) -> str:
        if key not in _failed_once:
            _failed_once.add(key)
            raise RuntimeError("first attempt of the task fails")
        await workflow.sleep(timedelta(milliseconds=10))
        return "recovered"


WORKFLOWS = [SlowActivity, Forever, FlakyFirstTask]


def _worker(client: Client, task_queue: str) -> Worker:
    return Worker(client, task_queue=task_queue, workflows=WORKFLOWS, activities=[too_slow])


async def _types(handle: WorkflowHandle[Any, Any]) -> list[int]:
    history = await handle.fetch_history()
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)
    return [e.event_type for e in history.events]


def _id() -> str:
    return f"events-{uuid.uuid4()}"


async def test_activity_start_to_close_timeout(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        handle = await client.start_workflow(SlowActivity.run, id=_id(), task_queue=task_queue)
        assert await handle.result() == "TimeoutError:START_TO_CLOSE"
        types = await _types(handle)
    assert _ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT in types


async def test_workflow_execution_timed_out(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        handle = await client.start_workflow(
            Forever.run, id=_id(), task_queue=task_queue, execution_timeout=timedelta(seconds=2)
        )
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        assert isinstance(info.value.cause, TimeoutError)
        types = await _types(handle)
    assert types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT


async def test_workflow_terminated(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        handle = await client.start_workflow(Forever.run, id=_id(), task_queue=task_queue)
        for _ in range(300):
            events = [e.event_type async for e in handle.fetch_history_events()]
            if _ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED in events:
                break
            await asyncio.sleep(0.1)
        await handle.terminate("enough")
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        assert isinstance(info.value.cause, TerminatedError)
        types = await _types(handle)
    assert types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED


async def test_failed_workflow_task_is_retried_and_replays(client: Client, task_queue: str) -> None:
    key = str(uuid.uuid4())
    async with _worker(client, task_queue):
        handle = await client.start_workflow(
            FlakyFirstTask.run, key, id=_id(), task_queue=task_queue
        )
        assert await handle.result() == "recovered"
        types = await _types(handle)
    assert _ET.EVENT_TYPE_WORKFLOW_TASK_FAILED in types
    assert types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
