"""The cancel-external machine: RequestCancelExternalWorkflowExecution and its three events.

Rule: one machine per cancel request. A request, once issued, is never withdrawn (there is no
cancelling a cancel request). The outcome goes to a callback chosen by the owner: a workflow's
``get_external_workflow_handle(...).cancel()`` resolves ``RequestCancelExternalWorkflow(seq)``;
a child workflow machine uses the same machine for the cancel request it sends its child.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from temporal_sdk._core.activation import Job
from temporal_sdk._core.machines import CommandSink, PendingCommand
from temporal_sdk._core.machines._fsm import Table, fire
from temporal_sdk.api.command.v1 import (
    Command,
    RequestCancelExternalWorkflowExecutionCommandAttributes,
)
from temporal_sdk.api.enums.v1 import (
    CancelExternalWorkflowExecutionFailedCause,
    CommandType,
    EventType,
)
from temporal_sdk.api.failure.v1 import ApplicationFailureInfo, Failure
from temporal_sdk.api.history.v1 import HistoryEvent


class CancelExternalState(enum.Enum):
    """Where a cancel request is in its life."""

    CREATED = enum.auto()
    RECORDED = enum.auto()
    REQUESTED = enum.auto()
    FAILED = enum.auto()


class CancelExternalInput(enum.Enum):
    """What can happen to a cancel request."""

    INITIATED_EVENT = enum.auto()
    REQUESTED_EVENT = enum.auto()
    FAILED_EVENT = enum.auto()


class CancelExternalAction(enum.Enum):
    """What the machine does on a transition."""

    NONE = enum.auto()
    RESOLVE_REQUESTED = enum.auto()
    RESOLVE_FAILED = enum.auto()


_S, _I, _A = CancelExternalState, CancelExternalInput, CancelExternalAction

TABLE: Table[CancelExternalState, CancelExternalInput, CancelExternalAction] = {
    (_S.CREATED, _I.INITIATED_EVENT): (_S.RECORDED, _A.NONE),
    (_S.RECORDED, _I.REQUESTED_EVENT): (_S.REQUESTED, _A.RESOLVE_REQUESTED),
    (_S.RECORDED, _I.FAILED_EVENT): (_S.FAILED, _A.RESOLVE_FAILED),
}

_ET = EventType
_INITIATED = _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED

_EVENT_INPUTS: dict[int, CancelExternalInput] = {
    _INITIATED: _I.INITIATED_EVENT,
    _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED: _I.REQUESTED_EVENT,
    _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED: _I.FAILED_EVENT,
}

# Command events this module confirms, with the identity replay compares (the target's id).
COMMAND_EVENT_KEYS: dict[int, Callable[[HistoryEvent], str]] = {
    _INITIATED: lambda e: (
        e.request_cancel_external_workflow_execution_initiated_event_attributes.workflow_execution.workflow_id
    ),
}

# Other events for cancel requests, with the id of the Initiated event they refer to.
ROUTED_EVENTS: dict[int, Callable[[HistoryEvent], int]] = {
    _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED: lambda e: (
        e.external_workflow_execution_cancel_requested_event_attributes.initiated_event_id
    ),
    _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED: lambda e: (
        e.request_cancel_external_workflow_execution_failed_event_attributes.initiated_event_id
    ),
}

OnResult = Callable[[Failure | None], Job | None]
"""Turns the outcome (``None`` = delivered, else why not) into the job to deliver, if any."""


def cause_name(cause: int) -> str:
    """``EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND`` style name of a failed-cancel cause."""
    try:
        name = CancelExternalWorkflowExecutionFailedCause.Name(cause)
    except ValueError:  # a cause added to the API after these protos were generated
        return f"UNKNOWN_CAUSE_{cause}"
    return name.removeprefix("CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_")


def failed_failure(cause: int) -> Failure:
    """The failure a cancel request that could not be delivered resolves with."""
    name = cause_name(cause)
    reason = "not found" if name.endswith("NOT_FOUND") else "unknown"
    return Failure(
        message=f"Unable to cancel external workflow because {reason}",
        application_failure_info=ApplicationFailureInfo(type=name, non_retryable=True),
    )


class CancelExternalMachine:
    """One request to cancel another workflow."""

    __slots__ = ("_on_result", "command", "state", "workflow_id")

    def __init__(
        self,
        attributes: RequestCancelExternalWorkflowExecutionCommandAttributes,
        sink: CommandSink,
        on_result: OnResult,
        origin: str = "",
    ) -> None:
        self.workflow_id = attributes.workflow_id
        self.state = CancelExternalState.CREATED
        self._on_result = on_result
        proto = Command(
            command_type=CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION
        )
        proto.request_cancel_external_workflow_execution_command_attributes.CopyFrom(attributes)
        child = " (child)" if attributes.child_workflow_only else ""
        self.command = PendingCommand(
            proto=proto,
            event_type=_INITIATED,
            key=self.workflow_id,
            machine=self,
            description=f"RequestCancelExternalWorkflow workflow_id={self.workflow_id}{child}",
            origin=origin,
            registers=True,
        )
        sink.emit(self.command)

    def describe(self) -> str:
        """Name used in error messages."""
        return f"cancel request for workflow_id={self.workflow_id} (state {self.state.name})"

    def on_event(self, event: HistoryEvent) -> Job | None:
        """Apply Initiated / CancelRequested / Failed; return the resolution, if any."""
        self.state, action = fire(TABLE, self.state, _EVENT_INPUTS[event.event_type])
        if action is CancelExternalAction.RESOLVE_REQUESTED:
            return self._on_result(None)
        if action is CancelExternalAction.RESOLVE_FAILED:
            attrs = event.request_cancel_external_workflow_execution_failed_event_attributes
            return self._on_result(failed_failure(attrs.cause))
        return None
