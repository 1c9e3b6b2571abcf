"""Histories recorded on the dev server replay through the Replayer; changed code is caught."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk._core.determinism import NondeterminismError
from temporal_sdk.client import WorkflowHistory
from temporal_sdk.testing import WorkflowEnvironment
from temporal_sdk.worker import Replayer, Worker


@activity.defn
async def shout(text: str) -> str:
    return text.upper()


@activity.defn
async def whisper(text: str) -> str:
    return text.lower()


@workflow.defn(name="ReplayedWorkflow")
class Original:
    @workflow.run
    async def run(self, text: str) -> str:
        loud = await workflow.execute_activity(
            shout, text, start_to_close_timeout=timedelta(seconds=10)
        )
        await asyncio.sleep(0.1)
        return loud + "!"


@workflow.defn(name="ReplayedWorkflow")
class LongerTimer:
    """Safe change: a timer's duration is not part of the command match."""

    @workflow.run
    async def run(self, text: str) -> str:
        loud = await workflow.execute_activity(
            shout, text, start_to_close_timeout=timedelta(seconds=30)
        )
        await asyncio.sleep(5)
        return loud + "!"


@workflow.defn(name="ReplayedWorkflow")
class NewSignalHandler:
    """Safe change: a new handler for a signal that history never received."""

    def __init__(self) -> None:
        self.extra = ""

    @workflow.run
    async def run(self, text: str) -> str:
        loud = await workflow.execute_activity(
            shout, text, start_to_close_timeout=timedelta(seconds=10)
        )
        await asyncio.sleep(0.1)
        return loud + "!" + self.extra

    @workflow.signal
    def add(self, extra: str) -> None:
        self.extra = extra


@workflow.defn(name="ReplayedWorkflow")
class OtherActivity:
    @workflow.run
    async def run(self, text: str) -> str:
        quiet = await workflow.execute_activity(
            whisper, text, start_to_close_timeout=timedelta(seconds=10)
        )
        await asyncio.sleep(0.1)
        return quiet


@workflow.defn(name="ReplayedWorkflow")
class TimerFirst:
    @workflow.run
    async def run(self, text: str) -> str:
        await asyncio.sleep(0.1)
        return await workflow.execute_activity(
            shout, text, start_to_close_timeout=timedelta(seconds=10)
        )


@pytest.fixture(scope="module")
async def recorded(env: WorkflowEnvironment) -> WorkflowHistory:
    client = env.client
    task_queue = f"tq-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[Original], activities=[shout]):
        handle = await client.start_workflow(
            Original.run, "hi", id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
        assert await handle.result() == "HI!"
    return await handle.fetch_history()


async def test_recorded_history_replays_cleanly(recorded: WorkflowHistory) -> None:
    result = await Replayer(workflows=[Original]).replay_workflow(recorded)
    assert result.replay_failure is None


async def test_json_round_trip_replays(recorded: WorkflowHistory) -> None:
    again = WorkflowHistory.from_json(recorded.workflow_id, recorded.to_json())
    assert list(again.events) == list(recorded.events)
    await Replayer(workflows=[Original]).replay_workflow(again)


@pytest.mark.parametrize("changed", [LongerTimer, NewSignalHandler])
async def test_safe_change_replays_cleanly(recorded: WorkflowHistory, changed: type) -> None:
    await Replayer(workflows=[changed]).replay_workflow(recorded)


async def test_changed_activity_type_is_nondeterministic(recorded: WorkflowHistory) -> None:
    with pytest.raises(NondeterminismError) as info:
        await Replayer(workflows=[OtherActivity]).replay_workflow(recorded)
    message = str(info.value)
    assert message.startswith(f"Workflow ReplayedWorkflow (id {recorded.workflow_id}): ")
    assert "ActivityTaskScheduled" in message
    assert "shout" in message and "whisper" in message
    assert "test_replay_recorded.py" in message


async def test_reordered_commands_are_nondeterministic(recorded: WorkflowHistory) -> None:
    result = await Replayer(workflows=[TimerFirst]).replay_workflow(
        recorded, raise_on_replay_failure=False
    )
    assert isinstance(result.replay_failure, NondeterminismError)
    assert "TimerStarted" in str(result.replay_failure) or "ActivityTaskScheduled" in str(
        result.replay_failure
    )


async def test_replay_workflows_collects_failures(recorded: WorkflowHistory) -> None:
    results = await Replayer(workflows=[OtherActivity]).replay_workflows(
        [recorded], raise_on_replay_failure=False
    )
    assert set(results.replay_failures) == {recorded.run_id}
