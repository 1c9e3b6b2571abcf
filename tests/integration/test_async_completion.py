"""Async activity completion on the real dev server: the worker leaves the task open and a
second client completes, fails, heartbeats or cancels it by task token or by ids."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.client import (
    AsyncActivityCancelledError,
    AsyncActivityHandle,
    Client,
    WorkflowFailureError,
)
from temporal_sdk.common import RetryPolicy
from temporal_sdk.exceptions import ActivityError, ApplicationError, CancelledError
from temporal_sdk.worker import Worker

# Filled by the activity, keyed by the workflow id: (task token, activity id).
tokens: dict[str, tuple[bytes, str]] = {}


@activity.defn
async def finish_later() -> str:
    info = activity.info()
    assert info.workflow_id is not None
    tokens[info.workflow_id] = (info.task_token, info.activity_id)
    activity.raise_complete_async()


@workflow.defn
class AsyncCompletionWorkflow:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(
            finish_later,
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RetryPolicy(maximum_attempts=1),
            cancellation_type=workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        )


async def wait_for(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def second_client(client: Client) -> Client:
    return await Client.connect(
        client.service_client.config.target_host, namespace=client.namespace
    )


async def start(client: Client, task_queue: str) -> tuple[Any, bytes, str]:
    workflow_id = f"wf-{uuid.uuid4()}"
    handle = await client.start_workflow(
        AsyncCompletionWorkflow.run, id=workflow_id, task_queue=task_queue
    )

    async def has_token() -> bool:
        return workflow_id in tokens

    await wait_for(has_token, "the activity to hand over its task token")
    token, activity_id = tokens[workflow_id]
    return handle, token, activity_id


async def test_complete_from_second_client_by_token(client: Client, task_queue: str) -> None:
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[AsyncCompletionWorkflow],
        activities=[finish_later],
    ) as worker:
        handle, token, _ = await start(client, task_queue)
        # The worker left the task open: nothing is running and the workflow waits.
        assert not worker._activity_worker._running  # type: ignore[union-attr]
        other = await second_client(client)
        async_handle = other.get_async_activity_handle(task_token=token)
        assert isinstance(async_handle, AsyncActivityHandle)
        await async_handle.heartbeat("progress")
        await async_handle.complete("done elsewhere")
        assert await handle.result() == "done elsewhere"


async def test_complete_by_ids(client: Client, task_queue: str) -> None:
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[AsyncCompletionWorkflow],
        activities=[finish_later],
    ):
        handle, _, activity_id = await start(client, task_queue)
        other = await second_client(client)
        async_handle = other.get_async_activity_handle(
            workflow_id=handle.id, run_id=handle.result_run_id, activity_id=activity_id
        )
        await async_handle.heartbeat()
        await async_handle.complete("by ids")
        assert await handle.result() == "by ids"


async def test_fail_async(client: Client, task_queue: str) -> None:
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[AsyncCompletionWorkflow],
        activities=[finish_later],
    ):
        handle, token, _ = await start(client, task_queue)
        async_handle = client.get_async_activity_handle(task_token=token)
        await async_handle.fail(ApplicationError("remote failure", type="Remote"))
        with pytest.raises(WorkflowFailureError) as err:
            await handle.result()
    cause = err.value.cause
    assert isinstance(cause, ActivityError)
    assert isinstance(cause.cause, ApplicationError)
    assert cause.cause.type == "Remote"
    assert cause.cause.message == "remote failure"


async def test_heartbeat_reports_cancel_then_report_cancellation(
    client: Client, task_queue: str
) -> None:
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[AsyncCompletionWorkflow],
        activities=[finish_later],
    ):
        handle, _, activity_id = await start(client, task_queue)
        async_handle = client.get_async_activity_handle(
            workflow_id=handle.id, run_id=None, activity_id=activity_id
        )
        await handle.cancel()
        caught: list[AsyncActivityCancelledError] = []

        async def heartbeat_sees_cancel() -> bool:
            try:
                await async_handle.heartbeat()
            except AsyncActivityCancelledError as err:
                caught.append(err)
                return True
            return False

        await wait_for(heartbeat_sees_cancel, "the heartbeat to report the cancel request")
        assert caught[0].details is not None and caught[0].details.cancel_requested
        await async_handle.report_cancellation("bye")
        with pytest.raises(WorkflowFailureError) as err:
            await handle.result()
    assert isinstance(err.value.cause, CancelledError)


def test_handle_arguments_are_checked(client: Client) -> None:
    with pytest.raises(ValueError, match="Task token cannot be present"):
        client.get_async_activity_handle(task_token=b"x", activity_id="a")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="Require task token"):
        client.get_async_activity_handle()  # type: ignore[call-overload]
