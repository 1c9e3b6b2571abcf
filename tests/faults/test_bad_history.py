"""Bad histories without a server: an unknown event type (core) and a truncated history page
(worker with a stub service). Both fail the workflow task with a typed, readable cause, and the
worker answers the next, healthy task normally.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from typing import Any

import pytest
from fault_history import HistoryBuilder, payload

from temporal_sdk import workflow
from temporal_sdk._core.history import HistoryError
from temporal_sdk._core.workflow_machines import WorkflowMachines
from temporal_sdk._io.workflow_worker import WorkflowWorker
from temporal_sdk._runtime.definitions import WorkflowDefinition
from temporal_sdk._runtime.driver import run_activations
from temporal_sdk._runtime.instance import WorkflowInstance
from temporal_sdk.api.common.v1 import WorkflowExecution, WorkflowType
from temporal_sdk.api.enums.v1 import CommandType, WorkflowTaskFailedCause
from temporal_sdk.api.history.v1 import History, HistoryEvent
from temporal_sdk.api.workflowservice.v1 import (
    GetWorkflowExecutionHistoryRequest,
    GetWorkflowExecutionHistoryResponse,
    PollWorkflowTaskQueueResponse,
    RespondWorkflowTaskCompletedRequest,
    RespondWorkflowTaskCompletedResponse,
    RespondWorkflowTaskFailedRequest,
    RespondWorkflowTaskFailedResponse,
)
from temporal_sdk.client import Client
from temporal_sdk.converter import DataConverter
from temporal_sdk.service import ConnectConfig, ServiceClient
from temporal_sdk.worker import Replayer

UNHANDLED = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE
UNKNOWN_EVENT_TYPE = 999


@workflow.defn(name="Wf")
class Wf:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"hi {name}"


def _history_with_unknown_event(*, ignorable: bool) -> HistoryBuilder:
    h = HistoryBuilder()
    h.add_workflow_execution_started("Wf", payload(b'"x"'))
    h.add_workflow_task_scheduled()
    event_id = h.add(UNKNOWN_EVENT_TYPE)
    h.events[event_id - 1].worker_may_ignore = ignorable
    h.add_workflow_task_started()
    return h


def test_unknown_event_type_is_a_history_error_naming_the_event() -> None:
    h = _history_with_unknown_event(ignorable=False)
    machines = WorkflowMachines(namespace="default", workflow_id="wf-1", run_id="run-1")
    machines.add_events(h.events)
    with pytest.raises(HistoryError, match=r"EventType\(999\) is not supported"):
        machines.next_activation()


def test_unknown_event_type_fails_the_workflow_task_in_the_worker() -> None:
    from temporal_sdk._io.workflow_cache import CachedRun
    from temporal_sdk._io.workflow_task import Outcome, apply_task

    h = _history_with_unknown_event(ignorable=False)
    converter = DataConverter.default
    instance = WorkflowInstance(
        WorkflowDefinition.must_from_class(Wf),
        namespace="default",
        task_queue="tq",
        payload_converter=converter.payload_converter,
        failure_converter=converter.failure_converter,
    )
    machines = WorkflowMachines(namespace="default", workflow_id="wf-1", run_id="run-1")
    run = CachedRun("run-1", machines, instance)
    outcome = apply_task(_task("run-1", h.events), run, h.events, cached=False, hooks=None)
    instance.close()
    assert isinstance(outcome, Outcome)
    assert outcome.failure is not None
    assert outcome.failure.cause == UNHANDLED
    failure = outcome.failure.failure
    assert failure.application_failure_info.type == "HistoryError"
    assert "EventType(999) is not supported" in failure.message


def test_unknown_event_the_server_marks_ignorable_is_skipped() -> None:
    h = _history_with_unknown_event(ignorable=True)
    machines = WorkflowMachines(namespace="default", workflow_id="wf-1", run_id="run-1")
    machines.add_events(h.events)
    assert machines.next_activation() is not None


async def test_replayer_reports_unknown_event_type_without_raising_untyped() -> None:
    from temporal_sdk.client import WorkflowHistory

    h = _history_with_unknown_event(ignorable=False)
    result = await Replayer(workflows=[Wf]).replay_workflow(
        WorkflowHistory("wf-1", h.events), raise_on_replay_failure=False
    )
    assert result.replay_failure is not None
    assert "EventType(999) is not supported" in str(result.replay_failure)


# ---------------------------------------------------------------- worker with a stub service


class StubService:
    """Serves history pages from a list; records the worker's answers."""

    def __init__(self, pages: list[GetWorkflowExecutionHistoryResponse]) -> None:
        self.pages = pages
        self.failed: list[RespondWorkflowTaskFailedRequest] = []
        self.completed: list[RespondWorkflowTaskCompletedRequest] = []

    async def get_workflow_execution_history(
        self, req: GetWorkflowExecutionHistoryRequest, **_: Any
    ) -> GetWorkflowExecutionHistoryResponse:
        return self.pages.pop(0)

    async def respond_workflow_task_failed(
        self, req: RespondWorkflowTaskFailedRequest, **_: Any
    ) -> RespondWorkflowTaskFailedResponse:
        self.failed.append(req)
        return RespondWorkflowTaskFailedResponse()

    async def respond_workflow_task_completed(
        self, req: RespondWorkflowTaskCompletedRequest, **_: Any
    ) -> RespondWorkflowTaskCompletedResponse:
        self.completed.append(req)
        return RespondWorkflowTaskCompletedResponse()


def stub_client(service: StubService) -> Client:
    """A real client (never connected) whose workflow service is ``service``."""
    service_client = ServiceClient(ConnectConfig("127.0.0.1:1", lazy=True))
    service_client.workflow_service = service  # type: ignore[assignment]
    return Client(service_client)


def _task(
    run_id: str, events: Sequence[HistoryEvent], token: bytes = b""
) -> PollWorkflowTaskQueueResponse:
    return PollWorkflowTaskQueueResponse(
        task_token=f"token-{run_id}".encode(),
        workflow_execution=WorkflowExecution(workflow_id=f"wf-{run_id}", run_id=run_id),
        workflow_type=WorkflowType(name="Wf"),
        started_event_id=3,
        attempt=1,
        history=History(events=list(events)),
        next_page_token=token,
    )


def _fresh_history(run_id: str) -> HistoryBuilder:
    h = HistoryBuilder(run_id=run_id)
    h.add_workflow_execution_started("Wf", payload(b'"stub"'))
    h.add_workflow_task_to_start()
    return h


async def test_truncated_history_page_fails_the_task_then_the_worker_serves_on() -> None:
    truncated = _fresh_history("run-truncated")
    # The poll response carries event 1 and promises more; the next page is empty and final.
    service = StubService([GetWorkflowExecutionHistoryResponse()])
    worker = WorkflowWorker(
        client=stub_client(service),
        task_queue="tq",
        workflows=[Wf],
        identity="stub",
        max_cached_workflows=0,
    )
    try:
        await worker._serve_task(_task("run-truncated", truncated.events[:1], token=b"page-2"))
        assert not service.completed
        (failed,) = service.failed
        assert failed.cause == UNHANDLED
        assert failed.failure.application_failure_info.type == "IncompleteHistoryError"
        assert "ends at event 1, before the task's WorkflowTaskStarted event 3" in (
            failed.failure.message
        )
        # A whole history for another run is answered with the workflow's commands.
        healthy = _fresh_history("run-healthy")
        await worker._serve_task(_task("run-healthy", healthy.events))
        (completed,) = service.completed
        (command,) = completed.commands
        assert command.command_type == CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION
    finally:
        await worker.shutdown()


@workflow.defn(name="GcInWorkflow")
class GcInWorkflow:
    @workflow.run
    async def run(self) -> str:
        gc.collect()  # any allocation can trigger this; forcing it makes the test certain
        return "collected"


def test_gc_callbacks_running_inside_workflow_code_are_not_workflow_code() -> None:
    """Found by fuzzing: hypothesis's gc callback hit the determinism guard mid-activation."""
    errors: list[BaseException] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        try:
            time.perf_counter()
        except BaseException as err:
            errors.append(err)

    h = HistoryBuilder()
    h.add_workflow_execution_started("GcInWorkflow")
    h.add_workflow_task_to_start()
    converter = DataConverter.default
    instance = WorkflowInstance(
        WorkflowDefinition.must_from_class(GcInWorkflow),
        namespace="default",
        task_queue="tq",
        payload_converter=converter.payload_converter,
        failure_converter=converter.failure_converter,
    )
    machines = WorkflowMachines(namespace="default", workflow_id="wf-gc", run_id="run-1")
    machines.add_events(h.events)
    gc.callbacks.append(on_gc)
    try:
        assert run_activations(machines, instance) is None
    finally:
        gc.callbacks.remove(on_gc)
        instance.close()
    assert errors == []
    (command,) = machines.take_commands()
    assert command.command_type == CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION
