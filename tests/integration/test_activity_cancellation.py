"""Activity cancellation on the real dev server: an async activity gets ``CancelledError``, a
sync one on a thread gets ``temporal_sdk.exceptions.CancelledError`` raised in its thread, one
in a child process gets it at its next heartbeat, and ``activity.cancellation_details()`` tells
a requested cancel from a worker shutdown."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
import pathlib
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.activity import ActivityCancellationDetails
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client
from temporal_sdk.exceptions import CancelledError
from temporal_sdk.worker import SharedStateManager, Worker

started: set[str] = set()
outcomes: dict[str, tuple[str, ActivityCancellationDetails | None]] = {}


async def wait_for(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@activity.defn
async def async_until_cancelled(key: str) -> None:
    started.add(key)
    try:
        while True:
            activity.heartbeat()
            await asyncio.sleep(0.1)
    except asyncio.CancelledError:
        outcomes[key] = ("asyncio.CancelledError", activity.cancellation_details())
        raise


@activity.defn
def thread_until_cancelled(key: str) -> None:
    started.add(key)
    try:
        while True:
            activity.heartbeat()
            time.sleep(0.1)
    except CancelledError:
        outcomes[key] = ("CancelledError", activity.cancellation_details())
        raise


@workflow.defn
class CancelWorkflow:
    @workflow.run
    async def run(self, name: str, key: str) -> None:
        await workflow.execute_activity(
            name,
            key,
            start_to_close_timeout=timedelta(seconds=60),
            heartbeat_timeout=timedelta(seconds=2),
            cancellation_type=workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        )


async def run_and_cancel(client: Client, task_queue: str, name: str) -> str:
    key = str(uuid.uuid4())
    with concurrent.futures.ThreadPoolExecutor(2) as executor:
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[CancelWorkflow],
            activities=[async_until_cancelled, thread_until_cancelled],
            activity_executor=executor,
        ):
            handle = await client.start_workflow(
                CancelWorkflow.run, args=[name, key], id=f"wf-{uuid.uuid4()}", task_queue=task_queue
            )
            await wait_for(lambda: key in started, "the activity to start")
            await handle.cancel()
            await wait_for(lambda: key in outcomes, "the activity to see its cancellation")
            deadline = asyncio.get_running_loop().time() + 30
            while True:
                kinds = [e.event_type async for e in handle.fetch_history_events()]
                if EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED in kinds:
                    break
                assert asyncio.get_running_loop().time() < deadline, "no ActivityTaskCanceled"
                await asyncio.sleep(0.1)
    return key


async def test_async_activity_cancelled(client: Client, task_queue: str) -> None:
    key = await run_and_cancel(client, task_queue, "async_until_cancelled")
    kind, details = outcomes[key]
    assert kind == "asyncio.CancelledError"
    assert details == ActivityCancellationDetails(cancel_requested=True)


async def test_thread_activity_cancelled(client: Client, task_queue: str) -> None:
    key = await run_and_cancel(client, task_queue, "thread_until_cancelled")
    kind, details = outcomes[key]
    assert kind == "CancelledError"
    assert details == ActivityCancellationDetails(cancel_requested=True)


@activity.defn
async def waits_through_shutdown(key: str) -> None:
    started.add(key)
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        outcomes[key] = ("asyncio.CancelledError", activity.cancellation_details())
        raise


@workflow.defn
class ShutdownWorkflow:
    @workflow.run
    async def run(self, key: str) -> None:
        await workflow.execute_activity(
            waits_through_shutdown, key, start_to_close_timeout=timedelta(seconds=60)
        )


async def test_worker_shutdown_is_distinguishable(client: Client, task_queue: str) -> None:
    key = str(uuid.uuid4())
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[ShutdownWorkflow],
        activities=[waits_through_shutdown],
    )
    async with worker:
        handle = await client.start_workflow(
            ShutdownWorkflow.run, key, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
        await wait_for(lambda: key in started, "the activity to start")
    assert outcomes[key] == (
        "asyncio.CancelledError",
        ActivityCancellationDetails(worker_shutdown=True),
    )
    await handle.terminate()


# --- process pool ---------------------------------------------------------------------------


@activity.defn
def process_until_cancelled(marker_dir: str) -> None:
    """Runs in a child process: reports through files, since it shares no memory."""
    marker = pathlib.Path(marker_dir)
    (marker / "started").write_text(str(os.getpid()))
    try:
        while True:
            activity.heartbeat("alive")
            time.sleep(0.1)
    except CancelledError:
        (marker / "cancelled").write_text(str(activity.is_cancelled()))
        raise


async def test_process_activity_cancelled(
    client: Client, task_queue: str, tmp_path: pathlib.Path
) -> None:
    with (
        multiprocessing.Manager() as manager,
        concurrent.futures.ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn")
        ) as executor,
    ):
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[CancelWorkflow],
            activities=[process_until_cancelled],
            activity_executor=executor,
            shared_state_manager=SharedStateManager.create_from_multiprocessing(manager),
        ):
            handle = await client.start_workflow(
                CancelWorkflow.run,
                args=["process_until_cancelled", str(tmp_path)],
                id=f"wf-{uuid.uuid4()}",
                task_queue=task_queue,
            )
            await wait_for(lambda: (tmp_path / "started").exists(), "the child to start", 60)
            assert int((tmp_path / "started").read_text()) != os.getpid()
            await handle.cancel()
            await wait_for(lambda: (tmp_path / "cancelled").exists(), "the child's cancel")
            deadline = asyncio.get_running_loop().time() + 30
            while True:
                kinds = [e.event_type async for e in handle.fetch_history_events()]
                if EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED in kinds:
                    break
                assert asyncio.get_running_loop().time() < deadline, "no ActivityTaskCanceled"
                await asyncio.sleep(0.1)
    assert (tmp_path / "cancelled").read_text() == "True"


def test_process_pool_needs_a_shared_state_manager(client: Client) -> None:
    with (
        concurrent.futures.ProcessPoolExecutor(1) as executor,
        pytest.raises(ValueError, match="shared_state_manager"),
    ):
        Worker(
            client,
            task_queue="unused",
            activities=[process_until_cancelled],
            activity_executor=executor,
        )
