"""Per-command state machines and the small interface they share with the router.

Rule: a machine owns the life of one command (or, for ``workflow_task`` and ``completion``, of
one aspect of the run). It reacts to the runtime's commands and to history events through its
module-level table (see ``_fsm``) and talks back to the router only through a
:class:`CommandSink`. Machines never look at other machines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from temporal_sdk._core.activation import Job
from temporal_sdk.api.command.v1 import Command
from temporal_sdk.api.history.v1 import HistoryEvent


class EventTarget(Protocol):
    """Something history events are delivered to: returns the job the event produces, if any."""

    def on_event(self, event: HistoryEvent) -> Job | None:
        """Apply one history event; raise ``_fsm.TransitionError`` when it is not valid now."""
        ...

    def describe(self) -> str:
        """Short description for error messages, e.g. ``"timer seq=3"``."""
        ...


@dataclass(slots=True, eq=False)
class PendingCommand:
    """A command issued by the code, waiting for the history event that confirms it.

    On replay the confirming event must be of type ``event_type`` with identity ``key``.
    ``registers`` says that the confirming event's id becomes the routing key of later events
    (ActivityTaskScheduled for activity events, TimerStarted for TimerFired).
    """

    proto: Command
    event_type: int
    key: str
    machine: EventTarget
    description: str
    origin: str
    registers: bool = False


class CommandSink(Protocol):
    """What machines may ask of the router."""

    def emit(self, command: PendingCommand) -> None:
        """Queue a new command: to be matched on replay and, if live, sent to the server."""
        ...

    def retract(self, command: PendingCommand) -> bool:
        """Withdraw a command not yet sent nor matched; False when it is too late for that."""
        ...

    def add_local_job(self, job: Job) -> None:
        """Deliver a job in a follow-up activation of the same workflow task (no event needed)."""
        ...
