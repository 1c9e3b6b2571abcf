"""Child workflow, signal-external and cancel-external machines, driven through the router."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

import pytest
from core_helpers import drive, machines_for
from history_builder import HistoryBuilder, payload

from temporal_sdk._core.activation import (
    CancelChildWorkflow,
    CancelSignalExternalWorkflow,
    Command,
    CompleteWorkflow,
    RequestCancelExternalWorkflow,
    ResolveChildWorkflow,
    ResolveChildWorkflowStart,
    ResolveRequestCancelExternalWorkflow,
    ResolveSignalExternalWorkflow,
    SignalExternalWorkflow,
    StartChildWorkflow,
)
from temporal_sdk._core.determinism import NondeterminismError
from temporal_sdk._core.machines import PendingCommand, _fsm
from temporal_sdk._core.machines import cancel_external as ce
from temporal_sdk._core.machines import child_workflow as cw
from temporal_sdk._core.machines import signal_external as se
from temporal_sdk.api.command.v1 import (
    RequestCancelExternalWorkflowExecutionCommandAttributes,
    SignalExternalWorkflowExecutionCommandAttributes,
    StartChildWorkflowExecutionCommandAttributes,
)
from temporal_sdk.api.common.v1 import WorkflowExecution, WorkflowType
from temporal_sdk.api.enums.v1 import CommandType, RetryState, TimeoutType
from temporal_sdk.api.failure.v1 import ApplicationFailureInfo, Failure
from temporal_sdk.api.taskqueue.v1 import TaskQueue

CT = cw.ChildCancellationType
_CT = CommandType


def start(seq: int = 1, wid: str = "kid", kind: CT = CT.WAIT_CANCELLATION_COMPLETED) -> Command:
    attrs = StartChildWorkflowExecutionCommandAttributes(
        namespace="default",
        workflow_id=wid,
        workflow_type=WorkflowType(name="Child"),
        task_queue=TaskQueue(name="tq"),
    )
    return StartChildWorkflow(seq, attrs, int(kind), origin="wf.py:7 in run")


def signal(seq: int = 1, wid: str = "other", name: str = "sig") -> Command:
    attrs = SignalExternalWorkflowExecutionCommandAttributes(
        namespace="default", execution=WorkflowExecution(workflow_id=wid), signal_name=name
    )
    return SignalExternalWorkflow(seq, attrs)


def cancel_external(seq: int = 1, wid: str = "other") -> Command:
    attrs = RequestCancelExternalWorkflowExecutionCommandAttributes(
        namespace="default", workflow_id=wid
    )
    return RequestCancelExternalWorkflow(seq, attrs)


def _started() -> HistoryBuilder:
    h = HistoryBuilder()
    h.add_workflow_execution_started("Parent")
    return h


def _child_started(h: HistoryBuilder, wid: str = "kid") -> tuple[int, int]:
    """First task starts the child; the second task sees it started."""
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    initiated = h.add_start_child_workflow_initiated(wid)
    started = h.add_child_workflow_started(initiated, wid)
    h.add_workflow_task_to_start()
    return initiated, started


# ------------------------------------------------------------------------------ child outcomes


def test_child_completes() -> None:
    h = _started()
    initiated, started = _child_started(h)
    h.add_workflow_task_completed()
    h.add_child_workflow_completed(initiated, started, "kid", payload(b'"done"'))
    h.add_workflow_task_to_start()
    m = machines_for(h)
    _, second, third = drive(m, [start()], [], [CompleteWorkflow(None)])
    assert second.jobs == (ResolveChildWorkflowStart(1, run_id="child-run"),)
    [done] = third.jobs
    assert isinstance(done, ResolveChildWorkflow) and done.result is not None
    assert done.result.data == b'"done"' and done.failure is None
    assert [c.command_type for c in m.take_commands()] == [
        _CT.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION
    ]


def _outcome(add: str, *extra: Any) -> ResolveChildWorkflow:
    h = _started()
    initiated, started = _child_started(h)
    h.add_workflow_task_completed()
    getattr(h, add)(initiated, started, "kid", *extra)
    h.add_workflow_task_to_start()
    *_, last = drive(machines_for(h), [start()], [], [])
    [job] = last.jobs
    assert isinstance(job, ResolveChildWorkflow) and job.failure is not None
    info = job.failure.child_workflow_execution_failure_info
    assert info.workflow_execution.workflow_id == "kid"
    assert info.workflow_execution.run_id == "child-run"
    assert info.workflow_type.name == "Child"
    assert (info.initiated_event_id, info.started_event_id) == (initiated, started)
    return job


def test_child_fails_with_its_failure_as_cause() -> None:
    app = Failure(message="no", application_failure_info=ApplicationFailureInfo(type="Bad"))
    job = _outcome("add_child_workflow_failed", app)
    assert job.failure is not None
    assert job.failure.message == "Child Workflow execution failed"
    assert job.failure.cause.application_failure_info.type == "Bad"
    retry = job.failure.child_workflow_execution_failure_info.retry_state
    assert retry == RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE


def test_child_timed_out() -> None:
    job = _outcome("add_child_workflow_timed_out")
    assert job.failure is not None
    assert job.failure.message == "Child Workflow execution timed out"
    timeout = job.failure.cause.timeout_failure_info.timeout_type
    assert timeout == TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE
    retry = job.failure.child_workflow_execution_failure_info.retry_state
    assert retry == RetryState.RETRY_STATE_TIMEOUT


def test_child_terminated() -> None:
    job = _outcome("add_child_workflow_terminated")
    assert job.failure is not None
    assert job.failure.message == "Child Workflow execution terminated"
    assert job.failure.cause.HasField("terminated_failure_info")


def test_child_canceled() -> None:
    job = _outcome("add_child_workflow_canceled")
    assert job.failure is not None
    assert job.failure.message == "Child Workflow execution cancelled"
    assert job.failure.cause.HasField("canceled_failure_info")


def test_child_start_failed() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    initiated = h.add_start_child_workflow_initiated("kid")
    h.add_start_child_workflow_failed(initiated, "kid")
    h.add_workflow_task_to_start()
    _, second = drive(machines_for(h), [start()], [])
    [job] = second.jobs
    assert isinstance(job, ResolveChildWorkflowStart)
    assert job.run_id == "" and job.start_failed_cause == 1


def test_child_with_other_id_is_nondeterministic() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    h.add_start_child_workflow_initiated("kid")
    h.add_workflow_task_to_start()
    with pytest.raises(NondeterminismError, match="StartChildWorkflow workflow_id=other"):
        drive(machines_for(h), [start(wid="other")], [])


# -------------------------------------------------------------------------- child cancellation


@pytest.mark.parametrize("kind", list(CT))
def test_cancel_before_sent_withdraws_start(kind: CT) -> None:
    h = _started()
    h.add_workflow_task_to_start()
    m = machines_for(h)
    _, second = drive(m, [start(kind=kind), CancelChildWorkflow(1, reason="nah")], [])
    assert m.take_commands() == []
    [job] = second.jobs
    assert isinstance(job, ResolveChildWorkflowStart) and job.cancelled is not None
    assert job.cancelled.message == "Child Workflow Execution cancelled before scheduled: nah"
    assert job.cancelled.cause.HasField("canceled_failure_info")


def _cancel_after_start(kind: CT) -> tuple[HistoryBuilder, int, int]:
    h = _started()
    initiated, started = _child_started(h)
    return h, initiated, started


@pytest.mark.parametrize("kind", [CT.TRY_CANCEL, CT.ABANDON])
def test_cancel_resolves_at_once(kind: CT) -> None:
    h, _, _ = _cancel_after_start(kind)
    m = machines_for(h)
    _, _, third = drive(m, [start(kind=kind)], [CancelChildWorkflow(1)], [])
    [job] = third.jobs
    assert isinstance(job, ResolveChildWorkflow) and job.failure is not None
    assert job.failure.message == "Child Workflow execution cancelled"
    sent = [c.command_type for c in m.take_commands()]
    if kind is CT.ABANDON:
        assert sent == []
    else:
        assert sent == [_CT.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION]


def test_try_cancel_ignores_later_child_news() -> None:
    h, initiated, started = _cancel_after_start(CT.TRY_CANCEL)
    h.add_workflow_task_completed()
    req = h.add_request_cancel_external_initiated("kid", child_only=True)
    h.add_external_cancel_requested(req, "kid")
    h.add_child_workflow_canceled(initiated, started, "kid")
    h.add_workflow_task_to_start()
    acts = drive(machines_for(h), [start(kind=CT.TRY_CANCEL)], [CancelChildWorkflow(1)], [], [])
    assert acts[-1].jobs == ()


def test_wait_cancellation_completed_waits_for_child() -> None:
    h, initiated, started = _cancel_after_start(CT.WAIT_CANCELLATION_COMPLETED)
    h.add_workflow_task_completed()
    req = h.add_request_cancel_external_initiated("kid", child_only=True)
    h.add_external_cancel_requested(req, "kid")
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    h.add_child_workflow_canceled(initiated, started, "kid")
    h.add_workflow_task_to_start()
    m = machines_for(h)
    acts = drive(m, [start()], [CancelChildWorkflow(1), CancelChildWorkflow(1)], [], [])
    assert acts[2].jobs == ()  # the request was delivered; still waiting for the child
    [job] = acts[3].jobs
    assert isinstance(job, ResolveChildWorkflow) and job.failure is not None
    assert job.failure.cause.HasField("canceled_failure_info")


@pytest.mark.parametrize(
    "outcome",
    ["add_child_workflow_failed", "add_child_workflow_timed_out", "add_child_workflow_terminated"],
)
def test_wait_cancellation_completed_takes_any_outcome(outcome: str) -> None:
    h, initiated, started = _cancel_after_start(CT.WAIT_CANCELLATION_COMPLETED)
    h.add_workflow_task_completed()
    h.add_request_cancel_external_initiated("kid", child_only=True)
    extra = [Failure(message="x")] if outcome == "add_child_workflow_failed" else []
    getattr(h, outcome)(initiated, started, "kid", *extra)
    h.add_workflow_task_to_start()
    acts = drive(machines_for(h), [start()], [CancelChildWorkflow(1)], [])
    [job] = acts[2].jobs
    assert isinstance(job, ResolveChildWorkflow) and job.failure is not None
    assert not job.failure.cause.HasField("canceled_failure_info")


def test_start_fails_while_cancel_in_flight() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    initiated = h.add_start_child_workflow_initiated("kid")
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    req = h.add_request_cancel_external_initiated("kid", child_only=True)
    h.add_start_child_workflow_failed(initiated, "kid")
    h.add_request_cancel_external_failed(req, "kid")
    h.add_workflow_task_to_start()
    acts = drive(machines_for(h), [start()], [CancelChildWorkflow(1)], [])
    [job] = acts[2].jobs
    assert isinstance(job, ResolveChildWorkflowStart) and job.start_failed_cause == 1


def test_wait_cancellation_requested_delivered_before_start() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    initiated = h.add_start_child_workflow_initiated("kid")
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    req = h.add_request_cancel_external_initiated("kid", child_only=True)
    h.add_external_cancel_requested(req, "kid")
    h.add_child_workflow_started(initiated, "kid")
    h.add_workflow_task_to_start()
    kind = CT.WAIT_CANCELLATION_REQUESTED
    acts = drive(machines_for(h), [start(kind=kind)], [CancelChildWorkflow(1)], [])
    [job] = acts[2].jobs
    assert isinstance(job, ResolveChildWorkflow) and job.failure is not None


def test_wait_cancellation_requested_resolves_on_delivery() -> None:
    h, initiated, started = _cancel_after_start(CT.WAIT_CANCELLATION_REQUESTED)
    h.add_workflow_task_completed()
    req = h.add_request_cancel_external_initiated("kid", child_only=True)
    h.add_external_cancel_requested(req, "kid")
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    h.add_child_workflow_completed(initiated, started, "kid")
    h.add_workflow_task_to_start()
    kind = CT.WAIT_CANCELLATION_REQUESTED
    acts = drive(machines_for(h), [start(kind=kind)], [CancelChildWorkflow(1)], [], [])
    [job] = acts[2].jobs
    assert isinstance(job, ResolveChildWorkflow) and job.failure is not None
    assert job.failure.message == "Child Workflow execution cancelled"
    assert acts[3].jobs == ()


def test_wait_cancellation_requested_failed_request_waits_for_child() -> None:
    h, initiated, started = _cancel_after_start(CT.WAIT_CANCELLATION_REQUESTED)
    h.add_workflow_task_completed()
    req = h.add_request_cancel_external_initiated("kid", child_only=True)
    h.add_child_workflow_completed(initiated, started, "kid", payload(b"1"))
    h.add_request_cancel_external_failed(req, "kid")
    h.add_workflow_task_to_start()
    kind = CT.WAIT_CANCELLATION_REQUESTED
    acts = drive(machines_for(h), [start(kind=kind)], [CancelChildWorkflow(1)], [])
    [job] = acts[2].jobs
    assert isinstance(job, ResolveChildWorkflow) and job.failure is None


@pytest.mark.parametrize("kind", list(CT))
def test_cancel_while_start_in_flight(kind: CT) -> None:
    h = _started()
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    initiated = h.add_start_child_workflow_initiated("kid")
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    if kind is not CT.ABANDON:
        req = h.add_request_cancel_external_initiated("kid", child_only=True)
    started = h.add_child_workflow_started(initiated, "kid")
    if kind is not CT.ABANDON:
        h.add_external_cancel_requested(req, "kid")
    h.add_child_workflow_canceled(initiated, started, "kid")
    h.add_workflow_task_to_start()
    waits = kind in (CT.WAIT_CANCELLATION_COMPLETED, CT.WAIT_CANCELLATION_REQUESTED)
    # Waiting kinds get no follow-up activation: their outcome comes with the next task.
    rest: list[list[Command]] = [[]] if waits else [[], []]
    acts = drive(machines_for(h), [start(kind=kind)], [CancelChildWorkflow(1)], *rest)
    jobs = [type(j).__name__ for a in acts[2:] for j in a.jobs]
    if waits:
        assert jobs == ["ResolveChildWorkflowStart", "ResolveChildWorkflow"]
    else:
        assert jobs == ["ResolveChildWorkflow"]


# ------------------------------------------------------------------------- external workflows


def test_signal_external_delivered_and_failed() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    first = h.add_signal_external_initiated("other", "sig")
    second = h.add_signal_external_initiated("ghost", "sig")
    h.add_external_signaled(first, "other")
    h.add_signal_external_failed(second, "ghost")
    h.add_workflow_task_to_start()
    m = machines_for(h)
    _, act = drive(m, [signal(1), signal(2, "ghost")], [CancelSignalExternalWorkflow(1)])
    ok, failed = act.jobs
    assert ok == ResolveSignalExternalWorkflow(1)
    assert isinstance(failed, ResolveSignalExternalWorkflow) and failed.failure is not None
    assert failed.failure.message == "Unable to signal external workflow because it was not found"
    assert failed.failure.application_failure_info.type == "EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND"


def test_signal_cancelled_before_sent() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    m = machines_for(h)
    _, second = drive(m, [signal(1), CancelSignalExternalWorkflow(1)], [])
    assert m.take_commands() == []
    [job] = second.jobs
    assert isinstance(job, ResolveSignalExternalWorkflow) and job.failure is not None
    assert job.failure.message == se.CANCELLED_MESSAGE


def test_signal_with_other_name_is_nondeterministic() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    h.add_signal_external_initiated("other", "sig")
    h.add_workflow_task_to_start()
    with pytest.raises(NondeterminismError, match="signal_name=other_sig"):
        drive(machines_for(h), [signal(name="other_sig")], [])


def test_cancel_external_requested_and_failed() -> None:
    h = _started()
    h.add_workflow_task_to_start()
    h.add_workflow_task_completed()
    first = h.add_request_cancel_external_initiated("other")
    second = h.add_request_cancel_external_initiated("ghost")
    h.add_external_cancel_requested(first, "other")
    h.add_request_cancel_external_failed(second, "ghost")
    h.add_workflow_task_to_start()
    m = machines_for(h)
    _, act = drive(m, [cancel_external(1), cancel_external(2, "ghost")], [])
    ok, failed = act.jobs
    assert ok == ResolveRequestCancelExternalWorkflow(1)
    assert isinstance(failed, ResolveRequestCancelExternalWorkflow)
    assert failed.failure is not None
    assert failed.failure.message == "Unable to cancel external workflow because not found"


# ------------------------------------------------------------------------ table coverage


class _Sink:
    def __init__(self) -> None:
        self.emitted: list[PendingCommand] = []
        self.jobs: list[Any] = []

    def emit(self, command: PendingCommand) -> None:
        self.emitted.append(command)

    def retract(self, command: PendingCommand) -> bool:
        return True

    def add_local_job(self, job: Any) -> None:
        self.jobs.append(job)


_KIND_FOR = {
    cw.ChildInput.CANCEL_ABANDON: CT.ABANDON,
    cw.ChildInput.CANCEL_TRY: CT.TRY_CANCEL,
    cw.ChildInput.CANCEL_WAIT: CT.WAIT_CANCELLATION_COMPLETED,
}


def test_signal_cancel_after_sent_does_nothing() -> None:
    for state in se.SignalExternalState:
        if state is se.SignalExternalState.CREATED:
            continue
        sink = _Sink()
        machine = se.SignalExternalMachine(signal(), sink)  # type: ignore[arg-type]
        machine.state = state
        machine.cancel(CancelSignalExternalWorkflow(1))
        assert machine.state is state and sink.jobs == [] and len(sink.emitted) == 1


def test_repeated_cancels_and_late_news_do_nothing() -> None:
    """Rows that only absorb inputs (repeat cancels, news after a local cancel) emit nothing."""
    for (state, input), (nxt, action) in cw.TABLE.items():
        if action is not cw.ChildAction.NONE:
            continue
        assert nxt is state
        sink = _Sink()
        machine = cw.ChildWorkflowMachine(start(), sink)  # type: ignore[arg-type]
        machine.state = state
        if input in _KIND_FOR:
            machine.cancellation_type = _KIND_FOR[input]
            machine.cancel(CancelChildWorkflow(1))
        else:
            assert machine._fire(input, None, None) is None
        assert machine.state is state and sink.jobs == [] and len(sink.emitted) == 1


@pytest.fixture
def fired() -> Any:
    seen: set[tuple[int, Enum, Enum]] = set()

    def record(table: Mapping[Any, Any], state: Enum, input: Enum) -> None:
        seen.add((id(table), state, input))

    _fsm.set_recorder(record)
    try:
        yield seen
    finally:
        _fsm.set_recorder(None)


def test_every_transition_is_exercised(fired: set[tuple[int, Enum, Enum]]) -> None:
    for name, fn in list(globals().items()):
        if not name.startswith("test_") or name == "test_every_transition_is_exercised":
            continue
        marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
        for value in marks[0].args[1] if marks else [None]:
            fn(value) if marks else fn()
    tables = {"child": cw.TABLE, "signal": se.TABLE, "cancel": ce.TABLE}
    missing = {
        name: sorted(f"{s.name} --{i.name}-->" for s, i in t if (id(t), s, i) not in fired)
        for name, t in tables.items()
    }
    assert {k: v for k, v in missing.items() if v} == {}
