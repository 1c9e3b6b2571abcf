"""The same workflow tests against WorkflowTestRunner and the dev server: same results and events.

The ``backend`` fixture runs each test twice, once per backend; the tests are written once
against the small ``Backend`` interface and assert literal event-type sequences, so both
backends must record exactly the same history shape.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any, Protocol

import pytest
import pytest_asyncio

from temporal_sdk import activity, workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client
from temporal_sdk.testing import WorkflowTestRunner
from temporal_sdk.worker import Replayer, Worker

_ET = EventType


@activity.defn
async def parity_double(n: int) -> int:
    return 2 * n


@workflow.defn
class ParityActivity:
    @workflow.run
    async def run(self, n: int) -> int:
        doubled = await workflow.execute_activity(
            parity_double, n, start_to_close_timeout=timedelta(seconds=30)
        )
        return int(doubled) + 1


@workflow.defn
class ParitySignal:
    def __init__(self) -> None:
        self.got: list[str] = []

    @workflow.signal
    def add(self, value: str) -> None:
        self.got.append(value)

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: len(self.got) >= 1)
        await workflow.sleep(timedelta(seconds=1))
        return self.got


@workflow.defn
class ParityChild:
    @workflow.run
    async def run(self, n: int) -> int:
        # Long enough for the parent to finish its task for ChildWorkflowExecutionStarted first.
        await workflow.sleep(timedelta(seconds=1))
        return n * 10


@workflow.defn
class ParityParent:
    @workflow.run
    async def run(self, n: int) -> int:
        return int(await workflow.execute_child_workflow(ParityChild.run, n, id=f"{n}-child"))


WORKFLOWS = [ParityActivity, ParitySignal, ParityChild, ParityParent]


class Handle(Protocol):
    async def result(self) -> Any: ...
    async def signal(self, signal: Any, arg: Any = ...) -> None: ...


class Backend(Protocol):
    async def start(self, workflow: Callable[..., Any], arg: Any = ...) -> Handle: ...
    async def event_types(self, handle: Handle) -> list[int]: ...
    async def wait_first_task(self, handle: Handle) -> None: ...


class RunnerBackend:
    def __init__(self, runner: WorkflowTestRunner) -> None:
        self.runner = runner

    async def start(self, workflow: Callable[..., Any], arg: Any = ...) -> Handle:
        return await self.runner.start_workflow(workflow, arg, id=f"wf-{uuid.uuid4()}")

    async def event_types(self, handle: Any) -> list[int]:
        return [e.event_type for e in handle.history().events]

    async def wait_first_task(self, handle: Handle) -> None:
        return None  # start_workflow already ran the first task


class ServerBackend:
    def __init__(self, client: Client, task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue

    async def start(self, workflow: Callable[..., Any], arg: Any = ...) -> Handle:
        return await self.client.start_workflow(
            workflow, arg, id=f"wf-{uuid.uuid4()}", task_queue=self.task_queue
        )

    async def event_types(self, handle: Any) -> list[int]:
        history = await handle.fetch_history()
        return [e.event_type for e in history.events]

    async def wait_first_task(self, handle: Handle) -> None:
        deadline = time.monotonic() + 30
        while _ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED not in await self.event_types(handle):
            assert time.monotonic() < deadline, "first workflow task never completed"
            await asyncio.sleep(0.1)


@pytest_asyncio.fixture(params=["runner", "dev-server"])
async def backend(request: pytest.FixtureRequest, client: Client) -> AsyncIterator[Backend]:
    if request.param == "runner":
        async with WorkflowTestRunner(workflows=WORKFLOWS, activities=[parity_double]) as runner:
            yield RunnerBackend(runner)
        return
    task_queue = f"tq-{uuid.uuid4()}"
    async with Worker(
        client, task_queue=task_queue, workflows=WORKFLOWS, activities=[parity_double]
    ):
        yield ServerBackend(client, task_queue)


_TASK = [
    _ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    _ET.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    _ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
]
_START = [_ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, *_TASK]


def _names(types: list[int]) -> list[str]:
    return [EventType.Name(t) for t in types]


async def _check(backend: Backend, handle: Handle, expected: list[int]) -> None:
    assert _names(await backend.event_types(handle)) == _names(expected)


async def test_activity(backend: Backend) -> None:
    handle = await backend.start(ParityActivity.run, 20)
    assert await handle.result() == 41
    await _check(
        backend,
        handle,
        [
            *_START,
            _ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
            _ET.EVENT_TYPE_ACTIVITY_TASK_STARTED,
            _ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
            *_TASK,
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        ],
    )


async def test_signal_then_timer(backend: Backend) -> None:
    handle = await backend.start(ParitySignal.run)
    await backend.wait_first_task(handle)
    await handle.signal(ParitySignal.add, "x")
    assert await handle.result() == ["x"]
    await _check(
        backend,
        handle,
        [
            *_START,
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
            *_TASK,
            _ET.EVENT_TYPE_TIMER_STARTED,
            _ET.EVENT_TYPE_TIMER_FIRED,
            *_TASK,
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        ],
    )


async def test_child_workflow(backend: Backend) -> None:
    handle = await backend.start(ParityParent.run, 4)
    assert await handle.result() == 40
    await _check(
        backend,
        handle,
        [
            *_START,
            _ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
            _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
            *_TASK,
            _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
            *_TASK,
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        ],
    )


async def test_recorded_histories_replay(backend: Backend) -> None:
    handle = await backend.start(ParityActivity.run, 1)
    await handle.result()
    if isinstance(backend, RunnerBackend):
        history: Any = handle.history()  # type: ignore[attr-defined]
    else:
        history = await handle.fetch_history()  # type: ignore[attr-defined]
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)
