"""The terminal work of the simple workflow-handle calls: cancel, terminate, signal, history.

Rule: each function turns one interceptor input into exactly one kind of RPC (history pages are
fetched as iteration reaches them). Header payloads are written by ``apply_headers`` only, run
through the client's payload codec as the worker decodes them that way too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, cast

from temporal_sdk._converter_context import for_workflow
from temporal_sdk._ids import random_uuid
from temporal_sdk.api.common.v1 import Header, Payload, WorkflowExecution
from temporal_sdk.api.enums.v1 import HistoryEventFilterType
from temporal_sdk.api.workflowservice.v1 import (
    GetWorkflowExecutionHistoryRequest,
    RequestCancelWorkflowExecutionRequest,
    SignalWorkflowExecutionRequest,
    TerminateWorkflowExecutionRequest,
)
from temporal_sdk.client._errors import RPCTimeoutOrCancelledError
from temporal_sdk.service import RPCError, RPCStatusCode

if TYPE_CHECKING:
    from temporal_sdk.api.history.v1 import HistoryEvent
    from temporal_sdk.client import Client
    from temporal_sdk.client._interceptor_inputs import (
        CancelWorkflowInput,
        FetchWorkflowHistoryEventsInput,
        SignalWorkflowInput,
        TerminateWorkflowInput,
    )


async def apply_headers(client: Client, headers: Mapping[str, Payload], header: Header) -> None:
    """Write ``headers`` into ``header.fields`` as they are.

    Headers skip the payload codec, as with temporalio's default header codec behavior, so
    workers of either SDK read them; ``HeaderCodecBehavior.CODEC`` on the client encodes them.
    """
    codec = client.data_converter.payload_codec
    if codec is not None and headers:
        from temporal_sdk._io.header_codec import client_codes_headers, encode_into

        if client_codes_headers(client):
            await encode_into(headers, header, codec)
            return
    for key, payload in headers.items():
        header.fields[key].CopyFrom(payload)


async def cancel_workflow(client: Client, input: CancelWorkflowInput) -> None:
    """Send RequestCancelWorkflowExecution."""
    await client.workflow_service.request_cancel_workflow_execution(
        RequestCancelWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=input.id, run_id=input.run_id or ""),
            identity=client.identity,
            request_id=random_uuid(),
            first_execution_run_id=input.first_execution_run_id or "",
            reason=input.reason,
        ),
        retry=True,
        metadata=input.rpc_metadata,
        timeout=input.rpc_timeout,
    )


async def terminate_workflow(client: Client, input: TerminateWorkflowInput) -> None:
    """Send TerminateWorkflowExecution; the args become the termination details."""
    req = TerminateWorkflowExecutionRequest(
        namespace=client.namespace,
        workflow_execution=WorkflowExecution(workflow_id=input.id, run_id=input.run_id or ""),
        reason=input.reason or "",
        identity=client.identity,
        first_execution_run_id=input.first_execution_run_id or "",
    )
    if input.args:
        conv = for_workflow(client.data_converter, client.namespace, input.id)
        req.details.payloads.extend(await conv.encode(list(input.args)))
    await client.workflow_service.terminate_workflow_execution(
        req, retry=True, metadata=input.rpc_metadata, timeout=input.rpc_timeout
    )


async def signal_workflow(client: Client, input: SignalWorkflowInput) -> None:
    """Send SignalWorkflowExecution with the input's args and headers."""
    req = SignalWorkflowExecutionRequest(
        namespace=client.namespace,
        workflow_execution=WorkflowExecution(workflow_id=input.id, run_id=input.run_id or ""),
        signal_name=input.signal,
        identity=client.identity,
        request_id=random_uuid(),
    )
    if input.args:
        conv = for_workflow(client.data_converter, client.namespace, input.id)
        req.input.payloads.extend(await conv.encode(list(input.args)))
    await apply_headers(client, input.headers, req.header)
    await client.workflow_service.signal_workflow_execution(
        req, retry=True, metadata=input.rpc_metadata, timeout=input.rpc_timeout
    )


async def history_events(
    client: Client, input: FetchWorkflowHistoryEventsInput
) -> AsyncIterator[HistoryEvent]:
    """Yield the run's history events, fetching GetWorkflowExecutionHistory pages lazily."""
    req = GetWorkflowExecutionHistoryRequest(
        namespace=client.namespace,
        execution=WorkflowExecution(workflow_id=input.id, run_id=input.run_id or ""),
        maximum_page_size=input.page_size or 0,
        next_page_token=input.next_page_token or b"",
        wait_new_event=input.wait_new_event,
        history_event_filter_type=cast(HistoryEventFilterType, int(input.event_filter_type)),
        skip_archival=input.skip_archival,
    )
    while True:
        try:
            resp = await client.workflow_service.get_workflow_execution_history(
                req, retry=True, metadata=input.rpc_metadata, timeout=input.rpc_timeout
            )
        except RPCError as err:
            if err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                raise RPCTimeoutOrCancelledError(err.message) from err
            raise
        # An empty page with a token is a long poll that timed out: ask again.
        for event in resp.history.events:
            yield event
        if not resp.next_page_token:
            return
        req.next_page_token = resp.next_page_token
