"""Regressions found by running temporalio/features' Python harness against this SDK.

Each test pins one gap the import-swapped harness hit (see docs/compatibility.md and
scripts/features_check.py): names the harness imports, and the way it drives a worker.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporal_sdk import workflow
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
    """``Worker(client, **WorkerConfig(...))`` with runner tokens runs workflows as usual."""
    config = WorkerConfig(
        task_queue=task_queue,
        workflows=[Greeting],
        graceful_shutdown_timeout=timedelta(seconds=1),
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_all_modules()
        ),
        unsandboxed_workflow_runner=UnsandboxedWorkflowRunner(),
    )
    async with Worker(client, **config):
        handle = await client.start_workflow(
            workflow._Definition.must_from_class(Greeting).name,
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
