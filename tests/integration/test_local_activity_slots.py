"""``max_concurrent_local_activities`` caps how many local activity attempts run at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporal_sdk import activity, workflow
from temporal_sdk.client import Client
from temporal_sdk.worker import Worker

_running = 0
_peak = 0


@activity.defn
async def counted(n: int) -> int:
    global _running, _peak
    _running += 1
    _peak = max(_peak, _running)
    try:
        await asyncio.sleep(0.2)
    finally:
        _running -= 1
    return n


@workflow.defn
class ManyLocal:
    @workflow.run
    async def run(self) -> list[int]:
        return list(
            await asyncio.gather(
                *(
                    workflow.execute_local_activity(
                        counted, n, start_to_close_timeout=timedelta(seconds=10)
                    )
                    for n in range(6)
                )
            )
        )


async def test_local_activity_slots_cap_concurrency(client: Client, task_queue: str) -> None:
    global _peak
    _peak = 0
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[ManyLocal],
        activities=[counted],
        max_concurrent_local_activities=2,
    ):
        result = await client.execute_workflow(
            ManyLocal.run, id=f"la-slots-{uuid.uuid4()}", task_queue=task_queue
        )
    assert result == list(range(6))
    assert _peak == 2
