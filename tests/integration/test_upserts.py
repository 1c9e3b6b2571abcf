"""Search attribute upserts and memo changes on the real dev server, seen by info() and describe."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
from sa_helpers import register

from temporal_sdk import workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client
from temporal_sdk.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporal_sdk.worker import Replayer, Worker

_ET = EventType
KEYWORD = SearchAttributeKey.for_keyword("SdkUpsertKeyword")
INT = SearchAttributeKey.for_int("SdkUpsertInt")
WHEN = SearchAttributeKey.for_datetime("SdkUpsertTime")
TAGS = SearchAttributeKey.for_keyword_list("SdkUpsertTags")
_MOMENT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


@workflow.defn
class Upserter:
    def __init__(self) -> None:
        self.finish = False

    @workflow.signal
    def done(self) -> None:
        self.finish = True

    @workflow.run
    async def run(self) -> dict[str, Any]:
        before = workflow.info().typed_search_attributes.get(KEYWORD)
        workflow.upsert_search_attributes(
            [
                KEYWORD.value_set("upserted"),
                INT.value_set(42),
                WHEN.value_set(_MOMENT),
                TAGS.value_set(["a", "b"]),
            ]
        )
        workflow.upsert_memo({"added": {"n": 1}, "initial": None})
        await workflow.wait_condition(lambda: self.finish)
        workflow.upsert_search_attributes([INT.value_unset()])
        workflow.upsert_memo({"later": "yes"})
        sa = workflow.info().typed_search_attributes
        return {
            "before": before,
            "keyword": sa.get(KEYWORD),
            "int": sa.get(INT),
            "when": sa[WHEN].isoformat(),
            "tags": list(sa[TAGS]),
            "memo": dict(workflow.memo()),
        }


@pytest.fixture(autouse=True)
async def _registered(client: Client) -> None:
    await register(client, KEYWORD, INT, WHEN, TAGS)


async def test_upserts_reach_info_describe_and_history(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Upserter]):
        handle = await client.start_workflow(
            Upserter.run,
            id=f"upsert-{uuid.uuid4()}",
            task_queue=task_queue,
            memo={"initial": "x", "kept": 1},
            search_attributes=TypedSearchAttributes([SearchAttributePair(KEYWORD, "initial")]),
        )

        async def upserted() -> bool:
            desc = await handle.describe()
            return desc.typed_search_attributes.get(INT) == 42

        deadline = 300
        while not await upserted():
            deadline -= 1
            assert deadline, "the upsert never showed in describe"
            await asyncio.sleep(0.1)
        desc = await handle.describe()
        assert desc.typed_search_attributes.get(KEYWORD) == "upserted"
        assert desc.typed_search_attributes.get(WHEN) == _MOMENT
        assert list(desc.typed_search_attributes.get(TAGS) or []) == ["a", "b"]
        assert await desc.memo() == {"added": {"n": 1}, "kept": 1}

        await handle.signal(Upserter.done)
        result = await handle.result()
        history = await handle.fetch_history()
        final = await handle.describe()
    assert result == {
        "before": "initial",
        "keyword": "upserted",
        "int": None,
        "when": _MOMENT.isoformat(),
        "tags": ["a", "b"],
        "memo": {"added": {"n": 1}, "kept": 1, "later": "yes"},
    }
    assert final.typed_search_attributes.get(INT) is None
    assert await final.memo() == {"added": {"n": 1}, "kept": 1, "later": "yes"}
    types = [e.event_type for e in history.events]
    assert types.count(_ET.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES) == 2
    assert types.count(_ET.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED) == 2
    await Replayer(workflows=[Upserter]).replay_workflow(history)


async def test_bad_upsert_fails_the_task_not_the_workflow(client: Client, task_queue: str) -> None:
    @workflow.defn(name="BadUpsert")
    class BadUpsert:
        @workflow.run
        async def run(self) -> None:
            workflow.upsert_search_attributes({"SdkUpsertInt": 1})  # type: ignore[arg-type]

    async with Worker(client, task_queue=task_queue, workflows=[BadUpsert]):
        handle = await client.start_workflow(
            "BadUpsert", id=f"upsert-{uuid.uuid4()}", task_queue=task_queue
        )

        async def task_failed() -> bool:
            events = [e async for e in handle.fetch_history_events()]
            return any(e.event_type == _ET.EVENT_TYPE_WORKFLOW_TASK_FAILED for e in events)

        for _ in range(300):
            if await task_failed():
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the workflow task never failed")
        desc = await handle.describe()
        assert desc.status is not None and desc.status.name == "RUNNING"
        await handle.terminate()
