"""Workflow handles of the client: results, signals, queries, cancellation and history.

Rule: every server call is an interceptor input sent down ``client._impl`` (the requests are
built in ``_workflow_ops`` / ``_messages``); results are decoded here, through the client's data
converter (codec included), in exactly one place.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from temporal_sdk._converter_context import for_workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.client import _inputs
from temporal_sdk.client._errors import WorkflowContinuedAsNewError, WorkflowFailureError
from temporal_sdk.client._history import WorkflowHistory, WorkflowHistoryEventFilterType
from temporal_sdk.client._start import _args
from temporal_sdk.exceptions import (
    CancelledError,
    TerminatedError,
    TimeoutError,
    TimeoutType,
)

if TYPE_CHECKING:
    from temporal_sdk.client import Client
    from temporal_sdk.client._describe import WorkflowExecutionDescription
    from temporal_sdk.client._messages import WorkflowUpdateHandle, WorkflowUpdateStage
    from temporal_sdk.common import QueryRejectCondition
    from temporal_sdk.converter import DataConverter

SelfType = TypeVar("SelfType")
ReturnType = TypeVar("ReturnType")


def _timeout_seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None


class WorkflowHandle(Generic[SelfType, ReturnType]):
    """A reference to a workflow execution, for awaiting, signalling and cancelling it.

    ``run_id`` targets a specific run for operations such as cancel and signal;
    ``result_run_id`` is where :meth:`result` starts following the run chain.
    """

    def __init__(
        self,
        client: Client,
        id: str,
        *,
        run_id: str | None = None,
        result_run_id: str | None = None,
        first_execution_run_id: str | None = None,
        result_type: type | None = None,
    ) -> None:
        self._client = client
        self._id = id
        self._run_id = run_id
        self._result_run_id = result_run_id
        self._first_execution_run_id = first_execution_run_id
        self._result_type = result_type

    @property
    def id(self) -> str:
        """The workflow id."""
        return self._id

    @property
    def run_id(self) -> str | None:
        """The run this handle targets, or ``None`` for the latest run."""
        return self._run_id

    @property
    def result_run_id(self) -> str | None:
        """The run :meth:`result` starts from."""
        return self._result_run_id

    @property
    def first_execution_run_id(self) -> str | None:
        """The first run of the chain this handle is bound to, if known."""
        return self._first_execution_run_id

    @property
    def _converter(self) -> DataConverter:
        client = self._client
        return for_workflow(client.data_converter, client.namespace, self._id)

    async def result(
        self,
        *,
        follow_runs: bool = True,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> ReturnType:
        """Wait for the workflow to close and return its result.

        Follows continue-as-new, retries and cron runs unless ``follow_runs`` is false.
        Raises :class:`WorkflowFailureError` when the workflow failed, was cancelled,
        terminated or timed out.
        """
        run_id = self._result_run_id
        while True:
            event = await self._close_event(run_id, rpc_metadata, rpc_timeout)
            next_run = _next_run_id(event)
            if follow_runs and next_run:
                run_id = next_run
                continue
            return cast(ReturnType, await self._outcome(event))

    async def _close_event(
        self,
        run_id: str | None,
        rpc_metadata: Mapping[str, str | bytes],
        rpc_timeout: timedelta | None,
    ) -> HistoryEvent:
        async for event in self._events(
            run_id,
            wait_new_event=True,
            event_filter_type=WorkflowHistoryEventFilterType.CLOSE_EVENT,
            skip_archival=True,
            rpc_metadata=rpc_metadata,
            rpc_timeout=rpc_timeout,
        ):
            return event
        raise RuntimeError("history ended without a close event")

    async def _outcome(self, event: HistoryEvent) -> Any:
        conv = self._converter
        match event.event_type:
            case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
                attrs = event.workflow_execution_completed_event_attributes
                hints = [self._result_type] if self._result_type else None
                values = await conv.decode(attrs.result.payloads, hints)
                if len(values) > 1:
                    warnings.warn(f"expected one result, got {len(values)}", stacklevel=3)
                return values[0] if values else None
            case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
                failure = event.workflow_execution_failed_event_attributes.failure
                raise WorkflowFailureError(cause=await conv.decode_failure(failure))
            case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
                details = event.workflow_execution_canceled_event_attributes.details
                values = await conv.decode(details.payloads)
                raise WorkflowFailureError(cause=CancelledError("Workflow cancelled", *values))
            case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
                attrs_t = event.workflow_execution_terminated_event_attributes
                values = await conv.decode(attrs_t.details.payloads)
                reason = attrs_t.reason or "Workflow terminated"
                raise WorkflowFailureError(cause=TerminatedError(reason, *values))
            case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
                cause = TimeoutError(
                    "Workflow timed out",
                    type=TimeoutType.START_TO_CLOSE,
                    last_heartbeat_details=[],
                )
                raise WorkflowFailureError(cause=cause)
            case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
                attrs_c = event.workflow_execution_continued_as_new_event_attributes
                raise WorkflowContinuedAsNewError(attrs_c.new_execution_run_id)
        raise RuntimeError(f"unexpected close event type {event.event_type}")

    async def describe(
        self,
        *,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowExecutionDescription:
        """Describe the run this handle targets: status, times, memo, search attributes."""
        return await self._client._impl.describe_workflow(
            _inputs.DescribeWorkflowInput(self._id, self._run_id, rpc_metadata, rpc_timeout)
        )

    async def cancel(
        self,
        *,
        reason: str = "",
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Request cancellation of the workflow (the workflow decides how to honour it)."""
        await self._client._impl.cancel_workflow(
            _inputs.CancelWorkflowInput(
                id=self._id,
                run_id=self._run_id,
                first_execution_run_id=self._first_execution_run_id,
                reason=reason,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    async def terminate(
        self,
        *args: Any,
        reason: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Terminate the workflow at once; ``args`` become the termination details."""
        await self._client._impl.terminate_workflow(
            _inputs.TerminateWorkflowInput(
                id=self._id,
                run_id=self._run_id,
                first_execution_run_id=self._first_execution_run_id,
                args=args,
                reason=reason,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    async def signal(
        self,
        signal: str | Callable[..., Any],
        arg: Any = ...,
        *,
        args: Sequence[Any] = [],
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Send a signal to the workflow."""
        await self._client._impl.signal_workflow(
            _inputs.SignalWorkflowInput(
                id=self._id,
                run_id=self._run_id,
                signal=signal if isinstance(signal, str) else _signal_name(signal),
                args=_args(arg, args),
                headers={},
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    async def query(
        self,
        query: str | Callable[..., Any],
        arg: Any = ...,
        *,
        args: Sequence[Any] = [],
        result_type: type | None = None,
        reject_condition: QueryRejectCondition | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> Any:
        """Ask the workflow a query and return the handler's answer (read-only on the worker).

        Raises ``WorkflowQueryFailedError`` when the handler fails or is unknown, and
        ``WorkflowQueryRejectedError`` when ``reject_condition`` matches the workflow's status.
        """
        from temporal_sdk.client._messages import query_target

        name, declared = query_target(query)
        return await self._client._impl.query_workflow(
            _inputs.QueryWorkflowInput(
                id=self._id,
                run_id=self._run_id,
                query=name,
                args=_args(arg, args),
                reject_condition=reject_condition,
                headers={},
                ret_type=result_type if result_type is not None else declared,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    async def start_update(
        self,
        update: str | Callable[..., Any],
        arg: Any = ...,
        *,
        wait_for_stage: WorkflowUpdateStage,
        args: Sequence[Any] = [],
        id: str | None = None,
        result_type: type | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowUpdateHandle[Any]:
        """Send an update and return its handle once it reached ``wait_for_stage``.

        A rejected update reaches COMPLETED at once; its handle's ``result()`` raises
        ``WorkflowUpdateFailedError``.
        """
        from temporal_sdk.client._messages import update_target

        name, declared = update_target(update)
        return await self._client._impl.start_workflow_update(
            _inputs.StartWorkflowUpdateInput(
                id=self._id,
                run_id=self._run_id,
                first_execution_run_id=self._first_execution_run_id,
                update_id=id,
                update=name,
                args=_args(arg, args),
                wait_for_stage=wait_for_stage,
                headers={},
                ret_type=result_type or declared,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    async def execute_update(
        self,
        update: str | Callable[..., Any],
        arg: Any = ...,
        *,
        args: Sequence[Any] = [],
        id: str | None = None,
        result_type: type | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> Any:
        """Send an update, wait for it to finish and return its result.

        Raises ``WorkflowUpdateFailedError`` when the validator rejects it or the handler fails.
        """
        from temporal_sdk.client._messages import WorkflowUpdateStage

        handle = await self.start_update(
            update,
            arg,
            args=args,
            wait_for_stage=WorkflowUpdateStage.COMPLETED,
            id=id,
            result_type=result_type,
            rpc_metadata=rpc_metadata,
            rpc_timeout=rpc_timeout,
        )
        return await handle.result(rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout)

    def get_update_handle(
        self,
        id: str,
        *,
        workflow_run_id: str | None = None,
        result_type: type | None = None,
    ) -> WorkflowUpdateHandle[Any]:
        """A handle to an update started earlier (by id), to wait for its result."""
        from temporal_sdk.client._messages import WorkflowUpdateHandle

        return WorkflowUpdateHandle(
            self._client,
            id,
            self._id,
            workflow_run_id=workflow_run_id or self._run_id,
            result_type=result_type,
        )

    def get_update_handle_for(
        self,
        update: Callable[..., Any],
        id: str,
        *,
        workflow_run_id: str | None = None,
    ) -> WorkflowUpdateHandle[Any]:
        """Like :meth:`get_update_handle`, decoding the result as ``update`` declares."""
        from temporal_sdk.client._messages import update_target

        _, declared = update_target(update)
        return self.get_update_handle(id, workflow_run_id=workflow_run_id, result_type=declared)

    async def fetch_history(
        self,
        *,
        event_filter_type: WorkflowHistoryEventFilterType = (
            WorkflowHistoryEventFilterType.ALL_EVENT
        ),
        skip_archival: bool = False,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowHistory:
        """Fetch the whole history of the run this handle targets."""
        events = [
            e
            async for e in self.fetch_history_events(
                event_filter_type=event_filter_type,
                skip_archival=skip_archival,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        ]
        return WorkflowHistory(self._id, events)

    def fetch_history_events(
        self,
        *,
        page_size: int | None = None,
        next_page_token: bytes | None = None,
        wait_new_event: bool = False,
        event_filter_type: WorkflowHistoryEventFilterType = (
            WorkflowHistoryEventFilterType.ALL_EVENT
        ),
        skip_archival: bool = False,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> AsyncIterator[HistoryEvent]:
        """Iterate over the history events of the run this handle targets, page by page."""
        return self._events(
            self._run_id,
            page_size=page_size,
            next_page_token=next_page_token,
            wait_new_event=wait_new_event,
            event_filter_type=event_filter_type,
            skip_archival=skip_archival,
            rpc_metadata=rpc_metadata,
            rpc_timeout=rpc_timeout,
        )

    def _events(
        self,
        run_id: str | None,
        *,
        page_size: int | None = None,
        next_page_token: bytes | None = None,
        wait_new_event: bool = False,
        event_filter_type: WorkflowHistoryEventFilterType = (
            WorkflowHistoryEventFilterType.ALL_EVENT
        ),
        skip_archival: bool = False,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> AsyncIterator[HistoryEvent]:
        return self._client._impl.fetch_workflow_history_events(
            _inputs.FetchWorkflowHistoryEventsInput(
                id=self._id,
                run_id=run_id,
                page_size=page_size,
                next_page_token=next_page_token,
                wait_new_event=wait_new_event,
                event_filter_type=event_filter_type,
                skip_archival=skip_archival,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )


def _next_run_id(event: HistoryEvent) -> str:
    match event.event_type:
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            return event.workflow_execution_completed_event_attributes.new_execution_run_id
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
            return event.workflow_execution_failed_event_attributes.new_execution_run_id
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
            return event.workflow_execution_timed_out_event_attributes.new_execution_run_id
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            return event.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
    return ""


def _signal_name(fn: Callable[..., Any]) -> str:
    from temporal_sdk._runtime.definitions import signal_name_for

    return signal_name_for(fn)
