"""Sticky execution and the workflow cache against the real dev server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta

from temporal_sdk import activity, workflow
from temporal_sdk._io.workflow_worker import WorkflowWorker
from temporal_sdk.api.enums.v1 import EventType, TaskQueueKind
from temporal_sdk.client import Client, WorkflowHandle
from temporal_sdk.worker import Worker


@activity.defn
async def bump(n: int) -> int:
    return n + 1


@workflow.defn
class Steps:
    @workflow.run
    async def run(self, steps: int) -> int:
        n = 0
        for _ in range(steps):
            n = await workflow.execute_activity(
                bump, n, start_to_close_timeout=timedelta(seconds=10)
            )
        return n


@workflow.defn
class Gate:
    def __init__(self) -> None:
        self.opened = 0

    @workflow.signal
    def open(self) -> None:
        self.opened += 1

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.opened >= 1)
        n = await workflow.execute_activity(bump, 1, start_to_close_timeout=timedelta(seconds=10))
        await workflow.wait_condition(lambda: self.opened >= 2)
        return n + self.opened


FAIL_ONCE: list[bool] = []


@workflow.defn
class FailsOnce:
    @workflow.run
    async def run(self) -> int:
        n = await workflow.execute_activity(bump, 1, start_to_close_timeout=timedelta(seconds=10))
        if not FAIL_ONCE:
            FAIL_ONCE.append(True)
            raise RuntimeError("a bug that fails this workflow task once")
        return n


def inner(worker: Worker) -> WorkflowWorker:
    ww = worker._workflow_worker
    assert ww is not None
    return ww


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition never became true"
        await asyncio.sleep(0.05)


async def task_completed(handle: WorkflowHandle) -> bool:
    types = [e.event_type async for e in handle.fetch_history_events()]
    return EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED in types


async def wait_all(handles: list[WorkflowHandle], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    pending = list(handles)
    while pending:
        pending = [h for h in pending if not await task_completed(h)]
        if pending and asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(pending)} workflows never completed a task")
        await asyncio.sleep(0.1)


async def test_cache_hits_use_the_sticky_queue_without_history_fetches(
    client: Client, task_queue: str
) -> None:
    worker = Worker(client, task_queue=task_queue, workflows=[Steps], activities=[bump])
    async with worker:
        ww = inner(worker)
        handle = await client.start_workflow(
            Steps.run, 4, id=f"sticky-{uuid.uuid4()}", task_queue=task_queue
        )
        assert await handle.result() == 4
        assert ww.history.fetches == 0
        assert ww.runs_built == 1
        assert ww.cache.hits >= 4
        assert ww.sticky_queue is not None and ww.sticky_queue.startswith(worker._identity)
        await until(lambda: len(ww.cache) == 0)  # the closed run leaves the cache
    kinds = [
        e.workflow_task_scheduled_event_attributes.task_queue.kind
        async for e in handle.fetch_history_events()
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
    ]
    assert kinds[0] == TaskQueueKind.TASK_QUEUE_KIND_NORMAL
    assert kinds[1:] and all(k == TaskQueueKind.TASK_QUEUE_KIND_STICKY for k in kinds[1:])


async def test_eviction_with_two_cached_runs_and_ten_workflows(
    client: Client, task_queue: str
) -> None:
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[Gate],
        activities=[bump],
        max_cached_workflows=2,
    )
    async with worker:
        ww = inner(worker)
        handles = [
            await client.start_workflow(
                Gate.run, id=f"evict-{i}-{uuid.uuid4()}", task_queue=task_queue
            )
            for i in range(10)
        ]
        await wait_all(handles)
        assert len(ww.cache) <= 2
        for handle in handles:
            await handle.signal(Gate.open)
        for handle in handles:
            await handle.signal(Gate.open)
        results = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 60)
        assert results == [4] * 10
        assert ww.cache.evictions >= 8
        assert ww.history.fetches >= 8  # evicted runs were rebuilt from the full history
        await until(lambda: len(ww.cache) == 0)


async def test_cache_disabled_replays_every_task(client: Client, task_queue: str) -> None:
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[Steps],
        activities=[bump],
        max_cached_workflows=0,
    )
    async with worker:
        ww = inner(worker)
        assert ww.sticky_queue is None
        handle = await client.start_workflow(
            Steps.run, 3, id=f"nocache-{uuid.uuid4()}", task_queue=task_queue
        )
        assert await handle.result() == 3
        assert ww.cache.hits == 0
        assert ww.runs_built >= 4
        await until(lambda: len(ww.cache) == 0)


async def test_failed_task_evicts_and_the_retry_replays(client: Client, task_queue: str) -> None:
    FAIL_ONCE.clear()
    worker = Worker(client, task_queue=task_queue, workflows=[FailsOnce], activities=[bump])
    async with worker:
        ww = inner(worker)
        handle = await client.start_workflow(
            FailsOnce.run, id=f"failonce-{uuid.uuid4()}", task_queue=task_queue
        )
        assert await asyncio.wait_for(handle.result(), 30) == 2
        assert FAIL_ONCE == [True]
        assert ww.runs_built == 2  # the retry rebuilt the run that the failure evicted
    types = [e.event_type async for e in handle.fetch_history_events()]
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED in types
