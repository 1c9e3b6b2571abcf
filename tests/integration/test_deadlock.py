"""Deadlock detection: an activation that never yields fails the workflow task with its stack."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import timedelta

from temporal_sdk import workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.client import Client, WorkflowHandle
from temporal_sdk.worker import Worker

RELEASE = threading.Event()


def block_here(seconds: float) -> None:
    # Stands for CPU-bound or blocking code in a workflow: it never gives control back.
    RELEASE.wait(seconds)


@workflow.defn
class Stuck:
    @workflow.run
    async def run(self, seconds: float) -> str:
        if not RELEASE.is_set():
            block_here(seconds)
        return "done"


async def failed_task(handle: WorkflowHandle, timeout: float = 30.0) -> HistoryEvent:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async for event in handle.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                return event
        assert asyncio.get_running_loop().time() < deadline, "no workflow task failed"
        await asyncio.sleep(0.1)


async def test_stuck_workflow_fails_the_task_with_its_stack(
    client: Client, task_queue: str
) -> None:
    RELEASE.clear()
    async with Worker(client, task_queue=task_queue, workflows=[Stuck]) as worker:
        handle = await client.start_workflow(
            Stuck.run, 30.0, id=f"deadlock-{uuid.uuid4()}", task_queue=task_queue
        )
        try:
            event = await failed_task(handle)
        finally:
            RELEASE.set()
        failure = event.workflow_task_failed_event_attributes.failure
        assert "[TMPRL1101] Potential deadlock detected" in failure.message
        assert "within 2 second(s)" in failure.message
        assert "block_here" in failure.stack_trace
        assert "in run" in failure.stack_trace
        # Once the code stops blocking, the retried task completes the workflow.
        assert await asyncio.wait_for(handle.result(), 40) == "done"
        assert worker._workflow_worker is not None


async def test_debug_mode_disables_deadlock_detection(client: Client, task_queue: str) -> None:
    RELEASE.clear()
    worker = Worker(client, task_queue=task_queue, workflows=[Stuck], debug_mode=True)
    async with worker:
        handle = await client.start_workflow(
            Stuck.run, 2.5, id=f"debug-{uuid.uuid4()}", task_queue=task_queue
        )
        assert await asyncio.wait_for(handle.result(), 30) == "done"
    types = [e.event_type async for e in handle.fetch_history_events()]
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED not in types


async def test_deadlock_timeout_is_configurable(client: Client, task_queue: str) -> None:
    RELEASE.clear()
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[Stuck],
        deadlock_detection_timeout=timedelta(seconds=5),
    )
    async with worker:
        handle = await client.start_workflow(
            Stuck.run, 2.5, id=f"slow-{uuid.uuid4()}", task_queue=task_queue
        )
        assert await asyncio.wait_for(handle.result(), 30) == "done"
    types = [e.event_type async for e in handle.fetch_history_events()]
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED not in types
