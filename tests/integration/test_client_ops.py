"""Client operations on the dev server: describe, list/count, start options, follow runs."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import pytest

from temporal_sdk import workflow
from temporal_sdk.api.enums.v1 import IndexedValueType
from temporal_sdk.api.operatorservice.v1 import AddSearchAttributesRequest
from temporal_sdk.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionStatus,
    WorkflowHistory,
)
from temporal_sdk.common import (
    RetryPolicy,
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporal_sdk.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporal_sdk.service import RPCError, RPCStatusCode
from temporal_sdk.worker import Worker

KEYWORD = SearchAttributeKey.for_keyword("SdkOpsKeywordField")
INT = SearchAttributeKey.for_int("SdkOpsIntField")


async def ensure_search_attributes(client: Client, keys: list[SearchAttributeKey[Any]]) -> None:
    """Register custom search attributes with the dev server (idempotent)."""
    req = AddSearchAttributesRequest(namespace=client.namespace)
    for key in keys:
        req.search_attributes[key.name] = cast(IndexedValueType, int(key.indexed_value_type))
    try:
        await client.operator_service.add_search_attributes(req, retry=True)
    except RPCError as err:
        if err.status is not RPCStatusCode.ALREADY_EXISTS:
            raise


@pytest.fixture(autouse=True)
async def _registered(client: Client) -> None:
    await ensure_search_attributes(client, [KEYWORD, INT])


def wf_id() -> str:
    return f"wf-{uuid.uuid4()}"


async def wait_for(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


@workflow.defn
class WaitForever:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


@workflow.defn
class FailFirstAttempt:
    @workflow.run
    async def run(self) -> str:
        if workflow.info().attempt == 1:
            raise ApplicationError("first attempt fails")
        return f"attempt {workflow.info().attempt}"


async def test_describe_with_start_options(client: Client, task_queue: str) -> None:
    attrs = TypedSearchAttributes(
        [SearchAttributePair(KEYWORD, "describe-me"), SearchAttributePair(INT, 7)]
    )
    handle = await client.start_workflow(
        "NoWorkerHasThis",
        id=wf_id(),
        task_queue=task_queue,
        memo={"owner": "ops", "n": [1, 2]},
        search_attributes=attrs,
        static_summary="a summary",
        static_details="some details",
        execution_timeout=timedelta(hours=1),
        run_timeout=timedelta(minutes=30),
        task_timeout=timedelta(seconds=20),
        retry_policy=RetryPolicy(maximum_attempts=3),
    )
    desc = await handle.describe()
    assert desc.id == handle.id and desc.run_id == handle.result_run_id
    assert desc.status is WorkflowExecutionStatus.RUNNING
    assert desc.workflow_type == "NoWorkerHasThis"
    assert desc.task_queue == task_queue
    assert desc.close_time is None and desc.start_time.tzinfo is not None
    assert await desc.memo() == {"owner": "ops", "n": [1, 2]}
    assert await desc.memo_value("owner") == "ops"
    assert await desc.memo_value("missing", "dflt") == "dflt"
    assert desc.typed_search_attributes[KEYWORD] == "describe-me"
    assert desc.typed_search_attributes.get(INT) == 7
    assert await desc.static_summary() == "a summary"
    assert await desc.static_details() == "some details"
    assert desc.pending_activity_count == 0
    config = desc.raw_description.execution_config
    assert config.workflow_execution_timeout.ToTimedelta() == timedelta(hours=1)
    assert config.workflow_run_timeout.ToTimedelta() == timedelta(minutes=30)
    assert config.default_workflow_task_timeout.ToTimedelta() == timedelta(seconds=20)

    await handle.terminate(reason="done")
    desc = await handle.describe()
    assert desc.status is WorkflowExecutionStatus.TERMINATED
    assert desc.close_time is not None


async def test_start_conflict_and_reuse_policies(client: Client, task_queue: str) -> None:
    workflow_id = wf_id()
    first = await client.start_workflow("NoWorkerHasThis", id=workflow_id, task_queue=task_queue)
    with pytest.raises(WorkflowAlreadyStartedError) as err:
        await client.start_workflow("NoWorkerHasThis", id=workflow_id, task_queue=task_queue)
    assert err.value.workflow_id == workflow_id
    assert err.value.run_id == first.result_run_id

    same = await client.start_workflow(
        "NoWorkerHasThis",
        id=workflow_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    assert same.result_run_id == first.result_run_id

    replaced = await client.start_workflow(
        "NoWorkerHasThis",
        id=workflow_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
    )
    assert replaced.result_run_id != first.result_run_id
    first_run = client.get_workflow_handle(workflow_id, run_id=first.result_run_id)
    assert (await first_run.describe()).status is WorkflowExecutionStatus.TERMINATED
    assert (await replaced.describe()).run_id == replaced.result_run_id

    await replaced.terminate(reason="closing")
    with pytest.raises(WorkflowAlreadyStartedError):
        await client.start_workflow(
            "NoWorkerHasThis",
            id=workflow_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )


async def test_start_delay_sets_execution_time(client: Client, task_queue: str) -> None:
    handle = await client.start_workflow(
        "NoWorkerHasThis", id=wf_id(), task_queue=task_queue, start_delay=timedelta(hours=1)
    )
    desc = await handle.describe()
    assert desc.execution_time is not None
    assert desc.execution_time - desc.start_time >= timedelta(minutes=59)
    await handle.terminate()


async def test_list_and_count_with_query(client: Client, task_queue: str) -> None:
    tag = f"list-{uuid.uuid4()}"
    attrs = TypedSearchAttributes([SearchAttributePair(KEYWORD, tag)])
    handles = [
        await client.start_workflow(
            "NoWorkerHasThis", id=wf_id(), task_queue=task_queue, search_attributes=attrs
        )
        for _ in range(3)
    ]
    query = f"SdkOpsKeywordField = '{tag}'"

    async def all_listed() -> bool:
        return (await client.count_workflows(query)).count == 3

    await wait_for(all_listed, "three runs to be visible")
    listed: list[WorkflowExecution] = [w async for w in client.list_workflows(query, page_size=2)]
    assert {w.id for w in listed} == {h.id for h in handles}
    assert all(w.typed_search_attributes[KEYWORD] == tag for w in listed)
    assert all(w.status is WorkflowExecutionStatus.RUNNING for w in listed)
    limited = [w async for w in client.list_workflows(query, limit=2, page_size=1)]
    assert len(limited) == 2
    assert listed[0].search_attributes["SdkOpsKeywordField"] == [tag]
    histories = [h async for h in client.list_workflows(query, limit=1).map_histories()]
    assert len(histories) == 1 and histories[0].events[0].event_id == 1

    grouped = await client.count_workflows(f"{query} GROUP BY ExecutionStatus")
    assert grouped.count == 3
    assert [list(g.group_values) for g in grouped.groups] == [["Running"]]
    for h in handles:
        await h.terminate()


async def test_result_follows_retry_runs(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[FailFirstAttempt]):
        handle = await client.start_workflow(
            FailFirstAttempt.run,
            id=wf_id(),
            task_queue=task_queue,
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=2),
        )
        assert await handle.result() == "attempt 2"


async def test_history_json_round_trip(client: Client, task_queue: str) -> None:
    handle = await client.start_workflow("NoWorkerHasThis", id=wf_id(), task_queue=task_queue)
    await handle.terminate(reason="for history")
    history = await handle.fetch_history()
    text = history.to_json()
    assert json.loads(text)["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    again = WorkflowHistory.from_json(handle.id, text)
    assert list(again.events) == list(history.events)
    assert again.run_id == handle.result_run_id


def test_typed_search_attributes_reject_bad_values() -> None:
    with pytest.raises(ValueError):
        TypedSearchAttributes(
            [SearchAttributePair(KEYWORD, "a"), SearchAttributePair(KEYWORD, "b")]
        )
    from temporal_sdk._search_attributes import encode_value

    with pytest.raises(TypeError):
        encode_value(INT, "seven")
    with pytest.raises(ValueError):
        encode_value(SearchAttributeKey.for_datetime("CustomDatetimeField"), datetime(2024, 1, 1))
    encode_value(SearchAttributeKey.for_datetime("X"), datetime(2024, 1, 1, tzinfo=timezone.utc))


async def test_connect_with_envconfig(client: Client) -> None:
    from temporal_sdk.envconfig import ClientConfig

    env = {
        "TEMPORAL_ADDRESS": client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": client.namespace,
        "TEMPORAL_GRPC_META_X_FROM_ENV": "yes",
    }
    kwargs = ClientConfig.load_client_connect_config(disable_file=True, override_env_vars=env)
    other = await Client.connect(**kwargs)
    assert other.namespace == client.namespace
    assert other.rpc_metadata == {"x-from-env": "yes"}
    assert await other.count_workflows() is not None


async def test_history_matches_cli_json(client: Client, task_queue: str) -> None:
    """``WorkflowHistory.from_json`` reads what ``temporal workflow show --output json`` writes."""
    cli = Path(sys.executable).parent / "temporal"
    if not cli.exists():
        pytest.skip("temporal CLI not installed next to the interpreter")
    handle = await client.start_workflow(
        "NoWorkerHasThis", id=wf_id(), task_queue=task_queue, memo={"k": "v"}
    )
    await handle.terminate("detail", reason="for the CLI")
    proc = await asyncio.create_subprocess_exec(
        str(cli),
        "workflow",
        "show",
        "--workflow-id",
        handle.id,
        "--address",
        client.service_client.config.target_host,
        "--namespace",
        client.namespace,
        "--output",
        "json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    from_cli = WorkflowHistory.from_json(handle.id, out.decode())
    ours = await handle.fetch_history()
    assert list(from_cli.events) == list(ours.events)
    assert json.loads(ours.to_json()) == json.loads(
        WorkflowHistory.from_json(handle.id, ours.to_json_dict()).to_json()
    )
