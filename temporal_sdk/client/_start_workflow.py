"""Starting a workflow execution from the client: build the request, send it, return a handle.

Rule: the one place a ``StartWorkflowExecutionRequest`` is built for ``Client.start_workflow``,
signal-with-start and update-with-start; input and memo pass through the data converter here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from temporal_sdk._io import eager_start as _eager_start
from temporal_sdk.api.common.v1 import Payloads, WorkflowType
from temporal_sdk.api.enums.v1 import WorkflowIdConflictPolicy, WorkflowIdReusePolicy
from temporal_sdk.api.taskqueue.v1 import TaskQueue
from temporal_sdk.api.workflowservice.v1 import StartWorkflowExecutionRequest
from temporal_sdk.client._start import (
    _args,
    already_started,
    apply_start_extras,
    result_type_of,
    workflow_type_name,
)
from temporal_sdk.client._workflow import WorkflowHandle
from temporal_sdk.common import RetryPolicy, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporal_sdk.service import RPCError

if TYPE_CHECKING:
    from temporal_sdk.client import Client
    from temporal_sdk.common import TypedSearchAttributes


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
    start_signal: str | None = None,
    start_signal_args: Sequence[Any] = [],
    rpc_metadata: Mapping[str, str | bytes] = {},
    rpc_timeout: timedelta | None = None,
    send: Callable[[StartWorkflowExecutionRequest], Awaitable[str]] | None = None,
    request_eager_start: bool = False,
) -> WorkflowHandle[Any, Any]:
    """Start a workflow execution and return a handle to it (see ``Client.start_workflow``).

    Eager start is requested only for a plain start with ``request_eager_start`` and a worker of
    this process reserving a slot for it (see ``_io.eager_start``). ``send``, when given, sends
    the finished request instead and returns the run id (used by update-with-start, which starts
    the workflow inside a multi-operation).
    """
    name = workflow_type_name(workflow)
    values = _args(arg, args)
    req = StartWorkflowExecutionRequest(
        namespace=client.namespace,
        workflow_id=id,
        workflow_type=WorkflowType(name=name),
        task_queue=TaskQueue(name=task_queue),
        identity=client.identity,
        request_id=str(uuid.uuid4()),
        workflow_id_reuse_policy=cast(WorkflowIdReusePolicy, int(id_reuse_policy)),
        workflow_id_conflict_policy=cast(WorkflowIdConflictPolicy, int(id_conflict_policy)),
        cron_schedule=cron_schedule,
    )
    if values:
        req.input.CopyFrom(Payloads(payloads=await client.data_converter.encode(values)))
    for key, value in (memo or {}).items():
        req.memo.fields[key].CopyFrom((await client.data_converter.encode([value]))[0])
    for field, value in (
        ("workflow_execution_timeout", execution_timeout),
        ("workflow_run_timeout", run_timeout),
        ("workflow_task_timeout", task_timeout),
        ("workflow_start_delay", start_delay),
    ):
        if value is not None:
            getattr(req, field).FromTimedelta(value)
    if retry_policy is not None:
        retry_policy.apply_to_proto(req.retry_policy)
    await apply_start_extras(
        client,
        req,
        search_attributes=search_attributes,
        static_summary=static_summary,
        static_details=static_details,
    )
    if send is not None:
        run_id = await send(req)
        return WorkflowHandle(
            client, id, result_run_id=run_id, result_type=result_type or result_type_of(workflow)
        )
    if start_signal is not None:
        from temporal_sdk.client._messages import signal_with_start

        run_id = await signal_with_start(
            client, req, start_signal, start_signal_args, rpc_metadata, rpc_timeout
        )
        return WorkflowHandle(
            client, id, result_run_id=run_id, result_type=result_type or result_type_of(workflow)
        )
    reservation = await _eager_start.reserve(client, task_queue) if request_eager_start else None
    req.request_eager_execution = reservation is not None
    try:
        resp = await client.workflow_service.start_workflow_execution(
            req, retry=True, metadata=rpc_metadata, timeout=rpc_timeout
        )
    except BaseException as err:
        if reservation is not None:
            reservation.release()
        if isinstance(err, RPCError):
            raise already_started(err, id, name) from err
        raise
    if reservation is not None:
        reservation.fill(resp.eager_workflow_task)
    return WorkflowHandle(
        client,
        id,
        result_run_id=resp.run_id,
        first_execution_run_id=resp.run_id,
        result_type=result_type or result_type_of(workflow),
    )
