"""Heartbeats on the real dev server: the latest details reach the next attempt (also when
throttled and flushed with the failure), and a heartbeat timeout reaches the workflow as
``ActivityError`` -> ``TimeoutError(HEARTBEAT)`` with the last details, while the stale attempt
learns it was cancelled because the server no longer knows it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.activity import ActivityCancellationDetails
from temporal_sdk.client import Client, WorkflowFailureError
from temporal_sdk.common import RetryPolicy
from temporal_sdk.exceptions import ActivityError, TimeoutError, TimeoutType
from temporal_sdk.worker import SharedStateManager, Worker


async def wait_for(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


# --- the latest details survive a retry, for async and sync activities --------------------


@activity.defn
async def checkpoints_async() -> list[Any]:
    info = activity.info()
    if info.attempt == 1:
        for step in range(3):  # within one throttle interval: only the first is sent at once
            activity.heartbeat("step", step)
        raise RuntimeError("fail after checkpoints")
    return [info.attempt, *info.heartbeat_details]


@activity.defn
def checkpoints_sync() -> list[Any]:
    info = activity.info()
    if info.attempt == 1:
        for step in range(3):
            activity.heartbeat("step", step)
        raise RuntimeError("fail after checkpoints")
    return [info.attempt, *info.heartbeat_details]


@workflow.defn
class RetryWorkflow:
    @workflow.run
    async def run(self, name: str) -> list[Any]:
        return await workflow.execute_activity(
            name,
            start_to_close_timeout=timedelta(seconds=30),
            heartbeat_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=100), maximum_attempts=2
            ),
        )


@pytest.mark.parametrize("name", ["checkpoints_async", "checkpoints_sync"])
async def test_latest_details_reach_the_next_attempt(
    client: Client, task_queue: str, name: str
) -> None:
    with concurrent.futures.ThreadPoolExecutor(2) as executor:
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[RetryWorkflow],
            activities=[checkpoints_async, checkpoints_sync],
            activity_executor=executor,
        ):
            result = await client.execute_workflow(
                RetryWorkflow.run, name, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
            )
    assert result == [2, "step", 2]


async def test_latest_details_cross_the_process_boundary(client: Client, task_queue: str) -> None:
    with (
        multiprocessing.Manager() as manager,
        concurrent.futures.ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn")
        ) as executor,
    ):
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[RetryWorkflow],
            activities=[checkpoints_sync],
            activity_executor=executor,
            shared_state_manager=SharedStateManager.create_from_multiprocessing(manager),
        ):
            result = await client.execute_workflow(
                RetryWorkflow.run,
                "checkpoints_sync",
                id=f"wf-{uuid.uuid4()}",
                task_queue=task_queue,
            )
    assert result == [2, "step", 2]


# --- heartbeat timeout ------------------------------------------------------------------

resume = threading.Event()
seen: dict[str, ActivityCancellationDetails | None] = {}


@activity.defn
async def goes_quiet(key: str) -> None:
    activity.heartbeat("last words", 42)
    # Stop heartbeating until the test saw the timeout, then find out the attempt is gone.
    while not resume.is_set():
        await asyncio.sleep(0.05)
    try:
        while True:
            activity.heartbeat("too late")
            await asyncio.sleep(0.2)
    except asyncio.CancelledError:
        seen[key] = activity.cancellation_details()
        raise


@workflow.defn
class QuietWorkflow:
    @workflow.run
    async def run(self, key: str) -> None:
        await workflow.execute_activity(
            goes_quiet,
            key,
            start_to_close_timeout=timedelta(seconds=60),
            heartbeat_timeout=timedelta(seconds=2),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )


async def test_heartbeat_timeout_surfaces_with_last_details(
    client: Client, task_queue: str
) -> None:
    key = str(uuid.uuid4())
    resume.clear()
    async with Worker(
        client, task_queue=task_queue, workflows=[QuietWorkflow], activities=[goes_quiet]
    ):
        with pytest.raises(WorkflowFailureError) as err:
            await client.execute_workflow(
                QuietWorkflow.run, key, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
            )
        resume.set()
        await wait_for(lambda: key in seen, "the stale attempt to be cancelled")
    cause = err.value.cause
    assert isinstance(cause, ActivityError)
    timeout = cause.cause
    assert isinstance(timeout, TimeoutError)
    assert timeout.type == TimeoutType.HEARTBEAT
    assert list(timeout.last_heartbeat_details) == ["last words", 42]
    details = seen[key]
    assert details is not None
    assert details.not_found and details.timed_out
    assert not details.cancel_requested and not details.worker_shutdown
