"""The run's closing machine: Complete / Fail / Cancel / ContinueAsNew and the close events.

Rule: one per run. It starts OPEN; the first close command (complete, fail, cancel, continue as
new) or a close the code did not ask for (terminated, timed out) ends the run for the code: no
further jobs are made and later commands are dropped, as the run has nothing left to say.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from temporal_sdk._core.activation import (
    CancelWorkflowExecution,
    CompleteWorkflow,
    ContinueAsNewWorkflow,
    FailWorkflow,
    Job,
)
from temporal_sdk._core.machines import CommandSink, PendingCommand
from temporal_sdk._core.machines._fsm import Table, fire
from temporal_sdk.api.command.v1 import (
    CancelWorkflowExecutionCommandAttributes,
    Command,
    CompleteWorkflowExecutionCommandAttributes,
    FailWorkflowExecutionCommandAttributes,
)
from temporal_sdk.api.enums.v1 import CommandType, EventType
from temporal_sdk.api.history.v1 import HistoryEvent


class RunState(enum.Enum):
    """Whether the run is open, closing (command issued) or closed (event recorded)."""

    OPEN = enum.auto()
    CLOSING = enum.auto()
    CLOSED = enum.auto()


class RunInput(enum.Enum):
    """What can happen to the run as a whole."""

    CLOSE_COMMAND = enum.auto()
    CLOSE_RECORDED = enum.auto()
    CLOSED_EXTERNALLY = enum.auto()


class RunAction(enum.Enum):
    """What the machine does on a transition."""

    NONE = enum.auto()
    EMIT = enum.auto()


_S, _I, _A = RunState, RunInput, RunAction

TABLE: Table[RunState, RunInput, RunAction] = {
    (_S.OPEN, _I.CLOSE_COMMAND): (_S.CLOSING, _A.EMIT),
    (_S.OPEN, _I.CLOSED_EXTERNALLY): (_S.CLOSED, _A.NONE),
    (_S.CLOSING, _I.CLOSE_RECORDED): (_S.CLOSED, _A.NONE),
}

_ET = EventType

# Close events that confirm a close command (replay compares the kind only).
COMMAND_EVENT_KEYS: dict[int, Callable[[HistoryEvent], str]] = {
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: lambda e: "",
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: lambda e: "",
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: lambda e: "",
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: lambda e: "",
}

# Close events no command of ours produces.
EXTERNAL_CLOSE_EVENTS = frozenset(
    {
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    }
)

CloseCommand = CompleteWorkflow | FailWorkflow | CancelWorkflowExecution | ContinueAsNewWorkflow


def _proto(command: CloseCommand) -> tuple[Command, int, str]:
    match command:
        case CompleteWorkflow(result=result):
            attrs = CompleteWorkflowExecutionCommandAttributes()
            if result is not None:
                attrs.result.payloads.append(result)
            return (
                Command(
                    command_type=CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
                    complete_workflow_execution_command_attributes=attrs,
                ),
                _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
                "CompleteWorkflowExecution",
            )
        case FailWorkflow(failure=failure):
            return (
                Command(
                    command_type=CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
                    fail_workflow_execution_command_attributes=(
                        FailWorkflowExecutionCommandAttributes(failure=failure)
                    ),
                ),
                _ET.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
                "FailWorkflowExecution",
            )
        case CancelWorkflowExecution():
            return (
                Command(
                    command_type=CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
                    cancel_workflow_execution_command_attributes=(
                        CancelWorkflowExecutionCommandAttributes()
                    ),
                ),
                _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
                "CancelWorkflowExecution",
            )
        case ContinueAsNewWorkflow(attributes=attributes):
            proto = Command(
                command_type=CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION
            )
            proto.continue_as_new_workflow_execution_command_attributes.CopyFrom(attributes)
            return (
                proto,
                _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
                f"ContinueAsNewWorkflowExecution workflow_type={attributes.workflow_type.name}",
            )


class CompletionMachine:
    """Tracks whether the run is still open for the workflow code."""

    __slots__ = ("_sink", "command", "state")

    def __init__(self, sink: CommandSink) -> None:
        self.state = RunState.OPEN
        self.command: PendingCommand | None = None
        self._sink = sink

    @property
    def is_open(self) -> bool:
        """True until the code issued a close command or history closed the run."""
        return self.state is RunState.OPEN

    @property
    def is_closed(self) -> bool:
        """True once history recorded the run's close event."""
        return self.state is RunState.CLOSED

    def describe(self) -> str:
        """Name used in error messages."""
        return f"the workflow run (state {self.state.name})"

    def close(self, command: CloseCommand) -> None:
        """The code completed, failed, cancelled or continued the workflow execution as new."""
        self.state, action = fire(TABLE, self.state, RunInput.CLOSE_COMMAND)
        if action is RunAction.EMIT:
            proto, event_type, kind = _proto(command)
            self.command = PendingCommand(
                proto=proto,
                event_type=event_type,
                key="",
                machine=self,
                description=kind,
                origin=command.origin,
            )
            self._sink.emit(self.command)

    def closed_externally(self) -> None:
        """History closed the run without a command of ours (terminate, time-out, ...)."""
        self.state, _ = fire(TABLE, self.state, RunInput.CLOSED_EXTERNALLY)

    def on_event(self, event: HistoryEvent) -> Job | None:
        """Apply the close event that confirms our close command."""
        self.state, _ = fire(TABLE, self.state, RunInput.CLOSE_RECORDED)
        return None
