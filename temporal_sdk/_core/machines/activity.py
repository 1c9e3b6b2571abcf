"""The activity machine: ScheduleActivity / RequestCancelActivity and the ActivityTask* events.

Rule: one machine per ``ScheduleActivity(seq)``. The code learns the outcome from exactly one
``ResolveActivity(seq)``: the activity's result, or a failure wrapping what the server reported
(messages and fields as Temporal's other SDKs build them). A cancel request is sent as is and the
outcome waits for history (whatever ends the activity first: cancelled, completed, failed or
timed out); only an activity whose schedule command was never sent resolves at once, as
cancelled.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from temporal_sdk._core.activation import (
    Job,
    RequestCancelActivity,
    ResolveActivity,
    ScheduleActivity,
)
from temporal_sdk._core.machines import CommandSink, PendingCommand
from temporal_sdk._core.machines._fsm import Table, fire
from temporal_sdk.api.command.v1 import Command, RequestCancelActivityTaskCommandAttributes
from temporal_sdk.api.common.v1 import ActivityType, Payloads
from temporal_sdk.api.enums.v1 import CommandType, EventType, RetryState
from temporal_sdk.api.failure.v1 import ActivityFailureInfo, CanceledFailureInfo, Failure
from temporal_sdk.api.history.v1 import HistoryEvent


class ActivityState(enum.Enum):
    """Where an activity is in its life."""

    CREATED = enum.auto()
    SCHEDULED = enum.auto()
    STARTED = enum.auto()
    CANCEL_CREATED = enum.auto()
    CANCEL_REQUESTED = enum.auto()
    COMPLETED = enum.auto()
    FAILED = enum.auto()
    TIMED_OUT = enum.auto()
    CANCELED = enum.auto()


class ActivityInput(enum.Enum):
    """What can happen to an activity."""

    REQUEST_CANCEL = enum.auto()
    SCHEDULED_EVENT = enum.auto()
    STARTED_EVENT = enum.auto()
    COMPLETED_EVENT = enum.auto()
    FAILED_EVENT = enum.auto()
    TIMED_OUT_EVENT = enum.auto()
    CANCEL_REQUESTED_EVENT = enum.auto()
    CANCELED_EVENT = enum.auto()


class ActivityAction(enum.Enum):
    """What the machine does on a transition."""

    NONE = enum.auto()
    RETRACT_AND_RESOLVE_CANCELLED = enum.auto()
    EMIT_CANCEL = enum.auto()
    RESOLVE_COMPLETED = enum.auto()
    RESOLVE_FAILED = enum.auto()
    RESOLVE_TIMED_OUT = enum.auto()
    RESOLVE_CANCELED = enum.auto()


_S, _I, _A = ActivityState, ActivityInput, ActivityAction

TABLE: Table[ActivityState, ActivityInput, ActivityAction] = {
    (_S.CREATED, _I.SCHEDULED_EVENT): (_S.SCHEDULED, _A.NONE),
    (_S.CREATED, _I.REQUEST_CANCEL): (_S.CANCELED, _A.RETRACT_AND_RESOLVE_CANCELLED),
    (_S.SCHEDULED, _I.STARTED_EVENT): (_S.STARTED, _A.NONE),
    (_S.SCHEDULED, _I.TIMED_OUT_EVENT): (_S.TIMED_OUT, _A.RESOLVE_TIMED_OUT),
    (_S.SCHEDULED, _I.REQUEST_CANCEL): (_S.CANCEL_CREATED, _A.EMIT_CANCEL),
    (_S.STARTED, _I.COMPLETED_EVENT): (_S.COMPLETED, _A.RESOLVE_COMPLETED),
    (_S.STARTED, _I.FAILED_EVENT): (_S.FAILED, _A.RESOLVE_FAILED),
    (_S.STARTED, _I.TIMED_OUT_EVENT): (_S.TIMED_OUT, _A.RESOLVE_TIMED_OUT),
    (_S.STARTED, _I.REQUEST_CANCEL): (_S.CANCEL_CREATED, _A.EMIT_CANCEL),
    (_S.CANCEL_CREATED, _I.CANCEL_REQUESTED_EVENT): (_S.CANCEL_REQUESTED, _A.NONE),
    (_S.CANCEL_CREATED, _I.REQUEST_CANCEL): (_S.CANCEL_CREATED, _A.NONE),
    # The server writes ActivityTaskStarted lazily, with the outcome, so it may follow the
    # cancel request.
    (_S.CANCEL_REQUESTED, _I.STARTED_EVENT): (_S.CANCEL_REQUESTED, _A.NONE),
    (_S.CANCEL_REQUESTED, _I.COMPLETED_EVENT): (_S.COMPLETED, _A.RESOLVE_COMPLETED),
    (_S.CANCEL_REQUESTED, _I.FAILED_EVENT): (_S.FAILED, _A.RESOLVE_FAILED),
    (_S.CANCEL_REQUESTED, _I.TIMED_OUT_EVENT): (_S.TIMED_OUT, _A.RESOLVE_TIMED_OUT),
    (_S.CANCEL_REQUESTED, _I.CANCELED_EVENT): (_S.CANCELED, _A.RESOLVE_CANCELED),
    (_S.CANCEL_REQUESTED, _I.REQUEST_CANCEL): (_S.CANCEL_REQUESTED, _A.NONE),
    (_S.COMPLETED, _I.REQUEST_CANCEL): (_S.COMPLETED, _A.NONE),
    (_S.FAILED, _I.REQUEST_CANCEL): (_S.FAILED, _A.NONE),
    (_S.TIMED_OUT, _I.REQUEST_CANCEL): (_S.TIMED_OUT, _A.NONE),
    (_S.CANCELED, _I.REQUEST_CANCEL): (_S.CANCELED, _A.NONE),
}

_ET = EventType

_EVENT_INPUTS: dict[int, ActivityInput] = {
    _ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: _I.SCHEDULED_EVENT,
    _ET.EVENT_TYPE_ACTIVITY_TASK_STARTED: _I.STARTED_EVENT,
    _ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: _I.COMPLETED_EVENT,
    _ET.EVENT_TYPE_ACTIVITY_TASK_FAILED: _I.FAILED_EVENT,
    _ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: _I.TIMED_OUT_EVENT,
    _ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED: _I.CANCEL_REQUESTED_EVENT,
    _ET.EVENT_TYPE_ACTIVITY_TASK_CANCELED: _I.CANCELED_EVENT,
}


def _scheduled_key(e: HistoryEvent) -> str:
    a = e.activity_task_scheduled_event_attributes
    return f"{a.activity_id}/{a.activity_type.name}"


# Command events this module confirms, with the identity replay compares.
COMMAND_EVENT_KEYS: dict[int, Callable[[HistoryEvent], str]] = {
    _ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: _scheduled_key,
    _ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED: lambda e: str(
        e.activity_task_cancel_requested_event_attributes.scheduled_event_id
    ),
}

# Other events for activities, with the id of the ActivityTaskScheduled event they refer to.
ROUTED_EVENTS: dict[int, Callable[[HistoryEvent], int]] = {
    _ET.EVENT_TYPE_ACTIVITY_TASK_STARTED: lambda e: (
        e.activity_task_started_event_attributes.scheduled_event_id
    ),
    _ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: lambda e: (
        e.activity_task_completed_event_attributes.scheduled_event_id
    ),
    _ET.EVENT_TYPE_ACTIVITY_TASK_FAILED: lambda e: (
        e.activity_task_failed_event_attributes.scheduled_event_id
    ),
    _ET.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: lambda e: (
        e.activity_task_timed_out_event_attributes.scheduled_event_id
    ),
    _ET.EVENT_TYPE_ACTIVITY_TASK_CANCELED: lambda e: (
        e.activity_task_canceled_event_attributes.scheduled_event_id
    ),
}


class ActivityMachine:
    """One scheduled activity."""

    __slots__ = (
        "_sink",
        "activity_id",
        "activity_type",
        "cancel_command",
        "schedule_command",
        "scheduled_event_id",
        "seq",
        "state",
    )

    def __init__(self, command: ScheduleActivity, sink: CommandSink) -> None:
        attrs = command.attributes
        self.seq = command.seq
        self.activity_id = attrs.activity_id
        self.activity_type = attrs.activity_type.name
        self.state = ActivityState.CREATED
        self.scheduled_event_id = 0
        self._sink = sink
        proto = Command(command_type=CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK)
        proto.schedule_activity_task_command_attributes.CopyFrom(attrs)
        self.schedule_command = PendingCommand(
            proto=proto,
            event_type=_ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
            key=f"{self.activity_id}/{self.activity_type}",
            machine=self,
            description=(
                f"ScheduleActivity activity_id={self.activity_id} "
                f"activity_type={self.activity_type}"
            ),
            origin=command.origin,
            registers=True,
        )
        self.cancel_command: PendingCommand | None = None
        sink.emit(self.schedule_command)

    def describe(self) -> str:
        """Name used in error messages."""
        return (
            f"activity seq={self.seq} activity_id={self.activity_id} "
            f"activity_type={self.activity_type} (state {self.state.name})"
        )

    def request_cancel(self, command: RequestCancelActivity) -> None:
        """The code asked to cancel the activity."""
        self.state, action = fire(TABLE, self.state, ActivityInput.REQUEST_CANCEL)
        if action is ActivityAction.RETRACT_AND_RESOLVE_CANCELLED:
            if not self._sink.retract(self.schedule_command):
                raise RuntimeError(f"cannot withdraw ScheduleActivity of activity seq={self.seq}")
            self._sink.add_local_job(
                ResolveActivity(self.seq, failure=self._cancelled_failure(), cancelled=True)
            )
        elif action is ActivityAction.EMIT_CANCEL:
            self.cancel_command = PendingCommand(
                proto=Command(
                    command_type=CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
                    request_cancel_activity_task_command_attributes=(
                        RequestCancelActivityTaskCommandAttributes(
                            scheduled_event_id=self.scheduled_event_id
                        )
                    ),
                ),
                event_type=_ET.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
                key=str(self.scheduled_event_id),
                machine=self,
                description=(
                    f"RequestCancelActivity activity_id={self.activity_id} "
                    f"scheduled_event_id={self.scheduled_event_id}"
                ),
                origin=command.origin,
            )
            self._sink.emit(self.cancel_command)

    def on_event(self, event: HistoryEvent) -> Job | None:
        """Apply one ActivityTask* event; return the resolution it produces, if any."""
        self.state, action = fire(TABLE, self.state, _EVENT_INPUTS[event.event_type])
        if action is ActivityAction.NONE:
            if event.event_type == _ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                self.scheduled_event_id = event.event_id
            return None
        return _RESOLVERS[action](self, event)

    def _info(
        self, scheduled: int, started: int, identity: str, retry_state: int
    ) -> ActivityFailureInfo:
        return ActivityFailureInfo(
            scheduled_event_id=scheduled,
            started_event_id=started,
            identity=identity,
            activity_type=ActivityType(name=self.activity_type),
            activity_id=self.activity_id,
            retry_state=retry_state,  # type: ignore[arg-type]
        )

    def _completed(self, event: HistoryEvent) -> Job:
        payloads = event.activity_task_completed_event_attributes.result.payloads
        return ResolveActivity(self.seq, result=payloads[0] if payloads else None)

    def _failed(self, event: HistoryEvent) -> Job:
        a = event.activity_task_failed_event_attributes
        failure = Failure(
            message="Activity task failed",
            activity_failure_info=self._info(
                a.scheduled_event_id, a.started_event_id, a.identity, a.retry_state
            ),
        )
        if a.HasField("failure"):
            failure.cause.CopyFrom(a.failure)
        return ResolveActivity(self.seq, failure=failure)

    def _timed_out(self, event: HistoryEvent) -> Job:
        a = event.activity_task_timed_out_event_attributes
        failure = Failure(
            message="Activity task timed out",
            activity_failure_info=self._info(
                a.scheduled_event_id, a.started_event_id, "", a.retry_state
            ),
        )
        if a.HasField("failure"):
            failure.cause.CopyFrom(a.failure)
        return ResolveActivity(self.seq, failure=failure)

    def _canceled(self, event: HistoryEvent) -> Job:
        a = event.activity_task_canceled_event_attributes
        details = a.details if a.HasField("details") else None
        failure = self._cancelled_failure(
            a.scheduled_event_id, a.started_event_id, a.identity, details
        )
        return ResolveActivity(self.seq, failure=failure, cancelled=True)

    def _cancelled_failure(
        self,
        scheduled: int = 0,
        started: int = 0,
        identity: str = "",
        details: Payloads | None = None,
    ) -> Failure:
        cause = Failure(canceled_failure_info=CanceledFailureInfo())
        if details is not None:
            cause.canceled_failure_info.details.CopyFrom(details)
        return Failure(
            message="Activity cancelled",
            cause=cause,
            activity_failure_info=self._info(
                scheduled, started, identity, RetryState.RETRY_STATE_CANCEL_REQUESTED
            ),
        )


_RESOLVERS: dict[ActivityAction, Callable[[ActivityMachine, HistoryEvent], Job]] = {
    ActivityAction.RESOLVE_COMPLETED: ActivityMachine._completed,
    ActivityAction.RESOLVE_FAILED: ActivityMachine._failed,
    ActivityAction.RESOLVE_TIMED_OUT: ActivityMachine._timed_out,
    ActivityAction.RESOLVE_CANCELED: ActivityMachine._canceled,
}
