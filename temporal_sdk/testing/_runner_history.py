"""The in-memory history of one run in the test runner: the events a server would write.

Rule: pure recording. Nothing here runs workflow code or decides *when* something happens; the
runner calls in at virtual time ``clock()`` and this module writes the events with consecutive
ids. Command events are built the way the server builds them: the command's attributes copied
field by field into the event's attributes (same field names), plus the id of the
WorkflowTaskCompleted event that carried the command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message as ProtoMessage

from temporal_sdk.api.command.v1 import Command as CommandProto
from temporal_sdk.api.common.v1 import WorkflowExecution
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent

_ET = EventType

# Command attributes field -> (event type, event attributes field).
_COMMAND_EVENTS: dict[str, tuple[int, str]] = {
    "schedule_activity_task_command_attributes": (
        _ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        "activity_task_scheduled_event_attributes",
    ),
    "request_cancel_activity_task_command_attributes": (
        _ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
        "activity_task_cancel_requested_event_attributes",
    ),
    "start_timer_command_attributes": (
        _ET.EVENT_TYPE_TIMER_STARTED,
        "timer_started_event_attributes",
    ),
    "cancel_timer_command_attributes": (
        _ET.EVENT_TYPE_TIMER_CANCELED,
        "timer_canceled_event_attributes",
    ),
    "record_marker_command_attributes": (
        _ET.EVENT_TYPE_MARKER_RECORDED,
        "marker_recorded_event_attributes",
    ),
    "start_child_workflow_execution_command_attributes": (
        _ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
        "start_child_workflow_execution_initiated_event_attributes",
    ),
    "signal_external_workflow_execution_command_attributes": (
        _ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
        "signal_external_workflow_execution_initiated_event_attributes",
    ),
    "request_cancel_external_workflow_execution_command_attributes": (
        _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
        "request_cancel_external_workflow_execution_initiated_event_attributes",
    ),
    "upsert_workflow_search_attributes_command_attributes": (
        _ET.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        "upsert_workflow_search_attributes_event_attributes",
    ),
    "modify_workflow_properties_command_attributes": (
        _ET.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
        "workflow_properties_modified_event_attributes",
    ),
    "complete_workflow_execution_command_attributes": (
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        "workflow_execution_completed_event_attributes",
    ),
    "fail_workflow_execution_command_attributes": (
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
        "workflow_execution_failed_event_attributes",
    ),
    "cancel_workflow_execution_command_attributes": (
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
        "workflow_execution_canceled_event_attributes",
    ),
    "continue_as_new_workflow_execution_command_attributes": (
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
        "workflow_execution_continued_as_new_event_attributes",
    ),
}


def _copy_same_named(source: ProtoMessage, target: ProtoMessage) -> None:
    """Copy every set field of ``source`` into the field of the same name in ``target``."""
    target_fields = target.DESCRIPTOR.fields_by_name
    for field, value in source.ListFields():
        if field.name not in target_fields:
            continue
        dest = getattr(target, field.name)
        if hasattr(dest, "MergeFrom"):  # a message, a repeated field or a map: all empty here
            dest.MergeFrom(value)
        else:
            setattr(target, field.name, value)


def _fix_external_target(command: Any, attrs: Any) -> None:
    """Signal and cancel commands name their target differently from their events."""
    if hasattr(command, "execution"):
        attrs.workflow_execution.CopyFrom(command.execution)
    elif hasattr(command, "workflow_id"):
        attrs.workflow_execution.CopyFrom(
            WorkflowExecution(workflow_id=command.workflow_id, run_id=command.run_id)
        )


class RunHistory:
    """The events of one run, appended at the runner's virtual time."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.events: list[HistoryEvent] = []
        self._clock = clock
        self._wft_scheduled = 0
        self._wft_started = 0
        self.wft_completed = 0
        """Id of the last WorkflowTaskCompleted event (0 before the first)."""

    def add(self, event_type: int, attr_field: str | None = None, **attrs: Any) -> HistoryEvent:
        """Append an event of ``event_type`` with the given attribute values; return it."""
        event = HistoryEvent(event_id=len(self.events) + 1, event_type=event_type)  # type: ignore[arg-type]
        now = self._clock()
        event.event_time.seconds = int(now)
        event.event_time.nanos = round((now - int(now)) * 1e9) % 1_000_000_000
        if attr_field is not None:
            target = getattr(event, attr_field)
            target.SetInParent()
            for key, value in attrs.items():
                field = getattr(target, key)
                if isinstance(value, ProtoMessage):
                    field.CopyFrom(value)
                else:
                    setattr(target, key, value)
        self.events.append(event)
        return event

    def take_new(self, already: int) -> list[HistoryEvent]:
        """The events after the first ``already`` ones."""
        return self.events[already:]

    # -- workflow tasks

    def schedule_and_start_task(self, task_queue: str) -> None:
        """Record WorkflowTaskScheduled and WorkflowTaskStarted (a worker picked the task)."""
        from temporal_sdk.api.taskqueue.v1 import TaskQueue

        self._wft_scheduled = self.add(
            _ET.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
            "workflow_task_scheduled_event_attributes",
            task_queue=TaskQueue(name=task_queue),
            attempt=1,
        ).event_id
        self._wft_started = self.add(
            _ET.EVENT_TYPE_WORKFLOW_TASK_STARTED,
            "workflow_task_started_event_attributes",
            scheduled_event_id=self._wft_scheduled,
            identity="test-runner",
        ).event_id

    def complete_task(self) -> None:
        """Record WorkflowTaskCompleted for the started task."""
        self.wft_completed = self.add(
            _ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
            "workflow_task_completed_event_attributes",
            scheduled_event_id=self._wft_scheduled,
            started_event_id=self._wft_started,
            identity="test-runner",
        ).event_id

    # -- commands

    def record_command(self, command: CommandProto) -> HistoryEvent | None:
        """Record the event the server writes for ``command`` (``None``: it writes none)."""
        which = command.WhichOneof("attributes")
        if which is None or which not in _COMMAND_EVENTS:
            return None
        event_type, attr_field = _COMMAND_EVENTS[which]
        event = self.add(event_type, attr_field)
        attrs = getattr(event, attr_field)
        source = getattr(command, which)
        _copy_same_named(source, attrs)
        if event_type in _EXTERNAL_TARGETS:
            _fix_external_target(source, attrs)
        if "workflow_task_completed_event_id" in attrs.DESCRIPTOR.fields_by_name:
            attrs.workflow_task_completed_event_id = self.wft_completed
        return event


_EXTERNAL_TARGETS = frozenset(
    {
        _ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
        _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    }
)
