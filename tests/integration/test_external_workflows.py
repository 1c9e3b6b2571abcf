"""External workflow handles on the real dev server: signal and cancel other workflows."""

from __future__ import annotations

import uuid

from temporal_sdk import workflow
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import Client, WorkflowFailureError, WorkflowHandle
from temporal_sdk.exceptions import ApplicationError, CancelledError
from temporal_sdk.worker import Replayer, Worker

_ET = EventType


@workflow.defn
class Target:
    def __init__(self) -> None:
        self.value = ""

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: bool(self.value))
        return self.value

    @workflow.signal
    async def poke(self, value: str) -> None:
        self.value = value


@workflow.defn
class Sender:
    @workflow.run
    async def run(self, action: str, target_id: str) -> str:
        if action == "signal":
            handle = workflow.get_external_workflow_handle_for(Target.run, target_id)
            await handle.signal(Target.poke, "from sender")
            return "signalled"
        if action == "cancel":
            await workflow.get_external_workflow_handle(target_id).cancel(reason="enough")
            return "cancel requested"
        try:
            if action == "signal_missing":
                await workflow.get_external_workflow_handle(target_id).signal("poke", "x")
            else:
                await workflow.get_external_workflow_handle(target_id).cancel()
        except ApplicationError as err:
            return f"{err.type}: {err.message}"
        return "no error"


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


async def _types(handle: WorkflowHandle) -> list[int]:
    """The run's event types, after checking that its history replays cleanly."""
    history = await handle.fetch_history()
    await Replayer(workflows=[Target, Sender]).replay_workflow(history)
    return [e.event_type for e in history.events]


async def _send(client: Client, task_queue: str, action: str, target_id: str) -> WorkflowHandle:
    return await client.start_workflow(
        Sender.run, args=[action, target_id], id=_id("sender"), task_queue=task_queue
    )


def _worker(client: Client, task_queue: str) -> Worker:
    return Worker(client, task_queue=task_queue, workflows=[Target, Sender])


async def test_signal_external_workflow(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        target = await client.start_workflow(Target.run, id=_id("target"), task_queue=task_queue)
        sender = await _send(client, task_queue, "signal", target.id)
        assert await sender.result() == "signalled"
        assert await target.result() == "from sender"
        types = await _types(sender)
    assert _ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED in types
    assert _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED in types


async def test_cancel_external_workflow(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        target = await client.start_workflow(Target.run, id=_id("target"), task_queue=task_queue)
        sender = await _send(client, task_queue, "cancel", target.id)
        assert await sender.result() == "cancel requested"
        try:
            await target.result()
            raise AssertionError("target was not cancelled")
        except WorkflowFailureError as err:
            assert isinstance(err.cause, CancelledError)
        types = await _types(sender)
        target_types = await _types(target)
    assert _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED in types
    assert _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED in types
    assert target_types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED


async def test_signal_missing_workflow_fails(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        sender = await _send(client, task_queue, "signal_missing", _id("nobody"))
        result = await sender.result()
        types = await _types(sender)
    assert result == (
        "EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND: "
        "Unable to signal external workflow because it was not found"
    )
    assert _ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED in types


async def test_cancel_missing_workflow_fails(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        sender = await _send(client, task_queue, "cancel_missing", _id("nobody"))
        result = await sender.result()
        types = await _types(sender)
    assert result == (
        "EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND: "
        "Unable to cancel external workflow because not found"
    )
    assert _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED in types
