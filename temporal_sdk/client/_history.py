"""Workflow event histories: the ``WorkflowHistory`` value and its JSON forms.

Rule: pure data conversion between history protos and the JSON the server and CLI write; no
server calls here (fetching lives on ``WorkflowHandle``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, cast

from google.protobuf.descriptor import Descriptor, EnumDescriptor

from temporal_sdk.api.enums.v1 import HistoryEventFilterType
from temporal_sdk.api.history.v1 import History, HistoryEvent


class WorkflowHistoryEventFilterType(IntEnum):
    """Which history events a history fetch returns."""

    ALL_EVENT = int(HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
    CLOSE_EVENT = int(HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)


@dataclass(frozen=True)
class WorkflowHistory:
    """A workflow's event history, as the server or the CLI gives it."""

    workflow_id: str
    events: Sequence[HistoryEvent]

    @property
    def run_id(self) -> str:
        """The run id that started this history (from its first event)."""
        if not self.events:
            raise ValueError("history has no events")
        attrs = self.events[0].workflow_execution_started_event_attributes
        return attrs.original_execution_run_id

    @staticmethod
    def from_json(workflow_id: str, history: str | dict[str, Any]) -> WorkflowHistory:
        """Build a history from the JSON that ``temporal workflow show --output json`` writes.

        Both the proto3 JSON form and the older form with ``EVENT_TYPE_*`` enum spellings are
        accepted.
        """
        data = json.loads(history) if isinstance(history, str) else history
        _normalize_history_json(data)
        from google.protobuf import json_format  # loaded on first use: import time

        proto = json_format.ParseDict(data, History(), ignore_unknown_fields=True)
        return WorkflowHistory(workflow_id, list(proto.events))

    def to_json(self) -> str:
        """Render as the proto3 JSON that ``from_json`` and the CLI read."""
        from google.protobuf import json_format

        return json_format.MessageToJson(History(events=self.events))

    def to_json_dict(self) -> dict[str, Any]:
        """Render as a JSON-ready ``dict``."""
        from google.protobuf import json_format

        return json_format.MessageToDict(History(events=self.events))


def _normalize_history_json(data: Any, descriptor: Descriptor | None = None) -> None:
    """Rewrite enum values in the older PascalCase spelling to their proto names, in place.

    Older CLI versions wrote ``"eventType": "WorkflowExecutionStarted"`` (and likewise for every
    enum field); proto3 JSON expects ``"EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"``.
    """
    if not isinstance(data, dict):
        return
    message: Descriptor = descriptor or cast(Descriptor, History.DESCRIPTOR)
    for key, value in data.items():
        field = message.fields_by_camelcase_name.get(key) or message.fields_by_name.get(key)
        if field is None:
            continue
        items = value if isinstance(value, list) else [value]
        if field.enum_type is not None:
            names = _enum_spellings(field.enum_type)
            fixed = [names.get(v.lower(), v) if isinstance(v, str) else v for v in items]
            data[key] = fixed if isinstance(value, list) else fixed[0]
        elif field.message_type is not None:
            if field.message_type.GetOptions().map_entry:
                value_field = field.message_type.fields_by_name["value"]
                if value_field.message_type is not None and isinstance(value, dict):
                    for entry in value.values():
                        _normalize_history_json(entry, value_field.message_type)
                continue
            for item in items:
                _normalize_history_json(item, field.message_type)


_ENUM_SPELLINGS: dict[str, dict[str, str]] = {}


def _enum_spellings(enum: EnumDescriptor) -> dict[str, str]:
    """Map the lower-cased PascalCase form of each value (and its own name) to its proto name."""
    found = _ENUM_SPELLINGS.get(enum.full_name)
    if found is None:
        names = [v.name for v in enum.values]
        # Every value name starts with the enum's own prefix, e.g. "EVENT_TYPE_".
        prefix = names[0]
        for name in names[1:]:
            while not name.startswith(prefix):
                prefix = prefix[:-1]
        prefix = prefix[: prefix.rfind("_") + 1]
        found = {}
        for name in names:
            found[name[len(prefix) :].replace("_", "").lower()] = name
            found[name.lower()] = name
        _ENUM_SPELLINGS[enum.full_name] = found
    return found
