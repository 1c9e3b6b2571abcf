"""Finish, fail or heartbeat an activity from outside the worker that started it.

Rule: each handle method is exactly one RPC; a handle made from a task token uses the plain
``RespondActivityTask*`` / ``RecordActivityTaskHeartbeat`` calls, a handle made from ids uses
their ``*ById`` twins. Values go through the client's data converter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from temporal_sdk.exceptions import TemporalError

if TYPE_CHECKING:
    from temporal_sdk.client import Client
    from temporal_sdk.converter import DataConverter

_UNSET: Any = object()


class AsyncActivityCancelledError(TemporalError):
    """A heartbeat through :class:`AsyncActivityHandle` learned the activity should stop.

    ``details`` says why: cancel requested, paused or reset.
    """

    def __init__(self, details: ActivityCancellationDetails | None = None) -> None:
        """Build the error with the reasons the server gave."""
        super().__init__("Activity cancelled")
        self.details = details


@dataclass(frozen=True)
class AsyncActivityIDReference:
    """Names an activity by the workflow that scheduled it and its activity id."""

    workflow_id: str | None
    run_id: str | None
    activity_id: str


class AsyncActivityHandle:
    """Completes, fails, cancels or heartbeats one activity that completes asynchronously.

    Get one with :meth:`Client.get_async_activity_handle`, from the activity's task token or
    from its workflow id, run id and activity id.
    """

    def __init__(
        self,
        client: Client,
        id_or_token: AsyncActivityIDReference | bytes,
        data_converter_override: DataConverter | None = None,
    ) -> None:
        """Bind the handle to ``client`` and the activity named by ``id_or_token``."""
        self._client = client
        self._id_or_token = id_or_token
        self._converter = data_converter_override or client.data_converter

    async def heartbeat(
        self,
        *details: Any,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Record a heartbeat with ``details``.

        Raises :class:`AsyncActivityCancelledError` when the server answers that the activity
        was asked to cancel, was paused or was reset.
        """
        payloads = await self._payloads(details)
        common: dict[str, Any] = {
            "details": payloads,
        }
        resp = await self._call(
            "record_activity_task_heartbeat",
            RecordActivityTaskHeartbeatRequest,
            RecordActivityTaskHeartbeatByIdRequest,
            common,
            rpc_metadata,
            rpc_timeout,
        )
        if resp.cancel_requested or resp.activity_paused or resp.activity_reset:
            raise AsyncActivityCancelledError(
                ActivityCancellationDetails(
                    cancel_requested=resp.cancel_requested,
                    paused=resp.activity_paused,
                    reset=resp.activity_reset,
                )
            )

    async def complete(
        self,
        result: Any | None = _UNSET,
        *,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Complete the activity, with ``result`` when given."""
        payloads = None if result is _UNSET else await self._payloads([result])
        common: dict[str, Any] = {
            "result": payloads,
        }
        await self._call(
            "respond_activity_task_completed",
            RespondActivityTaskCompletedRequest,
            RespondActivityTaskCompletedByIdRequest,
            common,
            rpc_metadata,
            rpc_timeout,
        )

    async def fail(
        self,
        error: Exception,
        *,
        last_heartbeat_details: Sequence[Any] = [],
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Fail this attempt with ``error`` (retried per the activity's retry policy)."""
        failure = Failure()
        await self._converter.encode_failure(error, failure)
        common: dict[str, Any] = {
            "failure": failure,
            "last_heartbeat_details": await self._payloads(last_heartbeat_details),
        }
        await self._call(
            "respond_activity_task_failed",
            RespondActivityTaskFailedRequest,
            RespondActivityTaskFailedByIdRequest,
            common,
            rpc_metadata,
            rpc_timeout,
        )

    async def report_cancellation(
        self,
        *details: Any,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Report the activity as cancelled (after the server asked), with ``details``."""
        common: dict[str, Any] = {
            "details": await self._payloads(details),
        }
        await self._call(
            "respond_activity_task_canceled",
            RespondActivityTaskCanceledRequest,
            RespondActivityTaskCanceledByIdRequest,
            common,
            rpc_metadata,
            rpc_timeout,
        )

    async def _call(
        self,
        rpc: str,
        by_token: type[Message],
        by_id: type[Message],
        fields: dict[str, Any],
        rpc_metadata: Mapping[str, str | bytes],
        rpc_timeout: timedelta | None,
    ) -> Any:
        """Send ``rpc`` in its task-token form, or its ``*_by_id`` twin for an id reference.

        ``fields`` are the request's own fields; namespace and identity are added here.
        """
        ref, client = self._id_or_token, self._client
        service = client.workflow_service
        fields = {"namespace": client.namespace, "identity": client.identity, **fields}
        if isinstance(ref, AsyncActivityIDReference):
            call, request = getattr(service, f"{rpc}_by_id"), by_id(**_ids(ref), **fields)
        else:
            call, request = getattr(service, rpc), by_token(task_token=ref, **fields)
        return await call(request, retry=True, metadata=rpc_metadata, timeout=rpc_timeout)

    async def _payloads(self, values: Sequence[Any]) -> Payloads | None:
        if not values:
            return None
        return Payloads(payloads=await self._converter.encode(list(values)))


def _ids(ref: AsyncActivityIDReference) -> dict[str, Any]:
    return {
        "workflow_id": ref.workflow_id or "",
        "run_id": ref.run_id or "",
        "activity_id": ref.activity_id,
    }


def async_activity_handle(
    client: Client,
    *,
    workflow_id: str | None,
    run_id: str | None,
    activity_id: str | None,
    task_token: bytes | None,
) -> AsyncActivityHandle:
    """Check which identification was given and build the handle (``Client`` delegates here)."""
    if task_token is not None:
        if workflow_id is not None or run_id is not None or activity_id is not None:
            raise ValueError("Task token cannot be present with other IDs")
        return AsyncActivityHandle(client, task_token)
    if activity_id is None:
        raise ValueError(
            "Require task token, or workflow_id & run_id & activity_id, or activity_id & run_id"
        )
    return AsyncActivityHandle(
        client,
        AsyncActivityIDReference(workflow_id=workflow_id, run_id=run_id, activity_id=activity_id),
    )
