"""The workflow-task machine: WorkflowTaskScheduled / Started / Completed / Failed / TimedOut.

Rule: one per run, following the tasks one after another. It checks that task events come in a
valid order; whether a started task makes an activation is decided from the event after it
(``history.classify_task_start``), not here.
"""

from __future__ import annotations

import enum

from temporal_sdk._core.machines._fsm import Table, fire
from temporal_sdk.api.enums.v1 import EventType


class TaskState(enum.Enum):
    """The state of the latest workflow task."""

    NONE = enum.auto()
    SCHEDULED = enum.auto()
    STARTED = enum.auto()
    COMPLETED = enum.auto()
    FAILED = enum.auto()
    TIMED_OUT = enum.auto()


class TaskInput(enum.Enum):
    """Workflow-task events."""

    SCHEDULED = enum.auto()
    STARTED = enum.auto()
    COMPLETED = enum.auto()
    FAILED = enum.auto()
    TIMED_OUT = enum.auto()


class TaskAction(enum.Enum):
    """What the router does on a transition."""

    NONE = enum.auto()
    END_BATCH = enum.auto()
    """A task started: the events so far may make an activation."""
    MATCH_COMMANDS = enum.auto()
    """A task completed: the command events after it confirm that task's commands."""


_S, _I, _A = TaskState, TaskInput, TaskAction

TABLE: Table[TaskState, TaskInput, TaskAction] = {
    (_S.NONE, _I.SCHEDULED): (_S.SCHEDULED, _A.NONE),
    (_S.COMPLETED, _I.SCHEDULED): (_S.SCHEDULED, _A.NONE),
    (_S.FAILED, _I.SCHEDULED): (_S.SCHEDULED, _A.NONE),
    (_S.TIMED_OUT, _I.SCHEDULED): (_S.SCHEDULED, _A.NONE),
    (_S.SCHEDULED, _I.STARTED): (_S.STARTED, _A.END_BATCH),
    # Schedule-to-start time-out (a sticky queue nobody polled).
    (_S.SCHEDULED, _I.TIMED_OUT): (_S.TIMED_OUT, _A.NONE),
    (_S.STARTED, _I.COMPLETED): (_S.COMPLETED, _A.MATCH_COMMANDS),
    (_S.STARTED, _I.FAILED): (_S.FAILED, _A.NONE),
    (_S.STARTED, _I.TIMED_OUT): (_S.TIMED_OUT, _A.NONE),
}

_ET = EventType

EVENT_INPUTS: dict[int, TaskInput] = {
    _ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: _I.SCHEDULED,
    _ET.EVENT_TYPE_WORKFLOW_TASK_STARTED: _I.STARTED,
    _ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: _I.COMPLETED,
    _ET.EVENT_TYPE_WORKFLOW_TASK_FAILED: _I.FAILED,
    _ET.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT: _I.TIMED_OUT,
}


class WorkflowTaskMachine:
    """Follows the run's workflow tasks."""

    __slots__ = ("state",)

    def __init__(self) -> None:
        self.state = TaskState.NONE

    def describe(self) -> str:
        """Name used in error messages."""
        return f"the workflow task sequence (state {self.state.name})"

    def on_task_event(self, event_type: int) -> TaskAction:
        """Apply one workflow-task event; return what the router should do."""
        self.state, action = fire(TABLE, self.state, EVENT_INPUTS[event_type])
        return action
