"""Faults: the dev server goes away and comes back while a worker runs 50 workflows.

The test starts its own dev server (own port, SQLite file in a temp dir) so that stopping it does
not disturb the session's server. The worker is never restarted: its pollers back off, log once
per outage, and resume when the server answers again.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.client import Client
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker


@activity.defn
async def add_one(n: int) -> int:
    return n + 1


@workflow.defn
class Survivor:
    @workflow.run
    async def run(self, n: int) -> int:
        await workflow.sleep(2)
        return await workflow.execute_activity(
            add_one, n, start_to_close_timeout=timedelta(seconds=20)
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_server(port: int, db: Path) -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(port=port, dev_server_database_filename=str(db))


async def test_workflows_complete_after_the_server_restarts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="temporal_sdk._io.pollers")
    port, db = free_port(), tmp_path / "temporal.db"
    server = await start_server(port, db)
    try:
        client = await Client.connect(f"127.0.0.1:{port}")
        task_queue = f"restart-{uuid.uuid4()}"
        worker = Worker(client, task_queue=task_queue, workflows=[Survivor], activities=[add_one])
        async with worker:
            handles = [
                await client.start_workflow(
                    Survivor.run, i, id=f"survivor-{i}-{uuid.uuid4()}", task_queue=task_queue
                )
                for i in range(50)
            ]
            await server.shutdown()
            # Stay down long enough for several failed polls per poller.
            await asyncio.sleep(4)
            server = await start_server(port, db)
            results = await asyncio.wait_for(
                asyncio.gather(*(h.result() for h in handles)), timeout=60
            )
            assert results == [i + 1 for i in range(50)]
    finally:
        await server.shutdown()
    failures = [r for r in caplog.records if "poll failed" in r.getMessage()]
    # One warning per poller (workflow normal + sticky, activity) for the whole outage.
    assert 1 <= len(failures) <= 3, [r.getMessage() for r in failures]
    assert any("polling recovered" in r.getMessage() for r in caplog.records)
