"""Client interceptors: the public base classes every client call is routed through.

Rule: ``Client`` builds one chain at construction: the terminal implementation (which does the
RPC work) wrapped by each ``Interceptor.intercept_client`` from the last listed to the first, so
the first interceptor in the list is the outermost. Every base method only delegates to ``next``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from temporal_sdk.api.history.v1 import HistoryEvent
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


class Interceptor:
    """Base class of client interceptors: pass instances to ``Client.connect(interceptors=...)``.

    A class that also derives from ``temporal_sdk.worker.Interceptor`` is picked up by workers
    created from that client as well.
    """

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        """Return the outbound interceptor to call instead of ``next`` (default: ``next``)."""
        return next


class OutboundInterceptor:
    """Base class of the per-call hooks of a client; each default just calls ``self.next``.

    Override the calls you care about, edit or replace the input, and call the same method on
    ``self.next`` to continue (or don't, to short-circuit the call).
    """

    def __init__(self, next: OutboundInterceptor) -> None:
        """Wrap ``next``, the interceptor (or the terminal implementation) to delegate to."""
        self.next = next

    # Workflow calls

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        """Intercept ``Client.start_workflow`` (signal-with-start when ``start_signal`` is set)."""
        return await self.next.start_workflow(input)

    async def cancel_workflow(self, input: CancelWorkflowInput) -> None:
        """Intercept ``WorkflowHandle.cancel``."""
        await self.next.cancel_workflow(input)

    async def describe_workflow(self, input: DescribeWorkflowInput) -> WorkflowExecutionDescription:
        """Intercept ``WorkflowHandle.describe``."""
        return await self.next.describe_workflow(input)

    def fetch_workflow_history_events(
        self, input: FetchWorkflowHistoryEventsInput
    ) -> AsyncIterator[HistoryEvent]:
        """Intercept history fetches: ``fetch_history(_events)`` and ``result``."""
        return self.next.fetch_workflow_history_events(input)

    def list_workflows(self, input: ListWorkflowsInput) -> WorkflowExecutionAsyncIterator:
        """Intercept ``Client.list_workflows``."""
        return self.next.list_workflows(input)

    async def count_workflows(self, input: CountWorkflowsInput) -> WorkflowExecutionCount:
        """Intercept ``Client.count_workflows``."""
        return await self.next.count_workflows(input)

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        """Intercept ``WorkflowHandle.query``."""
        return await self.next.query_workflow(input)

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        """Intercept ``WorkflowHandle.signal``."""
        await self.next.signal_workflow(input)

    async def terminate_workflow(self, input: TerminateWorkflowInput) -> None:
        """Intercept ``WorkflowHandle.terminate``."""
        await self.next.terminate_workflow(input)

    async def start_workflow_update(
        self, input: StartWorkflowUpdateInput
    ) -> WorkflowUpdateHandle[Any]:
        """Intercept ``WorkflowHandle.start_update`` and ``execute_update``."""
        return await self.next.start_workflow_update(input)

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> WorkflowUpdateHandle[Any]:
        """Intercept ``Client.start_update_with_start_workflow`` / ``execute_...``."""
        return await self.next.start_update_with_start_workflow(input)

    # Async activity calls

    async def heartbeat_async_activity(self, input: HeartbeatAsyncActivityInput) -> None:
        """Intercept ``AsyncActivityHandle.heartbeat``."""
        await self.next.heartbeat_async_activity(input)

    async def complete_async_activity(self, input: CompleteAsyncActivityInput) -> None:
        """Intercept ``AsyncActivityHandle.complete``."""
        await self.next.complete_async_activity(input)

    async def fail_async_activity(self, input: FailAsyncActivityInput) -> None:
        """Intercept ``AsyncActivityHandle.fail``."""
        await self.next.fail_async_activity(input)

    async def report_cancellation_async_activity(
        self, input: ReportCancellationAsyncActivityInput
    ) -> None:
        """Intercept ``AsyncActivityHandle.report_cancellation``."""
        await self.next.report_cancellation_async_activity(input)

    # Schedule calls

    async def create_schedule(self, input: CreateScheduleInput) -> ScheduleHandle:
        """Intercept ``Client.create_schedule``."""
        return await self.next.create_schedule(input)

    def list_schedules(self, input: ListSchedulesInput) -> ScheduleAsyncIterator:
        """Intercept ``Client.list_schedules``."""
        return self.next.list_schedules(input)

    async def backfill_schedule(self, input: BackfillScheduleInput) -> None:
        """Intercept ``ScheduleHandle.backfill``."""
        await self.next.backfill_schedule(input)

    async def delete_schedule(self, input: DeleteScheduleInput) -> None:
        """Intercept ``ScheduleHandle.delete``."""
        await self.next.delete_schedule(input)

    async def describe_schedule(self, input: DescribeScheduleInput) -> ScheduleDescription:
        """Intercept ``ScheduleHandle.describe``."""
        return await self.next.describe_schedule(input)

    async def pause_schedule(self, input: PauseScheduleInput) -> None:
        """Intercept ``ScheduleHandle.pause``."""
        await self.next.pause_schedule(input)

    async def trigger_schedule(self, input: TriggerScheduleInput) -> None:
        """Intercept ``ScheduleHandle.trigger``."""
        await self.next.trigger_schedule(input)

    async def unpause_schedule(self, input: UnpauseScheduleInput) -> None:
        """Intercept ``ScheduleHandle.unpause``."""
        await self.next.unpause_schedule(input)

    async def update_schedule(self, input: UpdateScheduleInput) -> None:
        """Intercept ``ScheduleHandle.update``."""
        await self.next.update_schedule(input)


def build_chain(
    terminal: OutboundInterceptor, interceptors: Sequence[Interceptor]
) -> OutboundInterceptor:
    """Wrap ``terminal`` so that ``interceptors[0]`` is called first."""
    chain = terminal
    for interceptor in reversed(interceptors):
        if not callable(getattr(interceptor, "intercept_client", None)):
            raise TypeError(
                "client interceptors must subclass temporal_sdk.client.Interceptor, not "
                f"{type(interceptor).__name__}"
            )
        chain = interceptor.intercept_client(chain)
    return chain
