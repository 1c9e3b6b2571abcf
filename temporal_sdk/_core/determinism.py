"""Non-determinism errors and the readable descriptions of events and commands they carry.

Rule: this module only describes; it never decides. The router decides that a history event and
a command disagree and raises :class:`NondeterminismError` built with the helpers below.
"""

from __future__ import annotations

from collections.abc import Callable

from temporal_sdk._core.history import event_name
from temporal_sdk._core.machines.marker import describe_marker
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent

_ET = EventType


def _activity_scheduled(e: HistoryEvent) -> str:
    a = e.activity_task_scheduled_event_attributes
    return f"activity_id={a.activity_id} activity_type={a.activity_type.name}"


def _activity_cancel_requested(e: HistoryEvent) -> str:
    return (
        f"scheduled_event_id={e.activity_task_cancel_requested_event_attributes.scheduled_event_id}"
    )


def _timer_started(e: HistoryEvent) -> str:
    return f"timer_id={e.timer_started_event_attributes.timer_id}"


def _timer_canceled(e: HistoryEvent) -> str:
    return f"timer_id={e.timer_canceled_event_attributes.timer_id}"


def _timer_fired(e: HistoryEvent) -> str:
    return f"timer_id={e.timer_fired_event_attributes.timer_id}"


def _signaled(e: HistoryEvent) -> str:
    return f"signal_name={e.workflow_execution_signaled_event_attributes.signal_name}"


_EVENT_DETAILS: dict[int, Callable[[HistoryEvent], str]] = {
    _ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: _activity_scheduled,
    _ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED: _activity_cancel_requested,
    _ET.EVENT_TYPE_TIMER_STARTED: _timer_started,
    _ET.EVENT_TYPE_TIMER_CANCELED: _timer_canceled,
    _ET.EVENT_TYPE_TIMER_FIRED: _timer_fired,
    _ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: _signaled,
    _ET.EVENT_TYPE_MARKER_RECORDED: describe_marker,
}


def describe_event(event: HistoryEvent) -> str:
    """``"5 ActivityTaskScheduled activity_id=1 activity_type=greet"``: id, type, key attributes."""
    text = f"{event.event_id} {event_name(event.event_type)}"
    details = _EVENT_DETAILS.get(event.event_type)
    return f"{text} {details(event)}" if details is not None else text


def _with_origin(command: str, origin: str) -> str:
    return f"{command} at {origin}" if origin else command


class NondeterminismError(Exception):
    """The workflow code issued commands that differ from the ones recorded in history.

    The message names the history event (id, type and key attributes) and the command the code
    issued (kind, key attributes and the ``origin`` of the call in user code), whichever apply.
    """

    def __init__(
        self,
        message: str,
        *,
        event: str | None = None,
        command: str | None = None,
        origin: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.event = event
        """Description of the history event involved, if any."""
        self.command = command
        """Description of the command the code issued, if any."""
        self.origin = origin
        """Where the user code issued that command ("file:line in fn"), if known."""
        self.workflow_id: str | None = None
        """The id of the workflow whose code diverged, once known."""
        self.workflow_type: str | None = None
        """The type name of the workflow whose code diverged, once known."""

    def for_workflow(self, workflow_id: str, workflow_type: str) -> NondeterminismError:
        """A copy of this error whose message starts with the workflow it happened in."""
        err = type(self)(
            f"Workflow {workflow_type} (id {workflow_id}): {self.message}",
            event=self.event,
            command=self.command,
            origin=self.origin,
        )
        err.workflow_id = workflow_id
        err.workflow_type = workflow_type
        return err

    @classmethod
    def mismatch(cls, event: HistoryEvent, command: str, origin: str) -> NondeterminismError:
        """The next command the code issued is not the one history recorded at ``event``."""
        ev = describe_event(event)
        return cls(
            f"Nondeterminism: history event {ev} does not match the command the workflow code "
            f"issued: {_with_origin(command, origin)}",
            event=ev,
            command=command,
            origin=origin,
        )

    @classmethod
    def unexpected_event(cls, event: HistoryEvent) -> NondeterminismError:
        """History recorded a command at ``event`` but the code issued none (or fewer)."""
        ev = describe_event(event)
        return cls(
            f"Nondeterminism: history event {ev} records a command, but the workflow code "
            "issued no command for it",
            event=ev,
        )

    @classmethod
    def missing_event(
        cls, command: str, origin: str, next_event: HistoryEvent
    ) -> NondeterminismError:
        """The code issued a command that history lacks (history went on with ``next_event``)."""
        ev = describe_event(next_event)
        return cls(
            f"Nondeterminism: the workflow code issued {_with_origin(command, origin)}, but "
            f"history has no event for it (history continues with event {ev})",
            event=ev,
            command=command,
            origin=origin,
        )

    @classmethod
    def invalid_event(cls, event: HistoryEvent, target: str, detail: str) -> NondeterminismError:
        """``event`` is not valid for the command ``target`` in its current state."""
        ev = describe_event(event)
        return cls(
            f"Nondeterminism: history event {ev} is not valid for {target}: {detail}",
            event=ev,
            command=target,
        )
