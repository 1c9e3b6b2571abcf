"""The time-skipping test server: long sleeps finish in seconds, activities still run."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio

from temporal_sdk import activity, workflow
from temporal_sdk.client import RPCTimeoutOrCancelledError
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Worker


@pytest_asyncio.fixture(scope="module")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        yield env


def _ids() -> tuple[str, str]:
    return f"wf-{uuid.uuid4()}", f"tq-{uuid.uuid4()}"


@workflow.defn
class MonthSleepWorkflow:
    @workflow.run
    async def run(self) -> float:
        start = workflow.now()
        await workflow.sleep(timedelta(days=30))
        return (workflow.now() - start).total_seconds()


@activity.defn
async def shout(text: str) -> str:
    return text.upper() + "!"


@workflow.defn
class ActivityThenSleepWorkflow:
    @workflow.run
    async def run(self, text: str) -> str:
        first = await workflow.execute_activity(
            shout, text, start_to_close_timeout=timedelta(seconds=30)
        )
        await workflow.sleep(timedelta(hours=6))
        second = await workflow.execute_activity(
            shout, first, start_to_close_timeout=timedelta(seconds=30)
        )
        return second


async def test_thirty_day_sleep_finishes_in_seconds(ts_env: WorkflowEnvironment) -> None:
    assert ts_env.supports_time_skipping
    wf_id, tq = _ids()
    server_before = await ts_env.get_current_time()
    async with Worker(ts_env.client, task_queue=tq, workflows=[MonthSleepWorkflow]):
        slept = await ts_env.client.execute_workflow(
            MonthSleepWorkflow.run, id=wf_id, task_queue=tq
        )
    assert slept >= timedelta(days=30).total_seconds()
    server_after = await ts_env.get_current_time()
    assert server_after - server_before >= timedelta(days=30)


async def test_activity_workflow_under_time_skipping(ts_env: WorkflowEnvironment) -> None:
    wf_id, tq = _ids()
    async with Worker(
        ts_env.client, task_queue=tq, workflows=[ActivityThenSleepWorkflow], activities=[shout]
    ):
        handle = await ts_env.client.start_workflow(
            ActivityThenSleepWorkflow.run, "hi", id=wf_id, task_queue=tq
        )
        assert await handle.result() == "HI!!"
        again = ts_env.client.get_workflow_handle(wf_id)
        assert await again.result() == "HI!!"


@activity.defn
async def takes_a_second() -> str:
    await asyncio.sleep(1)
    return "done"


@workflow.defn
class SlowActivityWorkflow:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(
            takes_a_second, start_to_close_timeout=timedelta(seconds=30)
        )


async def test_time_does_not_skip_past_a_running_activity(ts_env: WorkflowEnvironment) -> None:
    wf_id, tq = _ids()
    async with Worker(
        ts_env.client, task_queue=tq, workflows=[SlowActivityWorkflow], activities=[takes_a_second]
    ):
        result = await ts_env.client.execute_workflow(
            SlowActivityWorkflow.run, id=wf_id, task_queue=tq
        )
    assert result == "done"


async def test_env_sleep_skips_the_server_clock(ts_env: WorkflowEnvironment) -> None:
    before = await ts_env.get_current_time()
    await ts_env.sleep(timedelta(hours=3))
    after = await ts_env.get_current_time()
    assert after - before >= timedelta(hours=3)
    assert before.tzinfo is not None


async def test_auto_time_skipping_can_be_disabled(ts_env: WorkflowEnvironment) -> None:
    wf_id, tq = _ids()
    async with Worker(ts_env.client, task_queue=tq, workflows=[MonthSleepWorkflow]):
        handle = await ts_env.client.start_workflow(MonthSleepWorkflow.run, id=wf_id, task_queue=tq)
        with ts_env.auto_time_skipping_disabled():
            before = await ts_env.get_current_time()
            with pytest.raises(RPCTimeoutOrCancelledError):
                await handle.result(rpc_timeout=timedelta(seconds=2))
            assert await ts_env.get_current_time() - before < timedelta(days=1)
        assert await handle.result() >= timedelta(days=30).total_seconds()


def test_missing_test_server_names_the_server_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from temporal_sdk.testing import _time_skipping

    def missing(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(_time_skipping.importlib.metadata, "distribution", missing)
    with pytest.raises(RuntimeError, match=r"temporal-sdk\[server\]"):
        _time_skipping.find_test_server()


async def test_a_server_that_exits_early_is_reported() -> None:
    with pytest.raises(RuntimeError, match="time-skipping test server exited with code"):
        await WorkflowEnvironment.start_time_skipping(test_server_existing_path="/bin/false")
