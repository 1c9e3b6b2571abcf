"""The child workflow machine: StartChildWorkflowExecution, its cancel, and the child's events.

Rule: one machine per ``StartChildWorkflow(seq)``. The code learns the start from exactly one
``ResolveChildWorkflowStart(seq)`` and, if the child started, the outcome from exactly one
``ResolveChildWorkflow(seq)`` (failures built the way Temporal's other SDKs build them). A
cancel before the start command was sent withdraws it. Otherwise the cancellation type decides:

* ABANDON: send nothing, resolve as cancelled at once.
* TRY_CANCEL: send RequestCancelExternalWorkflowExecution, resolve as cancelled at once.
* WAIT_CANCELLATION_REQUESTED: send it, resolve as cancelled once the server confirms delivery
  (or with the child's outcome if that comes first).
* WAIT_CANCELLATION_COMPLETED: send it, resolve with whatever outcome the child reaches.

Once resolved as cancelled, later events about the child are accepted and ignored.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from temporal_sdk._core.activation import (
    CancelChildWorkflow,
    Job,
    ResolveChildWorkflow,
    ResolveChildWorkflowStart,
    StartChildWorkflow,
)
from temporal_sdk._core.machines import CommandSink, PendingCommand
from temporal_sdk._core.machines._fsm import Table, fire
from temporal_sdk._core.machines.cancel_external import CancelExternalMachine
from temporal_sdk.api.command.v1 import (
    Command,
    RequestCancelExternalWorkflowExecutionCommandAttributes,
)
from temporal_sdk.api.common.v1 import WorkflowExecution, WorkflowType
from temporal_sdk.api.enums.v1 import CommandType, EventType, RetryState, TimeoutType
from temporal_sdk.api.failure.v1 import (
    CanceledFailureInfo,
    ChildWorkflowExecutionFailureInfo,
    Failure,
    TerminatedFailureInfo,
    TimeoutFailureInfo,
)
from temporal_sdk.api.history.v1 import HistoryEvent


class ChildCancellationType(enum.IntEnum):
    """What cancelling a child sends and waits for (values as in Temporal's other SDKs)."""

    ABANDON = 0
    TRY_CANCEL = 1
    WAIT_CANCELLATION_COMPLETED = 2
    WAIT_CANCELLATION_REQUESTED = 3


class ChildState(enum.Enum):
    """Where a child workflow is in its life, as its parent sees it."""

    CREATED = enum.auto()
    INITIATED = enum.auto()
    STARTED = enum.auto()
    INITIATED_CANCELLING = enum.auto()
    STARTED_CANCELLING = enum.auto()
    START_FAILED = enum.auto()
    COMPLETED = enum.auto()
    FAILED = enum.auto()
    TIMED_OUT = enum.auto()
    TERMINATED = enum.auto()
    CANCELED = enum.auto()
    CANCELLED_HERE = enum.auto()
    """Resolved as cancelled by the parent's side; the child may still be running."""


class ChildInput(enum.Enum):
    """What can happen to a child workflow."""

    INITIATED_EVENT = enum.auto()
    STARTED_EVENT = enum.auto()
    START_FAILED_EVENT = enum.auto()
    COMPLETED_EVENT = enum.auto()
    FAILED_EVENT = enum.auto()
    TIMED_OUT_EVENT = enum.auto()
    TERMINATED_EVENT = enum.auto()
    CANCELED_EVENT = enum.auto()
    CANCEL_ABANDON = enum.auto()
    CANCEL_TRY = enum.auto()
    CANCEL_WAIT = enum.auto()
    CANCEL_DELIVERED = enum.auto()
    """The cancel request reached the child (only fed for WAIT_CANCELLATION_REQUESTED)."""


class ChildAction(enum.Enum):
    """What the machine does on a transition."""

    NONE = enum.auto()
    RETRACT_START = enum.auto()
    RESOLVE_CANCELLED = enum.auto()
    EMIT_CANCEL_AND_RESOLVE = enum.auto()
    EMIT_CANCEL = enum.auto()
    RESOLVE_STARTED = enum.auto()
    RESOLVE_START_FAILED = enum.auto()
    RESOLVE_COMPLETED = enum.auto()
    RESOLVE_FAILED = enum.auto()
    RESOLVE_TIMED_OUT = enum.auto()
    RESOLVE_TERMINATED = enum.auto()
    RESOLVE_CANCELED = enum.auto()
    RECORD_INITIATED = enum.auto()


_S, _I, _A = ChildState, ChildInput, ChildAction

_OUTCOMES = {
    _I.COMPLETED_EVENT: (_S.COMPLETED, _A.RESOLVE_COMPLETED),
    _I.FAILED_EVENT: (_S.FAILED, _A.RESOLVE_FAILED),
    _I.TIMED_OUT_EVENT: (_S.TIMED_OUT, _A.RESOLVE_TIMED_OUT),
    _I.TERMINATED_EVENT: (_S.TERMINATED, _A.RESOLVE_TERMINATED),
    _I.CANCELED_EVENT: (_S.CANCELED, _A.RESOLVE_CANCELED),
}
_CANCEL_INPUTS = (_I.CANCEL_ABANDON, _I.CANCEL_TRY, _I.CANCEL_WAIT)
_CANCELLING = (_S.INITIATED_CANCELLING, _S.STARTED_CANCELLING)
_FINAL = (
    _S.START_FAILED,
    _S.COMPLETED,
    _S.FAILED,
    _S.TIMED_OUT,
    _S.TERMINATED,
    _S.CANCELED,
    _S.CANCELLED_HERE,
)

TABLE: Table[ChildState, ChildInput, ChildAction] = {
    (_S.CREATED, _I.INITIATED_EVENT): (_S.INITIATED, _A.RECORD_INITIATED),
    **{(_S.CREATED, i): (_S.CANCELLED_HERE, _A.RETRACT_START) for i in _CANCEL_INPUTS},
    (_S.INITIATED, _I.STARTED_EVENT): (_S.STARTED, _A.RESOLVE_STARTED),
    (_S.INITIATED, _I.START_FAILED_EVENT): (_S.START_FAILED, _A.RESOLVE_START_FAILED),
    (_S.INITIATED, _I.CANCEL_ABANDON): (_S.CANCELLED_HERE, _A.RESOLVE_CANCELLED),
    (_S.INITIATED, _I.CANCEL_TRY): (_S.CANCELLED_HERE, _A.EMIT_CANCEL_AND_RESOLVE),
    (_S.INITIATED, _I.CANCEL_WAIT): (_S.INITIATED_CANCELLING, _A.EMIT_CANCEL),
    (_S.INITIATED_CANCELLING, _I.STARTED_EVENT): (_S.STARTED_CANCELLING, _A.RESOLVE_STARTED),
    (_S.INITIATED_CANCELLING, _I.START_FAILED_EVENT): (_S.START_FAILED, _A.RESOLVE_START_FAILED),
    (_S.INITIATED_CANCELLING, _I.CANCEL_DELIVERED): (_S.CANCELLED_HERE, _A.RESOLVE_CANCELLED),
    (_S.STARTED, _I.CANCEL_ABANDON): (_S.CANCELLED_HERE, _A.RESOLVE_CANCELLED),
    (_S.STARTED, _I.CANCEL_TRY): (_S.CANCELLED_HERE, _A.EMIT_CANCEL_AND_RESOLVE),
    (_S.STARTED, _I.CANCEL_WAIT): (_S.STARTED_CANCELLING, _A.EMIT_CANCEL),
    (_S.STARTED_CANCELLING, _I.CANCEL_DELIVERED): (_S.CANCELLED_HERE, _A.RESOLVE_CANCELLED),
    **{(_S.STARTED, i): out for i, out in _OUTCOMES.items()},
    **{(_S.STARTED_CANCELLING, i): out for i, out in _OUTCOMES.items()},
    **{(s, i): (s, _A.NONE) for s in _CANCELLING for i in _CANCEL_INPUTS},
    **{(s, i): (s, _A.NONE) for s in _FINAL for i in _CANCEL_INPUTS},
    # The child lives on after the parent stopped waiting for it: take note of its news only.
    **{(_S.CANCELLED_HERE, i): (_S.CANCELLED_HERE, _A.NONE) for i in _OUTCOMES},
    (_S.CANCELLED_HERE, _I.STARTED_EVENT): (_S.CANCELLED_HERE, _A.NONE),
    (_S.CANCELLED_HERE, _I.START_FAILED_EVENT): (_S.CANCELLED_HERE, _A.NONE),
    **{(s, _I.CANCEL_DELIVERED): (s, _A.NONE) for s in _FINAL},
}

_ET = EventType
_INITIATED = _ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED

_EVENT_INPUTS: dict[int, ChildInput] = {
    _INITIATED: _I.INITIATED_EVENT,
    _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: _I.STARTED_EVENT,
    _ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED: _I.START_FAILED_EVENT,
    _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED: _I.COMPLETED_EVENT,
    _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED: _I.FAILED_EVENT,
    _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT: _I.TIMED_OUT_EVENT,
    _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED: _I.TERMINATED_EVENT,
    _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED: _I.CANCELED_EVENT,
}

_CANCEL_INPUT_FOR: dict[int, ChildInput] = {
    ChildCancellationType.ABANDON: _I.CANCEL_ABANDON,
    ChildCancellationType.TRY_CANCEL: _I.CANCEL_TRY,
    ChildCancellationType.WAIT_CANCELLATION_COMPLETED: _I.CANCEL_WAIT,
    ChildCancellationType.WAIT_CANCELLATION_REQUESTED: _I.CANCEL_WAIT,
}


def _initiated_key(e: HistoryEvent) -> str:
    a = e.start_child_workflow_execution_initiated_event_attributes
    return f"{a.workflow_id}/{a.workflow_type.name}"


# Command events this module confirms, with the identity replay compares.
COMMAND_EVENT_KEYS: dict[int, Callable[[HistoryEvent], str]] = {_INITIATED: _initiated_key}


def _initiated_id(attr: str) -> Callable[[HistoryEvent], int]:
    def initiated_id(e: HistoryEvent) -> int:
        return int(getattr(e, attr).initiated_event_id)

    return initiated_id


# Other events for children, with the id of the Initiated event they refer to.
ROUTED_EVENTS: dict[int, Callable[[HistoryEvent], int]] = {
    _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: _initiated_id(
        "child_workflow_execution_started_event_attributes"
    ),
    _ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED: _initiated_id(
        "start_child_workflow_execution_failed_event_attributes"
    ),
    _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED: _initiated_id(
        "child_workflow_execution_completed_event_attributes"
    ),
    _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED: _initiated_id(
        "child_workflow_execution_failed_event_attributes"
    ),
    _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT: _initiated_id(
        "child_workflow_execution_timed_out_event_attributes"
    ),
    _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED: _initiated_id(
        "child_workflow_execution_terminated_event_attributes"
    ),
    _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED: _initiated_id(
        "child_workflow_execution_canceled_event_attributes"
    ),
}


class ChildWorkflowMachine:
    """One child workflow started by this run."""

    __slots__ = (
        "_sink",
        "cancel_request",
        "cancellation_type",
        "initiated_event_id",
        "namespace",
        "run_id",
        "seq",
        "start_command",
        "started_event_id",
        "state",
        "workflow_id",
        "workflow_type",
    )

    def __init__(self, command: StartChildWorkflow, sink: CommandSink) -> None:
        attrs = command.attributes
        self.seq = command.seq
        self.namespace = attrs.namespace
        self.workflow_id = attrs.workflow_id
        self.workflow_type = attrs.workflow_type.name
        self.cancellation_type = ChildCancellationType(command.cancellation_type)
        self.run_id = ""
        self.initiated_event_id = 0
        self.started_event_id = 0
        self.state = ChildState.CREATED
        self._sink = sink
        proto = Command(command_type=CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION)
        proto.start_child_workflow_execution_command_attributes.CopyFrom(attrs)
        self.start_command = PendingCommand(
            proto=proto,
            event_type=_INITIATED,
            key=f"{self.workflow_id}/{self.workflow_type}",
            machine=self,
            description=(
                f"StartChildWorkflow workflow_id={self.workflow_id} "
                f"workflow_type={self.workflow_type}"
            ),
            origin=command.origin,
            registers=True,
        )
        self.cancel_request: CancelExternalMachine | None = None
        sink.emit(self.start_command)

    def describe(self) -> str:
        """Name used in error messages."""
        return (
            f"child workflow seq={self.seq} workflow_id={self.workflow_id} "
            f"workflow_type={self.workflow_type} (state {self.state.name})"
        )

    def cancel(self, command: CancelChildWorkflow) -> None:
        """The code cancelled the child (its handle's task was cancelled)."""
        job = self._fire(_CANCEL_INPUT_FOR[self.cancellation_type], None, command)
        if job is not None:
            self._sink.add_local_job(job)

    def on_event(self, event: HistoryEvent) -> Job | None:
        """Apply one event about the child; return the resolution it produces, if any."""
        return self._fire(_EVENT_INPUTS[event.event_type], event, None)

    # ----------------------------------------------------------------- internals

    def _fire(
        self, input: ChildInput, event: HistoryEvent | None, cancel: CancelChildWorkflow | None
    ) -> Job | None:
        self.state, action = fire(TABLE, self.state, input)
        return _ACTIONS[action](self, event, cancel)

    def _none(self, _e: HistoryEvent | None, _c: CancelChildWorkflow | None) -> Job | None:
        return None

    def _record_initiated(self, e: HistoryEvent | None, _c: CancelChildWorkflow | None) -> None:
        assert e is not None
        self.initiated_event_id = e.event_id

    def _retract(self, _e: HistoryEvent | None, c: CancelChildWorkflow | None) -> Job:
        if not self._sink.retract(self.start_command):
            raise RuntimeError(f"cannot withdraw StartChildWorkflow of child seq={self.seq}")
        reason = c.reason if c is not None else ""
        failure = self._failure(
            f"Child Workflow Execution cancelled before scheduled: {reason}",
            Failure(canceled_failure_info=CanceledFailureInfo()),
        )
        return ResolveChildWorkflowStart(self.seq, cancelled=failure)

    def _emit_cancel(self, _e: HistoryEvent | None, c: CancelChildWorkflow | None) -> None:
        assert c is not None
        attrs = RequestCancelExternalWorkflowExecutionCommandAttributes(
            namespace=self.namespace,
            workflow_id=self.workflow_id,
            run_id=self.run_id,
            child_workflow_only=True,
            reason=c.reason,
        )
        self.cancel_request = CancelExternalMachine(
            attrs, self._sink, self._on_cancel_result, origin=c.origin
        )

    def _emit_cancel_and_resolve(
        self, e: HistoryEvent | None, c: CancelChildWorkflow | None
    ) -> Job:
        self._emit_cancel(e, c)
        return self._cancelled(e, c)

    def _on_cancel_result(self, failure: Failure | None) -> Job | None:
        waits = self.cancellation_type is ChildCancellationType.WAIT_CANCELLATION_REQUESTED
        if failure is not None or not waits:
            return None  # the child's own outcome settles it
        return self._fire(_I.CANCEL_DELIVERED, None, None)

    def _started(self, e: HistoryEvent | None, _c: CancelChildWorkflow | None) -> Job:
        assert e is not None
        self.started_event_id = e.event_id
        self.run_id = e.child_workflow_execution_started_event_attributes.workflow_execution.run_id
        return ResolveChildWorkflowStart(self.seq, run_id=self.run_id)

    def _start_failed(self, e: HistoryEvent | None, _c: CancelChildWorkflow | None) -> Job:
        assert e is not None
        cause = e.start_child_workflow_execution_failed_event_attributes.cause
        return ResolveChildWorkflowStart(self.seq, start_failed_cause=int(cause) or -1)

    def _completed(self, e: HistoryEvent | None, _c: CancelChildWorkflow | None) -> Job:
        assert e is not None
        payloads = e.child_workflow_execution_completed_event_attributes.result.payloads
        return ResolveChildWorkflow(self.seq, result=payloads[0] if payloads else None)

    def _failed(self, e: HistoryEvent | None, _c: CancelChildWorkflow | None) -> Job:
        assert e is not None
        a = e.child_workflow_execution_failed_event_attributes
        cause = a.failure if a.HasField("failure") else None
        failure = self._failure("Child Workflow execution failed", cause, a.retry_state)
        return ResolveChildWorkflow(self.seq, failure=failure)

    def _timed_out(self, e: HistoryEvent | None, _c: CancelChildWorkflow | None) -> Job:
        assert e is not None
        retry_state = e.child_workflow_execution_timed_out_event_attributes.retry_state
        cause = Failure(
            message="Timed out",
            timeout_failure_info=TimeoutFailureInfo(
                timeout_type=TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE
            ),
        )
        failure = self._failure("Child Workflow execution timed out", cause, retry_state)
        return ResolveChildWorkflow(self.seq, failure=failure)

    def _terminated(self, _e: HistoryEvent | None, _c: CancelChildWorkflow | None) -> Job:
        cause = Failure(message="Terminated", terminated_failure_info=TerminatedFailureInfo())
        failure = self._failure("Child Workflow execution terminated", cause)
        return ResolveChildWorkflow(self.seq, failure=failure)

    def _cancelled(self, _e: HistoryEvent | None, _c: CancelChildWorkflow | None) -> Job:
        cause = Failure(canceled_failure_info=CanceledFailureInfo())
        failure = self._failure("Child Workflow execution cancelled", cause)
        return ResolveChildWorkflow(self.seq, failure=failure)

    def _failure(
        self,
        message: str,
        cause: Failure | None,
        retry_state: int = RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
    ) -> Failure:
        failure = Failure(
            message=message,
            child_workflow_execution_failure_info=ChildWorkflowExecutionFailureInfo(
                namespace=self.namespace,
                workflow_execution=WorkflowExecution(
                    workflow_id=self.workflow_id, run_id=self.run_id
                ),
                workflow_type=WorkflowType(name=self.workflow_type),
                initiated_event_id=self.initiated_event_id,
                started_event_id=self.started_event_id,
                retry_state=retry_state,  # type: ignore[arg-type]
            ),
        )
        if cause is not None:
            failure.cause.CopyFrom(cause)
        return failure


_Act = Callable[
    [ChildWorkflowMachine, "HistoryEvent | None", "CancelChildWorkflow | None"], "Job | None"
]

_ACTIONS: dict[ChildAction, _Act] = {
    ChildAction.NONE: ChildWorkflowMachine._none,
    ChildAction.RECORD_INITIATED: ChildWorkflowMachine._record_initiated,
    ChildAction.RETRACT_START: ChildWorkflowMachine._retract,
    ChildAction.RESOLVE_CANCELLED: ChildWorkflowMachine._cancelled,
    ChildAction.EMIT_CANCEL_AND_RESOLVE: ChildWorkflowMachine._emit_cancel_and_resolve,
    ChildAction.EMIT_CANCEL: ChildWorkflowMachine._emit_cancel,
    ChildAction.RESOLVE_STARTED: ChildWorkflowMachine._started,
    ChildAction.RESOLVE_START_FAILED: ChildWorkflowMachine._start_failed,
    ChildAction.RESOLVE_COMPLETED: ChildWorkflowMachine._completed,
    ChildAction.RESOLVE_FAILED: ChildWorkflowMachine._failed,
    ChildAction.RESOLVE_TIMED_OUT: ChildWorkflowMachine._timed_out,
    ChildAction.RESOLVE_TERMINATED: ChildWorkflowMachine._terminated,
    ChildAction.RESOLVE_CANCELED: ChildWorkflowMachine._cancelled,
}
