"""WorkflowTestRunner: workflows run in-process, in virtual time, with recorded histories."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import WorkflowFailureError
from temporal_sdk.common import RetryPolicy
from temporal_sdk.exceptions import ActivityError, ApplicationError, CancelledError
from temporal_sdk.testing import (
    SimulatedTimeout,
    WorkflowStuckError,
    WorkflowTestRunner,
)
from temporal_sdk.worker import Replayer

_ET = EventType


@activity.defn
async def greet(name: str) -> str:
    return f"Hello, {name}!"


@activity.defn
def shout(text: str) -> str:
    return text.upper()


@workflow.defn
class GreetWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        greeting = await workflow.execute_activity(
            greet, name, start_to_close_timeout=timedelta(seconds=10)
        )
        return str(
            await workflow.execute_activity(
                shout, greeting, start_to_close_timeout=timedelta(seconds=10)
            )
        )


@workflow.defn
class RetryWorkflow:
    @workflow.run
    async def run(self, attempts: int) -> str:
        return str(
            await workflow.execute_activity(
                "flaky",
                attempts,
                start_to_close_timeout=timedelta(seconds=5),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(seconds=2),
                    backoff_coefficient=3.0,
                    maximum_attempts=attempts,
                ),
            )
        )


@workflow.defn
class LongSleepWorkflow:
    @workflow.run
    async def run(self) -> float:
        start = workflow.now()
        await workflow.sleep(timedelta(days=30))
        return (workflow.now() - start).total_seconds()


@workflow.defn
class SignalWorkflow:
    def __init__(self) -> None:
        self.items: list[str] = []

    @workflow.signal
    def add(self, item: str) -> None:
        self.items.append(item)

    @workflow.query
    def count(self) -> int:
        return len(self.items)

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: len(self.items) >= 2)
        return self.items


@workflow.defn
class CancellableWorkflow:
    @workflow.run
    async def run(self) -> str:
        try:
            await workflow.sleep(timedelta(hours=5))
        except asyncio.CancelledError:
            return "cleaned up"
        return "slept"


@workflow.defn
class ChildWorkflow:
    @workflow.run
    async def run(self, n: int) -> int:
        await workflow.sleep(timedelta(minutes=n))
        return n * 2


@workflow.defn
class ParentWorkflow:
    @workflow.run
    async def run(self, n: int) -> int:
        first = await workflow.execute_child_workflow(ChildWorkflow.run, n, id="child-a")
        second = await workflow.execute_child_workflow(ChildWorkflow.run, n + 1, id="child-b")
        return int(first) + int(second)


@workflow.defn
class LoopingWorkflow:
    @workflow.run
    async def run(self, remaining: int, total: int) -> int:
        await workflow.sleep(timedelta(hours=1))
        if remaining > 0:
            workflow.continue_as_new(args=[remaining - 1, total + remaining])
        return total


@workflow.defn
class StuckWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


def _types(history: Any) -> list[int]:
    return [e.event_type for e in history.events]


async def _replays(workflows: list[type], *histories: Any) -> None:
    replayer = Replayer(workflows=workflows)
    for history in histories:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None, result.replay_failure


async def test_real_activities_run_in_process() -> None:
    async with WorkflowTestRunner(workflows=[GreetWorkflow], activities=[greet, shout]) as runner:
        handle = await runner.start_workflow(GreetWorkflow.run, "Temporal", id="greet-1")
        assert await handle.result() == "HELLO, TEMPORAL!"
        assert [(c.name, c.args) for c in runner.activity_calls] == [
            ("greet", ("Temporal",)),
            ("shout", ("Hello, Temporal!",)),
        ]
        types = _types(handle.history())
        assert types[:3] == [
            _ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
            _ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
            _ET.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        ]
        assert types.count(_ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) == 2
        assert types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
        await _replays([GreetWorkflow], handle.history())


async def test_mocked_activities_value_callable_and_error() -> None:
    mocks = {"greet": lambda name: f"hi {name}", "shout": "MOCKED"}
    async with WorkflowTestRunner(workflows=[GreetWorkflow], mocks=mocks) as runner:
        assert await runner.execute_workflow(GreetWorkflow.run, "x") == "MOCKED"
        assert runner.activity_calls[1].args == ("hi x",)
    boom = ApplicationError("no greeting today", non_retryable=True)
    async with WorkflowTestRunner(workflows=[GreetWorkflow], mocks={"greet": boom}) as runner:
        handle = await runner.start_workflow(GreetWorkflow.run, "x")
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        assert isinstance(info.value.cause, ActivityError)
        assert "no greeting today" in str(info.value.cause.cause)
        await _replays([GreetWorkflow], handle.history())


async def test_retries_back_off_in_virtual_time() -> None:
    calls: list[float] = []

    async def flaky(attempts: int) -> str:
        calls.append(runner.now().timestamp())
        if len(calls) < attempts:
            raise ApplicationError("try again")
        return f"ok after {len(calls)}"

    runner = WorkflowTestRunner(workflows=[RetryWorkflow], mocks={"flaky": flaky})
    handle = await runner.start_workflow(RetryWorkflow.run, 3)
    assert await handle.result() == "ok after 3"
    assert [b - a for a, b in itertools.pairwise(calls)] == [2.0, 6.0]
    assert [c.attempt for c in runner.activity_calls] == [1, 2, 3]
    started = [
        e for e in handle.history().events if e.event_type == _ET.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ]
    assert started[0].activity_task_started_event_attributes.attempt == 3
    await _replays([RetryWorkflow], handle.history())
    runner.close()


async def test_exhausted_retries_and_timeouts_fail_the_activity() -> None:
    runner = WorkflowTestRunner(
        workflows=[RetryWorkflow], mocks={"flaky": ApplicationError("always")}
    )
    handle = await runner.start_workflow(RetryWorkflow.run, 2)
    with pytest.raises(WorkflowFailureError):
        await handle.result()
    assert len(runner.activity_calls) == 2
    runner.close()

    runner = WorkflowTestRunner(workflows=[RetryWorkflow], mocks={"flaky": SimulatedTimeout()})
    start = runner.now()
    handle = await runner.start_workflow(RetryWorkflow.run, 2)
    with pytest.raises(WorkflowFailureError) as info:
        await handle.result()
    assert "timeout" in str(info.value.cause.__cause__).lower()
    # two 5 s attempts with a 2 s backoff in between
    assert runner.now() - start == timedelta(seconds=12)
    types = _types(handle.history())
    assert _ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT in types
    await _replays([RetryWorkflow], handle.history())
    runner.close()


async def test_thirty_day_timer_finishes_instantly() -> None:
    async with WorkflowTestRunner(workflows=[LongSleepWorkflow]) as runner:
        start = runner.now()
        handle = await runner.start_workflow(LongSleepWorkflow.run)
        assert await handle.result() == 30 * 86400
        assert runner.now() - start == timedelta(days=30)
        types = _types(handle.history())
        assert _ET.EVENT_TYPE_TIMER_STARTED in types and _ET.EVENT_TYPE_TIMER_FIRED in types
        await _replays([LongSleepWorkflow], handle.history())


async def test_signals_and_queries_at_chosen_virtual_times() -> None:
    async with WorkflowTestRunner(workflows=[SignalWorkflow]) as runner:
        handle = await runner.start_workflow(SignalWorkflow.run)
        await runner.sleep(timedelta(hours=2))
        await handle.signal(SignalWorkflow.add, "a")
        assert await handle.query(SignalWorkflow.count) == 1
        await runner.sleep(timedelta(days=1))
        await handle.signal("add", "b")
        assert await handle.result() == ["a", "b"]
        signaled = [
            e
            for e in handle.history().events
            if e.event_type == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        ]
        gap = signaled[1].event_time.seconds - signaled[0].event_time.seconds
        assert gap == 86400
        await _replays([SignalWorkflow], handle.history())


async def test_cancellation() -> None:
    async with WorkflowTestRunner(workflows=[CancellableWorkflow]) as runner:
        handle = await runner.start_workflow(CancellableWorkflow.run)
        await runner.sleep(timedelta(hours=1))
        await handle.cancel()
        assert await handle.result() == "cleaned up"
        types = _types(handle.history())
        assert _ET.EVENT_TYPE_TIMER_CANCELED in types
        await _replays([CancellableWorkflow], handle.history())

    async with WorkflowTestRunner(workflows=[StuckWorkflow]) as runner:
        handle = await runner.start_workflow(StuckWorkflow.run)
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        assert isinstance(info.value.cause, CancelledError)


async def test_child_workflows_run_in_the_runner() -> None:
    async with WorkflowTestRunner(workflows=[ParentWorkflow, ChildWorkflow]) as runner:
        handle = await runner.start_workflow(ParentWorkflow.run, 3)
        assert await handle.result() == 6 + 8
        child = runner.get_workflow_handle("child-b")
        assert await child.result() == 8
        types = _types(handle.history())
        assert types.count(_ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED) == 2
        await _replays([ParentWorkflow, ChildWorkflow], handle.history(), child.history())


async def test_continue_as_new_is_followed() -> None:
    async with WorkflowTestRunner(workflows=[LoopingWorkflow]) as runner:
        handle = await runner.start_workflow(LoopingWorkflow.run, args=[3, 0])
        assert await handle.result() == 3 + 2 + 1
        histories = handle.histories()
        assert len(histories) == 4
        first = _types(histories[0])
        assert first[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        await _replays([LoopingWorkflow], *histories)


async def test_stuck_workflow_reports_its_stack() -> None:
    async with WorkflowTestRunner(workflows=[StuckWorkflow]) as runner:
        handle = await runner.start_workflow(StuckWorkflow.run, id="stuck")
        with pytest.raises(WorkflowStuckError) as info:
            await handle.result()
        message = str(info.value)
        assert "stuck" in message
        assert "wait_condition" in message


@workflow.defn
class CancelActivityWorkflow:
    @workflow.run
    async def run(self) -> str:
        handle = workflow.start_activity(
            "slow",
            start_to_close_timeout=timedelta(seconds=5),
            retry_policy=RetryPolicy(initial_interval=timedelta(hours=1)),
        )
        await workflow.sleep(timedelta(minutes=10))
        handle.cancel()
        try:
            await handle
        except ActivityError as err:
            return type(err.cause).__name__
        return "completed"


@workflow.defn
class MarkersWorkflow:
    @workflow.run
    async def run(self) -> list[Any]:
        patched = workflow.patched("new-path")
        value = workflow.side_effect(lambda: 41) + 1
        workflow.upsert_memo({"stage": "done"})
        return [patched, value, str(workflow.uuid4())[:0]]


@workflow.defn
class PingWorkflow:
    @workflow.run
    async def run(self, target: str) -> None:
        await workflow.get_external_workflow_handle(target).signal("add", "ping")
        await workflow.get_external_workflow_handle(target).signal("add", "pong")


async def test_activity_cancellation_during_backoff() -> None:
    mocks = {"slow": ApplicationError("not yet")}
    async with WorkflowTestRunner(workflows=[CancelActivityWorkflow], mocks=mocks) as runner:
        handle = await runner.start_workflow(CancelActivityWorkflow.run)
        assert await handle.result() == "CancelledError"
        types = _types(handle.history())
        assert _ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED in types
        assert len(runner.activity_calls) == 1
        await _replays([CancelActivityWorkflow], handle.history())


async def test_markers_and_memo_are_recorded_and_replay() -> None:
    async with WorkflowTestRunner(workflows=[MarkersWorkflow]) as runner:
        handle = await runner.start_workflow(MarkersWorkflow.run)
        assert await handle.result() == [True, 42, ""]
        types = _types(handle.history())
        assert types.count(_ET.EVENT_TYPE_MARKER_RECORDED) == 2
        assert _ET.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED in types
        await _replays([MarkersWorkflow], handle.history())


async def test_external_signals_reach_runs_in_the_runner() -> None:
    async with WorkflowTestRunner(workflows=[SignalWorkflow, PingWorkflow]) as runner:
        receiver = await runner.start_workflow(SignalWorkflow.run, id="receiver")
        sender = await runner.start_workflow(PingWorkflow.run, "receiver")
        assert await receiver.result() == ["ping", "pong"]
        await sender.result()
        assert _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED in _types(sender.history())
        await _replays([SignalWorkflow, PingWorkflow], receiver.history(), sender.history())
        lonely = await runner.start_workflow(PingWorkflow.run, "nobody")
        with pytest.raises(WorkflowFailureError):
            await lonely.result()


@workflow.defn
class CounterWorkflow:
    def __init__(self) -> None:
        self.total = 0
        self.done = False

    @workflow.update
    async def add(self, n: int) -> int:
        await workflow.sleep(timedelta(minutes=1))
        self.total += n
        return self.total

    @add.validator
    def check_add(self, n: int) -> None:
        if n < 0:
            raise ValueError("negative")

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.total


async def test_updates_accept_reject_and_replay() -> None:
    from temporal_sdk.client import WorkflowUpdateFailedError

    async with WorkflowTestRunner(workflows=[CounterWorkflow]) as runner:
        handle = await runner.start_workflow(CounterWorkflow.run)
        assert await handle.execute_update(CounterWorkflow.add, 5) == 5
        assert await handle.execute_update("add", 2, result_type=int) == 7
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(CounterWorkflow.add, -1)
        await handle.signal(CounterWorkflow.finish)
        assert await handle.result() == 7
        types = _types(handle.history())
        assert types.count(_ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) == 2
        assert types.count(_ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED) == 2
        await _replays([CounterWorkflow], handle.history())


@workflow.defn
class BuggyWorkflow:
    @workflow.run
    async def run(self) -> None:
        raise RuntimeError("a bug, not a workflow failure")


async def test_workflow_task_failure_is_raised_not_retried() -> None:
    from temporal_sdk.testing import WorkflowTaskFailedError

    async with WorkflowTestRunner(workflows=[BuggyWorkflow]) as runner:
        with pytest.raises(WorkflowTaskFailedError, match="a bug, not a workflow failure"):
            await runner.start_workflow(BuggyWorkflow.run)


async def test_unknown_workflow_type_is_a_clear_error() -> None:
    async with WorkflowTestRunner(workflows=[BuggyWorkflow]) as runner:
        with pytest.raises(ValueError, match="not registered"):
            await runner.start_workflow("Nope")


async def test_child_workflows_can_be_mocked() -> None:
    async with WorkflowTestRunner(
        workflows=[ParentWorkflow], child_mocks={"ChildWorkflow": lambda n: n * 100}
    ) as runner:
        handle = await runner.start_workflow(ParentWorkflow.run, 1)
        assert await handle.result() == 100 + 200
        await _replays([ParentWorkflow, ChildWorkflow], handle.history())
    failing = ApplicationError("child broke", non_retryable=True)
    async with WorkflowTestRunner(
        workflows=[ParentWorkflow], child_mocks={"ChildWorkflow": failing}
    ) as runner:
        with pytest.raises(WorkflowFailureError) as info:
            await runner.execute_workflow(ParentWorkflow.run, 1)
        assert "child broke" in str(info.value.cause.__cause__)


@workflow.defn
class UnlimitedRetryWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity("broken", start_to_close_timeout=timedelta(seconds=5))


async def test_unlimited_retries_of_a_broken_activity_stop_with_a_message() -> None:
    mocks = {"broken": ApplicationError("still broken")}
    async with WorkflowTestRunner(workflows=[UnlimitedRetryWorkflow], mocks=mocks) as runner:
        handle = await runner.start_workflow(UnlimitedRetryWorkflow.run)
        with pytest.raises(WorkflowStuckError, match="still broken"):
            await handle.result()
        assert len(runner.activity_calls) == 100
