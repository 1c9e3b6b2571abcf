"""Client side of workflow messages: queries (and their errors).

Rule: one function per RPC; payloads go through the client's data converter exactly once each
way, and the server's ways of saying "no" become the typed errors defined here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from temporal_sdk.api.common.v1 import WorkflowExecution
from temporal_sdk.api.enums.v1 import QueryRejectCondition as _QueryRejectConditionProto
from temporal_sdk.api.workflowservice.v1 import (
    QueryWorkflowRequest,
    SignalWithStartWorkflowExecutionRequest,
    StartWorkflowExecutionRequest,
)
from temporal_sdk.exceptions import TemporalError
from temporal_sdk.service import RPCError, RPCStatusCode

if TYPE_CHECKING:
    from temporal_sdk.client import Client
    from temporal_sdk.client._describe import WorkflowExecutionStatus
    from temporal_sdk.common import QueryRejectCondition


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
        req.signal_input.payloads.extend(await client.data_converter.encode(list(signal_args)))
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


async def query_workflow(
    client: Client,
    workflow_id: str,
    run_id: str | None,
    query: str | Callable[..., Any],
    values: Sequence[Any],
    *,
    result_type: Any | None,
    reject_condition: QueryRejectCondition | None,
    rpc_metadata: Mapping[str, str | bytes],
    rpc_timeout: timedelta | None,
) -> Any:
    """Send QueryWorkflow and decode the answer (see ``WorkflowHandle.query``)."""
    from temporal_sdk.client._describe import WorkflowExecutionStatus

    name, declared = query_target(query)
    req = QueryWorkflowRequest(
        namespace=client.namespace,
        execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id or ""),
    )
    req.query.query_type = name
    if reject_condition:
        req.query_reject_condition = cast(_QueryRejectConditionProto, int(reject_condition))
    if values:
        req.query.query_args.payloads.extend(await client.data_converter.encode(list(values)))
    try:
        resp = await client.workflow_service.query_workflow(
            req,
            retry=True,
            metadata=rpc_metadata,
            timeout=rpc_timeout,
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
    hint = result_type if result_type is not None else declared
    decoded = await client.data_converter.decode(
        list(resp.query_result.payloads), [hint] if hint is not None else None
    )
    return decoded[0] if decoded else None
