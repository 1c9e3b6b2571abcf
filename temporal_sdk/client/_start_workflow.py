"""Starting a workflow execution from the client: build the request, send it, return a handle.

Rule: the one place a ``StartWorkflowExecutionRequest`` is built for ``Client.start_workflow``,
signal-with-start and update-with-start; input and memo pass through the data converter here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from temporal_sdk._converter_context import for_workflow
from temporal_sdk._ids import random_uuid
from temporal_sdk._lazy import LazyModule
from temporal_sdk.api.common.v1 import Payloads, WorkflowType
from temporal_sdk.api.enums.v1 import WorkflowIdConflictPolicy, WorkflowIdReusePolicy
from temporal_sdk.api.taskqueue.v1 import TaskQueue
from temporal_sdk.api.workflowservice.v1 import StartWorkflowExecutionRequest
from temporal_sdk.client import _inputs
from temporal_sdk.client._start import (
    _args,
    already_started,
    apply_start_extras,
    result_type_of,
    workflow_type_name,
)
from temporal_sdk.client._workflow import WorkflowHandle
from temporal_sdk.client._workflow_ops import apply_headers
from temporal_sdk.common import RetryPolicy, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporal_sdk.service import RPCError

if TYPE_CHECKING:
    from temporal_sdk._io import eager_start as _eager_start
    from temporal_sdk.client import Client
    from temporal_sdk.client._interceptor_inputs import (
        StartWorkflowInput,
        UpdateWithStartStartWorkflowInput,
    )
    from temporal_sdk.common import TypedSearchAttributes
else:
    # Eager start is opt-in; its reservation code loads on the first eager request.
    _eager_start = LazyModule("temporal_sdk._io.eager_start")


async def start_workflow(
    client: Client,
    workflow: str | Callable[..., Awaitable[Any]] | type,
    arg: Any = ...,
    *,
    args: Sequence[Any] = [],
    id: str,
    task_queue: str,
    result_type: type | None = None,
    execution_timeout: timedelta | None = None,
    run_timeout: timedelta | None = None,
    task_timeout: timedelta | None = None,
    id_reuse_policy: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    id_conflict_policy: WorkflowIDConflictPolicy = WorkflowIDConflictPolicy.UNSPECIFIED,
    retry_policy: RetryPolicy | None = None,
    cron_schedule: str = "",
    memo: Mapping[str, Any] | None = None,
    start_delay: timedelta | None = None,
    search_attributes: TypedSearchAttributes | None = None,
    static_summary: str | None = None,
    static_details: str | None = None,
    start_signal: str | Callable[..., Any] | None = None,
    start_signal_args: Sequence[Any] = [],
    rpc_metadata: Mapping[str, str | bytes] = {},
    rpc_timeout: timedelta | None = None,
    request_eager_start: bool = False,
) -> WorkflowHandle[Any, Any]:
    """Start a workflow execution and return a handle to it (see ``Client.start_workflow``).

    Builds the :class:`StartWorkflowInput` and sends it down the client's interceptor chain.
    """
    from temporal_sdk._runtime.definitions import signal_name_for

    input = _inputs.StartWorkflowInput(
        workflow=workflow_type_name(workflow),
        args=_args(arg, args),
        id=id,
        task_queue=task_queue,
        execution_timeout=execution_timeout,
        run_timeout=run_timeout,
        task_timeout=task_timeout,
        id_reuse_policy=id_reuse_policy,
        id_conflict_policy=id_conflict_policy,
        retry_policy=retry_policy,
        cron_schedule=cron_schedule,
        memo=memo,
        search_attributes=search_attributes,
        start_delay=start_delay,
        headers={},
        start_signal=None if start_signal is None else signal_name_for(start_signal),
        start_signal_args=start_signal_args,
        static_summary=static_summary,
        static_details=static_details,
        ret_type=result_type or result_type_of(workflow),
        rpc_metadata=rpc_metadata,
        rpc_timeout=rpc_timeout,
        request_eager_start=request_eager_start,
    )
    return await client._impl.start_workflow(input)


async def build_start_request(
    client: Client, input: StartWorkflowInput | UpdateWithStartStartWorkflowInput
) -> StartWorkflowExecutionRequest:
    """The StartWorkflowExecution request for ``input`` (arguments and memo encoded)."""
    req = StartWorkflowExecutionRequest(
        namespace=client.namespace,
        workflow_id=input.id,
        workflow_type=WorkflowType(name=input.workflow),
        task_queue=TaskQueue(name=input.task_queue),
        identity=client.identity,
        request_id=random_uuid(),
        workflow_id_reuse_policy=cast(WorkflowIdReusePolicy, int(input.id_reuse_policy)),
        workflow_id_conflict_policy=cast(WorkflowIdConflictPolicy, int(input.id_conflict_policy)),
        cron_schedule=input.cron_schedule,
    )
    conv = for_workflow(client.data_converter, client.namespace, input.id)
    if input.args:
        encoded = await conv.encode(list(input.args))
        req.input.CopyFrom(Payloads(payloads=encoded))
    for key, value in (input.memo or {}).items():
        req.memo.fields[key].CopyFrom((await conv.encode([value]))[0])
    for field, value in (
        ("workflow_execution_timeout", input.execution_timeout),
        ("workflow_run_timeout", input.run_timeout),
        ("workflow_task_timeout", input.task_timeout),
        ("workflow_start_delay", input.start_delay),
    ):
        if value is not None:
            getattr(req, field).FromTimedelta(value)
    if input.retry_policy is not None:
        input.retry_policy.apply_to_proto(req.retry_policy)
    await apply_start_extras(
        client,
        req,
        search_attributes=input.search_attributes,
        static_summary=input.static_summary,
        static_details=input.static_details,
    )
    await apply_headers(client, input.headers, req.header)
    return req


async def send_start_workflow(
    client: Client, input: StartWorkflowInput
) -> WorkflowHandle[Any, Any]:
    """The terminal ``start_workflow``: start (or signal-with-start) and return the handle.

    Eager start is requested only for a plain start with ``request_eager_start`` and a worker of
    this process reserving a slot for it (see ``_io.eager_start``).
    """
    req = await build_start_request(client, input)
    if input.start_signal is not None:
        from temporal_sdk.client._messages import signal_with_start

        run_id = await signal_with_start(
            client,
            req,
            input.start_signal,
            input.start_signal_args,
            input.rpc_metadata,
            input.rpc_timeout,
        )
        return WorkflowHandle(client, input.id, result_run_id=run_id, result_type=input.ret_type)
    eager = input.request_eager_start
    reservation = await _eager_start.reserve(client, input.task_queue) if eager else None
    req.request_eager_execution = reservation is not None
    try:
        resp = await client.workflow_service.start_workflow_execution(
            req, retry=True, metadata=input.rpc_metadata, timeout=input.rpc_timeout
        )
    except BaseException as err:
        if reservation is not None:
            reservation.release()
        if isinstance(err, RPCError):
            raise already_started(err, input.id, input.workflow) from err
        raise
    eagerly_started = reservation is not None and reservation.fill(resp.eager_workflow_task)
    handle: WorkflowHandle[Any, Any] = WorkflowHandle(
        client,
        input.id,
        result_run_id=resp.run_id,
        first_execution_run_id=resp.run_id,
        result_type=input.ret_type,
    )
    # temporalio's private marker (the official eager-start sample asserts it).
    setattr(handle, "__temporal_eagerly_started", eagerly_started)
    return handle
