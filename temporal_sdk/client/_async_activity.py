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
        ref, client = self._id_or_token, self._client
        common: dict[str, Any] = {
            "namespace": client.namespace,
            "identity": client.identity,
            "details": payloads,
        }
        if isinstance(ref, AsyncActivityIDReference):
            resp: Any = await client.workflow_service.record_activity_task_heartbeat_by_id(
                RecordActivityTaskHeartbeatByIdRequest(**_ids(ref), **common),
                retry=True,
                metadata=rpc_metadata,
                timeout=rpc_timeout,
            )
        else:
            resp = await client.workflow_service.record_activity_task_heartbeat(
                RecordActivityTaskHeartbeatRequest(task_token=ref, **common),
                retry=True,
                metadata=rpc_metadata,
                timeout=rpc_timeout,
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
        ref, client = self._id_or_token, self._client
        common: dict[str, Any] = {
            "namespace": client.namespace,
            "identity": client.identity,
            "result": payloads,
        }
        if isinstance(ref, AsyncActivityIDReference):
            await client.workflow_service.respond_activity_task_completed_by_id(
                RespondActivityTaskCompletedByIdRequest(**_ids(ref), **common),
                retry=True,
                metadata=rpc_metadata,
                timeout=rpc_timeout,
            )
        else:
            await client.workflow_service.respond_activity_task_completed(
                RespondActivityTaskCompletedRequest(task_token=ref, **common),
                retry=True,
                metadata=rpc_metadata,
                timeout=rpc_timeout,
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
        ref, client = self._id_or_token, self._client
        common: dict[str, Any] = {
            "namespace": client.namespace,
            "identity": client.identity,
            "failure": failure,
            "last_heartbeat_details": await self._payloads(last_heartbeat_details),
        }
        if isinstance(ref, AsyncActivityIDReference):
            await client.workflow_service.respond_activity_task_failed_by_id(
                RespondActivityTaskFailedByIdRequest(**_ids(ref), **common),
                retry=True,
                metadata=rpc_metadata,
                timeout=rpc_timeout,
            )
        else:
            await client.workflow_service.respond_activity_task_failed(
                RespondActivityTaskFailedRequest(task_token=ref, **common),
                retry=True,
                metadata=rpc_metadata,
                timeout=rpc_timeout,
            )

    async def report_cancellation(
        self,
        *details: Any,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Report the activity as cancelled (after the server asked), with ``details``."""
        ref, client = self._id_or_token, self._client
        common: dict[str, Any] = {
            "namespace": client.namespace,
            "identity": client.identity,
            "details": await self._payloads(details),
        }
        if isinstance(ref, AsyncActivityIDReference):
            await client.workflow_service.respond_activity_task_canceled_by_id(
                RespondActivityTaskCanceledByIdRequest(**_ids(ref), **common),
                retry=True,
                metadata=rpc_metadata,
                timeout=rpc_timeout,
            )
        else:
            await client.workflow_service.respond_activity_task_canceled(
                RespondActivityTaskCanceledRequest(task_token=ref, **common),
                retry=True,
                metadata=rpc_metadata,
                timeout=rpc_timeout,
            )

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
