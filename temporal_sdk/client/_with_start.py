"""Update-with-start: start a workflow (or use the running one) and send it an update, atomically.

Rule: both requests travel in one ExecuteMultiOperation call. The start request is built by the
ordinary start path (``_start_workflow.build_start_request``), so every start option means the
same here; the per-operation errors the server packs into a
``MultiOperationExecutionFailure`` become the same typed errors a plain start or update raises.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from temporal_sdk.api.enums.v1 import UpdateWorkflowExecutionLifecycleStage as _Stage
from temporal_sdk.api.errordetails.v1 import (
    MultiOperationExecutionFailure,
    WorkflowExecutionAlreadyStartedFailure,
)
from temporal_sdk.api.workflowservice.v1 import (
    ExecuteMultiOperationRequest,
    StartWorkflowExecutionResponse,
)
from temporal_sdk.client import _inputs, _start, _start_workflow
from temporal_sdk.client._messages import (
    WorkflowUpdateHandle,
    WorkflowUpdateStage,
    build_update_request,
    send_update_until_accepted,
    update_handle_from,
    update_target,
)
from temporal_sdk.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporal_sdk.exceptions import WorkflowAlreadyStartedError
from temporal_sdk.service import RPCError, RPCStatusCode

if TYPE_CHECKING:
    from temporal_sdk.client import Client
    from temporal_sdk.client._interceptor_inputs import (
        StartWorkflowUpdateWithStartInput,
        UpdateWithStartStartWorkflowInput,
    )
    from temporal_sdk.client._workflow import WorkflowHandle

_SelfT = TypeVar("_SelfT")
_ReturnT = TypeVar("_ReturnT")
_Operation = ExecuteMultiOperationRequest.Operation


class WithStartWorkflowOperation(Generic[_SelfT, _ReturnT]):
    """The "start" half of update-with-start: a workflow to start unless it is running.

    Takes the same arguments as ``Client.start_workflow``; ``id_conflict_policy`` is required
    (``USE_EXISTING`` to send the update to a running workflow, ``FAIL`` to refuse). After the
    update-with-start call, :meth:`workflow_handle` gives the workflow's handle.
    """

    def __init__(
        self,
        workflow: str | Callable[..., Awaitable[Any]],
        arg: Any = ...,
        *,
        args: Sequence[Any] = [],
        id: str,
        task_queue: str,
        id_conflict_policy: WorkflowIDConflictPolicy,
        result_type: type | None = None,
        **start_options: Any,
    ) -> None:
        if id_conflict_policy == WorkflowIDConflictPolicy.UNSPECIFIED:
            raise ValueError("update-with-start needs an id_conflict_policy (USE_EXISTING or FAIL)")
        self._workflow = workflow
        self._arg = arg
        self._options: dict[str, Any] = dict(
            start_options,
            args=args,
            id=id,
            task_queue=task_queue,
            id_conflict_policy=id_conflict_policy,
            result_type=result_type,
        )
        self._handle: asyncio.Future[WorkflowHandle[Any, Any]] | None = None
        self._used = False

    @property
    def id(self) -> str:
        """The workflow id."""
        workflow_id: str = self._options["id"]
        return workflow_id

    def _future(self) -> asyncio.Future[WorkflowHandle[Any, Any]]:
        if self._handle is None:
            self._handle = asyncio.get_running_loop().create_future()
        return self._handle

    async def workflow_handle(self) -> WorkflowHandle[_SelfT, _ReturnT]:
        """The started (or existing) workflow's handle; raises what the start raised."""
        return await self._future()


def _operation_error(err: RPCError, workflow_id: str, workflow_type: str) -> BaseException:
    """The error of the operation that failed inside a MultiOperationExecutionFailure."""
    if not err.raw_grpc_status:
        return err
    failure = MultiOperationExecutionFailure()
    for detail in err.grpc_status.details:
        if detail.Unpack(failure):
            break
    else:
        return err
    for status in failure.statuses:
        if status.code in (RPCStatusCode.OK, RPCStatusCode.ABORTED):
            continue  # aborted only because the other operation failed
        started = WorkflowExecutionAlreadyStartedFailure()
        for detail in status.details:
            if detail.Unpack(started):
                return WorkflowAlreadyStartedError(
                    workflow_id, workflow_type, run_id=started.run_id or None
                )
        return RPCError(status.message, RPCStatusCode(status.code), b"")
    return err


def _start_input(op: WithStartWorkflowOperation[Any, Any]) -> UpdateWithStartStartWorkflowInput:
    """The start half of the interceptor input, from the operation's start options."""
    opts = dict(op._options)
    unknown = set(opts) - _START_OPTIONS
    if unknown:
        raise TypeError(f"unexpected start option(s) for update-with-start: {sorted(unknown)}")
    return _inputs.UpdateWithStartStartWorkflowInput(
        workflow=_start.workflow_type_name(op._workflow),
        args=_start._args(op._arg, opts["args"]),
        id=opts["id"],
        task_queue=opts["task_queue"],
        execution_timeout=opts.get("execution_timeout"),
        run_timeout=opts.get("run_timeout"),
        task_timeout=opts.get("task_timeout"),
        id_reuse_policy=opts.get("id_reuse_policy", WorkflowIDReusePolicy.ALLOW_DUPLICATE),
        id_conflict_policy=opts["id_conflict_policy"],
        retry_policy=opts.get("retry_policy"),
        cron_schedule=opts.get("cron_schedule", ""),
        memo=opts.get("memo"),
        search_attributes=opts.get("search_attributes"),
        start_delay=opts.get("start_delay"),
        headers={},
        static_summary=opts.get("static_summary"),
        static_details=opts.get("static_details"),
        ret_type=opts["result_type"] or _start.result_type_of(op._workflow),
    )


_START_OPTIONS = frozenset(
    {
        "args",
        "id",
        "task_queue",
        "id_conflict_policy",
        "result_type",
        "execution_timeout",
        "run_timeout",
        "task_timeout",
        "id_reuse_policy",
        "retry_policy",
        "cron_schedule",
        "memo",
        "search_attributes",
        "start_delay",
        "static_summary",
        "static_details",
    }
)


async def start_update_with_start(
    client: Client,
    update: str | Callable[..., Any],
    arg: Any = ...,
    *,
    start_workflow_operation: WithStartWorkflowOperation[Any, Any],
    wait_for_stage: WorkflowUpdateStage,
    args: Sequence[Any] = [],
    id: str | None = None,
    result_type: type | None = None,
    rpc_metadata: Mapping[str, str | bytes] = {},
    rpc_timeout: timedelta | None = None,
) -> WorkflowUpdateHandle[Any]:
    """Build the update-with-start input and send it down the client's interceptor chain."""
    op = start_workflow_operation
    if op._used:
        raise RuntimeError("a WithStartWorkflowOperation can be used only once")
    op._used = True
    if wait_for_stage == WorkflowUpdateStage.ADMITTED:
        raise ValueError("wait_for_stage ADMITTED is not supported yet; use ACCEPTED")
    name, declared = update_target(update)
    start_input = _start_input(op)
    future = op._future()

    def on_start(resp: StartWorkflowExecutionResponse) -> None:
        from temporal_sdk.client._workflow import WorkflowHandle

        if not future.done():
            future.set_result(
                WorkflowHandle(
                    client,
                    start_input.id,
                    result_run_id=resp.run_id,
                    result_type=start_input.ret_type,
                )
            )

    def on_start_error(err: BaseException) -> None:
        if not future.done():
            future.set_exception(err)
            future.exception()  # retrieved: waiting on the handle is optional

    input = _inputs.StartWorkflowUpdateWithStartInput(
        start_workflow_input=start_input,
        update_workflow_input=_inputs.UpdateWithStartUpdateWorkflowInput(
            update_id=id,
            update=name,
            args=_start._args(arg, args),
            wait_for_stage=wait_for_stage,
            headers={},
            ret_type=result_type or declared,
        ),
        rpc_metadata=rpc_metadata,
        rpc_timeout=rpc_timeout,
        _on_start=on_start,
        _on_start_error=on_start_error,
    )
    return await client._impl.start_update_with_start_workflow(input)


async def send_update_with_start(
    client: Client, input: StartWorkflowUpdateWithStartInput
) -> WorkflowUpdateHandle[Any]:
    """The terminal update-with-start: one ExecuteMultiOperation call, then wait as asked."""
    start_in, update_in = input.start_workflow_input, input.update_workflow_input
    rpc_metadata, rpc_timeout = input.rpc_metadata, input.rpc_timeout
    try:
        start_req = await _start_workflow.build_start_request(client, start_in)
        update_req = await build_update_request(
            client,
            start_in.id,
            None,
            None,
            update_in.update,
            update_in.args,
            update_in.wait_for_stage,
            update_in.update_id,
            update_in.headers,
        )
        multi = ExecuteMultiOperationRequest(
            namespace=client.namespace,
            operations=[
                _Operation(start_workflow=start_req),
                _Operation(update_workflow=update_req),
            ],
        )
        try:
            resp = await client.workflow_service.execute_multi_operation(
                multi, retry=True, metadata=rpc_metadata, timeout=rpc_timeout
            )
        except RPCError as err:
            raise _operation_error(err, start_in.id, start_in.workflow) from err
    except BaseException as err:
        input._on_start_error(err)
        raise
    input._on_start(resp.responses[0].start_workflow)
    answer = resp.responses[1].update_workflow
    if answer.stage < _Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED:
        answer = await send_update_until_accepted(client, update_req, rpc_metadata, rpc_timeout)
    update_handle = update_handle_from(client, update_req, answer, update_in.ret_type)
    stage = update_in.wait_for_stage
    if stage == WorkflowUpdateStage.COMPLETED and update_handle._known_outcome is None:
        update_handle._known_outcome = await update_handle._poll(rpc_metadata, rpc_timeout)
    return update_handle
