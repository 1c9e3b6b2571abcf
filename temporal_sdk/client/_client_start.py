"""The typed ``start_workflow`` / ``execute_workflow`` entry points of ``Client``.

Rule: only the public signatures (one overload per run-method arity) and their forwarding live
here, as a base class of ``Client``; the request is built in ``_start_workflow``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from temporal_sdk.client import _start_workflow
from temporal_sdk.client._workflow import WorkflowHandle
from temporal_sdk.common import (
    RetryPolicy,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)

if TYPE_CHECKING:
    from temporal_sdk.client import Client

SelfType = TypeVar("SelfType")
ParamType = TypeVar("ParamType")
ReturnType = TypeVar("ReturnType")

_ALLOW_DUPLICATE = WorkflowIDReusePolicy.ALLOW_DUPLICATE
_UNSPECIFIED_CONFLICT = WorkflowIDConflictPolicy.UNSPECIFIED


class _WorkflowStarter:
    """Base of ``Client`` providing ``start_workflow`` and ``execute_workflow``."""

    @overload
    async def start_workflow(
        self,
        workflow: Callable[[SelfType], Awaitable[ReturnType]],
        *,
        id: str,
        task_queue: str,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = _ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = _UNSPECIFIED_CONFLICT,
        retry_policy: RetryPolicy | None = None,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        start_delay: timedelta | None = None,
        search_attributes: TypedSearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        start_signal: str | None = None,
        start_signal_args: Sequence[Any] = [],
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
        request_eager_start: bool = False,
    ) -> WorkflowHandle[SelfType, ReturnType]: ...

    @overload
    async def start_workflow(
        self,
        workflow: Callable[[SelfType, ParamType], Awaitable[ReturnType]],
        arg: ParamType,
        *,
        id: str,
        task_queue: str,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = _ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = _UNSPECIFIED_CONFLICT,
        retry_policy: RetryPolicy | None = None,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        start_delay: timedelta | None = None,
        search_attributes: TypedSearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        start_signal: str | None = None,
        start_signal_args: Sequence[Any] = [],
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
        request_eager_start: bool = False,
    ) -> WorkflowHandle[SelfType, ReturnType]: ...

    @overload
    async def start_workflow(
        self,
        workflow: Callable[..., Awaitable[ReturnType]],
        *,
        args: Sequence[Any],
        id: str,
        task_queue: str,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = _ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = _UNSPECIFIED_CONFLICT,
        retry_policy: RetryPolicy | None = None,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        start_delay: timedelta | None = None,
        search_attributes: TypedSearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        start_signal: str | None = None,
        start_signal_args: Sequence[Any] = [],
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
        request_eager_start: bool = False,
    ) -> WorkflowHandle[Any, ReturnType]: ...

    @overload
    async def start_workflow(
        self,
        workflow: str,
        arg: Any = ...,
        *,
        args: Sequence[Any] = [],
        id: str,
        task_queue: str,
        result_type: type | None = None,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = _ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = _UNSPECIFIED_CONFLICT,
        retry_policy: RetryPolicy | None = None,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        start_delay: timedelta | None = None,
        search_attributes: TypedSearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        start_signal: str | None = None,
        start_signal_args: Sequence[Any] = [],
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
        request_eager_start: bool = False,
    ) -> WorkflowHandle[Any, Any]: ...

    async def start_workflow(
        self,
        workflow: str | Callable[..., Awaitable[Any]],
        arg: Any = ...,
        *,
        args: Sequence[Any] = [],
        id: str,
        task_queue: str,
        result_type: type | None = None,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = _ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = _UNSPECIFIED_CONFLICT,
        retry_policy: RetryPolicy | None = None,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        start_delay: timedelta | None = None,
        search_attributes: TypedSearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        start_signal: str | None = None,
        start_signal_args: Sequence[Any] = [],
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
        request_eager_start: bool = False,
    ) -> WorkflowHandle[Any, Any]:
        """Start a workflow and return a handle to it without waiting for its result.

        ``workflow`` is a ``@workflow.run`` method or a workflow type name; give one argument as
        ``arg`` or several as ``args``. ``result_type`` sets the type the result is decoded to
        when the workflow is given by name. With ``start_signal`` the workflow is started and
        signalled in one call (signal-with-start): a running workflow with the same id is
        signalled instead of started. With ``request_eager_start`` and a worker of this process
        (built on this client) polling ``task_queue`` with a free slot, the server hands the
        first workflow task straight back and that worker runs it without polling.
        """
        return await _start_workflow.start_workflow(
            cast("Client", self),
            workflow,
            arg,
            args=args,
            id=id,
            task_queue=task_queue,
            result_type=result_type,
            execution_timeout=execution_timeout,
            run_timeout=run_timeout,
            task_timeout=task_timeout,
            id_reuse_policy=id_reuse_policy,
            id_conflict_policy=id_conflict_policy,
            retry_policy=retry_policy,
            cron_schedule=cron_schedule,
            memo=memo,
            start_delay=start_delay,
            search_attributes=search_attributes,
            static_summary=static_summary,
            static_details=static_details,
            start_signal=start_signal,
            start_signal_args=start_signal_args,
            rpc_metadata=rpc_metadata,
            rpc_timeout=rpc_timeout,
            request_eager_start=request_eager_start,
        )

    @overload
    async def execute_workflow(
        self,
        workflow: Callable[[SelfType], Awaitable[ReturnType]],
        *,
        id: str,
        task_queue: str,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = _ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = _UNSPECIFIED_CONFLICT,
        retry_policy: RetryPolicy | None = None,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        start_delay: timedelta | None = None,
        search_attributes: TypedSearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
        request_eager_start: bool = False,
    ) -> ReturnType: ...

    @overload
    async def execute_workflow(
        self,
        workflow: Callable[[SelfType, ParamType], Awaitable[ReturnType]],
        arg: ParamType,
        *,
        id: str,
        task_queue: str,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = _ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = _UNSPECIFIED_CONFLICT,
        retry_policy: RetryPolicy | None = None,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        start_delay: timedelta | None = None,
        search_attributes: TypedSearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
        request_eager_start: bool = False,
    ) -> ReturnType: ...

    @overload
    async def execute_workflow(
        self,
        workflow: Callable[..., Awaitable[ReturnType]],
        *,
        args: Sequence[Any],
        id: str,
        task_queue: str,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = _ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = _UNSPECIFIED_CONFLICT,
        retry_policy: RetryPolicy | None = None,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        start_delay: timedelta | None = None,
        search_attributes: TypedSearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
        request_eager_start: bool = False,
    ) -> ReturnType: ...

    @overload
    async def execute_workflow(
        self,
        workflow: str,
        arg: Any = ...,
        *,
        args: Sequence[Any] = [],
        id: str,
        task_queue: str,
        result_type: type | None = None,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = _ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = _UNSPECIFIED_CONFLICT,
        retry_policy: RetryPolicy | None = None,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        start_delay: timedelta | None = None,
        search_attributes: TypedSearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
        request_eager_start: bool = False,
    ) -> Any: ...

    async def execute_workflow(
        self,
        workflow: str | Callable[..., Awaitable[Any]],
        arg: Any = ...,
        *,
        args: Sequence[Any] = [],
        id: str,
        task_queue: str,
        result_type: type | None = None,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = _ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = _UNSPECIFIED_CONFLICT,
        retry_policy: RetryPolicy | None = None,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        start_delay: timedelta | None = None,
        search_attributes: TypedSearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
        request_eager_start: bool = False,
    ) -> Any:
        """Start a workflow and wait for its result (see :meth:`start_workflow`).

        Raises :class:`~temporal_sdk.client.WorkflowFailureError` if it does not complete.
        """
        handle = await _start_workflow.start_workflow(
            cast("Client", self),
            workflow,
            arg,
            args=args,
            id=id,
            task_queue=task_queue,
            result_type=result_type,
            execution_timeout=execution_timeout,
            run_timeout=run_timeout,
            task_timeout=task_timeout,
            id_reuse_policy=id_reuse_policy,
            id_conflict_policy=id_conflict_policy,
            retry_policy=retry_policy,
            cron_schedule=cron_schedule,
            memo=memo,
            start_delay=start_delay,
            search_attributes=search_attributes,
            static_summary=static_summary,
            static_details=static_details,
            rpc_metadata=rpc_metadata,
            rpc_timeout=rpc_timeout,
            request_eager_start=request_eager_start,
        )
        return await handle.result()
