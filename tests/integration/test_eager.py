"""Eager activity dispatch and eager workflow start against the real dev server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk._io import eager_start as _eager_start
from temporal_sdk._io.eager_activities import EagerActivityDispatcher
from temporal_sdk._io.workflow_worker import WorkflowWorker
from temporal_sdk.api.command.v1 import Command, ScheduleActivityTaskCommandAttributes
from temporal_sdk.api.enums.v1 import CommandType, EventType
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.api.workflowservice.v1 import PollWorkflowTaskQueueResponse
from temporal_sdk.client import Client
from temporal_sdk.worker import Worker


@activity.defn
async def double(n: int) -> int:
    return n * 2


@workflow.defn
class Sequential:
    @workflow.run
    async def run(self, steps: int) -> int:
        n = 1
        for _ in range(steps):
            n = await workflow.execute_activity(
                double, n, start_to_close_timeout=timedelta(seconds=10)
            )
        return n


@workflow.defn
class Parallel:
    @workflow.run
    async def run(self, count: int) -> list[int]:
        return list(
            await asyncio.gather(
                *(
                    workflow.execute_activity(
                        double, i, start_to_close_timeout=timedelta(seconds=10)
                    )
                    for i in range(count)
                )
            )
        )


def dispatcher(worker: Worker) -> EagerActivityDispatcher | None:
    ww = worker._workflow_worker
    assert ww is not None
    return ww.eager_activities


async def test_sequential_activities_run_eagerly(client: Client, task_queue: str) -> None:
    async with Worker(
        client, task_queue=task_queue, workflows=[Sequential], activities=[double]
    ) as worker:
        result = await client.execute_workflow(
            Sequential.run, 3, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
        eager = dispatcher(worker)
        assert eager is not None
        assert eager.dispatched == 3
    assert result == 8


async def test_reservations_are_capped_per_task(client: Client, task_queue: str) -> None:
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[Parallel],
        activities=[double],
        max_eager_activity_reservations_per_workflow_task=2,
    ) as worker:
        result = await client.execute_workflow(
            Parallel.run, 5, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
        eager = dispatcher(worker)
        assert eager is not None
        assert eager.dispatched == 2
    assert result == [0, 2, 4, 6, 8]


async def test_disabled_eager_execution(client: Client, task_queue: str) -> None:
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[Sequential],
        activities=[double],
        disable_eager_activity_execution=True,
    ) as worker:
        result = await client.execute_workflow(
            Sequential.run, 2, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
        assert dispatcher(worker) is None
    assert result == 4


async def test_zero_reservations_is_rejected(client: Client, task_queue: str) -> None:
    with pytest.raises(ValueError, match="disable_eager_activity_execution"):
        Worker(
            client,
            task_queue=task_queue,
            workflows=[Sequential],
            activities=[double],
            max_eager_activity_reservations_per_workflow_task=0,
        )


class _Slots:
    """Stands in for the activity worker: a fixed number of free slots."""

    def __init__(self, free: int) -> None:
        self.free = free
        self.released = 0

    async def reserve_eager_slot(self) -> bool:
        if self.free == 0:
            return False
        self.free -= 1
        return True

    def release_eager_slot(self) -> None:
        self.released += 1


def _schedule(queue: str) -> Command:
    attrs = ScheduleActivityTaskCommandAttributes(activity_id="1")
    attrs.task_queue.name = queue
    return Command(
        command_type=CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
        schedule_activity_task_command_attributes=attrs,
    )


async def test_only_own_queue_and_free_slots_are_marked() -> None:
    slots = _Slots(free=1)
    eager = EagerActivityDispatcher(slots, "mine")  # type: ignore[arg-type]
    commands = [_schedule("other"), _schedule("mine"), _schedule("mine")]
    assert await eager.mark(commands) == 1
    marked = [c.schedule_activity_task_command_attributes.request_eager_execution for c in commands]
    assert marked == [False, True, False]
    eager.dispatch([], 1)
    assert slots.released == 1


@workflow.defn
class Hello:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"hello {name}"


def workflow_worker(worker: Worker) -> WorkflowWorker:
    ww = worker._workflow_worker
    assert ww is not None
    return ww


async def first_task_started(client: Client, workflow_id: str) -> HistoryEvent:
    handle = client.get_workflow_handle(workflow_id)
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            return event
    raise AssertionError("no WorkflowTaskStarted event")


async def test_eager_workflow_start(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Hello]) as worker:
        wid = f"wf-{uuid.uuid4()}"
        handle = await client.start_workflow(
            Hello.run, "eager", id=wid, task_queue=task_queue, request_eager_start=True
        )
        assert await handle.result() == "hello eager"
        assert workflow_worker(worker).eager_started == 1
    started = await first_task_started(client, wid)
    # The eager first task is started on behalf of the start request, by this client.
    assert started.workflow_task_started_event_attributes.identity == client.identity


async def test_no_eager_start_without_request(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Hello]) as worker:
        handle = await client.start_workflow(
            Hello.run, "polled", id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
        assert await handle.result() == "hello polled"
        assert workflow_worker(worker).eager_started == 0


async def test_no_eager_start_for_another_queue(client: Client, task_queue: str) -> None:
    other = f"{task_queue}-other"
    async with Worker(client, task_queue=task_queue, workflows=[Hello]) as worker:
        async with Worker(client, task_queue=other, workflows=[Hello]):
            handle = await client.start_workflow(
                Hello.run,
                "x",
                id=f"wf-{uuid.uuid4()}",
                task_queue=other,
                request_eager_start=True,
            )
            assert await handle.result() == "hello x"
        assert workflow_worker(worker).eager_started == 0


async def test_worker_leaves_registry_on_shutdown(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Hello]):
        pass
    async with Worker(client, task_queue=task_queue, workflows=[Hello]) as worker:
        handle = await client.start_workflow(
            Hello.run,
            "again",
            id=f"wf-{uuid.uuid4()}",
            task_queue=task_queue,
            request_eager_start=True,
        )
        assert await handle.result() == "hello again"
        assert workflow_worker(worker).eager_started == 1


class _WorkflowSlots(_Slots):
    """A fake eager-start target with one free slot."""

    def __init__(self) -> None:
        super().__init__(free=1)
        self.ran: list[PollWorkflowTaskQueueResponse] = []

    def run_eager(self, task: PollWorkflowTaskQueueResponse) -> None:
        self.ran.append(task)


async def test_reservation_settles_exactly_once() -> None:
    owner = object.__new__(Client)
    target = _WorkflowSlots()
    _eager_start.register(owner, "q", target)
    _eager_start.register(owner, "q", target)  # registering twice keeps one entry
    reservation = await _eager_start.reserve(owner, "q")
    assert reservation is not None
    assert await _eager_start.reserve(owner, "q") is None  # no slot left
    reservation.release()
    reservation.release()
    assert target.released == 1
    target.free = 1
    again = await _eager_start.reserve(owner, "q")
    assert again is not None
    assert again.fill(PollWorkflowTaskQueueResponse(task_token=b"t"))
    assert len(target.ran) == 1 and target.released == 1
    _eager_start.unregister(owner, "q", target)
    assert await _eager_start.reserve(owner, "q") is None
