"""Cron workflows and retries see the previous run's result or failure."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporal_sdk import workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client, WorkflowHandle
from temporal_sdk.common import RetryPolicy
from temporal_sdk.exceptions import ApplicationError
from temporal_sdk.worker import Worker


@workflow.defn
class CountingCron:
    @workflow.run
    async def run(self) -> int:
        if not workflow.has_last_completion_result():
            assert workflow.get_last_completion_result() is None
            return 1
        return int(workflow.get_last_completion_result(int)) + 1


@workflow.defn
class ReadsLastFailure:
    @workflow.run
    async def run(self) -> str:
        if workflow.info().attempt == 1:
            assert workflow.get_last_failure() is None
            raise ApplicationError("boom on attempt one", type="FirstAttempt")
        failure = workflow.get_last_failure()
        assert isinstance(failure, ApplicationError)
        return f"{failure.type}: {failure.message}"


async def latest_completed_count(client: Client, handle: WorkflowHandle) -> int:
    """The highest result any closed run of the cron chain has produced so far."""
    events = [e async for e in client.get_workflow_handle(handle.id).fetch_history_events()]
    started = events[0].workflow_execution_started_event_attributes
    if not started.last_completion_result.payloads:
        return 0
    values = await client.data_converter.decode(list(started.last_completion_result.payloads))
    return int(values[0])


async def test_cron_reads_last_completion_result(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[CountingCron]):
        handle = await client.start_workflow(
            CountingCron.run,
            id=f"cron-{uuid.uuid4()}",
            task_queue=task_queue,
            cron_schedule="@every 2s",
        )
        deadline = asyncio.get_running_loop().time() + 60
        count = 0
        while count < 3:
            assert asyncio.get_running_loop().time() < deadline, f"cron stuck at {count}"
            await asyncio.sleep(0.5)
            count = await latest_completed_count(client, handle)
        # The chain's first run completed with 1 and handed it to the next run.
        first = client.get_workflow_handle(handle.id, run_id=handle.result_run_id)
        types = [e.event_type async for e in first.fetch_history_events()]
        assert types[-1] == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
        await client.get_workflow_handle(handle.id).terminate(reason="test over")


async def test_retry_reads_last_failure(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[ReadsLastFailure]):
        result = await client.execute_workflow(
            ReadsLastFailure.run,
            id=f"retry-{uuid.uuid4()}",
            task_queue=task_queue,
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=2),
        )
    assert result == "FirstAttempt: boom on attempt one"
