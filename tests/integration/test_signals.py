"""Signals on the real dev server: ordering, buffering, run-time handlers, signal-with-start."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest

from temporal_sdk import workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client
from temporal_sdk.common import RawValue
from temporal_sdk.worker import Replayer, Worker


@workflow.defn
class Collector:
    def __init__(self) -> None:
        self.values: list[str] = []
        self.seen_at_start: list[str] = []

    @workflow.run
    async def run(self, expected: int) -> dict[str, list[str]]:
        self.seen_at_start = list(self.values)
        await workflow.wait_condition(lambda: len(self.values) >= expected)
        return {"at_start": self.seen_at_start, "all": self.values}

    @workflow.signal
    async def add(self, value: str) -> None:
        self.values.append(value)

    @workflow.query
    def count(self) -> int:
        return len(self.values)


@workflow.defn
class LateRegistration:
    def __init__(self) -> None:
        self.got: list[str] = []

    @workflow.run
    async def run(self) -> list[str]:
        # Wait for the first signals to be buffered (no handler yet), then register handlers.
        await workflow.wait_condition(lambda: self.ready)
        workflow.set_signal_handler("late", lambda v: self.got.append(f"late {v}"))
        workflow.set_dynamic_signal_handler(self.on_any)
        await workflow.wait_condition(lambda: len(self.got) >= 3)
        return self.got

    ready = False

    @workflow.signal
    def go(self) -> None:
        self.ready = True

    def on_any(self, name: str, args: Sequence[RawValue]) -> None:
        value = workflow.payload_converter().from_payload(args[0].payload, str)
        self.got.append(f"{name} {value}")


def wf_id() -> str:
    return f"wf-{uuid.uuid4()}"


async def test_signal_with_start_new_workflow_sees_signal_first(
    client: Client, task_queue: str
) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Collector]):
        handle = await client.start_workflow(
            Collector.run,
            1,
            id=wf_id(),
            task_queue=task_queue,
            start_signal="add",
            start_signal_args=["first"],
        )
        result = await handle.result()
        assert result == {"at_start": ["first"], "all": ["first"]}
        types = [e.event_type async for e in handle.fetch_history_events()]
        assert types[:2] == [
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        ]


async def test_signal_with_start_running_workflow_signals_it(
    client: Client, task_queue: str
) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Collector]):
        workflow_id = wf_id()
        first = await client.start_workflow(Collector.run, 3, id=workflow_id, task_queue=task_queue)
        await first.signal(Collector.add, "a")
        second = await client.start_workflow(
            Collector.run,
            3,
            id=workflow_id,
            task_queue=task_queue,
            start_signal="add",
            start_signal_args=["b"],
        )
        assert second.result_run_id == first.result_run_id
        await first.signal("add", "c")
        result = await first.result()
        assert result["all"] == ["a", "b", "c"]


async def test_signals_buffer_until_a_handler_is_registered(
    client: Client, task_queue: str
) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[LateRegistration]):
        handle = await client.start_workflow(
            LateRegistration.run, id=wf_id(), task_queue=task_queue
        )
        await handle.signal("late", "one")
        await handle.signal("other", "two")
        await handle.signal("late", "three")
        await handle.signal(LateRegistration.go)
        got = await handle.result()
        # Named handler first takes its buffered signals in order; the dynamic one the rest.
        assert got == ["late one", "late three", "other two"]
        history = await handle.fetch_history()
    # Replaying the recorded history (signals included) reproduces the same commands.
    await Replayer(workflows=[LateRegistration]).replay_workflow(history)


@pytest.mark.parametrize("count", [5])
async def test_many_signals_arrive_in_order(client: Client, task_queue: str, count: int) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Collector]):
        handle = await client.start_workflow(
            Collector.run, count, id=wf_id(), task_queue=task_queue
        )
        for i in range(count):
            await handle.signal(Collector.add, str(i))
        result = await handle.result()
        assert result["all"] == [str(i) for i in range(count)]
