"""What a cached, parked run keeps: no history events, no sent command protos, no start event,
no random generator until asked, and a close() that only walks the run's own tasks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from history_builder import HistoryBuilder

from temporal_sdk import workflow
from temporal_sdk._core.history import HistoryBuffer, HistoryError
from temporal_sdk._core.workflow_machines import WorkflowMachines
from temporal_sdk._io.workflow_cache import CachedRun
from temporal_sdk._io.workflow_task import Outcome, apply_task
from temporal_sdk._runtime.definitions import WorkflowDefinition
from temporal_sdk._runtime.instance import WorkflowInstance
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.api.enums.v1 import CommandType
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.api.workflowservice.v1 import PollWorkflowTaskQueueResponse
from temporal_sdk.converter import DataConverter

PC = DataConverter.default.payload_converter
FC = DataConverter.default.failure_converter


def payload(value: Any) -> Payload:
    return PC.to_payloads([value])[0]


@workflow.defn
class ParkedWorkflow:
    def __init__(self) -> None:
        self.released = False
        self.unwound = False

    @workflow.run
    async def run(self, n: int) -> int:
        try:
            await workflow.execute_activity("noop", n, start_to_close_timeout=timedelta(seconds=30))
            await workflow.wait_condition(lambda: self.released)
        finally:
            self.unwound = True
        return n

    @workflow.signal
    def release(self) -> None:
        self.released = True


def _events(b: HistoryBuilder, start: int) -> list[HistoryEvent]:
    # Fresh copies, as a poll response would bring them.
    return [HistoryEvent.FromString(e.SerializeToString()) for e in b.events[start:]]


def _park(memo: dict[str, Payload] | None = None) -> tuple[CachedRun, HistoryBuilder]:
    b = HistoryBuilder()
    b.add_workflow_execution_started("ParkedWorkflow", payload(5))
    if memo:
        for key, value in memo.items():
            b.events[0].workflow_execution_started_event_attributes.memo.fields[key].CopyFrom(value)
    b.add_workflow_task_scheduled()
    b.add_workflow_task_started()
    machines = WorkflowMachines(namespace="default", workflow_id="wf-1", run_id="run-1")
    instance = WorkflowInstance(
        WorkflowDefinition.must_from_class(ParkedWorkflow),
        namespace="default",
        task_queue="tq",
        payload_converter=PC,
        failure_converter=FC,
    )
    run = CachedRun("run-1", machines, instance, users=1)
    task = PollWorkflowTaskQueueResponse()
    first = apply_task(task, run, _events(b, 0), False, None)
    assert isinstance(first, Outcome) and first.failure is None and len(first.commands) == 1
    seen = len(b.events)
    b.add_workflow_task_completed()
    scheduled = b.add_activity_task_scheduled("1", "noop")
    started = b.add_activity_task_started(scheduled)
    b.add_activity_task_completed(scheduled, started, payload(5))
    b.add_workflow_task_scheduled()
    b.add_workflow_task_started()
    second = apply_task(task, run, _events(b, seen), True, None)
    assert isinstance(second, Outcome) and second.failure is None and not second.commands
    return run, b


def test_a_parked_run_holds_no_history_events_nor_job_payloads() -> None:
    run, _ = _park()
    machines: Any = run.machines
    assert len(machines._history._events) == 0
    assert machines._history.received == 9
    assert machines._last.jobs == ()  # the resolved activity's payload is not kept
    activity = machines._activities[1]
    assert activity.schedule_command.proto.ByteSize() == 0  # matched: proto dropped
    instance: Any = run.instance
    assert instance._start_attrs is None  # nothing to keep for last_result
    assert instance._random is None  # made on first use
    assert instance._local_rt is None and instance._children_rt is None


def test_a_cached_run_continues_after_its_events_were_dropped() -> None:
    run, b = _park()
    seen = len(b.events)
    b.add_workflow_task_completed()
    b.add_signaled("release")
    b.add_workflow_task_scheduled()
    b.add_workflow_task_started()
    outcome = apply_task(PollWorkflowTaskQueueResponse(), run, _events(b, seen), True, None)
    assert isinstance(outcome, Outcome) and outcome.failure is None
    (done,) = outcome.commands
    assert done.command_type == CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION


def test_info_memo_is_a_standalone_copy() -> None:
    run, _ = _park(memo={"k": payload("v")})
    info = run.instance.info()
    assert PC.from_payloads([info.raw_memo["k"]])[0] == "v"


def test_random_is_seeded_like_before_when_first_used() -> None:
    run, _ = _park()
    instance: Any = run.instance
    expected = __import__("random").Random(instance._seed).random()
    assert instance.random().random() == expected


def test_close_unwinds_the_run_without_walking_every_task(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run, _ = _park()
    instance: Any = run.instance
    obj = instance.workflow_object()

    def refuse(*args: object) -> object:
        raise AssertionError("close() must not walk asyncio.all_tasks")

    monkeypatch.setattr(asyncio, "all_tasks", refuse)
    assert instance._loop.pending_tasks()  # the main task, blocked on its condition
    instance.close()
    assert obj.unwound


def test_history_buffer_forgets_read_events_and_keeps_checking_ids() -> None:
    buf = HistoryBuffer()
    b = HistoryBuilder()
    b.add_workflow_execution_started()
    b.add_workflow_task_scheduled()
    buf.extend(b.events)
    assert buf.take() is b.events[0]
    assert buf.peek_type() == b.events[1].event_type
    assert buf.take() is b.events[1]
    assert buf.take() is None and len(buf._events) == 0
    b.add_workflow_task_started()
    with pytest.raises(HistoryError, match="expected 3, got 2"):
        buf.extend(b.events[1:2])
    buf.extend(b.events[2:])
    assert buf.received == 3 and buf.take() is b.events[2]


def test_history_must_start_at_event_one() -> None:
    b = HistoryBuilder()
    b.add_workflow_execution_started()
    b.add_workflow_task_scheduled()
    with pytest.raises(HistoryError, match="partial history"):
        HistoryBuffer().extend(b.events[1:])
