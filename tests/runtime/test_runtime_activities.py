"""Activities from workflow code: scheduling attributes, results, failures, cancellation."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import pytest
from runtime_helpers import FC, PC, Harness, commands, decode, payload

from temporal_sdk import activity, workflow
from temporal_sdk._core.activation import (
    CancelWorkflow,
    CancelWorkflowExecution,
    CompleteWorkflow,
    FailWorkflow,
    RequestCancelActivity,
    ResolveActivity,
    ScheduleActivity,
)
from temporal_sdk.api.failure.v1 import ActivityFailureInfo, ApplicationFailureInfo, Failure
from temporal_sdk.common import RetryPolicy
from temporal_sdk.exceptions import ActivityError, ApplicationError, CancelledError


@dataclass
class Greeting:
    greeting: str
    name: str


@activity.defn
async def compose(arg: Greeting) -> str:
    return f"{arg.greeting}, {arg.name}!"


@activity.defn(name="make-greeting")
async def make_greeting(name: str) -> Greeting:
    return Greeting("Hi", name)


@workflow.defn
class GreetingWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            compose,
            Greeting("Hello", name),
            start_to_close_timeout=timedelta(seconds=10),
            schedule_to_close_timeout=timedelta(minutes=1),
            heartbeat_timeout=timedelta(seconds=2),
            retry_policy=RetryPolicy(maximum_attempts=3, non_retryable_error_types=["Bad"]),
        )


def test_schedule_activity_attributes_then_result_completes_workflow() -> None:
    h = Harness(GreetingWorkflow, "Temporal")
    (cmd,) = commands(h.start())
    assert isinstance(cmd, ScheduleActivity)
    assert cmd.seq == 1
    attrs = cmd.attributes
    assert attrs.activity_id == "1"
    assert attrs.activity_type.name == "compose"
    assert attrs.task_queue.name == "tq"
    assert attrs.start_to_close_timeout.seconds == 10
    assert attrs.schedule_to_close_timeout.seconds == 60
    assert attrs.heartbeat_timeout.seconds == 2
    assert not attrs.HasField("schedule_to_start_timeout")
    assert attrs.retry_policy.maximum_attempts == 3
    assert list(attrs.retry_policy.non_retryable_error_types) == ["Bad"]
    assert decode(attrs.input.payloads[0], Greeting) == Greeting("Hello", "Temporal")
    assert "test_runtime_activities.py" in cmd.origin and "in run" in cmd.origin

    (done,) = commands(h.activate(ResolveActivity(1, result=payload("Hello, Temporal!"))))
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == "Hello, Temporal!"


@workflow.defn
class ParallelWorkflow:
    @workflow.run
    async def run(self, n: int) -> list[int]:
        return list(
            await asyncio.gather(
                *(
                    workflow.execute_activity(
                        "double", i, start_to_close_timeout=timedelta(seconds=5)
                    )
                    for i in range(n)
                )
            )
        )


def test_gather_of_activities_issues_all_commands_in_one_completion() -> None:
    h = Harness(ParallelWorkflow, 2)
    cmds = commands(h.start())
    assert [type(c) for c in cmds] == [ScheduleActivity, ScheduleActivity]
    assert [c.seq for c in cmds] == [1, 2]  # type: ignore[union-attr]
    assert [decode(c.attributes.input.payloads[0]) for c in cmds] == [0, 1]  # type: ignore[union-attr]
    # Results arrive out of order; gather keeps argument order.
    assert commands(h.activate(ResolveActivity(2, result=payload(2)))) == ()
    (done,) = commands(h.activate(ResolveActivity(1, result=payload(0))))
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == [0, 2]


@workflow.defn
class TypedResultWorkflow:
    @workflow.run
    async def run(self) -> str:
        greeting = await workflow.execute_activity(
            make_greeting, "Ann", schedule_to_close_timeout=timedelta(seconds=5)
        )
        assert isinstance(greeting, Greeting)
        named = await workflow.execute_activity(
            "make-greeting",
            "Bob",
            task_queue="other",
            activity_id="custom",
            result_type=Greeting,
            start_to_close_timeout=timedelta(seconds=5),
        )
        assert isinstance(named, Greeting)
        return f"{greeting.name}+{named.name}"


def test_result_type_from_definition_or_argument() -> None:
    h = Harness(TypedResultWorkflow)
    (first,) = commands(h.start())
    assert isinstance(first, ScheduleActivity)
    assert first.attributes.activity_type.name == "make-greeting"
    (second,) = commands(h.activate(ResolveActivity(1, result=payload(Greeting("Hi", "Ann")))))
    assert isinstance(second, ScheduleActivity)
    assert second.attributes.activity_id == "custom"
    assert second.attributes.task_queue.name == "other"
    (done,) = commands(h.activate(ResolveActivity(2, result=payload(Greeting("Hi", "Bob")))))
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == "Ann+Bob"


def activity_failure(message: str, type_name: str) -> Failure:
    return Failure(
        message="Activity task failed",
        activity_failure_info=ActivityFailureInfo(activity_id="1"),
        cause=Failure(
            message=message, application_failure_info=ApplicationFailureInfo(type=type_name)
        ),
    )


@workflow.defn
class CatchingWorkflow:
    @workflow.run
    async def run(self) -> str:
        try:
            await workflow.execute_activity("boom", start_to_close_timeout=timedelta(seconds=1))
        except ActivityError as err:
            assert isinstance(err.cause, ApplicationError)
            return f"caught {err.cause.type}: {err.cause.message}"
        return "no error"


def test_failed_activity_raises_activity_error_with_cause() -> None:
    h = Harness(CatchingWorkflow)
    commands(h.start())
    (done,) = commands(h.activate(ResolveActivity(1, failure=activity_failure("broke", "Broken"))))
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == "caught Broken: broke"


@workflow.defn
class UncaughtWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity("boom", start_to_close_timeout=timedelta(seconds=1))


def test_uncaught_activity_error_fails_the_workflow() -> None:
    h = Harness(UncaughtWorkflow)
    commands(h.start())
    (fail,) = commands(h.activate(ResolveActivity(1, failure=activity_failure("broke", "Broken"))))
    assert isinstance(fail, FailWorkflow)
    err = FC.from_failure(fail.failure, PC)
    assert isinstance(err, ActivityError)
    assert isinstance(err.cause, ApplicationError)
    assert err.cause.type == "Broken"


@workflow.defn
class NoTimeoutWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity("x")


def test_missing_timeouts_is_a_value_error_failing_the_task() -> None:
    completion = Harness(NoTimeoutWorkflow).start()
    assert completion.failure is not None
    assert "start_to_close_timeout" in completion.failure.failure.message
    assert "ValueError" in completion.failure.failure.stack_trace


@workflow.defn
class CancelActivityWorkflow:
    @workflow.run
    async def run(self, kind: int) -> str:
        handle = workflow.start_activity(
            "slow",
            start_to_close_timeout=timedelta(seconds=30),
            cancellation_type=workflow.ActivityCancellationType(kind),
        )
        await asyncio.sleep(1)
        handle.cancel()
        try:
            await handle
        except ActivityError as err:
            assert isinstance(err.cause, CancelledError)
            return "cancelled"
        return "finished"


def test_try_cancel_requests_cancel_and_fails_the_call_at_once() -> None:
    h = Harness(CancelActivityWorkflow, int(workflow.ActivityCancellationType.TRY_CANCEL))
    commands(h.start())
    from temporal_sdk._core.activation import FireTimer

    cmds = commands(h.activate(FireTimer(1), advance=1))
    assert [type(c) for c in cmds] == [RequestCancelActivity, CompleteWorkflow]
    assert decode(cmds[1].result) == "cancelled"  # type: ignore[union-attr]


def test_wait_cancellation_completed_waits_for_resolution() -> None:
    kind = int(workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
    h = Harness(CancelActivityWorkflow, kind)
    commands(h.start())
    from temporal_sdk._core.activation import FireTimer

    cmds = commands(h.activate(FireTimer(1), advance=1))
    assert [type(c) for c in cmds] == [RequestCancelActivity]
    (done,) = commands(h.activate(ResolveActivity(1, cancelled=True)))
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == "cancelled"


def test_abandon_sends_nothing() -> None:
    h = Harness(CancelActivityWorkflow, int(workflow.ActivityCancellationType.ABANDON))
    commands(h.start())
    from temporal_sdk._core.activation import FireTimer

    (done,) = commands(h.activate(FireTimer(1), advance=1))
    assert isinstance(done, CompleteWorkflow)
    # A late resolution of the abandoned activity is ignored.
    assert commands(h.activate(ResolveActivity(1, result=payload("late")))) == ()


@workflow.defn
class CancellableWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity("slow", start_to_close_timeout=timedelta(seconds=30))


def test_workflow_cancel_cancels_activity_and_then_the_workflow() -> None:
    h = Harness(CancellableWorkflow)
    commands(h.start())
    cmds = commands(h.activate(CancelWorkflow(reason="stop")))
    assert [type(c) for c in cmds] == [RequestCancelActivity, CancelWorkflowExecution]


def test_cancel_in_first_activation_still_reaches_workflow_code() -> None:
    h = Harness(CancellableWorkflow)
    cmds = commands(h.start(CancelWorkflow()))
    # Scheduled and cancelled in the same activation: the core drops both on the wire.
    assert [type(c) for c in cmds] == [
        ScheduleActivity,
        RequestCancelActivity,
        CancelWorkflowExecution,
    ]


@workflow.defn
class ArgsWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(
            "multi", args=[1, "two"], start_to_close_timeout=timedelta(seconds=1)
        )


def test_multiple_args() -> None:
    (cmd,) = commands(Harness(ArgsWorkflow).start())
    assert isinstance(cmd, ScheduleActivity)
    assert [decode(p) for p in cmd.attributes.input.payloads] == [1, "two"]


def test_arg_and_args_together_is_an_error() -> None:
    with pytest.raises(ValueError, match="either arg or args"):
        workflow._arg_or_args(1, [2])
