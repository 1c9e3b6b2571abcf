"""Update-with-start: start a workflow (or use the running one) and send it an update, atomically.

Rule: both requests travel in one ExecuteMultiOperation call. The start request is built by the
ordinary start path (``_start_workflow.start_workflow`` with a ``send`` hook), so every start option
means the same here; the per-operation errors the server packs into a
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
    StartWorkflowExecutionRequest,
    UpdateWorkflowExecutionResponse,
)
from temporal_sdk.client import _start, _start_workflow
from temporal_sdk.client._messages import (
    WorkflowUpdateHandle,
    WorkflowUpdateStage,
    build_update_request,
    send_update_until_accepted,
    update_handle_from,
    update_target,
)
from temporal_sdk.common import WorkflowIDConflictPolicy
from temporal_sdk.exceptions import WorkflowAlreadyStartedError
from temporal_sdk.service import RPCError, RPCStatusCode

if TYPE_CHECKING:
    from temporal_sdk.client import Client
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
    """Start the operation's workflow if needed and send it the update (see ``Client``)."""
    op = start_workflow_operation
    if op._used:
        raise RuntimeError("a WithStartWorkflowOperation can be used only once")
    op._used = True
    if wait_for_stage == WorkflowUpdateStage.ADMITTED:
        raise ValueError("wait_for_stage ADMITTED is not supported yet; use ACCEPTED")
    name, declared = update_target(update)
    values = _start._args(arg, args)
    update_req = await build_update_request(
        client, op.id, None, None, name, values, wait_for_stage, id
    )
    answers: list[UpdateWorkflowExecutionResponse] = []
    workflow_type = _start.workflow_type_name(op._workflow)

    async def send(start_req: StartWorkflowExecutionRequest) -> str:
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
            raise _operation_error(err, op.id, workflow_type) from err
        answers.append(resp.responses[1].update_workflow)
        return resp.responses[0].start_workflow.run_id

    future = op._future()
    try:
        handle = await _start_workflow.start_workflow(
            client, op._workflow, op._arg, **op._options, send=send
        )
    except BaseException as err:
        future.set_exception(err)
        future.exception()  # retrieved: waiting on the handle is optional
        raise
    future.set_result(handle)
    answer = answers[0]
    if answer.stage < _Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED:
        answer = await send_update_until_accepted(client, update_req, rpc_metadata, rpc_timeout)
    update_handle = update_handle_from(client, update_req, answer, result_type or declared)
    if wait_for_stage == WorkflowUpdateStage.COMPLETED and update_handle._known_outcome is None:
        update_handle._known_outcome = await update_handle._poll(rpc_metadata, rpc_timeout)
    return update_handle
