"""Regressions found by running temporalio/features' Python harness against this SDK.

Each test pins one gap the import-swapped harness hit (see docs/compatibility.md and
scripts/features_check.py): names the harness imports, and the way it drives a worker.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from datetime import timedelta

import pytest

from temporal_sdk import workflow
from temporal_sdk.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporal_sdk.client import Client
from temporal_sdk.worker import (
    UnsandboxedWorkflowRunner,
    Worker,
    WorkerConfig,
    WorkflowRunner,
)
from temporal_sdk.worker.workflow_sandbox import (
    SandboxedWorkflowRunner,
    SandboxRestrictions,
)


@workflow.defn(name="FeaturesParityGreeting")
class Greeting:
    def __init__(self) -> None:
        self.greeting = "hello"

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.greeting != "hello")
        return self.greeting

    @workflow.update
    async def set_greeting(self, greeting: str) -> str:
        self.greeting = greeting
        return "set"


def test_private_definition_lookup_like_the_harness() -> None:
    """The harness resolves a workflow's name with ``workflow._Definition.must_from_class``."""
    defn = workflow._Definition.must_from_class(Greeting)
    assert defn.name == "FeaturesParityGreeting"
    assert defn.cls is Greeting


def test_update_method_multi_param_is_exported_and_generic() -> None:
    assert workflow.UpdateMethodMultiParam[[str], str] is not None


def test_runner_tokens_and_sandbox_restrictions() -> None:
    restrictions = SandboxRestrictions.default.with_passthrough_modules("pydantic", "json")
    assert restrictions.passthrough_modules == frozenset({"pydantic", "json"})
    assert SandboxRestrictions.default.passthrough_modules == frozenset()
    runner = SandboxedWorkflowRunner(restrictions=restrictions)
    assert isinstance(runner, WorkflowRunner)
    assert isinstance(runner.runner_class(), UnsandboxedWorkflowRunner)


async def test_worker_config_splat_with_runner_tokens(client: Client, task_queue: str) -> None:
    """``Worker(**WorkerConfig(...))`` with runner tokens runs workflows as usual."""
    config = WorkerConfig(
        client=client,
        task_queue=task_queue,
        workflows=[Greeting],
        graceful_shutdown_timeout=timedelta(seconds=1),
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_all_modules()
        ),
        unsandboxed_workflow_runner=UnsandboxedWorkflowRunner(),
    )
    name = workflow._Definition.must_from_class(Greeting).name
    assert name is not None
    async with Worker(**config):
        handle = await client.start_workflow(
            name,
            id=f"features-parity-{uuid.uuid4()}",
            task_queue=task_queue,
            execution_timeout=timedelta(minutes=1),
        )
        assert await handle.execute_update(Greeting.set_greeting, "hi") == "set"
        assert await handle.result() == "hi"


async def test_shutdown_before_run_task_started(client: Client, task_queue: str) -> None:
    """The harness creates ``worker.run()`` as a task and may shut down before it ever ran.

    temporalio records the request and lets ``run()`` return at once; it must not raise.
    """
    worker = Worker(client, task_queue=task_queue, workflows=[Greeting])
    run_task = asyncio.create_task(worker.run())
    await asyncio.wait_for(worker.shutdown(), timeout=30)
    await asyncio.wait_for(run_task, timeout=30)
    assert worker.is_shutdown


async def test_eagerly_started_marker_on_handle(client: Client, task_queue: str) -> None:
    """The official eager-start sample reads ``handle.__temporal_eagerly_started``."""
    async with Worker(client, task_queue=task_queue, workflows=[Greeting]):
        handles = []
        for eager in (True, False):
            handle = await client.start_workflow(
                Greeting.run,
                id=f"features-parity-eager-{uuid.uuid4()}",
                task_queue=task_queue,
                request_eager_start=eager,
            )
            handles.append(handle)
            assert getattr(handle, "__temporal_eagerly_started") is eager
        for handle in handles:
            await handle.execute_update(Greeting.set_greeting, "done")
            assert await handle.result() == "done"


BLOCKED_ONCE = threading.Event()
IN_FINAL_TASK = threading.Event()
SIGNAL_SENT = threading.Event()


@workflow.defn(name="FeaturesParityCompletesDuringSignal")
class CompletesDuringSignal:
    def __init__(self) -> None:
        self.signals = 0

    @workflow.run
    async def run(self) -> int:
        if not BLOCKED_ONCE.is_set():
            BLOCKED_ONCE.set()
            IN_FINAL_TASK.set()
            SIGNAL_SENT.wait(20)  # the signal lands while this task is still being worked on
        return self.signals

    @workflow.signal
    def poke(self) -> None:
        self.signals += 1


async def test_completion_racing_a_signal_is_not_an_error(
    client: Client, task_queue: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A signal arriving while a run completes makes the server answer ``UnhandledCommand``.

    The batch_sliding_window sample hits this on every continue-as-new. As in sdk-core, the
    worker drops the cached run and waits for the new task; it must not log an error.
    """
    for flag in (BLOCKED_ONCE, IN_FINAL_TASK, SIGNAL_SENT):
        flag.clear()
    caplog.set_level(logging.DEBUG, logger="temporal_sdk._io.workflow_worker")
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[CompletesDuringSignal],
        deadlock_detection_timeout=timedelta(seconds=60),
    ):
        handle = await client.start_workflow(
            CompletesDuringSignal.run,
            id=f"features-parity-race-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        assert await asyncio.to_thread(IN_FINAL_TASK.wait, 30)
        await handle.signal(CompletesDuringSignal.poke)
        SIGNAL_SENT.set()
        assert await handle.result() == 1
    causes = [
        e.workflow_task_failed_event_attributes.cause
        async for e in handle.fetch_history_events()
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
    ]
    assert causes == [WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
