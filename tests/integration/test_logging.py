"""workflow.logger and activity.logger against the dev server: context, replay suppression."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.client import Client
from temporal_sdk.worker import Worker

replay_logger = workflow.LoggerAdapter(logging.getLogger("tests.logging.replay"), None)
replay_logger.log_during_replay = True
full_logger = workflow.LoggerAdapter(logging.getLogger("tests.logging.full"), None)
full_logger.workflow_info_on_message = False
full_logger.full_workflow_info_on_extra = True
full_activity_logger = activity.LoggerAdapter(logging.getLogger("tests.logging.activity"), None)
full_activity_logger.full_activity_info_on_extra = True


@activity.defn
async def say(text: str) -> str:
    activity.logger.info("activity says %s", text)
    full_activity_logger.info("full activity info")
    return text


@workflow.defn
class Chatty:
    def __init__(self) -> None:
        self.go = False

    @workflow.update
    async def poke(self) -> str:
        workflow.logger.info("in update")
        self.go = True
        return "poked"

    @workflow.run
    async def run(self) -> str:
        workflow.logger.info("step one", extra={"mine": 1})
        replay_logger.info("step one, also during replay")
        full_logger.info("full info")
        await workflow.execute_activity(say, "hi", start_to_close_timeout=timedelta(seconds=10))
        await workflow.wait_condition(lambda: self.go)
        workflow.logger.info("step two")
        return "done"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, prefix: str) -> list[logging.LogRecord]:
        return [r for r in self.records if r.getMessage().startswith(prefix)]


@pytest.fixture
def records() -> Iterator[_Records]:
    handler = _Records()
    loggers = [logging.getLogger(n) for n in ("temporal_sdk", "tests.logging")]
    saved = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield handler
    for lg, level in zip(loggers, saved, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


async def test_workflow_logger_context_and_replay(
    client: Client, task_queue: str, records: _Records
) -> None:
    workflow_id = f"wf-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[Chatty],
        activities=[say],
        max_cached_workflows=0,
    ):
        handle = await client.start_workflow(Chatty.run, id=workflow_id, task_queue=task_queue)
        assert await handle.execute_update(Chatty.poke) == "poked"
        assert await handle.result() == "done"

    # Every task rebuilt the run and replayed "step one": it was still logged once.
    (step_one,) = records.messages("step one (")
    details = step_one.temporal_workflow  # type: ignore[attr-defined]
    assert details["workflow_id"] == workflow_id
    assert details["workflow_type"] == "Chatty"
    assert details["task_queue"] == task_queue
    assert details["namespace"] == client.namespace
    assert details["attempt"] == 1
    assert step_one.mine == 1  # type: ignore[attr-defined]
    assert f"'workflow_id': '{workflow_id}'" in step_one.getMessage()
    assert step_one.name == "temporal_sdk.workflow"
    assert len(records.messages("step two")) == 1
    assert len(records.messages("step one, also during replay")) >= 2

    (update,) = records.messages("in update")
    assert update.temporal_workflow["update_name"] == "poke"  # type: ignore[attr-defined]
    assert "'update_id'" in update.getMessage()

    (full,) = records.messages("full info")
    assert full.getMessage() == "full info"
    assert full.workflow_info.workflow_id == workflow_id  # type: ignore[attr-defined]
    assert full.temporal_workflow["run_id"] == handle.result_run_id  # type: ignore[attr-defined]

    (said,) = records.messages("activity says hi")
    activity_details = said.temporal_activity  # type: ignore[attr-defined]
    assert activity_details["activity_type"] == "say"
    assert activity_details["workflow_id"] == workflow_id
    assert "'activity_type': 'say'" in said.getMessage()
    (full_activity,) = records.messages("full activity info")
    assert full_activity.activity_info.activity_type == "say"  # type: ignore[attr-defined]


def test_loggers_outside_workflows_and_activities_pass_records_through(
    records: _Records,
) -> None:
    workflow.logger.info("plain workflow message")
    activity.logger.info("plain activity message")
    assert records.messages("plain workflow message")[0].getMessage() == "plain workflow message"
    assert records.messages("plain activity message")[0].getMessage() == "plain activity message"
    assert workflow.logger.base_logger is logging.getLogger("temporal_sdk.workflow")
