"""Local activities against the real dev server: markers, retries, durable backoff, replay."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.client import Client
from temporal_sdk.common import RetryPolicy
from temporal_sdk.exceptions import ActivityError, ApplicationError
from temporal_sdk.worker import Replayer, Worker

_REPLAY_DIR = Path(__file__).parent.parent / "replay"
_BENCH_PYTHON = Path(__file__).parent.parent.parent / "bench" / ".venv" / "bin" / "python"
sys.path.insert(0, str(_REPLAY_DIR))

from local_activity_workflows import XLocal, fails_once, refuses, shout  # noqa: E402

CALLS: dict[str, int] = {}


@activity.defn
async def greet(name: str) -> str:
    CALLS[name] = CALLS.get(name, 0) + 1
    return f"hello {name}"


@activity.defn
async def flaky(key: str, failures: int) -> int:
    CALLS[key] = CALLS.get(key, 0) + 1
    if CALLS[key] <= failures:
        raise ApplicationError(f"attempt {CALLS[key]} fails")
    return CALLS[key]


@activity.defn
async def broken(key: str) -> None:
    raise ApplicationError("never works", type="Broken", non_retryable=True)


@workflow.defn
class Greeter:
    @workflow.run
    async def run(self, name: str) -> str:
        first = await workflow.execute_local_activity(
            greet, name, start_to_close_timeout=timedelta(seconds=10)
        )
        second = await workflow.execute_local_activity(
            greet, f"{name}2", start_to_close_timeout=timedelta(seconds=10)
        )
        return f"{first}/{second}"


@workflow.defn
class Retrier:
    @workflow.run
    async def run(self, key: str, failures: int, threshold: float) -> int:
        result: int = await workflow.execute_local_activity(
            flaky,
            args=[key, failures],
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=100)),
            local_retry_threshold=timedelta(seconds=threshold),
        )
        return result


@workflow.defn
class Catcher:
    @workflow.run
    async def run(self, key: str) -> str:
        try:
            await workflow.execute_local_activity(
                broken, key, start_to_close_timeout=timedelta(seconds=10)
            )
        except ApplicationError as err:
            # A non-retryable failure arrives as raised (as with the official SDK).
            return f"{err.type}: {err.message}"
        return "no error"


@workflow.defn
class GivesUp:
    @workflow.run
    async def run(self, key: str) -> str:
        try:
            await workflow.execute_local_activity(
                flaky,
                args=[key, 5],
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(milliseconds=50), maximum_attempts=2
                ),
            )
        except ApplicationError as err:
            # Retries exhausted: the last failure arrives as raised (as with the official SDK).
            return f"{type(err).__name__}: {err}"
        return "no error"


@activity.defn
async def too_slow() -> None:
    await asyncio.sleep(5)


@workflow.defn
class TimesOut:
    @workflow.run
    async def run(self) -> str:
        try:
            await workflow.execute_local_activity(
                too_slow,
                start_to_close_timeout=timedelta(seconds=1),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
        except ActivityError as err:
            return f"{type(err.cause).__name__}"
        return "no error"


@workflow.defn
class WaitsAfter:
    def __init__(self) -> None:
        self.go = False

    @workflow.signal
    def proceed(self) -> None:
        self.go = True

    @workflow.run
    async def run(self, name: str) -> str:
        result: str = await workflow.execute_local_activity(
            greet, name, start_to_close_timeout=timedelta(seconds=10)
        )
        await workflow.wait_condition(lambda: self.go)
        return result


async def history(client: Client, workflow_id: str) -> list[HistoryEvent]:
    return [e async for e in client.get_workflow_handle(workflow_id).fetch_history_events()]


def markers(events: list[HistoryEvent]) -> list[dict[str, object]]:
    found = []
    for event in events:
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            attrs = event.marker_recorded_event_attributes
            assert attrs.marker_name == "core_local_activity"
            found.append(json.loads(attrs.details["data"].payloads[0].data))
    return found


def worker(client: Client, task_queue: str, **kwargs: object) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[Greeter, Retrier, Catcher, GivesUp, WaitsAfter],
        activities=[greet, flaky, broken],
        **kwargs,  # type: ignore[arg-type]
    )


async def test_results_are_recorded_as_markers(client: Client, task_queue: str) -> None:
    name = f"n-{uuid.uuid4()}"
    wid = f"wf-{uuid.uuid4()}"
    async with worker(client, task_queue):
        result = await client.execute_workflow(Greeter.run, name, id=wid, task_queue=task_queue)
    assert result == f"hello {name}/hello {name}2"
    events = await history(client, wid)
    assert not [e for e in events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]
    data = markers(events)
    assert [(d["seq"], d["activity_type"], d["attempt"]) for d in data] == [
        (1, "greet", 1),
        (2, "greet", 1),
    ]
    assert data[0]["activity_id"] == "1"
    assert data[0]["complete_time"]


async def test_no_remote_activities_still_runs_local_ones(client: Client, task_queue: str) -> None:
    name = f"n-{uuid.uuid4()}"
    async with worker(client, task_queue, no_remote_activities=True):
        result = await client.execute_workflow(
            Greeter.run, name, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
    assert result == f"hello {name}/hello {name}2"


async def test_local_retries(client: Client, task_queue: str) -> None:
    key = f"k-{uuid.uuid4()}"
    wid = f"wf-{uuid.uuid4()}"
    async with worker(client, task_queue):
        result = await client.execute_workflow(
            Retrier.run, args=[key, 2, 60.0], id=wid, task_queue=task_queue
        )
    assert result == 3
    data = markers(await history(client, wid))
    assert [d["attempt"] for d in data] == [3]


async def test_backoff_past_threshold_uses_a_timer(client: Client, task_queue: str) -> None:
    key = f"k-{uuid.uuid4()}"
    wid = f"wf-{uuid.uuid4()}"
    async with worker(client, task_queue):
        # A 100 ms backoff is past a 10 ms threshold: the retry waits on a durable timer.
        result = await client.execute_workflow(
            Retrier.run, args=[key, 1, 0.01], id=wid, task_queue=task_queue
        )
    assert result == 2
    events = await history(client, wid)
    assert any(e.event_type == EventType.EVENT_TYPE_TIMER_STARTED for e in events)
    data = markers(events)
    assert [(d["seq"], d["attempt"]) for d in data] == [(1, 1), (2, 2)]
    assert data[0]["backoff"]
    assert data[1]["original_schedule_time"]


async def test_non_retryable_failure_reaches_the_workflow(client: Client, task_queue: str) -> None:
    async with worker(client, task_queue):
        result = await client.execute_workflow(
            Catcher.run, "x", id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
    assert result == "Broken: never works"


async def test_timeout_raises_activity_error_with_timeout_cause(
    client: Client, task_queue: str
) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[TimesOut], activities=[too_slow]):
        result = await client.execute_workflow(
            TimesOut.run, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
    assert result == "TimeoutError"


async def test_exhausted_retries_raise_the_last_failure(client: Client, task_queue: str) -> None:
    key = f"k-{uuid.uuid4()}"
    async with worker(client, task_queue):
        result = await client.execute_workflow(
            GivesUp.run, key, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
    assert result == "ApplicationError: attempt 2 fails"
    assert CALLS[key] == 2


async def test_replay_uses_the_recorded_result(client: Client, task_queue: str) -> None:
    name = f"n-{uuid.uuid4()}"
    wid = f"wf-{uuid.uuid4()}"
    # No cache: the signal's task replays the whole history, local activity marker included.
    async with worker(client, task_queue, max_cached_workflows=0):
        handle = await client.start_workflow(WaitsAfter.run, name, id=wid, task_queue=task_queue)
        events: list[HistoryEvent] = []
        for _ in range(200):
            events = await history(client, wid)
            if markers(events):
                break
        assert markers(events)
        await handle.signal(WaitsAfter.proceed)
        assert await handle.result() == f"hello {name}"
    assert CALLS[name] == 1
    replayed = await Replayer(workflows=[WaitsAfter]).replay_workflow(await handle.fetch_history())
    assert replayed.replay_failure is None
    assert CALLS[name] == 1


async def test_history_replays_in_temporalio(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    key = f"k-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[XLocal],
        activities=[shout, fails_once, refuses],
    ):
        handle = await client.start_workflow(
            XLocal.run, key, id=f"x-local-{key}", task_queue=task_queue
        )
        assert await handle.result() == ["HI", "attempt 2", "Refused"]
        recorded = await handle.fetch_history()
    await Replayer(workflows=[XLocal]).replay_workflow(recorded)
    if not _BENCH_PYTHON.exists():
        pytest.skip("no bench/.venv with temporalio (run bench/setup.sh)")
    path = tmp_path / "history.json"
    path.write_text(recorded.to_json())
    proc = await asyncio.create_subprocess_exec(
        str(_BENCH_PYTHON),
        str(_REPLAY_DIR / "replay_local_in_temporalio.py"),
        str(path),
        env={**os.environ, "SDK_ROOT": "temporalio"},
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode()
