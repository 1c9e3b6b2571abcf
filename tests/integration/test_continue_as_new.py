"""Continue-as-new on the real dev server: the run chain, carried options, replay."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sa_helpers import register

from temporal_sdk import workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client, WorkflowContinuedAsNewError, WorkflowHandle
from temporal_sdk.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporal_sdk.worker import Replayer, Worker

_ET = EventType
_KEYWORD = SearchAttributeKey.for_keyword("SdkCanKeyword")


@workflow.defn
class Countdown:
    @workflow.run
    async def run(self, remaining: int, seen: list[str]) -> dict[str, Any]:
        info = workflow.info()
        seen = [*seen, info.continued_run_id or "first"]
        if remaining > 0:
            await workflow.sleep(timedelta(milliseconds=10))
            workflow.continue_as_new(args=[remaining - 1, seen])
        return {
            "seen": seen,
            "run_id": info.run_id,
            "first": info.first_execution_run_id,
            "memo": workflow.memo(),
            "keyword": info.typed_search_attributes.get(_KEYWORD),
            "suggested": info.is_continue_as_new_suggested(),
        }


@workflow.defn
class Switcher:
    @workflow.run
    async def run(self) -> list[Any]:  # the result comes from the run it continues as
        workflow.continue_as_new(
            "from switcher",
            workflow=Target.run,
            memo={"switched": True},
            search_attributes=TypedSearchAttributes([SearchAttributePair(_KEYWORD, "switched")]),
            run_timeout=timedelta(minutes=5),
        )


@workflow.defn
class Target:
    @workflow.run
    async def run(self, greeting: str) -> list[Any]:
        info = workflow.info()
        return [
            greeting,
            info.workflow_type,
            workflow.memo(),
            info.typed_search_attributes.get(_KEYWORD),
            info.run_timeout.total_seconds() if info.run_timeout else None,
        ]


WORKFLOWS = [Countdown, Switcher, Target]


@pytest.fixture(autouse=True)
async def _registered(client: Client) -> None:
    await register(client, _KEYWORD)


async def _run_ids(client: Client, workflow_id: str, first_run: str) -> list[str]:
    """Follow the chain of runs from ``first_run`` through its ContinuedAsNew close events."""
    runs = [first_run]
    while True:
        handle = client.get_workflow_handle(workflow_id, run_id=runs[-1])
        history = await handle.fetch_history()
        await Replayer(workflows=WORKFLOWS).replay_workflow(history)
        last = history.events[-1]
        if last.event_type != _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            return runs
        runs.append(last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id)


async def test_continue_as_new_chain(client: Client, task_queue: str) -> None:
    workflow_id = f"can-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=WORKFLOWS):
        handle: WorkflowHandle[Any, Any] = await client.start_workflow(
            Countdown.run,
            args=[2, []],
            id=workflow_id,
            task_queue=task_queue,
            memo={"owner": "tests"},
            search_attributes=TypedSearchAttributes([SearchAttributePair(_KEYWORD, "carried")]),
        )
        result = await handle.result()
        runs = await _run_ids(client, workflow_id, handle.result_run_id or "")
    assert len(runs) == 3
    # Each run saw the run it continued from; the first saw none.
    assert result["seen"] == ["first", runs[0], runs[1]]
    assert result["run_id"] == runs[2]
    assert result["first"] == runs[0]
    assert result["memo"] == {"owner": "tests"}
    assert result["keyword"] == "carried"
    assert result["suggested"] is False
    # result(follow_runs=False) on the first run stops at the continue-as-new.
    with pytest.raises(WorkflowContinuedAsNewError):
        await client.get_workflow_handle(workflow_id, run_id=runs[0]).result(follow_runs=False)


async def test_continue_as_new_to_other_workflow_with_options(
    client: Client, task_queue: str
) -> None:
    async with Worker(client, task_queue=task_queue, workflows=WORKFLOWS):
        handle = await client.start_workflow(
            Switcher.run, id=f"can-{uuid.uuid4()}", task_queue=task_queue
        )
        result = await handle.result()
        runs = await _run_ids(client, handle.id, handle.result_run_id or "")
    assert result == ["from switcher", "Target", {"switched": True}, "switched", 300.0]
    assert len(runs) == 2
