"""Client side of workflow messages: queries, signal-with-start and updates, with their errors.

Rule: one function per RPC; payloads go through the client's data converter exactly once each
way, and the server's ways of saying "no" become the typed errors defined here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from temporal_sdk._converter_context import for_workflow
from temporal_sdk._ids import random_uuid
from temporal_sdk.api.common.v1 import Payload, WorkflowExecution
from temporal_sdk.api.enums.v1 import QueryRejectCondition as _QueryRejectConditionProto
from temporal_sdk.api.enums.v1 import UpdateWorkflowExecutionLifecycleStage as _Stage
from temporal_sdk.api.update.v1 import Outcome, UpdateRef, WaitPolicy
from temporal_sdk.api.workflowservice.v1 import (
    PollWorkflowExecutionUpdateRequest,
    QueryWorkflowRequest,
    SignalWithStartWorkflowExecutionRequest,
    StartWorkflowExecutionRequest,
    UpdateWorkflowExecutionRequest,
    UpdateWorkflowExecutionResponse,
)
from temporal_sdk.client._errors import RPCTimeoutOrCancelledError
from temporal_sdk.exceptions import TemporalError
from temporal_sdk.service import RPCError, RPCStatusCode

_R = TypeVar("_R")

if TYPE_CHECKING:
    from temporal_sdk.client import Client
    from temporal_sdk.client._describe import WorkflowExecutionStatus
    from temporal_sdk.client._interceptor_inputs import QueryWorkflowInput, StartWorkflowUpdateInput


class WorkflowQueryRejectedError(TemporalError):
    """The server refused to run a query because of the query's reject condition."""

    def __init__(self, status: WorkflowExecutionStatus | None) -> None:
        super().__init__(f"Query rejected, status: {status}")
        self._status = status

    @property
    def status(self) -> WorkflowExecutionStatus | None:
        """The workflow's status that triggered the rejection."""
        return self._status


class WorkflowQueryFailedError(TemporalError):
    """The query reached the workflow but its handler failed (or no handler matched)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self._message = message

    @property
    def message(self) -> str:
        """What the worker reported about the failure."""
        return self._message


async def signal_with_start(
    client: Client,
    start: StartWorkflowExecutionRequest,
    signal: str | Callable[..., Any],
    signal_args: Sequence[Any],
    rpc_metadata: Mapping[str, str | bytes],
    rpc_timeout: timedelta | None,
) -> str:
    """Send SignalWithStartWorkflowExecution built from a complete start request; the run id.

    The server starts the workflow (unless one with the id is running) and records the signal
    before the first workflow task, so the run method sees it from its first step.
    """
    from temporal_sdk._runtime.definitions import signal_name_for

    req = SignalWithStartWorkflowExecutionRequest(signal_name=signal_name_for(signal))
    target = req.DESCRIPTOR.fields_by_name
    for field, value in start.ListFields():
        if field.name in target:
            _copy_field(req, field.name, value)
    if signal_args:
        conv = for_workflow(client.data_converter, client.namespace, start.workflow_id)
        req.signal_input.payloads.extend(await conv.encode(list(signal_args)))
    resp = await client.workflow_service.signal_with_start_workflow_execution(
        req, retry=True, metadata=rpc_metadata, timeout=rpc_timeout
    )
    return resp.run_id


def _copy_field(req: Any, name: str, value: Any) -> None:
    """Copy one set field of a start request into the same-named field of ``req``."""
    current = getattr(req, name)
    if hasattr(current, "CopyFrom"):
        current.CopyFrom(value)
    elif hasattr(current, "extend"):
        current.extend(value)
    else:
        setattr(req, name, value)


def query_target(query: str | Callable[..., Any]) -> tuple[str, Any | None]:
    """The query name, and its declared result type when given an ``@workflow.query`` method."""
    from temporal_sdk._runtime.definitions import HandlerDefinition, query_name_for

    if isinstance(query, str):
        return query, None
    defn = HandlerDefinition.from_callable(query)
    return query_name_for(query), (defn.ret_type if defn is not None else None)


async def query_workflow(client: Client, input: QueryWorkflowInput) -> Any:
    """Send QueryWorkflow and decode the answer (the terminal ``query_workflow``)."""
    from temporal_sdk.client._describe import WorkflowExecutionStatus
    from temporal_sdk.client._workflow_ops import apply_headers

    req = QueryWorkflowRequest(
        namespace=client.namespace,
        execution=WorkflowExecution(workflow_id=input.id, run_id=input.run_id or ""),
    )
    req.query.query_type = input.query
    if input.reject_condition:
        req.query_reject_condition = cast(_QueryRejectConditionProto, int(input.reject_condition))
    conv = for_workflow(client.data_converter, client.namespace, input.id)
    if input.args:
        req.query.query_args.payloads.extend(await conv.encode(list(input.args)))
    await apply_headers(client, input.headers, req.query.header)
    try:
        resp = await client.workflow_service.query_workflow(
            req,
            retry=True,
            metadata=input.rpc_metadata,
            timeout=input.rpc_timeout,
        )
    except RPCError as err:
        if err.status == RPCStatusCode.INVALID_ARGUMENT:
            raise WorkflowQueryFailedError(err.message) from None
        raise
    if resp.HasField("query_rejected"):
        status = resp.query_rejected.status
        raise WorkflowQueryRejectedError(WorkflowExecutionStatus(status) if status else None)
    if not resp.query_result.payloads:
        return None
    hint = input.ret_type
    decoded = await conv.decode(
        list(resp.query_result.payloads), [hint] if hint is not None else None
    )
    return decoded[0] if decoded else None


# -- updates ------------------------------------------------------------------------------------


class WorkflowUpdateStage(IntEnum):
    """How far an update must have got before ``start_update`` returns."""

    ADMITTED = int(_Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED)
    """The server received it (not yet supported as a wait stage for ``start_update``)."""
    ACCEPTED = int(_Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED)
    """The workflow's validator passed and the update is recorded in history."""
    COMPLETED = int(_Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED)
    """The update handler finished (or the update was rejected)."""


class WorkflowUpdateFailedError(TemporalError):
    """An update was rejected by its validator or its handler raised a failure."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__("Workflow update failed")
        self.__cause__ = cause

    @property
    def cause(self) -> BaseException:
        """The rejection or failure, converted to an exception."""
        assert self.__cause__ is not None
        return self.__cause__


class WorkflowUpdateRPCTimeoutOrCancelledError(RPCTimeoutOrCancelledError):
    """The client call for an update timed out or was cancelled (the update itself may go on)."""

    def __init__(self) -> None:
        super().__init__("Timeout or cancellation waiting for update")


def _is_timeout(err: RPCError) -> bool:
    return err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED)


class WorkflowUpdateHandle(Generic[_R]):
    """A started update: its id, and :meth:`result` to wait for its outcome."""

    def __init__(
        self,
        client: Client,
        id: str,
        workflow_id: str,
        *,
        workflow_run_id: str | None = None,
        result_type: Any | None = None,
        known_outcome: Outcome | None = None,
    ) -> None:
        self._client = client
        self._id = id
        self._workflow_id = workflow_id
        self._workflow_run_id = workflow_run_id
        self._result_type = result_type
        self._known_outcome = known_outcome

    @property
    def id(self) -> str:
        """The update id."""
        return self._id

    @property
    def workflow_id(self) -> str:
        """The id of the workflow the update was sent to."""
        return self._workflow_id

    @property
    def workflow_run_id(self) -> str | None:
        """The run the update was sent to, when known."""
        return self._workflow_run_id

    async def result(
        self,
        *,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> _R:
        """Wait for the update to finish; its result, or ``WorkflowUpdateFailedError``."""
        outcome = self._known_outcome
        if outcome is None:
            outcome = await self._poll(rpc_metadata, rpc_timeout)
            self._known_outcome = outcome
        client = self._client
        converter = for_workflow(client.data_converter, client.namespace, self._workflow_id)
        if outcome.HasField("failure"):
            raise WorkflowUpdateFailedError(await converter.decode_failure(outcome.failure))
        if not outcome.success.payloads:
            return None  # type: ignore[return-value]
        hints = [self._result_type] if self._result_type is not None else None
        values = await converter.decode(list(outcome.success.payloads), hints)
        return values[0]  # type: ignore[no-any-return]

    async def _poll(
        self, rpc_metadata: Mapping[str, str | bytes], rpc_timeout: timedelta | None
    ) -> Outcome:
        client = self._client
        req = PollWorkflowExecutionUpdateRequest(
            namespace=client.namespace,
            update_ref=UpdateRef(
                workflow_execution=WorkflowExecution(
                    workflow_id=self._workflow_id, run_id=self._workflow_run_id or ""
                ),
                update_id=self._id,
            ),
            identity=client.identity,
            wait_policy=WaitPolicy(
                lifecycle_stage=_Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED
            ),
        )
        while True:
            try:
                resp = await client.workflow_service.poll_workflow_execution_update(
                    req, retry=True, metadata=rpc_metadata, timeout=rpc_timeout
                )
            except RPCError as err:
                if _is_timeout(err):
                    raise WorkflowUpdateRPCTimeoutOrCancelledError() from err
                raise
            except asyncio.CancelledError as err:
                raise WorkflowUpdateRPCTimeoutOrCancelledError() from err
            if resp.HasField("outcome"):
                return resp.outcome


def update_target(update: str | Callable[..., Any]) -> tuple[str, Any | None]:
    """The update name, and its declared result type when given an ``@workflow.update`` method."""
    from temporal_sdk._runtime.definitions import HandlerDefinition, update_name_for

    if isinstance(update, str):
        return update, None
    defn = HandlerDefinition.from_callable(update)
    return update_name_for(update), (defn.ret_type if defn is not None else None)


async def build_update_request(
    client: Client,
    workflow_id: str,
    run_id: str | None,
    first_execution_run_id: str | None,
    name: str,
    values: Sequence[Any],
    wait_for_stage: WorkflowUpdateStage,
    id: str | None,
    headers: Mapping[str, Payload] | None = None,
) -> UpdateWorkflowExecutionRequest:
    """The UpdateWorkflowExecution request for update ``name`` (a fresh id unless given)."""
    req = UpdateWorkflowExecutionRequest(
        namespace=client.namespace,
        workflow_execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id or ""),
        first_execution_run_id=first_execution_run_id or "",
        wait_policy=WaitPolicy(lifecycle_stage=cast(_Stage, int(wait_for_stage))),
    )
    req.request.meta.update_id = id or random_uuid()
    req.request.meta.identity = client.identity
    req.request.input.name = name
    if values:
        conv = for_workflow(client.data_converter, client.namespace, workflow_id)
        req.request.input.args.payloads.extend(await conv.encode(list(values)))
    if headers:
        from temporal_sdk.client._workflow_ops import apply_headers

        await apply_headers(client, headers, req.request.input.header)
    return req


async def send_update_until_accepted(
    client: Client,
    req: UpdateWorkflowExecutionRequest,
    rpc_metadata: Mapping[str, str | bytes],
    rpc_timeout: timedelta | None,
) -> UpdateWorkflowExecutionResponse:
    """Send ``req`` again until the server says the update was accepted (or finished)."""
    accepted = _Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED
    while True:
        try:
            resp = await client.workflow_service.update_workflow_execution(
                req, retry=True, metadata=rpc_metadata, timeout=rpc_timeout
            )
        except RPCError as err:
            if _is_timeout(err):
                raise WorkflowUpdateRPCTimeoutOrCancelledError() from err
            raise
        except asyncio.CancelledError as err:
            raise WorkflowUpdateRPCTimeoutOrCancelledError() from err
        if resp.stage >= accepted:
            return resp


def update_handle_from(
    client: Client,
    req: UpdateWorkflowExecutionRequest,
    resp: UpdateWorkflowExecutionResponse,
    result_type: Any | None,
) -> WorkflowUpdateHandle[Any]:
    """The handle for an update the server answered with ``resp``."""
    return WorkflowUpdateHandle(
        client,
        req.request.meta.update_id,
        req.workflow_execution.workflow_id,
        workflow_run_id=resp.update_ref.workflow_execution.run_id
        or req.workflow_execution.run_id
        or None,
        result_type=result_type,
        known_outcome=resp.outcome if resp.HasField("outcome") else None,
    )


async def start_update(
    client: Client, input: StartWorkflowUpdateInput
) -> WorkflowUpdateHandle[Any]:
    """Send UpdateWorkflowExecution until the update is accepted (or done); return its handle."""
    wait_for_stage = input.wait_for_stage
    if wait_for_stage == WorkflowUpdateStage.ADMITTED:
        raise ValueError("wait_for_stage ADMITTED is not supported yet; use ACCEPTED")
    req = await build_update_request(
        client,
        input.id,
        input.run_id,
        input.first_execution_run_id,
        input.update,
        input.args,
        wait_for_stage,
        input.update_id,
        input.headers,
    )
    rpc_metadata, rpc_timeout = input.rpc_metadata, input.rpc_timeout
    resp = await send_update_until_accepted(client, req, rpc_metadata, rpc_timeout)
    handle = update_handle_from(client, req, resp, input.ret_type)
    if wait_for_stage == WorkflowUpdateStage.COMPLETED and handle._known_outcome is None:
        handle._known_outcome = await handle._poll(rpc_metadata, rpc_timeout)
    return handle
