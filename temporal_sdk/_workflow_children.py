"""The workflow functions for child and external workflows (re-exported by ``workflow``).

Rule: thin wrappers. Each function validates its arguments, then hands over to the running
workflow's runtime (``_runtime.children`` / ``_runtime.external``); nothing here keeps state.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypedDict, TypeVar, overload

from typing_extensions import Unpack

from temporal_sdk._runtime import context as _context
from temporal_sdk._runtime.children import (
    ChildOptions,
    ChildWorkflowCancellationType,
    ChildWorkflowHandle,
    ParentClosePolicy,
)
from temporal_sdk._runtime.external import ARG_UNSET, ExternalWorkflowHandle, one_or_many
from temporal_sdk.common import Priority, RetryPolicy, WorkflowIDReusePolicy

__all__ = [
    "ChildWorkflowCancellationType",
    "ChildWorkflowConfig",
    "ChildWorkflowHandle",
    "ExternalWorkflowHandle",
    "ParentClosePolicy",
    "execute_child_workflow",
    "get_external_workflow_handle",
    "get_external_workflow_handle_for",
    "start_child_workflow",
]

_R = TypeVar("_R")
_SelfT = TypeVar("_SelfT")
_WAIT_COMPLETED = ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED
_ALLOW_DUPLICATE = WorkflowIDReusePolicy.ALLOW_DUPLICATE


class ChildWorkflowConfig(TypedDict, total=False):
    """The options of :func:`start_child_workflow` / :func:`execute_child_workflow` as a dict."""

    id: str | None
    task_queue: str | None
    cancellation_type: ChildWorkflowCancellationType
    parent_close_policy: ParentClosePolicy
    execution_timeout: timedelta | None
    run_timeout: timedelta | None
    task_timeout: timedelta | None
    id_reuse_policy: WorkflowIDReusePolicy
    retry_policy: RetryPolicy | None
    cron_schedule: str
    memo: Mapping[str, Any] | None
    search_attributes: Any | None
    versioning_intent: Any | None
    static_summary: str | None
    static_details: str | None
    priority: Priority


def _default_id() -> str:
    # Drawn from the workflow's seeded generator, so a replay picks the same id.
    bits = _context.current().random().getrandbits(128)
    return str(uuid.UUID(bytes=bits.to_bytes(16, "big"), version=4))


@overload
async def start_child_workflow(
    workflow: Callable[..., Awaitable[_R]],
    arg: Any = ...,
    *,
    args: Sequence[Any] = ...,
    result_type: type | None = ...,
    **config: Unpack[ChildWorkflowConfig],
) -> ChildWorkflowHandle[Any, _R]: ...


@overload
async def start_child_workflow(
    workflow: str,
    arg: Any = ...,
    *,
    args: Sequence[Any] = ...,
    result_type: type | None = ...,
    **config: Unpack[ChildWorkflowConfig],
) -> ChildWorkflowHandle[Any, Any]: ...


async def start_child_workflow(
    workflow: Any,
    arg: Any = ARG_UNSET,
    *,
    args: Sequence[Any] = (),
    id: str | None = None,
    task_queue: str | None = None,
    result_type: type | None = None,
    cancellation_type: ChildWorkflowCancellationType = _WAIT_COMPLETED,
    parent_close_policy: ParentClosePolicy = ParentClosePolicy.TERMINATE,
    execution_timeout: timedelta | None = None,
    run_timeout: timedelta | None = None,
    task_timeout: timedelta | None = None,
    id_reuse_policy: WorkflowIDReusePolicy = _ALLOW_DUPLICATE,
    retry_policy: RetryPolicy | None = None,
    cron_schedule: str = "",
    memo: Mapping[str, Any] | None = None,
    search_attributes: Any | None = None,
    versioning_intent: Any | None = None,
    static_summary: str | None = None,
    static_details: str | None = None,
    priority: Priority = Priority.default,
) -> ChildWorkflowHandle[Any, Any]:
    """Start a child workflow and return its handle once the server has started it.

    ``workflow`` is a ``@workflow.run`` method or a workflow type name. The id defaults to a
    :func:`~temporal_sdk.workflow.uuid4` (deterministic), the task queue to the parent's. An id
    already in use raises :class:`~temporal_sdk.exceptions.WorkflowAlreadyStartedError`. Await
    the handle for the result; a failed, timed out, terminated or cancelled child raises
    :class:`~temporal_sdk.exceptions.ChildWorkflowError` whose ``cause`` says which. Cancelling
    the handle (or the waiting task) cancels the child as ``cancellation_type`` says; the server
    applies ``parent_close_policy`` to a child still running when the parent closes.
    ``versioning_intent``, ``static_summary`` and ``static_details`` are accepted for
    compatibility and not sent.
    """
    options = ChildOptions(
        id=id or _default_id(),
        task_queue=task_queue,
        result_type=result_type,
        cancellation_type=ChildWorkflowCancellationType(cancellation_type),
        parent_close_policy=ParentClosePolicy(parent_close_policy),
        execution_timeout=execution_timeout,
        run_timeout=run_timeout,
        task_timeout=task_timeout,
        id_reuse_policy=WorkflowIDReusePolicy(id_reuse_policy),
        retry_policy=retry_policy,
        cron_schedule=cron_schedule,
        memo=memo,
        search_attributes=search_attributes,
        priority=priority,
    )
    children = _context.current().child_workflows()
    return await children.start(workflow, one_or_many(arg, args), options)


@overload
async def execute_child_workflow(
    workflow: Callable[..., Awaitable[_R]],
    arg: Any = ...,
    *,
    args: Sequence[Any] = ...,
    result_type: type | None = ...,
    **config: Unpack[ChildWorkflowConfig],
) -> _R: ...


@overload
async def execute_child_workflow(
    workflow: str,
    arg: Any = ...,
    *,
    args: Sequence[Any] = ...,
    result_type: type | None = ...,
    **config: Unpack[ChildWorkflowConfig],
) -> Any: ...


async def execute_child_workflow(
    workflow: Any,
    arg: Any = ARG_UNSET,
    *,
    args: Sequence[Any] = (),
    result_type: type | None = None,
    **config: Any,
) -> Any:
    """Start a child workflow and wait for its result: ``await (await start_child_workflow())``.

    Takes the same arguments as :func:`start_child_workflow`.
    """
    handle = await start_child_workflow(workflow, arg, args=args, result_type=result_type, **config)
    return await handle


def get_external_workflow_handle(
    workflow_id: str, *, run_id: str | None = None
) -> ExternalWorkflowHandle[Any]:
    """A handle on another workflow (by id, and run id if given) to signal or cancel it."""
    return _context.current().child_workflows().external.handle(workflow_id, run_id)


def get_external_workflow_handle_for(
    workflow: Callable[..., Awaitable[Any]] | Callable[[_SelfT], Awaitable[Any]],
    workflow_id: str,
    *,
    run_id: str | None = None,
) -> ExternalWorkflowHandle[_SelfT]:
    """Same as :func:`get_external_workflow_handle`, typed by the target's run method.

    ``workflow`` only serves static typing; it is not checked against the target.
    """
    return _context.current().child_workflows().external.handle(workflow_id, run_id)
