"""ActivityEnvironment: activity code run with a test-controlled context, sync and async."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from typing import Any

import pytest

from temporal_sdk import activity
from temporal_sdk.client import Client
from temporal_sdk.converter import DataConverter
from temporal_sdk.testing import ActivityEnvironment


@activity.defn
async def async_describe(greeting: str) -> str:
    info = activity.info()
    activity.heartbeat("half", 50)
    return f"{greeting} from {info.activity_type} attempt {info.attempt}"


@activity.defn
def sync_describe(greeting: str) -> str:
    activity.heartbeat("sync")
    return f"{greeting} from {activity.info().activity_id}"


async def test_async_activity_sees_info_and_heartbeats_are_captured() -> None:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, activity_type="Describe", attempt=3)
    beats: list[tuple[Any, ...]] = []
    env.on_heartbeat = lambda *details: beats.append(details)
    assert await env.run(async_describe, "hi") == "hi from Describe attempt 3"
    assert beats == [("half", 50)]


def test_sync_activity_runs_in_the_callers_thread() -> None:
    env = ActivityEnvironment()
    beats: list[tuple[Any, ...]] = []
    env.on_heartbeat = lambda *details: beats.append(details)
    assert env.run(sync_describe, "hey") == "hey from test"
    assert beats == [("sync",)]
    assert not activity.in_activity()


def test_context_is_gone_after_run() -> None:
    ActivityEnvironment().run(lambda: activity.info())
    with pytest.raises(RuntimeError, match="Not in activity context"):
        activity.info()


def test_default_info_is_fresh_each_time() -> None:
    first = ActivityEnvironment.default_info()
    assert first == ActivityEnvironment.default_info()
    assert first.workflow_id == "test" and first.attempt == 1 and first.in_workflow


async def test_cancel_async_activity_raises_cancelled_error() -> None:
    env = ActivityEnvironment()
    started = asyncio.Event()

    async def waits() -> str:
        started.set()
        await asyncio.sleep(60)
        return "not cancelled"

    task = asyncio.ensure_future(env.run(waits))
    await asyncio.wait_for(started.wait(), 10)
    env.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)


async def test_async_activity_sees_cancellation_requested_from_heartbeat() -> None:
    env = ActivityEnvironment()
    env.on_heartbeat = lambda *details: env.cancel()

    async def beat_then_wait() -> bool:
        activity.heartbeat()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            return activity.is_cancelled()
        return False

    assert await env.run(beat_then_wait) is True

    async def later() -> bool:
        await activity.wait_for_cancelled()  # already set: returns at once
        await asyncio.sleep(60)
        return False

    # A run started after cancel() begins cancelled.
    with pytest.raises(asyncio.CancelledError):
        await env.run(later)


def test_cancel_sync_activity_from_heartbeat() -> None:
    env = ActivityEnvironment()
    env.on_heartbeat = lambda *details: env.cancel()

    def loop_until_cancelled() -> str:
        for i in range(100):
            activity.heartbeat(i)
            if activity.is_cancelled():
                return f"cancelled at {i}"
        return "never cancelled"

    assert env.run(loop_until_cancelled) == "cancelled at 0"


def test_cancel_sync_activity_from_another_thread() -> None:
    env = ActivityEnvironment()
    waiting = threading.Event()

    def blocks() -> bool:
        waiting.set()
        activity.wait_for_cancelled_sync(30)
        return activity.is_cancelled()

    def cancel_soon() -> None:
        waiting.wait(10)
        env.cancel()

    thread = threading.Thread(target=cancel_soon)
    thread.start()
    try:
        assert env.run(blocks) is True
    finally:
        thread.join()


async def test_worker_shutdown_reaches_sync_and_async_activities() -> None:
    env = ActivityEnvironment()

    async def waits_for_shutdown() -> bool:
        env.worker_shutdown()
        await activity.wait_for_worker_shutdown()
        return activity.is_worker_shutdown()

    assert await env.run(waits_for_shutdown) is True
    assert env.run(activity.is_worker_shutdown) is True


async def test_client_and_payload_converter_reach_the_activity() -> None:
    client = object.__new__(Client)  # never connected: only its identity matters here
    env = ActivityEnvironment(client=client)
    converter = DataConverter.default.payload_converter
    env.payload_converter = converter

    async def peek() -> tuple[Any, Any]:
        return activity.client(), activity.payload_converter()

    assert await env.run(peek) == (client, converter)

    def sync_client() -> Any:
        return activity.client()

    with pytest.raises(RuntimeError, match="only available in `async def`"):
        env.run(sync_client)
