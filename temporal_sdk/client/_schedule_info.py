"""What the server reports about a schedule: description, activity info, and update types.

Rule: read-only views built from ``DescribeScheduleResponse`` / ``ScheduleInfo`` protobufs; the
only payloads here (the schedule's memo) are decoded lazily through the client's converter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from temporal_sdk._search_attributes import TypedSearchAttributes, decode_typed, decode_untyped
from temporal_sdk.api.common.v1 import WorkflowExecution as _WorkflowExecutionProto
from temporal_sdk.api.schedule import v1 as _sched
from temporal_sdk.api.workflowservice.v1 import DescribeScheduleResponse
from temporal_sdk.client._describe import decode_memo
from temporal_sdk.client._schedule import Schedule, _utc

if TYPE_CHECKING:
    from temporal_sdk.converter import DataConverter


class ScheduleActionExecution:
    """A workflow (or other action) a schedule started."""


@dataclass
class ScheduleActionExecutionStartWorkflow(ScheduleActionExecution):
    """A workflow a schedule started."""

    workflow_id: str
    """Its workflow id."""
    first_execution_run_id: str
    """Its first run id."""

    @staticmethod
    def _from_proto(proto: _WorkflowExecutionProto) -> ScheduleActionExecutionStartWorkflow:
        return ScheduleActionExecutionStartWorkflow(proto.workflow_id, proto.run_id)


@dataclass
class ScheduleActionResult:
    """One action a schedule took."""

    scheduled_at: datetime
    """When the spec said to act."""
    started_at: datetime
    """When the action actually happened (after jitter)."""
    action: ScheduleActionExecution
    """What was started."""

    @staticmethod
    def _from_proto(proto: _sched.ScheduleActionResult) -> ScheduleActionResult:
        return ScheduleActionResult(
            scheduled_at=_utc(proto.schedule_time),
            started_at=_utc(proto.actual_time),
            action=ScheduleActionExecutionStartWorkflow._from_proto(proto.start_workflow_result),
        )


@dataclass
class ScheduleInfo:
    """What the server reports about a schedule's activity."""

    num_actions: int
    """Actions taken so far."""
    num_actions_missed_catchup_window: int
    """Actions dropped because they fell outside the catch-up window."""
    num_actions_skipped_overlap: int
    """Actions dropped by the overlap policy."""
    running_actions: Sequence[ScheduleActionExecution]
    """Workflows started by the schedule and still running."""
    recent_actions: Sequence[ScheduleActionResult]
    """Latest actions, oldest first."""
    next_action_times: Sequence[datetime]
    """Upcoming action times."""
    created_at: datetime
    """When the schedule was created."""
    last_updated_at: datetime | None
    """When it was last updated, if ever."""

    @staticmethod
    def _from_proto(proto: _sched.ScheduleInfo) -> ScheduleInfo:
        return ScheduleInfo(
            num_actions=proto.action_count,
            num_actions_missed_catchup_window=proto.missed_catchup_window,
            num_actions_skipped_overlap=proto.overlap_skipped,
            running_actions=[
                ScheduleActionExecutionStartWorkflow._from_proto(w) for w in proto.running_workflows
            ],
            recent_actions=[ScheduleActionResult._from_proto(r) for r in proto.recent_actions],
            next_action_times=[_utc(t) for t in proto.future_action_times],
            created_at=_utc(proto.create_time),
            last_updated_at=_utc(proto.update_time) if proto.HasField("update_time") else None,
        )


@dataclass
class ScheduleDescription:
    """A schedule as ``ScheduleHandle.describe`` reports it."""

    id: str
    """Schedule id."""
    schedule: Schedule
    """The schedule itself (edit a copy of this in an update callback)."""
    info: ScheduleInfo
    """Activity counters and recent/next actions."""
    typed_search_attributes: TypedSearchAttributes
    """Search attributes of the schedule."""
    data_converter: DataConverter
    """Converter for :meth:`memo`."""
    raw_description: DescribeScheduleResponse
    """The protobuf response."""

    @staticmethod
    def _from_proto(
        id: str, proto: DescribeScheduleResponse, conv: DataConverter
    ) -> ScheduleDescription:
        return ScheduleDescription(
            id=id,
            schedule=Schedule._from_proto(proto.schedule),
            info=ScheduleInfo._from_proto(proto.info),
            typed_search_attributes=decode_typed(proto.search_attributes),
            data_converter=conv,
            raw_description=proto,
        )

    @property
    def search_attributes(self) -> Mapping[str, Sequence[Any]]:
        """Search attributes in the older untyped form (prefer ``typed_search_attributes``)."""
        return decode_untyped(self.raw_description.search_attributes)

    async def memo(self) -> Mapping[str, Any]:
        """The schedule's own memo (not the workflow's), decoded without type hints."""
        return await decode_memo(self.data_converter, self.raw_description.memo)


@dataclass
class ScheduleUpdateInput:
    """What an update callback receives."""

    description: ScheduleDescription
    """The schedule's current description."""


@dataclass
class ScheduleUpdate:
    """What an update callback returns: the new schedule and optionally new search attributes."""

    schedule: Schedule
    """Replacement schedule."""
    search_attributes: TypedSearchAttributes | None = None
    """Replacement search attributes; ``None`` leaves them unchanged."""
