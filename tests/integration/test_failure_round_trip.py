"""Every failure kind raised in an activity or a workflow reaches the client with its fields,
its chain of causes and its stack traces."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporal_sdk.common import RetryPolicy
from temporal_sdk.exceptions import (
    ActivityError,
    ApplicationError,
    ApplicationErrorCategory,
    CancelledError,
    ChildWorkflowError,
    RetryState,
    ServerError,
    TerminatedError,
    TimeoutError,
    TimeoutType,
)
from temporal_sdk.worker import Worker

ONE_TRY = RetryPolicy(maximum_attempts=1)


@activity.defn
async def raise_application(kind: str) -> None:
    try:
        raise ValueError("root cause in activity")
    except ValueError as err:
        if kind == "retryable":
            raise ApplicationError(
                "app failure",
                {"k": 1},
                "two",
                type="BusinessError",
                next_retry_delay=timedelta(seconds=7),
                category=ApplicationErrorCategory.BENIGN,
            ) from err
        raise ApplicationError("fatal", 3, type="FatalError", non_retryable=True) from err


@activity.defn
async def heartbeat_then_stall() -> None:
    activity.heartbeat("last-beat", 42)
    await asyncio.sleep(6)


@workflow.defn
class ActivityFailureWorkflow:
    @workflow.run
    async def run(self, kind: str) -> None:
        if kind == "timeout":
            await workflow.execute_activity(
                heartbeat_then_stall,
                start_to_close_timeout=timedelta(seconds=60),
                heartbeat_timeout=timedelta(seconds=2),
                retry_policy=ONE_TRY,
            )
        await workflow.execute_activity(
            raise_application,
            kind,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=ONE_TRY,
        )


@workflow.defn
class FailingChild:
    @workflow.run
    async def run(self) -> None:
        raise ApplicationError("child says no", "child-detail", type="ChildError")


@workflow.defn
class WorkflowFailureWorkflow:
    @workflow.run
    async def run(self, kind: str) -> None:
        if kind == "child":
            await workflow.execute_child_workflow(
                FailingChild.run, id=f"{workflow.info().workflow_id}-child"
            )
        elif kind == "server":
            raise ApplicationError("wrapper", type="Wrapper") from ServerError(
                "server-ish", non_retryable=True
            )
        elif kind == "cancel-activity":
            handle = workflow.start_activity(
                heartbeat_then_stall,
                start_to_close_timeout=timedelta(seconds=60),
                heartbeat_timeout=timedelta(seconds=10),
            )
            await workflow.sleep(0.1)  # let the schedule command go out first
            handle.cancel()
            await handle
        elif kind == "wait":
            await workflow.wait_condition(lambda: False)
        raise ApplicationError(
            "workflow failure",
            "wf-detail",
            type="WorkflowError",
            non_retryable=True,
            category=ApplicationErrorCategory.BENIGN,
        )


async def _failure(handle: WorkflowHandle[Any, Any]) -> BaseException:
    with pytest.raises(WorkflowFailureError) as info:
        await handle.result()
    assert info.value.cause is not None
    return info.value.cause


async def _run(client: Client, task_queue: str, wf: object, kind: str) -> BaseException:
    handle = await client.start_workflow(
        wf.run,  # type: ignore[attr-defined]
        kind,
        id=f"fail-{kind}-{uuid.uuid4()}",
        task_queue=task_queue,
    )
    return await _failure(handle)


def _worker(client: Client, task_queue: str) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[ActivityFailureWorkflow, WorkflowFailureWorkflow, FailingChild],
        activities=[raise_application, heartbeat_then_stall],
    )


async def test_activity_application_errors(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        err = await _run(client, task_queue, ActivityFailureWorkflow, "retryable")
        fatal = await _run(client, task_queue, ActivityFailureWorkflow, "fatal")
    assert isinstance(err, ActivityError)
    assert err.activity_type == "raise_application"
    assert err.retry_state == RetryState.MAXIMUM_ATTEMPTS_REACHED
    app = err.cause
    assert isinstance(app, ApplicationError)
    assert app.message == "app failure" and app.type == "BusinessError"
    assert list(app.details) == [{"k": 1}, "two"]
    assert not app.non_retryable
    assert app.next_retry_delay == timedelta(seconds=7)
    assert app.category == ApplicationErrorCategory.BENIGN
    assert app.failure is not None and "raise_application" in app.failure.stack_trace
    root = app.cause
    assert isinstance(root, ApplicationError)
    assert root.type == "ValueError" and root.message == "root cause in activity"
    assert root.failure is not None and "raise_application" in root.failure.stack_trace

    assert isinstance(fatal, ActivityError)
    assert fatal.retry_state == RetryState.NON_RETRYABLE_FAILURE
    assert isinstance(fatal.cause, ApplicationError)
    assert fatal.cause.non_retryable and fatal.cause.type == "FatalError"
    assert list(fatal.cause.details) == [3]


async def test_activity_heartbeat_timeout_keeps_details(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        err = await _run(client, task_queue, ActivityFailureWorkflow, "timeout")
    assert isinstance(err, ActivityError)
    assert err.retry_state == RetryState.MAXIMUM_ATTEMPTS_REACHED
    timeout = err.cause
    assert isinstance(timeout, TimeoutError)
    assert timeout.type == TimeoutType.HEARTBEAT
    assert list(timeout.last_heartbeat_details) == ["last-beat", 42]


async def test_workflow_application_error_and_server_cause(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        app = await _run(client, task_queue, WorkflowFailureWorkflow, "plain")
        wrapped = await _run(client, task_queue, WorkflowFailureWorkflow, "server")
    assert isinstance(app, ApplicationError)
    assert app.type == "WorkflowError" and app.non_retryable
    assert app.category == ApplicationErrorCategory.BENIGN
    assert list(app.details) == ["wf-detail"]
    assert app.failure is not None and "test_failure_round_trip.py" in app.failure.stack_trace
    assert isinstance(wrapped, ApplicationError) and wrapped.type == "Wrapper"
    server = wrapped.cause
    assert isinstance(server, ServerError)
    assert server.message == "server-ish" and server.non_retryable


async def test_child_workflow_error_chain(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        err = await _run(client, task_queue, WorkflowFailureWorkflow, "child")
    assert isinstance(err, ChildWorkflowError)
    assert err.workflow_type == "FailingChild"
    assert err.workflow_id.endswith("-child")
    assert err.namespace == client.namespace
    assert err.retry_state == RetryState.RETRY_POLICY_NOT_SET
    cause = err.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "ChildError" and list(cause.details) == ["child-detail"]
    assert cause.failure is not None and "test_failure_round_trip.py" in cause.failure.stack_trace


async def test_cancelled_and_terminated(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        cancelled = await client.start_workflow(
            WorkflowFailureWorkflow.run, "wait", id=f"c-{uuid.uuid4()}", task_queue=task_queue
        )
        terminated = await client.start_workflow(
            WorkflowFailureWorkflow.run, "wait", id=f"t-{uuid.uuid4()}", task_queue=task_queue
        )
        await cancelled.cancel()
        await terminated.terminate("term-detail", 5, reason="stop now")
        cancel_err = await _failure(cancelled)
        term_err = await _failure(terminated)
    assert isinstance(cancel_err, CancelledError)
    assert isinstance(term_err, TerminatedError)
    assert term_err.message == "stop now"
    assert list(term_err.details) == ["term-detail", 5]


async def test_activity_cancelled_and_workflow_timed_out(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        cancelled = await _run(client, task_queue, WorkflowFailureWorkflow, "cancel-activity")
        timed_out = await client.start_workflow(
            WorkflowFailureWorkflow.run,
            "wait",
            id=f"to-{uuid.uuid4()}",
            task_queue=task_queue,
            execution_timeout=timedelta(seconds=2),
        )
        timeout_err = await _failure(timed_out)
    assert isinstance(cancelled, ActivityError)
    assert cancelled.activity_type == "heartbeat_then_stall"
    assert isinstance(cancelled.cause, CancelledError)
    assert isinstance(timeout_err, TimeoutError)
    assert timeout_err.type == TimeoutType.START_TO_CLOSE


@workflow.defn
class TypedInput:
    @workflow.run
    async def run(self, count: int) -> int:
        return count


async def test_undecodable_input_fails_the_task_not_the_workflow(
    client: Client, task_queue: str
) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[TypedInput]):
        handle = await client.start_workflow(
            "TypedInput", "not-a-number", id=f"bad-{uuid.uuid4()}", task_queue=task_queue
        )
        failed = None
        for _ in range(400):
            async for event in handle.fetch_history_events():
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                    failed = event.workflow_task_failed_event_attributes.failure
            if failed is not None:
                break
            await asyncio.sleep(0.05)
        assert failed is not None
        assert "could not be converted" in failed.message
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        await handle.terminate(reason="done")
