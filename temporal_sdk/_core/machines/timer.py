"""The timer machine: StartTimer / CancelTimer commands, TimerStarted / Fired / Canceled events.

Rule: one machine per ``StartTimer(seq)``; the timer id on the wire is ``str(seq)``. Cancelling a
timer whose StartTimer was never sent withdraws both commands; cancelling a fired or cancelled
timer does nothing.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable

from temporal_sdk._core.activation import CancelTimer, FireTimer, Job, StartTimer
from temporal_sdk._core.machines import CommandSink, PendingCommand
from temporal_sdk._core.machines._fsm import Table, fire
from temporal_sdk.api.command.v1 import (
    CancelTimerCommandAttributes,
    Command,
    StartTimerCommandAttributes,
)
from temporal_sdk.api.enums.v1 import CommandType, EventType
from temporal_sdk.api.history.v1 import HistoryEvent


class TimerState(enum.Enum):
    """Where a timer is in its life."""

    CREATED = enum.auto()
    STARTED = enum.auto()
    CANCEL_CREATED = enum.auto()
    FIRED = enum.auto()
    CANCELED = enum.auto()


class TimerInput(enum.Enum):
    """What can happen to a timer."""

    CANCEL = enum.auto()
    STARTED_EVENT = enum.auto()
    FIRED_EVENT = enum.auto()
    CANCELED_EVENT = enum.auto()


class TimerAction(enum.Enum):
    """What the machine does on a transition."""

    NONE = enum.auto()
    RETRACT_START = enum.auto()
    EMIT_CANCEL = enum.auto()
    FIRE = enum.auto()


_S, _I, _A = TimerState, TimerInput, TimerAction

TABLE: Table[TimerState, TimerInput, TimerAction] = {
    (_S.CREATED, _I.STARTED_EVENT): (_S.STARTED, _A.NONE),
    (_S.CREATED, _I.CANCEL): (_S.CANCELED, _A.RETRACT_START),
    (_S.STARTED, _I.FIRED_EVENT): (_S.FIRED, _A.FIRE),
    (_S.STARTED, _I.CANCEL): (_S.CANCEL_CREATED, _A.EMIT_CANCEL),
    (_S.CANCEL_CREATED, _I.CANCELED_EVENT): (_S.CANCELED, _A.NONE),
    (_S.CANCEL_CREATED, _I.CANCEL): (_S.CANCEL_CREATED, _A.NONE),
    (_S.FIRED, _I.CANCEL): (_S.FIRED, _A.NONE),
    (_S.CANCELED, _I.CANCEL): (_S.CANCELED, _A.NONE),
}

_EVENT_INPUTS: dict[int, TimerInput] = {
    EventType.EVENT_TYPE_TIMER_STARTED: _I.STARTED_EVENT,
    EventType.EVENT_TYPE_TIMER_FIRED: _I.FIRED_EVENT,
    EventType.EVENT_TYPE_TIMER_CANCELED: _I.CANCELED_EVENT,
}

# Command events this module confirms, with the identity replay compares (the timer id).
COMMAND_EVENT_KEYS: dict[int, Callable[[HistoryEvent], str]] = {
    EventType.EVENT_TYPE_TIMER_STARTED: lambda e: e.timer_started_event_attributes.timer_id,
    EventType.EVENT_TYPE_TIMER_CANCELED: lambda e: e.timer_canceled_event_attributes.timer_id,
}

# Other events for timers, with the id of the TimerStarted event they refer to.
ROUTED_EVENTS: dict[int, Callable[[HistoryEvent], int]] = {
    EventType.EVENT_TYPE_TIMER_FIRED: lambda e: e.timer_fired_event_attributes.started_event_id,
}


def _to_duration_fields(seconds: float) -> tuple[int, int]:
    # The server works in milliseconds: round anything finer up so a timer never fires early.
    millis = max(1, math.ceil(round(seconds * 1_000_000) / 1000))
    return millis // 1000, (millis % 1000) * 1_000_000


class TimerMachine:
    """One durable timer."""

    __slots__ = ("_sink", "cancel_command", "seq", "start_command", "state", "timer_id")

    def __init__(self, command: StartTimer, sink: CommandSink) -> None:
        self.seq = command.seq
        self.timer_id = str(command.seq)
        self.state = TimerState.CREATED
        self._sink = sink
        proto = Command(
            command_type=CommandType.COMMAND_TYPE_START_TIMER,
            start_timer_command_attributes=StartTimerCommandAttributes(timer_id=self.timer_id),
        )
        secs, nanos = _to_duration_fields(command.duration)
        timeout = proto.start_timer_command_attributes.start_to_fire_timeout
        timeout.seconds, timeout.nanos = secs, nanos
        self.start_command = PendingCommand(
            proto=proto,
            event_type=EventType.EVENT_TYPE_TIMER_STARTED,
            key=self.timer_id,
            machine=self,
            description=f"StartTimer timer_id={self.timer_id} duration={command.duration}s",
            origin=command.origin,
            registers=True,
        )
        self.cancel_command: PendingCommand | None = None
        sink.emit(self.start_command)

    def describe(self) -> str:
        """Name used in error messages."""
        return f"timer seq={self.seq} (state {self.state.name})"

    def cancel(self, command: CancelTimer) -> None:
        """The code cancelled the timer."""
        self.state, action = fire(TABLE, self.state, TimerInput.CANCEL)
        if action is TimerAction.RETRACT_START:
            if not self._sink.retract(self.start_command):
                raise RuntimeError(f"cannot withdraw StartTimer of timer seq={self.seq}")
        elif action is TimerAction.EMIT_CANCEL:
            self.cancel_command = PendingCommand(
                proto=Command(
                    command_type=CommandType.COMMAND_TYPE_CANCEL_TIMER,
                    cancel_timer_command_attributes=CancelTimerCommandAttributes(
                        timer_id=self.timer_id
                    ),
                ),
                event_type=EventType.EVENT_TYPE_TIMER_CANCELED,
                key=self.timer_id,
                machine=self,
                description=f"CancelTimer timer_id={self.timer_id}",
                origin=command.origin,
            )
            self._sink.emit(self.cancel_command)

    def on_event(self, event: HistoryEvent) -> Job | None:
        """Apply TimerStarted / TimerFired / TimerCanceled."""
        self.state, action = fire(TABLE, self.state, _EVENT_INPUTS[event.event_type])
        if action is TimerAction.FIRE:
            return FireTimer(self.seq)
        return None
