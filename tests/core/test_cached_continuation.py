"""A cached run continued with new events (sticky), and refused continuations that need a replay."""

from __future__ import annotations

from history_builder import HistoryBuilder

from temporal_sdk import workflow
from temporal_sdk._core.workflow_machines import WorkflowMachines
from temporal_sdk._io.workflow_cache import CachedRun
from temporal_sdk._io.workflow_task import REPLAY, Outcome, apply_task
from temporal_sdk._runtime.definitions import WorkflowDefinition
from temporal_sdk._runtime.instance import WorkflowInstance
from temporal_sdk.api.enums.v1 import CommandType
from temporal_sdk.api.workflowservice.v1 import PollWorkflowTaskQueueResponse
from temporal_sdk.converter import DataConverter


@workflow.defn(name="Wf")
class Waits:
    def __init__(self) -> None:
        self.go = False

    @workflow.signal
    def release(self) -> None:
        self.go = True

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.go)
        return "done"


def new_run() -> CachedRun:
    conv = DataConverter.default
    machines = WorkflowMachines(namespace="default", workflow_id="wf", run_id="run-1")
    instance = WorkflowInstance(
        WorkflowDefinition.must_from_class(Waits),
        namespace="default",
        task_queue="tq",
        payload_converter=conv.payload_converter,
        failure_converter=conv.failure_converter,
        failure_exception_types=(),
    )
    return CachedRun("run-1", machines, instance, users=1)


def first_task() -> tuple[HistoryBuilder, CachedRun]:
    h = HistoryBuilder()
    h.add_workflow_execution_started("Wf")
    h.add_workflow_task_to_start()
    run = new_run()
    out = apply_task(PollWorkflowTaskQueueResponse(), run, list(h.events), False, None)
    assert isinstance(out, Outcome) and out.failure is None and not out.commands
    assert run.last_event_id == 3
    return h, run


def test_new_events_continue_the_cached_run_without_replay() -> None:
    h, run = first_task()
    h.add_workflow_task_completed()
    h.add_signaled("release")
    h.add_workflow_task_to_start()
    out = apply_task(PollWorkflowTaskQueueResponse(), run, list(h.events[3:]), True, None)
    assert isinstance(out, Outcome) and out.failure is None
    assert [c.command_type for c in out.commands] == [
        CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION
    ]
    assert out.closes_run
    run.close()


def test_a_continuation_the_core_refuses_asks_for_a_replay() -> None:
    h, run = first_task()
    h.add_workflow_task_completed()
    h.add_signaled("release")
    h.add_workflow_task_to_start()
    gap = list(h.events[4:])  # misses WorkflowTaskCompleted
    assert apply_task(PollWorkflowTaskQueueResponse(), run, gap, True, None) is REPLAY
    run.close()


def test_the_same_refusal_on_a_fresh_run_fails_the_task() -> None:
    h = HistoryBuilder()
    h.add_workflow_task_scheduled()
    run = new_run()
    out = apply_task(PollWorkflowTaskQueueResponse(), run, list(h.events), False, None)
    assert isinstance(out, Outcome) and out.failure is not None
    assert "WorkflowExecutionStarted" in out.failure.failure.message
    run.close()
