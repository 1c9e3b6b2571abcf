"""The marker machine: RecordMarker commands and the MarkerRecorded events that confirm them.

Rule: one machine per marker the code records (a patch, a side effect). A marker resolves
nothing: the code already has its value when it records it (live) or read it ahead from history
(replay, see :func:`lookahead_jobs`). Replay compares the marker's name and, per kind, its id.
Marker formats follow Temporal's other SDKs so their workers read ours and ours read theirs:

* patches: name ``core_patch``, details ``patch-data`` = JSON ``{"id": ..., "deprecated": ...}``
  (older keys ``patch_id`` / ``deprecated`` hold raw bytes and are read too);
* side effects: name ``SideEffect``, details ``side-effect-id`` (JSON int) and ``data``.

A deprecated patch marker that the code no longer asks for may be skipped on replay.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable

from temporal_sdk._core.activation import (
    Job,
    NotifyHasPatch,
    NotifySideEffect,
    RecordSideEffect,
    SetPatchMarker,
)
from temporal_sdk._core.machines import CommandSink, PendingCommand
from temporal_sdk._core.machines import local_activity as _local_activity
from temporal_sdk._core.machines._fsm import Table, fire
from temporal_sdk.api.command.v1 import Command, RecordMarkerCommandAttributes
from temporal_sdk.api.common.v1 import Payload, Payloads
from temporal_sdk.api.enums.v1 import CommandType, EventType
from temporal_sdk.api.history.v1 import HistoryEvent, MarkerRecordedEventAttributes

PATCH_MARKER_NAME = "core_patch"
PATCH_DETAILS_KEY = "patch-data"
SIDE_EFFECT_MARKER_NAME = "SideEffect"
SIDE_EFFECT_ID_KEY = "side-effect-id"
SIDE_EFFECT_DATA_KEY = "data"

_JSON = b"json/plain"
_MARKER_RECORDED = EventType.EVENT_TYPE_MARKER_RECORDED


class MarkerState(enum.Enum):
    """Where a marker is in its life."""

    CREATED = enum.auto()
    RECORDED = enum.auto()


class MarkerInput(enum.Enum):
    """What can happen to a marker."""

    RECORDED_EVENT = enum.auto()


class MarkerAction(enum.Enum):
    """What the machine does on a transition."""

    NONE = enum.auto()


TABLE: Table[MarkerState, MarkerInput, MarkerAction] = {
    (MarkerState.CREATED, MarkerInput.RECORDED_EVENT): (MarkerState.RECORDED, MarkerAction.NONE),
}


def _json_payload(value: object) -> Payload:
    return Payload(metadata={"encoding": _JSON}, data=json.dumps(value).encode())


def decode_patch(attrs: MarkerRecordedEventAttributes) -> tuple[str, bool] | None:
    """``(patch_id, deprecated)`` of a patch marker, or ``None`` when it is not one."""
    if attrs.marker_name != PATCH_MARKER_NAME:
        return None
    details = attrs.details
    if PATCH_DETAILS_KEY in details and details[PATCH_DETAILS_KEY].payloads:
        try:
            data = json.loads(details[PATCH_DETAILS_KEY].payloads[0].data)
            return str(data["id"]), bool(data.get("deprecated", False))
        except (ValueError, KeyError, TypeError):
            return None
    if "patch_id" in details and details["patch_id"].payloads:
        patch_id = details["patch_id"].payloads[0].data.decode(errors="replace")
        flag = details["deprecated"].payloads[0].data if "deprecated" in details else b""
        return patch_id, bool(flag and flag[0])
    return None


def decode_side_effect(attrs: MarkerRecordedEventAttributes) -> tuple[int, Payload | None] | None:
    """``(seq, result)`` of a side-effect marker, or ``None`` when it is not one."""
    if attrs.marker_name != SIDE_EFFECT_MARKER_NAME:
        return None
    details = attrs.details
    try:
        seq = int(json.loads(details[SIDE_EFFECT_ID_KEY].payloads[0].data))
    except (KeyError, IndexError, ValueError, TypeError):
        return None
    data = details[SIDE_EFFECT_DATA_KEY].payloads if SIDE_EFFECT_DATA_KEY in details else []
    return seq, (data[0] if data else None)


def _marker_key(event: HistoryEvent) -> str:
    attrs = event.marker_recorded_event_attributes
    patch = decode_patch(attrs)
    if patch is not None:
        return f"{PATCH_MARKER_NAME}/{patch[0]}"
    side_effect = decode_side_effect(attrs)
    if side_effect is not None:
        return f"{SIDE_EFFECT_MARKER_NAME}/{side_effect[0]}"
    local_activity = _local_activity.event_key(event)
    if local_activity is not None:
        return local_activity
    return attrs.marker_name


def describe_marker(event: HistoryEvent) -> str:
    """Key attributes of a MarkerRecorded event for error messages."""
    attrs = event.marker_recorded_event_attributes
    patch = decode_patch(attrs)
    if patch is not None:
        return f"marker_name={attrs.marker_name} patch_id={patch[0]} deprecated={patch[1]}"
    side_effect = decode_side_effect(attrs)
    if side_effect is not None:
        return f"marker_name={attrs.marker_name} side_effect_id={side_effect[0]}"
    return f"marker_name={attrs.marker_name}"


# Command events this module confirms, with the identity replay compares.
COMMAND_EVENT_KEYS: dict[int, Callable[[HistoryEvent], str]] = {_MARKER_RECORDED: _marker_key}


def _deprecated_patch(event: HistoryEvent) -> bool:
    patch = decode_patch(event.marker_recorded_event_attributes)
    return patch is not None and patch[1]


# Command events replay may pass over when the code issued no matching command.
SKIPPABLE_EVENTS: dict[int, Callable[[HistoryEvent], bool]] = {_MARKER_RECORDED: _deprecated_patch}


def lookahead_jobs(event: HistoryEvent) -> Job | None:
    """The job a marker read ahead of the code produces (its value, known before the code asks)."""
    if event.event_type != _MARKER_RECORDED:
        return None
    attrs = event.marker_recorded_event_attributes
    patch = decode_patch(attrs)
    if patch is not None:
        return NotifyHasPatch(patch[0])
    side_effect = decode_side_effect(attrs)
    if side_effect is not None:
        return NotifySideEffect(side_effect[0], side_effect[1])
    return None


def _record_marker(name: str, details: dict[str, Payloads]) -> Command:
    attrs = RecordMarkerCommandAttributes(marker_name=name)
    for key, payloads in details.items():
        attrs.details[key].CopyFrom(payloads)
    return Command(
        command_type=CommandType.COMMAND_TYPE_RECORD_MARKER,
        record_marker_command_attributes=attrs,
    )


class MarkerMachine:
    """One recorded marker (a patch or a side effect)."""

    __slots__ = ("command", "description", "state")

    def __init__(self, proto: Command, key: str, description: str, origin: str) -> None:
        self.state = MarkerState.CREATED
        self.description = description
        self.command = PendingCommand(
            proto=proto,
            event_type=_MARKER_RECORDED,
            key=key,
            machine=self,
            description=description,
            origin=origin,
        )

    @classmethod
    def for_patch(cls, command: SetPatchMarker, sink: CommandSink) -> MarkerMachine:
        """Record the patch marker of ``command`` and queue it."""
        data = {"id": command.patch_id, "deprecated": command.deprecated}
        proto = _record_marker(
            PATCH_MARKER_NAME, {PATCH_DETAILS_KEY: _payloads(_json_payload(data))}
        )
        machine = cls(
            proto,
            f"{PATCH_MARKER_NAME}/{command.patch_id}",
            f"SetPatchMarker patch_id={command.patch_id}",
            command.origin,
        )
        sink.emit(machine.command)
        return machine

    @classmethod
    def for_side_effect(cls, command: RecordSideEffect, sink: CommandSink) -> MarkerMachine:
        """Record the side-effect marker of ``command`` and queue it."""
        details = {SIDE_EFFECT_ID_KEY: _payloads(_json_payload(command.seq))}
        details[SIDE_EFFECT_DATA_KEY] = (
            _payloads(command.result) if command.result is not None else Payloads()
        )
        proto = _record_marker(SIDE_EFFECT_MARKER_NAME, details)
        machine = cls(
            proto,
            f"{SIDE_EFFECT_MARKER_NAME}/{command.seq}",
            f"RecordSideEffect seq={command.seq}",
            command.origin,
        )
        sink.emit(machine.command)
        return machine

    def describe(self) -> str:
        """Name used in error messages."""
        return f"marker {self.description} (state {self.state.name})"

    def on_event(self, event: HistoryEvent) -> Job | None:
        """Apply the MarkerRecorded event that confirms this marker."""
        self.state, _ = fire(TABLE, self.state, MarkerInput.RECORDED_EVENT)
        return None


def _payloads(payload: Payload) -> Payloads:
    return Payloads(payloads=[payload])
