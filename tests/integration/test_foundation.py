"""Foundation end to end on the real dev server: activities, retries, timeouts, timers, failures."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client, WorkflowFailureError, WorkflowHandle
from temporal_sdk.common import RetryPolicy
from temporal_sdk.exceptions import ActivityError, ApplicationError, TimeoutError
from temporal_sdk.worker import Worker


@dataclass
class Greeting:
    greeting: str
    name: str


@activity.defn
async def compose_greeting(arg: Greeting) -> str:
    return f"{arg.greeting}, {arg.name}!"


@workflow.defn
class GreetingWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            compose_greeting,
            Greeting("Hello", name),
            start_to_close_timeout=timedelta(seconds=10),
        )


async def wait_for(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 20.0, what: str = "condition"
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def event_types(handle: WorkflowHandle) -> list[int]:
    return [e.event_type async for e in handle.fetch_history_events()]


def wf_id() -> str:
    return f"wf-{uuid.uuid4()}"


async def test_activity_workflow(client: Client, task_queue: str) -> None:
    async with Worker(
        client, task_queue=task_queue, workflows=[GreetingWorkflow], activities=[compose_greeting]
    ):
        result = await client.execute_workflow(
            GreetingWorkflow.run, "Temporal", id=wf_id(), task_queue=task_queue
        )
    assert result == "Hello, Temporal!"


flaky_calls: dict[str, int] = {}


@activity.defn
async def flaky(key: str) -> str:
    flaky_calls[key] = flaky_calls.get(key, 0) + 1
    if flaky_calls[key] <= 2:
        raise RuntimeError(f"attempt {activity.info().attempt} fails")
    return f"ok after {activity.info().attempt}"


@workflow.defn
class RetryWorkflow:
    @workflow.run
    async def run(self, key: str) -> str:
        return await workflow.execute_activity(
            flaky,
            key,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=50), maximum_attempts=5
            ),
        )


async def test_activity_retries_then_succeeds(client: Client, task_queue: str) -> None:
    key = str(uuid.uuid4())
    async with Worker(client, task_queue=task_queue, workflows=[RetryWorkflow], activities=[flaky]):
        result = await client.execute_workflow(
            RetryWorkflow.run, key, id=wf_id(), task_queue=task_queue
        )
    assert result == "ok after 3"
    assert flaky_calls[key] == 3


@activity.defn
async def too_slow() -> None:
    await asyncio.sleep(30)


@workflow.defn
class TimeoutWorkflow:
    @workflow.run
    async def run(self) -> str:
        try:
            await workflow.execute_activity(
                too_slow,
                start_to_close_timeout=timedelta(milliseconds=500),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
        except ActivityError as err:
            assert isinstance(err.cause, TimeoutError)
            return f"timed out: {err.cause.type.name}"
        return "no timeout"


async def test_activity_start_to_close_timeout(client: Client, task_queue: str) -> None:
    async with Worker(
        client, task_queue=task_queue, workflows=[TimeoutWorkflow], activities=[too_slow]
    ):
        result = await client.execute_workflow(
            TimeoutWorkflow.run, id=wf_id(), task_queue=task_queue
        )
    assert result == "timed out: START_TO_CLOSE"


@activity.defn
async def double(x: int) -> int:
    return 2 * x


@workflow.defn
class ParallelWorkflow:
    @workflow.run
    async def run(self, n: int) -> list[int]:
        return list(
            await asyncio.gather(
                *(
                    workflow.execute_activity(
                        double, i, start_to_close_timeout=timedelta(seconds=10)
                    )
                    for i in range(n)
                )
            )
        )


async def test_parallel_activities(client: Client, task_queue: str) -> None:
    async with Worker(
        client, task_queue=task_queue, workflows=[ParallelWorkflow], activities=[double]
    ):
        handle = await client.start_workflow(
            ParallelWorkflow.run, 5, id=wf_id(), task_queue=task_queue
        )
        assert await handle.result() == [0, 2, 4, 6, 8]
    types = await event_types(handle)
    assert types.count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) == 5
    assert types.count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) == 5


@workflow.defn
class TimerWorkflow:
    @workflow.run
    async def run(self) -> float:
        start = workflow.now()
        await asyncio.sleep(1)
        await workflow.sleep(timedelta(milliseconds=200))
        return (workflow.now() - start).total_seconds()


async def test_durable_timer(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[TimerWorkflow]):
        handle = await client.start_workflow(TimerWorkflow.run, id=wf_id(), task_queue=task_queue)
        elapsed = await handle.result()
    assert elapsed >= 1.2
    types = await event_types(handle)
    assert types.count(EventType.EVENT_TYPE_TIMER_STARTED) == 2
    assert types.count(EventType.EVENT_TYPE_TIMER_FIRED) == 2


@workflow.defn
class FailingWorkflow:
    @workflow.run
    async def run(self) -> None:
        raise ApplicationError("deliberate", {"k": 1}, type="MyError", non_retryable=True)


async def test_failing_workflow(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[FailingWorkflow]):
        with pytest.raises(WorkflowFailureError) as info:
            await client.execute_workflow(FailingWorkflow.run, id=wf_id(), task_queue=task_queue)
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.message == "deliberate"
    assert cause.type == "MyError"
    assert cause.details == ({"k": 1},)


@activity.defn
async def always_fails() -> None:
    raise ApplicationError("activity broke", type="Broken", non_retryable=True)


@workflow.defn
class ActivityFailureWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(always_fails, start_to_close_timeout=timedelta(seconds=5))


async def test_activity_failure_chain(client: Client, task_queue: str) -> None:
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[ActivityFailureWorkflow],
        activities=[always_fails],
    ):
        with pytest.raises(WorkflowFailureError) as info:
            await client.execute_workflow(
                ActivityFailureWorkflow.run, id=wf_id(), task_queue=task_queue
            )
    activity_err = info.value.cause
    assert isinstance(activity_err, ActivityError)
    assert isinstance(activity_err.cause, ApplicationError)
    assert activity_err.cause.type == "Broken"


BUGGY = {"on": True}


@workflow.defn(name="BugWorkflow")
class BugWorkflow:
    @workflow.run
    async def run(self) -> str:
        if BUGGY["on"]:
            raise RuntimeError("a bug in workflow code")
        return "fixed"


async def test_workflow_bug_fails_task_then_fixed_code_completes(
    client: Client, task_queue: str
) -> None:
    handle = None
    async with Worker(client, task_queue=task_queue, workflows=[BugWorkflow]):
        handle = await client.start_workflow(
            BugWorkflow.run, id=wf_id(), task_queue=task_queue, task_timeout=timedelta(seconds=1)
        )

        async def task_failed() -> bool:
            return EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED in await event_types(handle)

        await wait_for(task_failed, what="WorkflowTaskFailed")
    desc_types = await event_types(handle)
    assert EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED not in desc_types
    BUGGY["on"] = False
    try:
        async with Worker(client, task_queue=task_queue, workflows=[BugWorkflow]):
            assert await handle.result() == "fixed"
    finally:
        BUGGY["on"] = True


step_runs: dict[str, int] = {}


@activity.defn
async def step(key: str) -> str:
    step_runs[key] = step_runs.get(key, 0) + 1
    return key


@workflow.defn
class TwoStepWorkflow:
    @workflow.run
    async def run(self, key: str) -> list[str]:
        first = await workflow.execute_activity(
            step, key + "-a", start_to_close_timeout=timedelta(seconds=5)
        )
        await asyncio.sleep(2)
        second = await workflow.execute_activity(
            step, key + "-b", start_to_close_timeout=timedelta(seconds=5)
        )
        return [first, second]


async def test_new_worker_finishes_by_replay(client: Client, task_queue: str) -> None:
    key = str(uuid.uuid4())
    async with Worker(
        client, task_queue=task_queue, workflows=[TwoStepWorkflow], activities=[step]
    ):
        handle = await client.start_workflow(
            TwoStepWorkflow.run, key, id=wf_id(), task_queue=task_queue
        )

        async def timer_started() -> bool:
            return EventType.EVENT_TYPE_TIMER_STARTED in await event_types(handle)

        await wait_for(timer_started, what="the timer to start")
    async with Worker(
        client, task_queue=task_queue, workflows=[TwoStepWorkflow], activities=[step]
    ):
        assert await handle.result() == [key + "-a", key + "-b"]
    assert step_runs[key + "-a"] == 1
    assert step_runs[key + "-b"] == 1
