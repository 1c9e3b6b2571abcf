"""Client and raw service calls against the dev server."""

from __future__ import annotations

import uuid

import pytest

from temporal_sdk.api.common.v1 import WorkflowExecution
from temporal_sdk.api.enums.v1 import EventType, WorkflowExecutionStatus
from temporal_sdk.api.errordetails.v1 import WorkflowExecutionAlreadyStartedFailure
from temporal_sdk.api.workflowservice.v1 import (
    DescribeNamespaceRequest,
    DescribeWorkflowExecutionRequest,
    GetSystemInfoRequest,
)
from temporal_sdk.client import Client, WorkflowFailureError
from temporal_sdk.exceptions import TerminatedError, WorkflowAlreadyStartedError
from temporal_sdk.service import RPCError, RPCStatusCode
from temporal_sdk.testing import WorkflowEnvironment


def wf_id() -> str:
    return f"wf-{uuid.uuid4()}"


async def test_system_info_and_namespace(client: Client) -> None:
    info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
    assert info.server_version
    assert info.capabilities.sdk_metadata
    assert (await client.service_client.get_system_info()).server_version == info.server_version
    ns = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=client.namespace), retry=True
    )
    assert ns.namespace_info.name == client.namespace


async def test_identity_defaults_to_pid_at_host(client: Client) -> None:
    import os

    assert client.identity.startswith(f"{os.getpid()}@")


async def test_describing_an_unknown_workflow_is_not_found(client: Client) -> None:
    req = DescribeWorkflowExecutionRequest(
        namespace=client.namespace, execution=WorkflowExecution(workflow_id=wf_id())
    )
    with pytest.raises(RPCError) as caught:
        await client.workflow_service.describe_workflow_execution(req, retry=True)
    assert caught.value.status is RPCStatusCode.NOT_FOUND
    assert caught.value.grpc_status.code == RPCStatusCode.NOT_FOUND
    assert caught.value.message


async def test_unknown_namespace_is_not_found(client: Client) -> None:
    with pytest.raises(RPCError) as caught:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=f"missing-{uuid.uuid4()}")
        )
    assert caught.value.status is RPCStatusCode.NOT_FOUND


async def test_start_by_name_describe_and_terminate(client: Client, task_queue: str) -> None:
    workflow_id = wf_id()
    handle = await client.start_workflow(
        "NoWorkerHasThis", "some input", id=workflow_id, task_queue=task_queue, memo={"k": "v"}
    )
    assert handle.id == workflow_id
    assert handle.result_run_id
    assert handle.run_id is None
    execution = WorkflowExecution(workflow_id=workflow_id, run_id=handle.result_run_id or "")
    described = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(namespace=client.namespace, execution=execution)
    )
    info = described.workflow_execution_info
    assert info.type.name == "NoWorkerHasThis"
    assert info.status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
    assert await client.data_converter.decode([info.memo.fields["k"]]) == ["v"]

    # A second start with the same id is rejected with a typed error (the RPCError as cause).
    with pytest.raises(WorkflowAlreadyStartedError) as started:
        await client.start_workflow("NoWorkerHasThis", id=workflow_id, task_queue=task_queue)
    assert started.value.run_id == handle.result_run_id
    rpc_error = started.value.__cause__
    assert isinstance(rpc_error, RPCError)
    assert rpc_error.status is RPCStatusCode.ALREADY_EXISTS
    detail = WorkflowExecutionAlreadyStartedFailure()
    assert rpc_error.grpc_status.details[0].Unpack(detail)
    assert detail.run_id == handle.result_run_id

    await handle.terminate("detail", reason="test over")
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert isinstance(failed.value.cause, TerminatedError)
    described = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(namespace=client.namespace, execution=execution)
    )
    assert (
        described.workflow_execution_info.status
        == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED
    )
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    assert history.events[0].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
    assert history.run_id == handle.result_run_id
    assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED


async def test_from_client_shutdown_leaves_the_server_running(env: WorkflowEnvironment) -> None:
    other = await Client.connect(
        env.client.service_client.config.target_host, namespace=env.client.namespace
    )
    async with WorkflowEnvironment.from_client(other) as wrapped:
        assert wrapped.client is other
        assert not wrapped.supports_time_skipping
    info = await env.client.workflow_service.get_system_info(GetSystemInfoRequest())
    assert info.server_version
    await other.service_client.close()
