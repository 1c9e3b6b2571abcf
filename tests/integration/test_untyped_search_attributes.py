"""The deprecated dict form of search attributes (name → list of values), as temporalio samples
still use it: on start, on upsert inside the workflow, in ``info()`` and in ``describe()``."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sa_helpers import register

from temporal_sdk import workflow
from temporal_sdk.client import Client
from temporal_sdk.common import SearchAttributeKey
from temporal_sdk.worker import Replayer, Worker

FIELD = SearchAttributeKey.for_keyword("UntypedKeywordField")


@workflow.defn
class UntypedUpsert:
    def __init__(self) -> None:
        self.go = False

    @workflow.run
    async def run(self) -> dict[str, Any]:
        before = dict(workflow.info().search_attributes)
        await workflow.wait_condition(lambda: self.go)
        workflow.upsert_search_attributes({FIELD.name: ["new-value"]})
        return {"before": before, "after": dict(workflow.info().search_attributes)}

    @workflow.signal
    def proceed(self) -> None:
        self.go = True


async def test_dict_search_attributes_on_start_upsert_and_describe(
    client: Client, task_queue: str
) -> None:
    await register(client, FIELD)
    async with Worker(client, task_queue=task_queue, workflows=[UntypedUpsert]):
        with pytest.warns(DeprecationWarning):
            handle = await client.start_workflow(
                UntypedUpsert.run,
                id=f"untyped-sa-{uuid.uuid4()}",
                task_queue=task_queue,
                search_attributes={FIELD.name: ["old-value"]},
            )
        assert (await handle.describe()).search_attributes.get(FIELD.name) == ["old-value"]
        await handle.signal(UntypedUpsert.proceed)
        result = await handle.result()
    assert result["before"] == {FIELD.name: ["old-value"]}
    assert result["after"] == {FIELD.name: ["new-value"]}
    description = await handle.describe()
    assert description.search_attributes.get(FIELD.name) == ["new-value"]
    assert description.typed_search_attributes.get(FIELD) == "new-value"
    await Replayer(workflows=[UntypedUpsert]).replay_workflow(await handle.fetch_history())
