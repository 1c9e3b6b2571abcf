"""Finish, fail or heartbeat an activity from outside the worker that started it.

Rule: each handle method builds one interceptor input and sends it down the client's chain; the
RPCs themselves are made in ``_async_activity_ops``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporal_sdk.client import _inputs
from temporal_sdk.exceptions import TemporalError

if TYPE_CHECKING:
    from typing_extensions import Self

    from temporal_sdk.activity import ActivityCancellationDetails
    from temporal_sdk.client import Client
    from temporal_sdk.converter import DataConverter, SerializationContext

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
        self._override = data_converter_override

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
        await self._client._impl.heartbeat_async_activity(
            _inputs.HeartbeatAsyncActivityInput(
                self._id_or_token, details, rpc_metadata, rpc_timeout, self._override
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
        await self._client._impl.complete_async_activity(
            _inputs.CompleteAsyncActivityInput(
                self._id_or_token, result, rpc_metadata, rpc_timeout, self._override
            )
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
        await self._client._impl.fail_async_activity(
            _inputs.FailAsyncActivityInput(
                self._id_or_token,
                error,
                last_heartbeat_details,
                rpc_metadata,
                rpc_timeout,
                self._override,
            )
        )

    async def report_cancellation(
        self,
        *details: Any,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Report the activity as cancelled (after the server asked), with ``details``."""
        await self._client._impl.report_cancellation_async_activity(
            _inputs.ReportCancellationAsyncActivityInput(
                self._id_or_token, details, rpc_metadata, rpc_timeout, self._override
            )
        )

    def with_context(self, context: SerializationContext) -> Self:
        """A handle whose payloads are converted with the client's converter bound to ``context``.

        Use it with a context-aware converter or codec, passing the same
        :class:`~temporal_sdk.converter.ActivitySerializationContext` the activity worker uses.
        """
        converter = self._client.data_converter.with_context(context)
        if converter is self._client.data_converter:
            return self
        if type(self).__init__ is not AsyncActivityHandle.__init__:
            raise TypeError(
                "A subclass of AsyncActivityHandle with its own __init__ must override with_context"
            )
        return type(self)(self._client, self._id_or_token, converter)


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
