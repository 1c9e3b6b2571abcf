"""The determinism guard on a real worker: task failure for workflows, nothing for activities."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

from temporal_sdk import activity, workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client, WorkflowHandle
from temporal_sdk.worker import Worker


@activity.defn
async def stamp() -> str:
    # Activities may use the wall clock and real randomness.
    return f"{time.time() > 0}-{len(str(uuid.uuid4()))}"


@activity.defn
def sync_stamp() -> str:
    time.sleep(0)
    return f"{time.time() > 0}"


@workflow.defn
class ActivitiesMayUseTheClock:
    @workflow.run
    async def run(self) -> list[str]:
        timeout = timedelta(seconds=30)
        return [
            await workflow.execute_activity(stamp, start_to_close_timeout=timeout),
            await workflow.execute_activity(sync_stamp, start_to_close_timeout=timeout),
        ]


@workflow.defn
class ReadsTheClock:
    @workflow.run
    async def run(self) -> float:
        return time.time()


async def _failed_task_message(handle: WorkflowHandle, timeout: float = 30.0) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        async for event in handle.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                return str(event.workflow_task_failed_event_attributes.failure.message)
        await asyncio.sleep(0.1)
    raise AssertionError("no failed workflow task in history")


async def test_activities_are_untouched_by_the_guard(client: Client, task_queue: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as executor:
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[ActivitiesMayUseTheClock],
            activities=[stamp, sync_stamp],
            activity_executor=executor,
        ):
            result = await client.execute_workflow(
                ActivitiesMayUseTheClock.run, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
            )
    assert result == ["True-36", "True"]


async def test_guard_error_fails_the_workflow_task(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[ReadsTheClock]):
        handle = await client.start_workflow(
            ReadsTheClock.run, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
        message = await _failed_task_message(handle)
        await handle.terminate("test done")
    assert "Cannot call time.time from inside a workflow" in message
    assert "workflow.now()" in message
