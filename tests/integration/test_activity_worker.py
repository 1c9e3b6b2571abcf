"""Activities on the real dev server: threads, heartbeat details across retries, cancellation."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client, WorkflowFailureError, WorkflowHandle
from temporal_sdk.common import RetryPolicy
from temporal_sdk.exceptions import ActivityError, ApplicationError
from temporal_sdk.worker import Worker


def wf_id() -> str:
    return f"wf-{uuid.uuid4()}"


async def wait_for(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 20.0, what: str = "condition"
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def event_types(handle: WorkflowHandle[Any, Any]) -> list[int]:
    return [e.event_type async for e in handle.fetch_history_events()]


# --- sync activity on a thread pool -------------------------------------------------------


@activity.defn
def sync_describe(prefix: str) -> str:
    info = activity.info()
    on_main = threading.current_thread() is threading.main_thread()
    activity.heartbeat("from a thread")
    return f"{prefix}:{info.activity_type}:{info.workflow_type}:main={on_main}"


@workflow.defn
class SyncActivityWorkflow:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(
            sync_describe, "hi", start_to_close_timeout=timedelta(seconds=10)
        )


async def test_sync_activity_on_thread_pool(client: Client, task_queue: str) -> None:
    with concurrent.futures.ThreadPoolExecutor(2) as executor:
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[SyncActivityWorkflow],
            activities=[sync_describe],
            activity_executor=executor,
        ):
            result = await client.execute_workflow(
                SyncActivityWorkflow.run, id=wf_id(), task_queue=task_queue
            )
    assert result == "hi:sync_describe:SyncActivityWorkflow:main=False"


# --- heartbeat details survive a retry ----------------------------------------------------


@activity.defn
async def resumable() -> list[Any]:
    info = activity.info()
    if info.attempt == 1:
        activity.heartbeat("checkpoint", 7)
        raise RuntimeError("first attempt fails after a checkpoint")
    return [info.attempt, *info.heartbeat_details]


@workflow.defn
class ResumeWorkflow:
    @workflow.run
    async def run(self) -> list[Any]:
        return await workflow.execute_activity(
            resumable,
            start_to_close_timeout=timedelta(seconds=10),
            heartbeat_timeout=timedelta(seconds=5),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=100), maximum_attempts=2
            ),
        )


async def test_heartbeat_details_visible_on_next_attempt(client: Client, task_queue: str) -> None:
    async with Worker(
        client, task_queue=task_queue, workflows=[ResumeWorkflow], activities=[resumable]
    ):
        result = await client.execute_workflow(
            ResumeWorkflow.run, id=wf_id(), task_queue=task_queue
        )
    assert result == [2, "checkpoint", 7]


# --- unknown activity type ----------------------------------------------------------------


@activity.defn
async def known_one() -> None:
    pass


@workflow.defn
class UnknownActivityWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(
            "does_not_exist",
            start_to_close_timeout=timedelta(seconds=5),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )


async def test_unknown_activity_fails_with_not_found(client: Client, task_queue: str) -> None:
    async with Worker(
        client, task_queue=task_queue, workflows=[UnknownActivityWorkflow], activities=[known_one]
    ):
        with pytest.raises(WorkflowFailureError) as info:
            await client.execute_workflow(
                UnknownActivityWorkflow.run, id=wf_id(), task_queue=task_queue
            )
    activity_err = info.value.cause
    assert isinstance(activity_err, ActivityError)
    cause = activity_err.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "NotFoundError"
    assert "does_not_exist" in cause.message
    assert "available activities: known_one" in cause.message


# --- cancellation delivered through a heartbeat -------------------------------------------

started_keys: set[str] = set()
cancelled_keys: set[str] = set()


@activity.defn
async def heartbeat_until_cancelled(key: str) -> None:
    started_keys.add(key)
    try:
        while True:
            activity.heartbeat()
            await asyncio.sleep(0.1)
    except asyncio.CancelledError:
        cancelled_keys.add(key)
        raise


@workflow.defn
class CancelActivityWorkflow:
    @workflow.run
    async def run(self, key: str) -> None:
        await workflow.execute_activity(
            heartbeat_until_cancelled,
            key,
            start_to_close_timeout=timedelta(seconds=60),
            heartbeat_timeout=timedelta(seconds=2),
            # Keep the run open until the activity confirmed, so that its answer is recorded.
            cancellation_type=workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        )


async def test_activity_cancelled_through_heartbeat(client: Client, task_queue: str) -> None:
    key = str(uuid.uuid4())
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[CancelActivityWorkflow],
        activities=[heartbeat_until_cancelled],
    ):
        handle = await client.start_workflow(
            CancelActivityWorkflow.run, key, id=wf_id(), task_queue=task_queue
        )

        # ActivityTaskStarted reaches history only when the attempt ends; ask the activity.
        async def activity_started() -> bool:
            return key in started_keys

        await wait_for(activity_started, what="the activity to start")
        await handle.cancel()

        async def activity_cancelled() -> bool:
            return key in cancelled_keys

        await wait_for(activity_cancelled, what="the activity to see its cancellation")

        async def canceled_in_history() -> bool:
            return EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED in await event_types(handle)

        await wait_for(canceled_in_history, what="ActivityTaskCanceled in history")
