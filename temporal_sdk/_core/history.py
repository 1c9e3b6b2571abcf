"""The history buffer: events in id order and the rule that cuts them into workflow tasks.

Rule: pure data handling. No machine state lives here; the router in ``workflow_machines`` reads
events one at a time and asks :func:`classify_task_start` what a WorkflowTaskStarted means.

Batching rule. A WorkflowTaskStarted ends a batch (one activation) when it is followed by
WorkflowTaskCompleted (a replayed task) or when it is the last event known (the current task).
When it is followed by WorkflowTaskFailed or WorkflowTaskTimedOut (or anything else) the task
produced nothing, so no activation is made and the events gathered so far roll over into the
next batch. The command events that follow a WorkflowTaskCompleted are the results of that
task's commands and are matched against them before any later event is turned into a job.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator

from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent

_PREFIX = "EVENT_TYPE_"


def _camel(enum_name: str) -> str:
    words = enum_name.removeprefix(_PREFIX).split("_")
    return "".join(word.capitalize() for word in words)


# "ActivityTaskScheduled" for EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, computed once.
EVENT_NAMES: dict[int, str] = {
    value: _camel(name) for name, value in EventType.items() if name != "EVENT_TYPE_UNSPECIFIED"
}


def event_name(event_type: int) -> str:
    """The short CamelCase name of an event type, as Temporal's UI shows it."""
    return EVENT_NAMES.get(event_type) or f"EventType({event_type})"


def event_time(event: HistoryEvent) -> float:
    """An event's timestamp in seconds since the epoch."""
    ts = event.event_time
    return ts.seconds + ts.nanos / 1e9


class TaskStart(enum.Enum):
    """What a WorkflowTaskStarted event means for activation batching."""

    REPLAYED = "replayed"
    """Followed by WorkflowTaskCompleted: run the code; its commands are already in history."""
    CURRENT = "current"
    """The last event known: run the code; its commands go to the server."""
    DISCARDED = "discarded"
    """Followed by a task failure or time-out: the task produced nothing, make no activation."""


_WFT_COMPLETED = EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED


def classify_task_start(next_event_type: int | None) -> TaskStart:
    """Classify a WorkflowTaskStarted by the type of the event after it (``None``: none yet)."""
    if next_event_type is None:
        return TaskStart.CURRENT
    if next_event_type == _WFT_COMPLETED:
        return TaskStart.REPLAYED
    return TaskStart.DISCARDED


class HistoryError(Exception):
    """The history cannot be processed: malformed, partial, or using a feature not supported."""


class HistoryBuffer:
    """The events of one run received so far and not read yet, and a cursor over them.

    Events may arrive in several chunks (a paged history, or new events for a cached run); each
    chunk must continue the ids of the previous one without gaps. Events already read are
    forgotten once every event held was read: a cached run must not keep its poll responses
    (a held event keeps its whole response's protobuf arena alive).
    """

    __slots__ = ("_events", "_last_id", "_pos")

    def __init__(self) -> None:
        self._events: list[HistoryEvent] = []
        self._pos = 0
        self._last_id = 0  # id of the last event received (0: none yet)

    def extend(self, events: Iterable[HistoryEvent]) -> None:
        """Append events; ids must be consecutive and continue the ones already received."""
        held = self._events
        expected = self._last_id + 1
        for event in events:
            if event.event_id != expected:
                if expected == 1 and event.event_id > 1:
                    raise HistoryError(
                        f"history starts at event {event.event_id}: a partial history "
                        "cannot be processed without the events before it"
                    )
                raise HistoryError(
                    f"history event ids are not consecutive: expected {expected}, "
                    f"got {event.event_id}"
                )
            held.append(event)
            expected += 1
        self._last_id = expected - 1

    @property
    def received(self) -> int:
        """How many events were received in all (the id of the last one)."""
        return self._last_id

    def take(self) -> HistoryEvent | None:
        """Return the next unread event and advance, or ``None`` when all were read."""
        pos = self._pos
        events = self._events
        if pos >= len(events):
            return None
        event = events[pos]
        if pos + 1 == len(events):
            events.clear()  # all read: drop them (see the class docstring)
            self._pos = 0
        else:
            self._pos = pos + 1
        return event

    def unread(self) -> Iterator[HistoryEvent]:
        """The events not read yet, in order, without advancing (for read-ahead)."""
        # By index: ``islice`` would walk past every event already read, on every call.
        events = self._events
        return (events[i] for i in range(self._pos, len(events)))

    def peek_type(self) -> int | None:
        """The type of the next unread event, or ``None`` when there is none yet."""
        pos = self._pos
        if pos >= len(self._events):
            return None
        return self._events[pos].event_type
