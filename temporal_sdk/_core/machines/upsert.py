"""The upsert machine: search attribute upserts and memo changes, and the events confirming them.

Rule: one machine per UpsertWorkflowSearchAttributes or ModifyWorkflowProperties command. Both
are fire-and-forget: the code applies the change to its own view at once, nothing resolves later,
and replay compares the kind only. An upsert that sets nothing but ``TemporalChangeVersion`` is
one Temporal's core SDK adds by itself after a patch marker; replay passes over it when the code
issued no upsert of its own.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from temporal_sdk._core.activation import Job, ModifyWorkflowProperties, UpsertSearchAttributes
from temporal_sdk._core.machines import CommandSink, PendingCommand
from temporal_sdk._core.machines._fsm import Table, fire
from temporal_sdk.api.command.v1 import (
    Command,
    ModifyWorkflowPropertiesCommandAttributes,
    UpsertWorkflowSearchAttributesCommandAttributes,
)
from temporal_sdk.api.enums.v1 import CommandType, EventType
from temporal_sdk.api.history.v1 import HistoryEvent

CHANGE_VERSION_KEY = "TemporalChangeVersion"

_ET = EventType
_UPSERTED = _ET.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
_MODIFIED = _ET.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED


class UpsertState(enum.Enum):
    """Where an upsert is in its life."""

    CREATED = enum.auto()
    RECORDED = enum.auto()


class UpsertInput(enum.Enum):
    """What can happen to an upsert."""

    RECORDED_EVENT = enum.auto()


class UpsertAction(enum.Enum):
    """What the machine does on a transition."""

    NONE = enum.auto()


TABLE: Table[UpsertState, UpsertInput, UpsertAction] = {
    (UpsertState.CREATED, UpsertInput.RECORDED_EVENT): (UpsertState.RECORDED, UpsertAction.NONE),
}

# Command events this module confirms; replay compares the kind only.
COMMAND_EVENT_KEYS: dict[int, Callable[[HistoryEvent], str]] = {
    _UPSERTED: lambda e: "",
    _MODIFIED: lambda e: "",
}


def _change_version_only(event: HistoryEvent) -> bool:
    fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes
    return set(fields.indexed_fields) == {CHANGE_VERSION_KEY}


# Command events replay may pass over when the code issued no matching command.
SKIPPABLE_EVENTS: dict[int, Callable[[HistoryEvent], bool]] = {_UPSERTED: _change_version_only}


class UpsertMachine:
    """One search attribute upsert or memo change."""

    __slots__ = ("command", "state")

    def __init__(
        self, command: UpsertSearchAttributes | ModifyWorkflowProperties, sink: CommandSink
    ) -> None:
        self.state = UpsertState.CREATED
        match command:
            case UpsertSearchAttributes(attributes=attributes):
                proto = Command(
                    command_type=CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
                    upsert_workflow_search_attributes_command_attributes=(
                        UpsertWorkflowSearchAttributesCommandAttributes(
                            search_attributes=attributes
                        )
                    ),
                )
                event_type, names = _UPSERTED, sorted(attributes.indexed_fields)
                kind = "UpsertWorkflowSearchAttributes"
            case ModifyWorkflowProperties(memo=memo):
                proto = Command(
                    command_type=CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES,
                    modify_workflow_properties_command_attributes=(
                        ModifyWorkflowPropertiesCommandAttributes(upserted_memo=memo)
                    ),
                )
                event_type, names = _MODIFIED, sorted(memo.fields)
                kind = "ModifyWorkflowProperties"
        self.command = PendingCommand(
            proto=proto,
            event_type=event_type,
            key="",
            machine=self,
            description=f"{kind} keys={','.join(names)}",
            origin=command.origin,
        )
        sink.emit(self.command)

    def describe(self) -> str:
        """Name used in error messages."""
        return f"{self.command.description} (state {self.state.name})"

    def on_event(self, event: HistoryEvent) -> Job | None:
        """Apply the event that confirms this change."""
        self.state, _ = fire(TABLE, self.state, UpsertInput.RECORDED_EVENT)
        return None
