"""The input records client interceptors receive, one per intercepted client call.

Rule: plain mutable dataclasses and nothing else. Field names and order follow the official SDK so
interceptors written for it work unchanged; an interceptor may edit an input (or pass a
``dataclasses.replace`` copy) before handing it on. ``headers`` go into the request's
``header.fields`` as they are (never through the payload codec).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.common import (
    QueryRejectCondition,
    RetryPolicy,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)

if TYPE_CHECKING:
    from temporal_sdk.api.workflowservice.v1 import StartWorkflowExecutionResponse
    from temporal_sdk.client._async_activity import AsyncActivityIDReference
    from temporal_sdk.client._history import WorkflowHistoryEventFilterType
    from temporal_sdk.client._messages import WorkflowUpdateStage
    from temporal_sdk.client._schedule import Schedule, ScheduleBackfill, ScheduleOverlapPolicy
    from temporal_sdk.client._schedule_info import ScheduleUpdate, ScheduleUpdateInput
    from temporal_sdk.converter import DataConverter


@dataclass
class StartWorkflowInput:
    """What ``Client.start_workflow`` (and signal-with-start) passes down the chain.

    ``workflow`` is the workflow type name; ``start_signal`` set means signal-with-start.
    """

    workflow: str
    args: Sequence[Any]
    id: str
    task_queue: str
    execution_timeout: timedelta | None
    run_timeout: timedelta | None
    task_timeout: timedelta | None
    id_reuse_policy: WorkflowIDReusePolicy
    id_conflict_policy: WorkflowIDConflictPolicy
    retry_policy: RetryPolicy | None
    cron_schedule: str
    memo: Mapping[str, Any] | None
    search_attributes: TypedSearchAttributes | None
    start_delay: timedelta | None
    headers: Mapping[str, Payload]
    start_signal: str | None
    start_signal_args: Sequence[Any]
    static_summary: str | None
    static_details: str | None
    ret_type: type | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None
    request_eager_start: bool


@dataclass
class CancelWorkflowInput:
    """What ``WorkflowHandle.cancel`` passes down the chain."""

    id: str
    run_id: str | None
    first_execution_run_id: str | None
    reason: str
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class DescribeWorkflowInput:
    """What ``WorkflowHandle.describe`` passes down the chain."""

    id: str
    run_id: str | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class FetchWorkflowHistoryEventsInput:
    """What history fetches (including ``WorkflowHandle.result``) pass down the chain."""

    id: str
    run_id: str | None
    page_size: int | None
    next_page_token: bytes | None
    wait_new_event: bool
    event_filter_type: WorkflowHistoryEventFilterType
    skip_archival: bool
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class ListWorkflowsInput:
    """What ``Client.list_workflows`` passes down the chain."""

    query: str | None
    page_size: int
    next_page_token: bytes | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None
    limit: int | None


@dataclass
class CountWorkflowsInput:
    """What ``Client.count_workflows`` passes down the chain."""

    query: str | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class QueryWorkflowInput:
    """What ``WorkflowHandle.query`` passes down the chain."""

    id: str
    run_id: str | None
    query: str
    args: Sequence[Any]
    reject_condition: QueryRejectCondition | None
    headers: Mapping[str, Payload]
    ret_type: type | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class SignalWorkflowInput:
    """What ``WorkflowHandle.signal`` passes down the chain."""

    id: str
    run_id: str | None
    signal: str
    args: Sequence[Any]
    headers: Mapping[str, Payload]
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class TerminateWorkflowInput:
    """What ``WorkflowHandle.terminate`` passes down the chain."""

    id: str
    run_id: str | None
    first_execution_run_id: str | None
    args: Sequence[Any]
    reason: str | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class StartWorkflowUpdateInput:
    """What ``WorkflowHandle.start_update`` / ``execute_update`` pass down the chain."""

    id: str
    run_id: str | None
    first_execution_run_id: str | None
    update_id: str | None
    update: str
    args: Sequence[Any]
    wait_for_stage: WorkflowUpdateStage
    headers: Mapping[str, Payload]
    ret_type: type | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class UpdateWithStartUpdateWorkflowInput:
    """The update half of :class:`StartWorkflowUpdateWithStartInput`."""

    update_id: str | None
    update: str
    args: Sequence[Any]
    wait_for_stage: WorkflowUpdateStage
    headers: Mapping[str, Payload]
    ret_type: type | None


@dataclass
class UpdateWithStartStartWorkflowInput:
    """The start half of :class:`StartWorkflowUpdateWithStartInput` (no signal, no eager start)."""

    workflow: str
    args: Sequence[Any]
    id: str
    task_queue: str
    execution_timeout: timedelta | None
    run_timeout: timedelta | None
    task_timeout: timedelta | None
    id_reuse_policy: WorkflowIDReusePolicy
    id_conflict_policy: WorkflowIDConflictPolicy
    retry_policy: RetryPolicy | None
    cron_schedule: str
    memo: Mapping[str, Any] | None
    search_attributes: TypedSearchAttributes | None
    start_delay: timedelta | None
    headers: Mapping[str, Payload]
    static_summary: str | None
    static_details: str | None
    ret_type: type | None


@dataclass
class StartWorkflowUpdateWithStartInput:
    """What ``Client.start_update_with_start_workflow`` passes down the chain.

    ``rpc_metadata`` / ``rpc_timeout`` apply to the one multi-operation call. The private
    callbacks tell the ``WithStartWorkflowOperation`` how its start went; leave them alone.
    """

    start_workflow_input: UpdateWithStartStartWorkflowInput
    update_workflow_input: UpdateWithStartUpdateWorkflowInput
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None
    _on_start: Callable[[StartWorkflowExecutionResponse], None]
    _on_start_error: Callable[[BaseException], None]


@dataclass
class HeartbeatAsyncActivityInput:
    """What ``AsyncActivityHandle.heartbeat`` passes down the chain."""

    id_or_token: AsyncActivityIDReference | bytes
    details: Sequence[Any]
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None
    data_converter_override: DataConverter | None = None


@dataclass
class CompleteAsyncActivityInput:
    """What ``AsyncActivityHandle.complete`` passes down the chain."""

    id_or_token: AsyncActivityIDReference | bytes
    result: Any | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None
    data_converter_override: DataConverter | None = None


@dataclass
class FailAsyncActivityInput:
    """What ``AsyncActivityHandle.fail`` passes down the chain."""

    id_or_token: AsyncActivityIDReference | bytes
    error: Exception
    last_heartbeat_details: Sequence[Any]
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None
    data_converter_override: DataConverter | None = None


@dataclass
class ReportCancellationAsyncActivityInput:
    """What ``AsyncActivityHandle.report_cancellation`` passes down the chain."""

    id_or_token: AsyncActivityIDReference | bytes
    details: Sequence[Any]
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None
    data_converter_override: DataConverter | None = None


@dataclass
class CreateScheduleInput:
    """What ``Client.create_schedule`` passes down the chain."""

    id: str
    schedule: Schedule
    trigger_immediately: bool
    backfill: Sequence[ScheduleBackfill]
    memo: Mapping[str, Any] | None
    search_attributes: TypedSearchAttributes | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class ListSchedulesInput:
    """What ``Client.list_schedules`` passes down the chain."""

    page_size: int
    next_page_token: bytes | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None
    query: str | None = None


@dataclass
class BackfillScheduleInput:
    """What ``ScheduleHandle.backfill`` passes down the chain."""

    id: str
    backfills: Sequence[ScheduleBackfill]
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class DeleteScheduleInput:
    """What ``ScheduleHandle.delete`` passes down the chain."""

    id: str
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class DescribeScheduleInput:
    """What ``ScheduleHandle.describe`` passes down the chain."""

    id: str
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class PauseScheduleInput:
    """What ``ScheduleHandle.pause`` passes down the chain."""

    id: str
    note: str | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class TriggerScheduleInput:
    """What ``ScheduleHandle.trigger`` passes down the chain."""

    id: str
    overlap: ScheduleOverlapPolicy | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class UnpauseScheduleInput:
    """What ``ScheduleHandle.unpause`` passes down the chain."""

    id: str
    note: str | None
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None


@dataclass
class UpdateScheduleInput:
    """What ``ScheduleHandle.update`` passes down the chain."""

    id: str
    updater: Callable[
        [ScheduleUpdateInput], ScheduleUpdate | Awaitable[ScheduleUpdate | None] | None
    ]
    rpc_metadata: Mapping[str, str | bytes]
    rpc_timeout: timedelta | None
