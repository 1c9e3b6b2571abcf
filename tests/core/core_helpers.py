"""Helpers to drive WorkflowMachines by hand in core tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeAlias

from history_builder import HistoryBuilder

from temporal_sdk._core.activation import (
    Activation,
    Command,
    Completion,
    ScheduleActivity,
    StartTimer,
)
from temporal_sdk._core.workflow_machines import WorkflowMachines
from temporal_sdk.api.command.v1 import ScheduleActivityTaskCommandAttributes
from temporal_sdk.api.common.v1 import ActivityType
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.api.taskqueue.v1 import TaskQueue

Response: TypeAlias = Sequence[Command] | Callable[[Activation], Sequence[Command]]


def machines_for(events: Iterable[HistoryEvent] | HistoryBuilder) -> WorkflowMachines:
    m = WorkflowMachines(namespace="default", workflow_id="wf-1", run_id="run-1")
    m.add_events(events.events if isinstance(events, HistoryBuilder) else events)
    return m


def drive(machines: WorkflowMachines, *responses: Response) -> list[Activation]:
    """Answer each activation with the next response; require exactly that many activations."""
    activations: list[Activation] = []
    for response in responses:
        act = machines.next_activation()
        assert act is not None, f"expected activation #{len(activations) + 1}, got None"
        activations.append(act)
        commands = response(act) if callable(response) else response
        machines.apply_completion(Completion(commands=tuple(commands)))
    extra = machines.next_activation()
    assert extra is None, f"unexpected extra activation {extra}"
    return activations


def schedule(seq: int, activity_type: str = "act", origin: str = "") -> ScheduleActivity:
    return ScheduleActivity(
        seq=seq,
        attributes=ScheduleActivityTaskCommandAttributes(
            activity_id=str(seq),
            activity_type=ActivityType(name=activity_type),
            task_queue=TaskQueue(name="tq"),
        ),
        origin=origin,
    )


def timer(seq: int, seconds: float = 1.0, origin: str = "") -> StartTimer:
    return StartTimer(seq=seq, duration=seconds, origin=origin)
