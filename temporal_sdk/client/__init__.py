"""Client for starting, signalling, cancelling and awaiting workflows on a Temporal server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporal_sdk._lazy import lazy_getattr
from temporal_sdk.activity import ActivityCancellationDetails
from temporal_sdk.client._async_activity import (
    AsyncActivityCancelledError,
    AsyncActivityHandle,
    AsyncActivityIDReference,
)
from temporal_sdk.client._client import Client
from temporal_sdk.client._describe import (
    WorkflowExecution,
    WorkflowExecutionAsyncIterator,
    WorkflowExecutionCount,
    WorkflowExecutionCountAggregationGroup,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
)
from temporal_sdk.client._errors import (
    RPCTimeoutOrCancelledError,
    WorkflowContinuedAsNewError,
    WorkflowFailureError,
)
from temporal_sdk.client._history import WorkflowHistory, WorkflowHistoryEventFilterType
from temporal_sdk.client._messages import (
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateHandle,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporal_sdk.client._with_start import WithStartWorkflowOperation
from temporal_sdk.client._workflow import WorkflowHandle

if TYPE_CHECKING:
    from temporal_sdk.client._schedule import (
        Schedule,
        ScheduleAction,
        ScheduleActionStartWorkflow,
        ScheduleAlreadyRunningError,
        ScheduleBackfill,
        ScheduleCalendarSpec,
        ScheduleIntervalSpec,
        ScheduleOverlapPolicy,
        SchedulePolicy,
        ScheduleRange,
        ScheduleSpec,
        ScheduleState,
    )
    from temporal_sdk.client._schedule_info import (
        ScheduleActionExecution,
        ScheduleActionExecutionStartWorkflow,
        ScheduleActionResult,
        ScheduleDescription,
        ScheduleInfo,
        ScheduleUpdate,
        ScheduleUpdateInput,
    )
    from temporal_sdk.client._schedule_ops import (
        ScheduleAsyncIterator,
        ScheduleHandle,
        ScheduleListAction,
        ScheduleListActionStartWorkflow,
        ScheduleListDescription,
        ScheduleListInfo,
        ScheduleListSchedule,
        ScheduleListState,
    )
else:
    # Schedules load on first use (PEP 562): most clients never touch them.
    __getattr__ = lazy_getattr(
        globals(),
        {
            "Schedule": "temporal_sdk.client._schedule",
            "ScheduleAction": "temporal_sdk.client._schedule",
            "ScheduleActionStartWorkflow": "temporal_sdk.client._schedule",
            "ScheduleAlreadyRunningError": "temporal_sdk.client._schedule",
            "ScheduleBackfill": "temporal_sdk.client._schedule",
            "ScheduleCalendarSpec": "temporal_sdk.client._schedule",
            "ScheduleIntervalSpec": "temporal_sdk.client._schedule",
            "ScheduleOverlapPolicy": "temporal_sdk.client._schedule",
            "SchedulePolicy": "temporal_sdk.client._schedule",
            "ScheduleRange": "temporal_sdk.client._schedule",
            "ScheduleSpec": "temporal_sdk.client._schedule",
            "ScheduleState": "temporal_sdk.client._schedule",
            "ScheduleActionExecution": "temporal_sdk.client._schedule_info",
            "ScheduleActionExecutionStartWorkflow": "temporal_sdk.client._schedule_info",
            "ScheduleActionResult": "temporal_sdk.client._schedule_info",
            "ScheduleDescription": "temporal_sdk.client._schedule_info",
            "ScheduleInfo": "temporal_sdk.client._schedule_info",
            "ScheduleUpdate": "temporal_sdk.client._schedule_info",
            "ScheduleUpdateInput": "temporal_sdk.client._schedule_info",
            "ScheduleAsyncIterator": "temporal_sdk.client._schedule_ops",
            "ScheduleHandle": "temporal_sdk.client._schedule_ops",
            "ScheduleListAction": "temporal_sdk.client._schedule_ops",
            "ScheduleListActionStartWorkflow": "temporal_sdk.client._schedule_ops",
            "ScheduleListDescription": "temporal_sdk.client._schedule_ops",
            "ScheduleListInfo": "temporal_sdk.client._schedule_ops",
            "ScheduleListSchedule": "temporal_sdk.client._schedule_ops",
            "ScheduleListState": "temporal_sdk.client._schedule_ops",
        },
    )

__all__ = [
    "ActivityCancellationDetails",
    "AsyncActivityCancelledError",
    "AsyncActivityHandle",
    "AsyncActivityIDReference",
    "Client",
    "RPCTimeoutOrCancelledError",
    "Schedule",
    "ScheduleAction",
    "ScheduleActionExecution",
    "ScheduleActionExecutionStartWorkflow",
    "ScheduleActionResult",
    "ScheduleActionStartWorkflow",
    "ScheduleAlreadyRunningError",
    "ScheduleAsyncIterator",
    "ScheduleBackfill",
    "ScheduleCalendarSpec",
    "ScheduleDescription",
    "ScheduleHandle",
    "ScheduleInfo",
    "ScheduleIntervalSpec",
    "ScheduleListAction",
    "ScheduleListActionStartWorkflow",
    "ScheduleListDescription",
    "ScheduleListInfo",
    "ScheduleListSchedule",
    "ScheduleListState",
    "ScheduleOverlapPolicy",
    "SchedulePolicy",
    "ScheduleRange",
    "ScheduleSpec",
    "ScheduleState",
    "ScheduleUpdate",
    "ScheduleUpdateInput",
    "WithStartWorkflowOperation",
    "WorkflowContinuedAsNewError",
    "WorkflowExecution",
    "WorkflowExecutionAsyncIterator",
    "WorkflowExecutionCount",
    "WorkflowExecutionCountAggregationGroup",
    "WorkflowExecutionDescription",
    "WorkflowExecutionStatus",
    "WorkflowFailureError",
    "WorkflowHandle",
    "WorkflowHistory",
    "WorkflowHistoryEventFilterType",
    "WorkflowQueryFailedError",
    "WorkflowQueryRejectedError",
    "WorkflowUpdateFailedError",
    "WorkflowUpdateHandle",
    "WorkflowUpdateRPCTimeoutOrCancelledError",
    "WorkflowUpdateStage",
]
