"""Unit tests for the pieces behind activity cancellation and heartbeats: the thread raiser,
cancellation details per reason, the heartbeat throttle, and the multiprocessing heartbeat
channel."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from google.protobuf.duration_pb2 import Duration

from temporal_sdk import activity
from temporal_sdk._io.activity_running import CancelReason, Running, ThreadCancelRaiser
from temporal_sdk._io.activity_worker import ActivityWorker
from temporal_sdk.api.workflowservice.v1 import PollActivityTaskQueueResponse
from temporal_sdk.exceptions import CancelledError
from temporal_sdk.worker import SharedStateManager


def run_in_thread(raiser: ThreadCancelRaiser, body: Any) -> tuple[threading.Thread, list[str]]:
    seen: list[str] = []
    ready = threading.Event()

    def target() -> None:
        try:
            with raiser.active():
                ready.set()
                body(seen)
            seen.append("returned")
        except CancelledError:
            seen.append("cancelled")

    thread = threading.Thread(target=target)
    thread.start()
    ready.wait(5)
    return thread, seen


def busy(seen: list[str]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.01)


def test_request_raises_into_a_busy_thread() -> None:
    raiser = ThreadCancelRaiser()
    thread, seen = run_in_thread(raiser, busy)
    raiser.request()
    thread.join(5)
    assert seen == ["cancelled"]


def test_shield_holds_the_exception_until_it_ends() -> None:
    raiser = ThreadCancelRaiser()
    requested = threading.Event()

    def shielded(seen: list[str]) -> None:
        with raiser.shielded():
            requested.wait(5)
            time.sleep(0.05)
            seen.append("shield done")
        seen.append("unreachable")

    thread, seen = run_in_thread(raiser, shielded)
    raiser.request()
    requested.set()
    thread.join(5)
    assert seen == ["shield done", "cancelled"]


def test_raise_if_pending_only_in_the_activity_thread() -> None:
    raiser = ThreadCancelRaiser()
    raiser.request()  # no thread yet: stays pending
    raiser.raise_if_pending()  # not the activity thread: nothing happens
    with raiser.active(), pytest.raises(CancelledError):
        raiser.raise_if_pending()


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (CancelReason.REQUESTED, activity.ActivityCancellationDetails(cancel_requested=True)),
        (CancelReason.PAUSED, activity.ActivityCancellationDetails(paused=True)),
        (CancelReason.RESET, activity.ActivityCancellationDetails(reset=True)),
        (CancelReason.WORKER_SHUTDOWN, activity.ActivityCancellationDetails(worker_shutdown=True)),
        (CancelReason.NOT_FOUND, activity.ActivityCancellationDetails(not_found=True)),
    ],
)
async def test_cancellation_details_per_reason(
    reason: CancelReason, expected: activity.ActivityCancellationDetails
) -> None:
    running = Running(
        task_token=b"t",
        loop=asyncio.get_running_loop(),
        cancelled_event=activity._CompositeEvent(with_async=True),
        sync=False,
        heartbeat_timeout=60,
    )
    running.cancel(reason)
    running.cancel(CancelReason.HEARTBEAT_ERROR)  # the first reason wins
    assert running.details.details == expected
    assert running.cancelled_event.is_set()


async def test_not_found_after_the_heartbeat_timeout_is_timed_out() -> None:
    running = Running(
        task_token=b"t",
        loop=asyncio.get_running_loop(),
        cancelled_event=activity._CompositeEvent(with_async=True),
        sync=False,
        heartbeat_timeout=1,
        last_beat=time.monotonic() - 2,
    )
    running.cancel(CancelReason.NOT_FOUND)
    assert running.details.details == activity.ActivityCancellationDetails(
        not_found=True, timed_out=True
    )


@activity.defn
async def noop() -> None:
    pass


@pytest.mark.parametrize(
    ("heartbeat_timeout", "expected"),
    [(None, 30.0), (10.0, 8.0), (200.0, 60.0)],
)
def test_throttle_is_a_fraction_of_the_timeout_within_bounds(
    heartbeat_timeout: float | None, expected: float
) -> None:
    worker = ActivityWorker(
        client=None,  # type: ignore[arg-type]
        task_queue="q",
        activities=[noop],
        activity_executor=None,
        data_converter=None,  # type: ignore[arg-type]
        max_concurrent_activities=1,
        max_activities_per_second=None,
        graceful_shutdown_timeout=timedelta(),
        identity="me",
    )
    task = PollActivityTaskQueueResponse()
    if heartbeat_timeout is not None:
        task.heartbeat_timeout.CopyFrom(Duration(seconds=int(heartbeat_timeout)))
    assert worker._throttle(task) == pytest.approx(expected)


async def test_multiprocessing_heartbeats_are_delivered_and_flushed() -> None:
    with multiprocessing.Manager() as manager:
        state = SharedStateManager.create_from_multiprocessing(manager)
        received: list[tuple[Any, ...]] = []
        sender = await state.register_heartbeater(b"t", lambda *d: received.append(d))
        for step in range(5):
            sender.send_heartbeat(b"t", "step", step)
        await asyncio.wait_for(state.unregister_heartbeater(b"t"), 10)
        assert received == [("step", step) for step in range(5)]
        event = state.new_event()
        assert not event.is_set()
        event.set()
        assert event.is_set()
