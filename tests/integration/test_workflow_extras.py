"""The smaller workflow helpers on the real dev server, live and on replay.

Deterministic ``wait`` / ``as_completed``, ``uuid7``, ``new_random``, current details (seen through
the metadata query), ``cancellation_reason``, ``current_update_info``, and the ``*_method`` /
``*_class`` activity entry points.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from temporal_sdk import activity, workflow
from temporal_sdk.api.sdk.v1 import WorkflowMetadata
from temporal_sdk.client import Client
from temporal_sdk.worker import Replayer, Worker

_TIMEOUT = timedelta(seconds=30)


class Greeter:
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting

    @activity.defn(name="greet_method")
    async def greet(self, name: str) -> str:
        return f"{self.greeting}, {name}"


class Shouter:
    @activity.defn(name="shout")
    async def __call__(self, name: str) -> str:
        return name.upper()


@workflow.defn
class Extras:
    def __init__(self) -> None:
        self.update_info: list[str] = []

    @workflow.run
    async def run(self) -> dict[str, Any]:
        workflow.set_current_details("step **one**")
        order: list[str] = []

        async def later(name: str, delay: float) -> str:
            await workflow.sleep(delay)
            order.append(name)
            return name

        slow = asyncio.create_task(later("slow", 2))
        fast = asyncio.create_task(later("fast", 1))
        done, pending = await workflow.wait([slow, fast], return_when=asyncio.FIRST_COMPLETED)
        first = [t.result() for t in done]
        rest = [await t for t in pending]
        completed = [await f for f in workflow.as_completed([later("b", 2), later("a", 1)])]
        method = await workflow.execute_activity_method(
            Greeter.greet, "Ann", start_to_close_timeout=_TIMEOUT
        )
        klass = await workflow.execute_activity_class(
            Shouter, "bob", start_to_close_timeout=_TIMEOUT
        )
        ids = [workflow.uuid7() for _ in range(2)]
        named = workflow.new_random("x").random()
        plain = workflow.new_random().random()
        await workflow.wait_condition(lambda: bool(self.update_info))
        return {
            "first": first,
            "rest": rest,
            "completed": completed,
            "method": method,
            "class": klass,
            "uuid_versions": [u.version for u in ids],
            "uuid_ms_ok": all(abs((u.int >> 80) - workflow.time() * 1000) < 2 for u in ids),
            "named_differs": named != plain,
            "update_info": self.update_info,
            "details": workflow.get_current_details(),
            "seed": workflow.random_seed() == workflow.random_seed(),
        }

    @workflow.update
    async def mark(self) -> str:
        info = workflow.current_update_info()
        assert info is not None
        self.update_info = [info.name, info.id]
        return info.id


@workflow.defn
class WaitsForCancel:
    @workflow.run
    async def run(self) -> str:
        assert workflow.cancellation_reason() is None
        try:
            await workflow.wait_condition(lambda: False)
        except asyncio.CancelledError:
            return f"reason={workflow.cancellation_reason()!r}"
        return "unreachable"


async def test_extras_live_and_on_replay(client: Client, task_queue: str) -> None:
    greeter = Greeter("Hello")
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[Extras],
        activities=[greeter.greet, Shouter()],
    ):
        handle = await client.start_workflow(
            Extras.run, id=f"extras-{uuid.uuid4()}", task_queue=task_queue
        )
        update_id = await handle.execute_update(Extras.mark, id="upd-1")
        meta = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        result = await handle.result()
    assert update_id == "upd-1"
    assert meta.current_details == "step **one**"
    assert result == {
        "first": ["fast"],
        "rest": ["slow"],
        "completed": ["a", "b"],
        "method": "Hello, Ann",
        "class": "BOB",
        "uuid_versions": [7, 7],
        "uuid_ms_ok": True,
        "named_differs": True,
        "update_info": ["mark", "upd-1"],
        "details": "step **one**",
        "seed": True,
    }
    history = await handle.fetch_history()
    await Replayer(workflows=[Extras]).replay_workflow(history)


async def test_cancellation_reason(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[WaitsForCancel]):
        handle = await client.start_workflow(
            WaitsForCancel.run, id=f"cancel-reason-{uuid.uuid4()}", task_queue=task_queue
        )
        await handle.query("__stack_trace")  # the first task has run
        await handle.cancel(reason="no longer needed")
        assert await handle.result() == "reason='no longer needed'"
