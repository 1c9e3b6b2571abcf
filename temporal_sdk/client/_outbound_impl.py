"""The terminal link of every client's interceptor chain: the calls that really talk to the server.

Rule: one method per ``OutboundInterceptor`` call, each only forwarding its input to the module
that builds and sends the request; nothing here is visible to users. Modules are imported on
first use where they are heavy (schedules, async activities) so an unused family costs nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from temporal_sdk.client import _workflow_ops
from temporal_sdk.client._interceptor import OutboundInterceptor

if TYPE_CHECKING:
    from temporal_sdk.api.history.v1 import HistoryEvent
    from temporal_sdk.client import Client
    from temporal_sdk.client._describe import (
        WorkflowExecutionAsyncIterator,
        WorkflowExecutionCount,
        WorkflowExecutionDescription,
    )
    from temporal_sdk.client._interceptor_inputs import (
        BackfillScheduleInput,
        CancelWorkflowInput,
        CompleteAsyncActivityInput,
        CountWorkflowsInput,
        CreateScheduleInput,
        DeleteScheduleInput,
        DescribeScheduleInput,
        DescribeWorkflowInput,
        FailAsyncActivityInput,
        FetchWorkflowHistoryEventsInput,
        HeartbeatAsyncActivityInput,
        ListSchedulesInput,
        ListWorkflowsInput,
        PauseScheduleInput,
        QueryWorkflowInput,
        ReportCancellationAsyncActivityInput,
        SignalWorkflowInput,
        StartWorkflowInput,
        StartWorkflowUpdateInput,
        StartWorkflowUpdateWithStartInput,
        TerminateWorkflowInput,
        TriggerScheduleInput,
        UnpauseScheduleInput,
        UpdateScheduleInput,
    )
    from temporal_sdk.client._messages import WorkflowUpdateHandle
    from temporal_sdk.client._schedule_info import ScheduleDescription
    from temporal_sdk.client._schedule_ops import ScheduleAsyncIterator, ScheduleHandle
    from temporal_sdk.client._workflow import WorkflowHandle


class _ClientImpl(OutboundInterceptor):
    """Does each client call's RPC work; wrapped by the configured interceptors."""

    def __init__(self, client: Client) -> None:
        # The end of the chain: there is no ``next`` to delegate to.
        self._client = client

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        """Start (or signal-with-start) the workflow."""
        from temporal_sdk.client._start_workflow import send_start_workflow

        return await send_start_workflow(self._client, input)

    async def cancel_workflow(self, input: CancelWorkflowInput) -> None:
        """Request cancellation."""
        await _workflow_ops.cancel_workflow(self._client, input)

    async def describe_workflow(self, input: DescribeWorkflowInput) -> WorkflowExecutionDescription:
        """Describe the run."""
        from temporal_sdk.client._describe import describe_workflow

        return await describe_workflow(
            self._client, input.id, input.run_id, input.rpc_metadata, input.rpc_timeout
        )

    def fetch_workflow_history_events(
        self, input: FetchWorkflowHistoryEventsInput
    ) -> AsyncIterator[HistoryEvent]:
        """Iterate over the run's history."""
        return _workflow_ops.history_events(self._client, input)

    def list_workflows(self, input: ListWorkflowsInput) -> WorkflowExecutionAsyncIterator:
        """Iterate over matching runs."""
        from temporal_sdk.client._describe import WorkflowExecutionAsyncIterator

        return WorkflowExecutionAsyncIterator(
            self._client,
            input.query,
            limit=input.limit,
            page_size=input.page_size,
            next_page_token=input.next_page_token,
            rpc_metadata=input.rpc_metadata,
            rpc_timeout=input.rpc_timeout,
        )

    async def count_workflows(self, input: CountWorkflowsInput) -> WorkflowExecutionCount:
        """Count matching runs."""
        from temporal_sdk.client._describe import count_workflows

        return await count_workflows(
            self._client, input.query, input.rpc_metadata, input.rpc_timeout
        )

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        """Query the workflow."""
        from temporal_sdk.client._messages import query_workflow

        return await query_workflow(self._client, input)

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        """Signal the workflow."""
        await _workflow_ops.signal_workflow(self._client, input)

    async def terminate_workflow(self, input: TerminateWorkflowInput) -> None:
        """Terminate the workflow."""
        await _workflow_ops.terminate_workflow(self._client, input)

    async def start_workflow_update(
        self, input: StartWorkflowUpdateInput
    ) -> WorkflowUpdateHandle[Any]:
        """Send the update."""
        from temporal_sdk.client._messages import start_update

        return await start_update(self._client, input)

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> WorkflowUpdateHandle[Any]:
        """Start the workflow if needed and send the update, in one call."""
        from temporal_sdk.client._with_start import send_update_with_start

        return await send_update_with_start(self._client, input)

    async def heartbeat_async_activity(self, input: HeartbeatAsyncActivityInput) -> None:
        """Record a heartbeat."""
        from temporal_sdk.client import _async_activity_ops as ops

        await ops.heartbeat(self._client, input)

    async def complete_async_activity(self, input: CompleteAsyncActivityInput) -> None:
        """Complete the activity."""
        from temporal_sdk.client import _async_activity_ops as ops

        await ops.complete(self._client, input)

    async def fail_async_activity(self, input: FailAsyncActivityInput) -> None:
        """Fail the activity."""
        from temporal_sdk.client import _async_activity_ops as ops

        await ops.fail(self._client, input)

    async def report_cancellation_async_activity(
        self, input: ReportCancellationAsyncActivityInput
    ) -> None:
        """Report the activity cancelled."""
        from temporal_sdk.client import _async_activity_ops as ops

        await ops.report_cancellation(self._client, input)

    async def create_schedule(self, input: CreateScheduleInput) -> ScheduleHandle:
        """Create the schedule."""
        from temporal_sdk.client._schedule_calls import create_schedule

        return await create_schedule(self._client, input)

    def list_schedules(self, input: ListSchedulesInput) -> ScheduleAsyncIterator:
        """Iterate over schedules."""
        from temporal_sdk.client._schedule_calls import list_schedules

        return list_schedules(self._client, input)

    async def backfill_schedule(self, input: BackfillScheduleInput) -> None:
        """Backfill the schedule."""
        from temporal_sdk.client._schedule_calls import backfill_schedule

        await backfill_schedule(self._client, input)

    async def delete_schedule(self, input: DeleteScheduleInput) -> None:
        """Delete the schedule."""
        from temporal_sdk.client._schedule_calls import delete_schedule

        await delete_schedule(self._client, input)

    async def describe_schedule(self, input: DescribeScheduleInput) -> ScheduleDescription:
        """Describe the schedule."""
        from temporal_sdk.client._schedule_calls import describe_schedule

        return await describe_schedule(self._client, input)

    async def pause_schedule(self, input: PauseScheduleInput) -> None:
        """Pause the schedule."""
        from temporal_sdk.client._schedule_calls import pause_schedule

        await pause_schedule(self._client, input)

    async def trigger_schedule(self, input: TriggerScheduleInput) -> None:
        """Trigger the schedule's action now."""
        from temporal_sdk.client._schedule_calls import trigger_schedule

        await trigger_schedule(self._client, input)

    async def unpause_schedule(self, input: UnpauseScheduleInput) -> None:
        """Unpause the schedule."""
        from temporal_sdk.client._schedule_calls import unpause_schedule

        await unpause_schedule(self._client, input)

    async def update_schedule(self, input: UpdateScheduleInput) -> None:
        """Update the schedule through the input's updater."""
        from temporal_sdk.client._schedule_calls import update_schedule

        await update_schedule(self._client, input)
