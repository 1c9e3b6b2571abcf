"""Optional parts of a workflow start request, start argument helpers, and start conflicts.

Rule: everything here only fills fields of an already-built ``StartWorkflowExecutionRequest``,
resolves workflow names/argument lists, or turns an ``RPCError`` into a typed error; the request
itself is built in ``_start_workflow``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from temporal_sdk._converter_context import for_workflow
from temporal_sdk._search_attributes import TypedSearchAttributes, encode_any
from temporal_sdk.api.workflowservice.v1 import StartWorkflowExecutionRequest
from temporal_sdk.exceptions import WorkflowAlreadyStartedError
from temporal_sdk.service import RPCError, RPCStatusCode

if TYPE_CHECKING:
    from temporal_sdk.client import Client


async def apply_start_extras(
    client: Client,
    req: StartWorkflowExecutionRequest,
    *,
    search_attributes: TypedSearchAttributes | None,
    static_summary: str | None,
    static_details: str | None,
) -> None:
    """Write typed search attributes and the static summary/details into ``req``."""
    if search_attributes:
        encode_any(search_attributes, req.search_attributes, what="start_workflow")
    if static_summary is None and static_details is None:
        return
    # Describe/list types load only when a start actually carries user metadata.
    from temporal_sdk.client._describe import encode_user_metadata

    conv = for_workflow(client.data_converter, client.namespace, req.workflow_id)
    meta = await encode_user_metadata(conv, static_summary, static_details)
    if meta is not None:
        req.user_metadata.CopyFrom(meta)


def already_started(err: RPCError, workflow_id: str, workflow_type: str) -> BaseException:
    """``WorkflowAlreadyStartedError`` when ``err`` is a start conflict, else ``err`` itself."""
    if err.status != RPCStatusCode.ALREADY_EXISTS or not err.raw_grpc_status:
        return err
    from temporal_sdk.api.errordetails.v1 import WorkflowExecutionAlreadyStartedFailure

    details = WorkflowExecutionAlreadyStartedFailure()
    for any_detail in err.grpc_status.details:
        if any_detail.Unpack(details):
            return WorkflowAlreadyStartedError(
                workflow_id,
                workflow_type,
                run_id=details.run_id or None,
                first_run_id=None,
            )
    return err


def workflow_type_name(workflow: str | Callable[..., Any] | type) -> str:
    """Return the registered workflow type name for a name, a class or its run method."""
    if isinstance(workflow, str):
        return workflow
    from temporal_sdk._runtime.definitions import workflow_name_for

    return workflow_name_for(workflow)


def result_type_of(workflow: str | Callable[..., Any] | type) -> Any:
    """Return the declared result type of a workflow (``None`` for a name or no annotation)."""
    if isinstance(workflow, str):
        return None
    from temporal_sdk._runtime.definitions import workflow_result_type_for

    return workflow_result_type_for(workflow)


def _args(arg: Any, args: Sequence[Any]) -> list[Any]:
    if arg is not ... and args:
        raise ValueError("give either arg or args, not both")
    return [arg] if arg is not ... else list(args)
