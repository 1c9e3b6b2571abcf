"""Updates on the real dev server: accept, reject (no event), fail, activities, replay."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporal_sdk.common import WorkflowIDConflictPolicy
from temporal_sdk.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporal_sdk.worker import Replayer, Worker

_ET = EventType


@activity.defn
async def double(value: int) -> int:
    return value * 2


@workflow.defn
class Ledger:
    def __init__(self) -> None:
        self.total = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.total

    @workflow.update(description="add a doubled amount")
    async def add(self, amount: int) -> int:
        doubled = await workflow.execute_activity(
            double, amount, start_to_close_timeout=timedelta(seconds=30)
        )
        self.total += doubled
        return self.total

    @add.validator
    def check_add(self, amount: int) -> None:
        if amount < 0:
            raise ValueError(f"amount must not be negative, got {amount}")

    @workflow.update
    def set_total(self, value: int) -> str:
        self.total = value
        return f"total={value}"

    @workflow.update
    async def broken(self) -> None:
        raise ApplicationError("this update fails", type="Broken")

    @workflow.update
    def finish(self) -> int:
        self.done = True
        return self.total


def wf_id() -> str:
    return f"wf-{uuid.uuid4()}"


async def _events(handle: WorkflowHandle) -> list:  # type: ignore[type-arg]
    return [e async for e in handle.fetch_history_events()]


async def test_updates_accept_reject_fail_and_replay(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Ledger], activities=[double]):
        handle = await client.start_workflow(Ledger.run, id=wf_id(), task_queue=task_queue)

        assert await handle.execute_update(Ledger.add, 5, id="add-1") == 10
        assert await handle.execute_update("set_total", 100, result_type=str) == "total=100"

        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(Ledger.add, -1, id="rejected-1")
        assert "must not be negative" in str(rejected.value.cause)

        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await handle.execute_update(Ledger.broken, id="broken-1")
        cause = failed.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "Broken"

        with pytest.raises(WorkflowUpdateFailedError, match="failed"):
            await handle.execute_update("no_such_update")

        started = await handle.start_update(
            Ledger.add, 1, id="add-2", wait_for_stage=WorkflowUpdateStage.ACCEPTED
        )
        assert started.id == "add-2"
        assert await started.result() == 102
        assert await handle.get_update_handle("add-2", result_type=int).result() == 102

        assert await handle.execute_update(Ledger.finish) == 102
        assert await handle.result() == 102

        events = await _events(handle)
        accepted = [
            e.workflow_execution_update_accepted_event_attributes.protocol_instance_id
            for e in events
            if e.event_type == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        ]
        assert "add-1" in accepted and "broken-1" in accepted and "add-2" in accepted
        assert "rejected-1" not in accepted  # a rejected update leaves no event
        assert not any(
            e.event_type == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED for e in events
        )
        completed = [
            e for e in events if e.event_type == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED
        ]
        assert len(completed) == len(accepted)

        history = await handle.fetch_history()
    await Replayer(workflows=[Ledger]).replay_workflow(history)


async def test_update_with_failed_validator_before_first_task(
    client: Client, task_queue: str
) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Ledger], activities=[double]):
        handle = await client.start_workflow(Ledger.run, id=wf_id(), task_queue=task_queue)
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(Ledger.add, -5)
        assert await handle.execute_update(Ledger.finish) == 0
        assert await handle.result() == 0


async def test_update_with_start_creates_then_reuses(client: Client, task_queue: str) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Ledger], activities=[double]):
        workflow_id = wf_id()

        def operation() -> WithStartWorkflowOperation[Ledger, int]:
            return WithStartWorkflowOperation(
                Ledger.run,
                id=workflow_id,
                task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )

        first = operation()
        assert (
            await client.execute_update_with_start_workflow(
                Ledger.add, 2, start_workflow_operation=first
            )
            == 4
        )
        handle = await first.workflow_handle()
        second = operation()
        update = await client.start_update_with_start_workflow(
            Ledger.add,
            3,
            start_workflow_operation=second,
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )
        assert await update.result() == 10
        reused = await second.workflow_handle()
        assert reused.result_run_id == handle.result_run_id

        failing = WithStartWorkflowOperation(
            Ledger.run,
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
        with pytest.raises(WorkflowAlreadyStartedError):
            await client.execute_update_with_start_workflow(
                Ledger.add, 1, start_workflow_operation=failing
            )
        with pytest.raises(WorkflowAlreadyStartedError):
            await failing.workflow_handle()

        assert await handle.execute_update(Ledger.finish) == 10
        assert await handle.result() == 10
