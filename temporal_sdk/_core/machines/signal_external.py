"""The signal-external machine: SignalExternalWorkflowExecution and its three events.

Rule: one machine per ``SignalExternalWorkflow(seq)``; the code learns the outcome from exactly
one ``ResolveSignalExternalWorkflow(seq)``. A signal cancelled before its command was sent is
withdrawn and resolves at once as cancelled; a signal already sent cannot be taken back, so a
later cancel changes nothing and the outcome still comes from history.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from temporal_sdk._core.activation import (
    CancelSignalExternalWorkflow,
    Job,
    ResolveSignalExternalWorkflow,
    SignalExternalWorkflow,
)
from temporal_sdk._core.machines import CommandSink, PendingCommand
from temporal_sdk._core.machines._fsm import Table, fire
from temporal_sdk.api.command.v1 import Command
from temporal_sdk.api.enums.v1 import (
    CommandType,
    EventType,
    SignalExternalWorkflowExecutionFailedCause,
)
from temporal_sdk.api.failure.v1 import ApplicationFailureInfo, CanceledFailureInfo, Failure
from temporal_sdk.api.history.v1 import HistoryEvent

CANCELLED_MESSAGE = "Signal was cancelled before being sent"


class SignalExternalState(enum.Enum):
    """Where an outgoing signal is in its life."""

    CREATED = enum.auto()
    RECORDED = enum.auto()
    SIGNALED = enum.auto()
    FAILED = enum.auto()
    CANCELLED = enum.auto()


class SignalExternalInput(enum.Enum):
    """What can happen to an outgoing signal."""

    CANCEL = enum.auto()
    INITIATED_EVENT = enum.auto()
    SIGNALED_EVENT = enum.auto()
    FAILED_EVENT = enum.auto()


class SignalExternalAction(enum.Enum):
    """What the machine does on a transition."""

    NONE = enum.auto()
    RETRACT_AND_RESOLVE_CANCELLED = enum.auto()
    RESOLVE_SIGNALED = enum.auto()
    RESOLVE_FAILED = enum.auto()


_S, _I, _A = SignalExternalState, SignalExternalInput, SignalExternalAction

TABLE: Table[SignalExternalState, SignalExternalInput, SignalExternalAction] = {
    (_S.CREATED, _I.INITIATED_EVENT): (_S.RECORDED, _A.NONE),
    (_S.CREATED, _I.CANCEL): (_S.CANCELLED, _A.RETRACT_AND_RESOLVE_CANCELLED),
    (_S.RECORDED, _I.SIGNALED_EVENT): (_S.SIGNALED, _A.RESOLVE_SIGNALED),
    (_S.RECORDED, _I.FAILED_EVENT): (_S.FAILED, _A.RESOLVE_FAILED),
    (_S.RECORDED, _I.CANCEL): (_S.RECORDED, _A.NONE),
    (_S.SIGNALED, _I.CANCEL): (_S.SIGNALED, _A.NONE),
    (_S.FAILED, _I.CANCEL): (_S.FAILED, _A.NONE),
    (_S.CANCELLED, _I.CANCEL): (_S.CANCELLED, _A.NONE),
}

_ET = EventType
_INITIATED = _ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED

_EVENT_INPUTS: dict[int, SignalExternalInput] = {
    _INITIATED: _I.INITIATED_EVENT,
    _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED: _I.SIGNALED_EVENT,
    _ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED: _I.FAILED_EVENT,
}


def _initiated_key(e: HistoryEvent) -> str:
    a = e.signal_external_workflow_execution_initiated_event_attributes
    return f"{a.workflow_execution.workflow_id}/{a.signal_name}"


# Command events this module confirms, with the identity replay compares.
COMMAND_EVENT_KEYS: dict[int, Callable[[HistoryEvent], str]] = {_INITIATED: _initiated_key}

# Other events for signals, with the id of the Initiated event they refer to.
ROUTED_EVENTS: dict[int, Callable[[HistoryEvent], int]] = {
    _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED: lambda e: (
        e.external_workflow_execution_signaled_event_attributes.initiated_event_id
    ),
    _ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED: lambda e: (
        e.signal_external_workflow_execution_failed_event_attributes.initiated_event_id
    ),
}


def failed_failure(cause: int) -> Failure:
    """The failure a signal that could not be delivered resolves with."""
    try:
        name = SignalExternalWorkflowExecutionFailedCause.Name(cause)
    except ValueError:  # a cause added to the API after these protos were generated
        name = f"UNKNOWN_CAUSE_{cause}"
    name = name.removeprefix("SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_")
    if name.endswith("NOT_FOUND"):
        reason = "it was not found"
    elif name == "SIGNAL_COUNT_LIMIT_EXCEEDED":
        reason = "the per-workflow signal limit was exceeded"
    else:
        reason = "unknown"
    return Failure(
        message=f"Unable to signal external workflow because {reason}",
        application_failure_info=ApplicationFailureInfo(type=name, non_retryable=True),
    )


class SignalExternalMachine:
    """One signal sent to another workflow."""

    __slots__ = ("_sink", "command", "seq", "signal_name", "state", "workflow_id")

    def __init__(self, command: SignalExternalWorkflow, sink: CommandSink) -> None:
        attrs = command.attributes
        self.seq = command.seq
        self.workflow_id = attrs.execution.workflow_id
        self.signal_name = attrs.signal_name
        self.state = SignalExternalState.CREATED
        self._sink = sink
        proto = Command(command_type=CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION)
        proto.signal_external_workflow_execution_command_attributes.CopyFrom(attrs)
        self.command = PendingCommand(
            proto=proto,
            event_type=_INITIATED,
            key=f"{self.workflow_id}/{self.signal_name}",
            machine=self,
            description=(
                f"SignalExternalWorkflow workflow_id={self.workflow_id} "
                f"signal_name={self.signal_name}"
            ),
            origin=command.origin,
            registers=True,
        )
        sink.emit(self.command)

    def describe(self) -> str:
        """Name used in error messages."""
        return (
            f"signal seq={self.seq} {self.signal_name!r} to workflow_id={self.workflow_id} "
            f"(state {self.state.name})"
        )

    def cancel(self, command: CancelSignalExternalWorkflow) -> None:
        """The code stopped waiting for the signal; withdraw it if it was not sent."""
        self.state, action = fire(TABLE, self.state, SignalExternalInput.CANCEL)
        if action is SignalExternalAction.RETRACT_AND_RESOLVE_CANCELLED:
            if not self._sink.retract(self.command):
                raise RuntimeError(f"cannot withdraw SignalExternalWorkflow seq={self.seq}")
            failure = Failure(
                message=CANCELLED_MESSAGE, canceled_failure_info=CanceledFailureInfo()
            )
            self._sink.add_local_job(ResolveSignalExternalWorkflow(self.seq, failure=failure))

    def on_event(self, event: HistoryEvent) -> Job | None:
        """Apply Initiated / Signaled / Failed; return the resolution, if any."""
        self.state, action = fire(TABLE, self.state, _EVENT_INPUTS[event.event_type])
        if action is SignalExternalAction.RESOLVE_SIGNALED:
            return ResolveSignalExternalWorkflow(self.seq)
        if action is SignalExternalAction.RESOLVE_FAILED:
            cause = event.signal_external_workflow_execution_failed_event_attributes.cause
            return ResolveSignalExternalWorkflow(self.seq, failure=failed_failure(cause))
        return None
