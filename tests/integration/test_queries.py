"""Queries against the real dev server: in-task and legacy paths, closed workflows, built-ins."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.sdk.v1 import EnhancedStackTrace, WorkflowMetadata
from temporal_sdk.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
)
from temporal_sdk.common import QueryRejectCondition
from temporal_sdk.worker import Worker

_release = asyncio.Event()
_started = asyncio.Event()


@activity.defn
async def slow_step() -> str:
    _started.set()
    await _release.wait()
    return "step done"


@workflow.defn
class QueryWorkflow:
    def __init__(self) -> None:
        self.stage = "created"

    @workflow.run
    async def run(self, name: str) -> str:
        self.stage = "running"
        result = await workflow.execute_activity(
            slow_step, start_to_close_timeout=timedelta(seconds=60)
        )
        self.stage = f"finished {result}"
        return f"hello {name}"

    @workflow.query(description="where the workflow is")
    def current_stage(self) -> str:
        return self.stage

    @workflow.query
    def echo(self, prefix: str) -> str:
        return f"{prefix}: {self.stage}"

    @workflow.query
    def fails(self) -> str:
        raise ValueError("the query handler failed on purpose")

    @workflow.query
    def mutates(self) -> None:
        workflow.start_activity(slow_step, start_to_close_timeout=timedelta(seconds=5))


async def _wait_started() -> None:
    await asyncio.wait_for(_started.wait(), 30)


@pytest.mark.asyncio
async def test_queries_during_activity_and_after_completion(
    client: Client, task_queue: str
) -> None:
    _release.clear()
    _started.clear()
    async with Worker(
        client, task_queue=task_queue, workflows=[QueryWorkflow], activities=[slow_step]
    ):
        handle = await client.start_workflow(
            QueryWorkflow.run, "ann", id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
        await _wait_started()
        assert await handle.query(QueryWorkflow.current_stage) == "running"
        assert await handle.query("echo", "now") == "now: running"
        assert await handle.query(QueryWorkflow.echo, args=["again"]) == "again: running"

        with pytest.raises(WorkflowQueryFailedError, match="failed on purpose"):
            await handle.query(QueryWorkflow.fails)
        with pytest.raises(WorkflowQueryFailedError, match="known queries"):
            await handle.query("no_such_query")
        with pytest.raises(WorkflowQueryFailedError, match="must not change the workflow"):
            await handle.query(QueryWorkflow.mutates)

        trace = await handle.query("__stack_trace")
        assert "test_queries.py" in trace and "await workflow.execute_activity(" in trace
        enhanced = await handle.query("__enhanced_stack_trace", result_type=EnhancedStackTrace)
        assert any(loc.function_name == "run" for s in enhanced.stacks for loc in s.locations)
        meta = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        queries = {d.name: d.description for d in meta.definition.query_definitions}
        assert queries["current_stage"] == "where the workflow is"

        _release.set()
        assert await handle.result() == "hello ann"
        # Closed workflow: answered through a legacy query task rebuilt from history.
        assert await handle.query(QueryWorkflow.current_stage) == "finished step done"
        with pytest.raises(WorkflowQueryRejectedError) as rejected:
            await handle.query(
                QueryWorkflow.current_stage, reject_condition=QueryRejectCondition.NOT_OPEN
            )
        assert rejected.value.status == WorkflowExecutionStatus.COMPLETED
        # The mutating query left nothing behind: one activity, no extra events.
        events = [e async for e in handle.fetch_history_events()]
        scheduled = [e for e in events if e.HasField("activity_task_scheduled_event_attributes")]
        assert len(scheduled) == 1
