"""A failed workflow task is logged once per attempt, tagged as temporalio tags it."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from temporal_sdk import workflow
from temporal_sdk.client import Client
from temporal_sdk.worker import Worker


@workflow.defn
class Broken:
    @workflow.run
    async def run(self) -> None:
        raise RuntimeError("bug in workflow code")


async def test_workflow_task_failure_is_logged_with_identifier(
    client: Client, task_queue: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    wf_id = f"broken-{uuid.uuid4()}"

    def failures() -> list[logging.LogRecord]:
        return [
            r
            for r in caplog.records
            if getattr(r, "__temporal_error_identifier", None) == "WorkflowTaskFailure"
        ]

    async with Worker(client, task_queue=task_queue, workflows=[Broken]):
        handle = await client.start_workflow(Broken.run, id=wf_id, task_queue=task_queue)
        async with asyncio.timeout(30):
            while not failures():
                await asyncio.sleep(0.05)
        await handle.terminate()
    record = failures()[0]
    assert record.levelno == logging.WARNING
    assert wf_id in record.getMessage() and "Broken" in record.getMessage()
    assert record.exc_info is not None and "bug in workflow code" in str(record.exc_info[1])
    assert record.temporal_workflow["workflow_id"] == wf_id  # type: ignore[attr-defined]
