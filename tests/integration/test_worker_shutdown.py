"""Graceful shutdown: in-flight workflow tasks finish, running activities get the grace period."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import timedelta

from temporal_sdk import activity, workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client, WorkflowHandle
from temporal_sdk.common import RetryPolicy
from temporal_sdk.worker import Worker

IN_TASK = threading.Event()
ACTIVITY_STARTED: list[asyncio.Event] = []
CANCELLED_AT_SHUTDOWN: list[bool] = []


def busy_for_a_second() -> None:
    IN_TASK.set()
    threading.Event().wait(1.0)  # well under the deadlock timeout


@workflow.defn
class SlowTask:
    @workflow.run
    async def run(self) -> str:
        if not workflow.unsafe.is_replaying():
            busy_for_a_second()
        return "task finished"


@activity.defn
async def short_job(seconds: float) -> str:
    ACTIVITY_STARTED[-1].set()
    await asyncio.sleep(seconds)
    return "finished"


@activity.defn
async def endless_job() -> str:
    ACTIVITY_STARTED[-1].set()
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        CANCELLED_AT_SHUTDOWN.append(activity.is_worker_shutdown())
        raise
    return "never"


@workflow.defn
class RunsJob:
    @workflow.run
    async def run(self, seconds: float) -> str:
        return await workflow.execute_activity(
            short_job,
            seconds,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )


@workflow.defn
class RunsEndless:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(
            endless_job,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )


async def event_types(handle: WorkflowHandle) -> list[int]:
    return [e.event_type async for e in handle.fetch_history_events()]


async def test_in_flight_workflow_task_finishes_on_shutdown(
    client: Client, task_queue: str
) -> None:
    IN_TASK.clear()
    worker = Worker(client, task_queue=task_queue, workflows=[SlowTask])
    run = asyncio.create_task(worker.run())
    handle = await client.start_workflow(
        SlowTask.run, id=f"inflight-{uuid.uuid4()}", task_queue=task_queue
    )
    assert await asyncio.to_thread(IN_TASK.wait, 30)
    await worker.shutdown()  # the task is mid-activation now
    await run
    # No worker runs any more: the answer was sent before shutdown returned.
    assert await asyncio.wait_for(handle.result(), 10) == "task finished"


async def test_running_activity_completes_within_the_grace_period(
    client: Client, task_queue: str
) -> None:
    ACTIVITY_STARTED.append(asyncio.Event())
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[RunsJob],
        activities=[short_job],
        graceful_shutdown_timeout=timedelta(seconds=20),
        # The workflow task for the activity's result lands on this worker's sticky queue while
        # it shuts down; a short timeout hands it to the next worker sooner.
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=2),
    )
    run = asyncio.create_task(worker.run())
    handle = await client.start_workflow(
        RunsJob.run, 1.0, id=f"grace-{uuid.uuid4()}", task_queue=task_queue
    )
    await asyncio.wait_for(ACTIVITY_STARTED[-1].wait(), 30)
    await worker.shutdown()
    await run
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED in await event_types(handle)
    async with Worker(client, task_queue=task_queue, workflows=[RunsJob]):
        assert await asyncio.wait_for(handle.result(), 20) == "finished"


async def test_activity_past_the_grace_period_is_cancelled_as_worker_shutdown(
    client: Client, task_queue: str
) -> None:
    ACTIVITY_STARTED.append(asyncio.Event())
    CANCELLED_AT_SHUTDOWN.clear()
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[RunsEndless],
        activities=[endless_job],
        graceful_shutdown_timeout=timedelta(seconds=1),
    )
    run = asyncio.create_task(worker.run())
    await client.start_workflow(
        RunsEndless.run, id=f"endless-{uuid.uuid4()}", task_queue=task_queue
    )
    await asyncio.wait_for(ACTIVITY_STARTED[-1].wait(), 30)
    await asyncio.wait_for(worker.shutdown(), 20)
    await run
    assert CANCELLED_AT_SHUTDOWN == [True]
