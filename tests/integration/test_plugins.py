"""Plugins against the dev server: a client plugin that also configures workers (interceptor,
activity, data converter with a codec), run_worker wrapping, and a replayer plugin."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.client import Client
from temporal_sdk.converter import DataConverter, PayloadCodec
from temporal_sdk.plugin import SimplePlugin
from temporal_sdk.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Replayer,
    Worker,
)


class MarkCodec(PayloadCodec):
    """Wraps each payload in a marked envelope so history shows the codec ran."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(metadata={"encoding": b"binary/marked"}, data=p.SerializeToString())
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            assert p.metadata["encoding"] == b"binary/marked", p
            out.append(Payload.FromString(p.data))
        return out


class CountActivities(Interceptor):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        outer = self

        class Inbound(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                outer.seen.append(activity.info().activity_type)
                return await super().execute_activity(input)

        return Inbound(next)


@activity.defn
async def shout(text: str) -> str:
    return text.upper() + "!"


@workflow.defn
class PluggedWorkflow:
    @workflow.run
    async def run(self, text: str) -> str:
        return await workflow.execute_activity(
            "shout", text, start_to_close_timeout=timedelta(seconds=30), result_type=str
        )


def _plugin(log: list[str], interceptor: CountActivities) -> SimplePlugin:
    @asynccontextmanager
    async def around() -> AsyncIterator[None]:
        log.append("enter")
        yield
        log.append("exit")

    def with_codec(existing: DataConverter | None) -> DataConverter:
        return dataclasses.replace(existing or DataConverter.default, payload_codec=MarkCodec())

    return SimplePlugin(
        "test.plugin",
        data_converter=with_codec,
        interceptors=[interceptor],
        activities=[shout],
        workflows=[PluggedWorkflow],
        run_context=around,
    )


async def test_client_plugin_configures_worker_and_replayer(client: Client) -> None:
    log: list[str] = []
    counter = CountActivities()
    plugin = _plugin(log, counter)
    plugged = await Client.connect(
        client.service_client.config.target_host, namespace=client.namespace, plugins=[plugin]
    )
    assert plugged.data_converter.payload_codec is not None
    task_queue = f"tq-{uuid.uuid4()}"
    # No activities or workflows of its own: the client's plugin supplies both.
    worker = Worker(plugged, task_queue=task_queue)
    assert worker.config()["activities"] == ()
    assert list(worker.config(active_config=True)["activities"]) == [shout]
    async with worker:
        assert log == ["enter"]
        handle = await plugged.start_workflow(
            PluggedWorkflow.run, "hi", id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
        assert await handle.result() == "HI!"
    assert log == ["enter", "exit"]
    assert counter.seen == ["shout"]

    history = await handle.fetch_history()
    start = history.events[0].workflow_execution_started_event_attributes
    assert start.input.payloads[0].metadata["encoding"] == b"binary/marked"

    # The replayer needs the codec and the workflow too: the same plugin supplies them.
    replay_log: list[str] = []
    replayer = Replayer(workflows=[], plugins=[_plugin(replay_log, CountActivities())])
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None
    assert replay_log == ["enter", "exit"]
    # Without the plugin the encoded input cannot be read.
    bare = await Replayer(workflows=[PluggedWorkflow]).replay_workflow(
        await handle.fetch_history(), raise_on_replay_failure=False
    )
    assert bare.replay_failure is not None


async def test_worker_plugin_given_to_the_worker_wraps_its_run(
    client: Client, task_queue: str
) -> None:
    log: list[str] = []
    plugin = SimplePlugin("worker.only", activities=[shout], run_context=None)

    class Outer(SimplePlugin):
        async def run_worker(self, worker: Worker, next: Any) -> None:
            log.append(f"before {worker.task_queue}")
            await next(worker)
            log.append("after")

    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[PluggedWorkflow],
        plugins=[Outer("outer"), plugin],
    )
    async with worker:
        result = await client.execute_workflow(
            PluggedWorkflow.run, "yo", id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
    assert result == "YO!"
    assert log == [f"before {task_queue}", "after"]


async def test_time_skipping_environment_applies_client_plugins() -> None:
    from temporal_sdk.testing import WorkflowEnvironment

    connected: list[str] = []

    class Connecting(SimplePlugin):
        async def connect_service_client(self, config: Any, next: Any) -> Any:
            connected.append(config.target_host)
            return await next(config)

    plugin = Connecting("env", activities=[shout], workflows=[PluggedWorkflow])
    async with await WorkflowEnvironment.start_time_skipping(plugins=[plugin]) as env:
        assert len(connected) == 1
        assert list(env.client.config()["plugins"]) == [plugin]
        task_queue = f"tq-{uuid.uuid4()}"
        async with Worker(env.client, task_queue=task_queue):
            result = await env.client.execute_workflow(
                PluggedWorkflow.run, "env", id=f"wf-{uuid.uuid4()}", task_queue=task_queue
            )
    assert result == "ENV!"


async def test_plugin_failing_before_the_run_does_not_hang_the_worker(
    client: Client, task_queue: str
) -> None:
    class Broken(SimplePlugin):
        async def run_worker(self, worker: Worker, next: Any) -> None:
            raise RuntimeError("plugin setup failed")

    worker = Worker(
        client, task_queue=task_queue, workflows=[PluggedWorkflow], plugins=[Broken("broken")]
    )
    with pytest.raises(RuntimeError, match="plugin setup failed"):
        async with worker:
            pass
    assert worker.is_shutdown
