"""Child and external workflow operations in the runtime: activations in, commands out."""

from __future__ import annotations

import asyncio
from typing import Any

from runtime_helpers import Harness, decode, payload

from temporal_sdk import workflow
from temporal_sdk._core.activation import (
    CancelChildWorkflow,
    CancelSignalExternalWorkflow,
    CompleteWorkflow,
    FailWorkflow,
    RequestCancelExternalWorkflow,
    ResolveChildWorkflow,
    ResolveChildWorkflowStart,
    ResolveRequestCancelExternalWorkflow,
    ResolveSignalExternalWorkflow,
    SignalExternalWorkflow,
    StartChildWorkflow,
)
from temporal_sdk.api.failure.v1 import (
    ApplicationFailureInfo,
    ChildWorkflowExecutionFailureInfo,
    Failure,
)


@workflow.defn
class Kid:
    @workflow.run
    async def run(self, n: int) -> int:
        return n


@workflow.defn
class Starter:
    @workflow.run
    async def run(self, scenario: str) -> Any:
        if scenario == "result":
            handle = await workflow.start_child_workflow(
                Kid.run,
                3,
                id="kid-1",
                memo={"m": 1},
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                cancellation_type=workflow.ChildWorkflowCancellationType.TRY_CANCEL,
            )
            return [handle.id, handle.first_execution_run_id, await handle]
        if scenario == "already":
            try:
                await workflow.start_child_workflow(Kid.run, 1, id="kid-1")
            except Exception as err:
                return type(err).__name__
        if scenario == "cancel":
            handle = await workflow.start_child_workflow(Kid.run, 1, id="kid-1")
            handle.cancel()
            try:
                return await handle
            except Exception as err:
                return f"{type(err).__name__}: {type(err.__cause__).__name__}"
        if scenario == "signal_unsent":
            task = asyncio.ensure_future(
                workflow.get_external_workflow_handle("other").signal("sig", 1)
            )
            await asyncio.sleep(0)
            task.cancel()
            try:
                await task
            except Exception as err:
                return type(err).__name__
        if scenario == "cancel_external":
            await workflow.get_external_workflow_handle("other", run_id="r").cancel(reason="x")
            return "ok"
        return await workflow.execute_child_workflow("Kid", 1)


def _failure(message: str, cause: Failure) -> Failure:
    failure = Failure(
        message=message, child_workflow_execution_failure_info=ChildWorkflowExecutionFailureInfo()
    )
    failure.cause.CopyFrom(cause)
    return failure


def test_start_child_command_and_result() -> None:
    h = Harness(Starter, "result")
    [cmd] = h.start().commands
    assert isinstance(cmd, StartChildWorkflow)
    attrs = cmd.attributes
    assert (attrs.workflow_id, attrs.workflow_type.name, attrs.task_queue.name) == (
        "kid-1",
        "Kid",
        "tq",
    )
    assert decode(attrs.input.payloads[0]) == 3
    assert decode(attrs.memo.fields["m"]) == 1
    assert attrs.parent_close_policy == 2
    assert cmd.cancellation_type == 1
    assert h.activate(ResolveChildWorkflowStart(1, run_id="kid-run")).commands == ()
    [done] = h.activate(ResolveChildWorkflow(1, result=payload(3))).commands
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == ["kid-1", "kid-run", 3]


def test_default_child_id_is_deterministic() -> None:
    ids = []
    for _ in range(2):
        h = Harness(Starter, "other")
        [cmd] = h.start().commands
        assert isinstance(cmd, StartChildWorkflow)
        ids.append(cmd.attributes.workflow_id)
    assert len(ids[0]) == 36 and ids[0] == ids[1]


def test_already_started() -> None:
    h = Harness(Starter, "already")
    h.start()
    [done] = h.activate(ResolveChildWorkflowStart(1, start_failed_cause=1)).commands
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == "WorkflowAlreadyStartedError"


def test_child_failure_fails_the_parent() -> None:
    h = Harness(Starter, "other")
    h.start()
    h.activate(ResolveChildWorkflowStart(1, run_id="r"))
    app = Failure(message="boom", application_failure_info=ApplicationFailureInfo(type="X"))
    [fail] = h.activate(
        ResolveChildWorkflow(1, failure=_failure("Child Workflow execution failed", app))
    ).commands
    assert isinstance(fail, FailWorkflow)
    assert fail.failure.message == "Child Workflow execution failed"
    assert fail.failure.cause.message == "boom"


def test_cancel_handle_issues_cancel_and_waits_for_core() -> None:
    h = Harness(Starter, "cancel")
    h.start()
    [cancel] = h.activate(ResolveChildWorkflowStart(1, run_id="r")).commands
    assert isinstance(cancel, CancelChildWorkflow) and cancel.seq == 1
    cancelled = Failure(message="", canceled_failure_info={})
    [done] = h.activate(
        ResolveChildWorkflow(1, failure=_failure("Child Workflow execution cancelled", cancelled))
    ).commands
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == "ChildWorkflowError: CancelledError"


def test_signal_cancelled_before_sent() -> None:
    h = Harness(Starter, "signal_unsent")
    sig, withdraw = h.start().commands
    assert isinstance(sig, SignalExternalWorkflow)
    assert sig.attributes.execution.workflow_id == "other"
    assert sig.attributes.signal_name == "sig"
    assert isinstance(withdraw, CancelSignalExternalWorkflow) and withdraw.seq == sig.seq
    failure = Failure(message="Signal was cancelled before being sent", canceled_failure_info={})
    [done] = h.activate(ResolveSignalExternalWorkflow(1, failure=failure)).commands
    assert isinstance(done, CompleteWorkflow)
    assert decode(done.result) == "CancelledError"


def test_cancel_external() -> None:
    h = Harness(Starter, "cancel_external")
    [cmd] = h.start().commands
    assert isinstance(cmd, RequestCancelExternalWorkflow)
    attrs = cmd.attributes
    assert (attrs.workflow_id, attrs.run_id) == ("other", "r")
    assert attrs.reason == "Cancel requested by workflow with run id run-1 with reason: x"
    [done] = h.activate(ResolveRequestCancelExternalWorkflow(1)).commands
    assert isinstance(done, CompleteWorkflow)
