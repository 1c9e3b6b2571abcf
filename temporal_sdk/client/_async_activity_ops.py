"""The terminal work of ``AsyncActivityHandle``: one RPC per interceptor input.

Rule: a task-token reference uses the plain ``RespondActivityTask*`` /
``RecordActivityTaskHeartbeat`` calls, an id reference their ``*ById`` twins. Values go through
the input's data converter override, else the client's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from google.protobuf.message import Message

from temporal_sdk.activity import ActivityCancellationDetails
from temporal_sdk.api.common.v1 import Payloads
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.api.workflowservice.v1 import (
    RecordActivityTaskHeartbeatByIdRequest,
    RecordActivityTaskHeartbeatRequest,
    RespondActivityTaskCanceledByIdRequest,
    RespondActivityTaskCanceledRequest,
    RespondActivityTaskCompletedByIdRequest,
    RespondActivityTaskCompletedRequest,
    RespondActivityTaskFailedByIdRequest,
    RespondActivityTaskFailedRequest,
)
from temporal_sdk.client._async_activity import (
    _UNSET,
    AsyncActivityCancelledError,
    AsyncActivityIDReference,
    _ids,
)

if TYPE_CHECKING:
    from temporal_sdk.client import Client
    from temporal_sdk.client._interceptor_inputs import (
        CompleteAsyncActivityInput,
        FailAsyncActivityInput,
        HeartbeatAsyncActivityInput,
        ReportCancellationAsyncActivityInput,
    )
    from temporal_sdk.converter import DataConverter


async def heartbeat(client: Client, input: HeartbeatAsyncActivityInput) -> None:
    """Record a heartbeat; raise ``AsyncActivityCancelledError`` if the activity should stop."""
    conv = input.data_converter_override or client.data_converter
    resp = await _call(
        client,
        input.id_or_token,
        "record_activity_task_heartbeat",
        (RecordActivityTaskHeartbeatRequest, RecordActivityTaskHeartbeatByIdRequest),
        {"details": await _payloads(conv, input.details)},
        input.rpc_metadata,
        input.rpc_timeout,
    )
    if resp.cancel_requested or resp.activity_paused or resp.activity_reset:
        raise AsyncActivityCancelledError(
            ActivityCancellationDetails(
                cancel_requested=resp.cancel_requested,
                paused=resp.activity_paused,
                reset=resp.activity_reset,
            )
        )


async def complete(client: Client, input: CompleteAsyncActivityInput) -> None:
    """Complete the activity (with its result unless none was given)."""
    conv = input.data_converter_override or client.data_converter
    payloads = None if input.result is _UNSET else await _payloads(conv, [input.result])
    await _call(
        client,
        input.id_or_token,
        "respond_activity_task_completed",
        (RespondActivityTaskCompletedRequest, RespondActivityTaskCompletedByIdRequest),
        {"result": payloads},
        input.rpc_metadata,
        input.rpc_timeout,
    )


async def fail(client: Client, input: FailAsyncActivityInput) -> None:
    """Fail this attempt of the activity with the input's error."""
    conv = input.data_converter_override or client.data_converter
    failure = Failure()
    await conv.encode_failure(input.error, failure)
    await _call(
        client,
        input.id_or_token,
        "respond_activity_task_failed",
        (RespondActivityTaskFailedRequest, RespondActivityTaskFailedByIdRequest),
        {
            "failure": failure,
            "last_heartbeat_details": await _payloads(conv, input.last_heartbeat_details),
        },
        input.rpc_metadata,
        input.rpc_timeout,
    )


async def report_cancellation(client: Client, input: ReportCancellationAsyncActivityInput) -> None:
    """Report the activity as cancelled."""
    conv = input.data_converter_override or client.data_converter
    await _call(
        client,
        input.id_or_token,
        "respond_activity_task_canceled",
        (RespondActivityTaskCanceledRequest, RespondActivityTaskCanceledByIdRequest),
        {"details": await _payloads(conv, input.details)},
        input.rpc_metadata,
        input.rpc_timeout,
    )


async def _call(
    client: Client,
    ref: AsyncActivityIDReference | bytes,
    rpc: str,
    requests: tuple[type[Message], type[Message]],
    fields: dict[str, Any],
    rpc_metadata: Mapping[str, str | bytes],
    rpc_timeout: timedelta | None,
) -> Any:
    """Send ``rpc`` in its task-token form, or its ``*_by_id`` twin for an id reference."""
    service = client.workflow_service
    fields = {"namespace": client.namespace, "identity": client.identity, **fields}
    by_token, by_id = requests
    if isinstance(ref, AsyncActivityIDReference):
        call, request = getattr(service, f"{rpc}_by_id"), by_id(**_ids(ref), **fields)
    else:
        call, request = getattr(service, rpc), by_token(task_token=ref, **fields)
    return await call(request, retry=True, metadata=rpc_metadata, timeout=rpc_timeout)


async def _payloads(conv: DataConverter, values: Sequence[Any]) -> Payloads | None:
    if not values:
        return None
    return Payloads(payloads=await conv.encode(list(values)))
