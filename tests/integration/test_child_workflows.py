"""Child workflows on the real dev server: results, failures, start failures, cancels, policies."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporal_sdk import workflow
from temporal_sdk.api.enums.v1 import EventType, IndexedValueType
from temporal_sdk.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporal_sdk.client import Client, WorkflowFailureError, WorkflowHandle
from temporal_sdk.common import (
    RetryPolicy,
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
)
from temporal_sdk.exceptions import (
    ApplicationError,
    CancelledError,
    ChildWorkflowError,
    TerminatedError,
    TimeoutError,
    WorkflowAlreadyStartedError,
)
from temporal_sdk.service import RPCError, RPCStatusCode
from temporal_sdk.worker import Replayer, Worker

_ET = EventType
CHILD_KEY = SearchAttributeKey.for_keyword("SdkChildKeywordField")
ChildCancel = workflow.ChildWorkflowCancellationType


@workflow.defn
class Child:
    def __init__(self) -> None:
        self.released = False
        self.cancel_seen = False

    @workflow.run
    async def run(self, mode: str) -> str:
        if mode == "fail":
            raise ApplicationError("child says no", "detail", type="ChildBad", non_retryable=True)
        if mode == "wait":
            await workflow.wait_condition(lambda: self.released)
            return "released"
        if mode == "stubborn":
            # Ignores cancellation until released by a signal.
            while not self.released:
                try:
                    await workflow.wait_condition(lambda: self.released)
                except asyncio.CancelledError:
                    self.cancel_seen = True
            return "stubborn done"
        if mode == "memo":
            return str(workflow.memo_value("note"))
        if mode == "sleep":
            await workflow.sleep(3600)
        return f"child:{mode}"

    @workflow.signal
    def release(self) -> None:
        self.released = True


@workflow.defn
class Parent:
    def __init__(self) -> None:
        self.finish = False

    @workflow.signal
    def finish_up(self) -> None:
        self.finish = True

    @workflow.run
    async def run(self, scenario: str, child_id: str) -> str:
        return await getattr(self, scenario)(child_id)

    async def result(self, child_id: str) -> str:
        handle = await workflow.start_child_workflow(Child.run, "hi", id=child_id)
        assert handle.id == child_id
        assert handle.first_execution_run_id
        return await handle

    async def failure(self, child_id: str) -> str:
        try:
            await workflow.execute_child_workflow(Child.run, "fail", id=child_id)
        except ChildWorkflowError as err:
            cause = err.cause
            assert isinstance(cause, ApplicationError)
            return f"{err.message}|{err.workflow_id}|{cause.type}|{cause.message}"
        return "no error"

    async def already_started(self, child_id: str) -> str:
        await workflow.start_child_workflow(Child.run, "wait", id=child_id)
        try:
            await workflow.start_child_workflow(Child.run, "wait", id=child_id)
        except WorkflowAlreadyStartedError as err:
            return f"already started: {err.workflow_id} {err.workflow_type}"
        return "started twice"

    async def timeout(self, child_id: str) -> str:
        try:
            await workflow.execute_child_workflow(
                Child.run, "sleep", id=child_id, execution_timeout=timedelta(seconds=2)
            )
        except ChildWorkflowError as err:
            assert isinstance(err.cause, TimeoutError)
            return f"timed out: {err.message}"
        return "no timeout"

    async def terminated(self, child_id: str) -> str:
        try:
            await workflow.execute_child_workflow(Child.run, "wait", id=child_id)
        except ChildWorkflowError as err:
            assert isinstance(err.cause, TerminatedError)
            return f"terminated: {err.message}"
        return "not terminated"

    async def signal_child(self, child_id: str) -> str:
        handle = await workflow.start_child_workflow(Child.run, "wait", id=child_id)
        await handle.signal(Child.release)
        return await handle

    async def _cancel(self, child_id: str, mode: str, kind: ChildCancel) -> str:
        handle = await workflow.start_child_workflow(
            Child.run, mode, id=child_id, cancellation_type=kind
        )
        handle.cancel()
        try:
            return await handle
        except ChildWorkflowError as err:
            assert isinstance(err.cause, CancelledError), err.cause
            return f"cancelled: {err.message}"

    async def cancel_wait_completed(self, child_id: str) -> str:
        return await self._cancel(child_id, "wait", ChildCancel.WAIT_CANCELLATION_COMPLETED)

    async def cancel_try(self, child_id: str) -> str:
        result = await self._cancel(child_id, "wait", ChildCancel.TRY_CANCEL)
        # The server drops a closed parent's pending cancel request: stay open until told.
        await workflow.wait_condition(lambda: self.finish)
        return result

    async def cancel_abandon(self, child_id: str) -> str:
        return await self._cancel(child_id, "wait", ChildCancel.ABANDON)

    async def cancel_wait_requested(self, child_id: str) -> str:
        result = await self._cancel(child_id, "stubborn", ChildCancel.WAIT_CANCELLATION_REQUESTED)
        await workflow.get_external_workflow_handle(child_id).signal("release")
        return result

    async def cancel_stubborn_completes(self, child_id: str) -> str:
        # WAIT_CANCELLATION_COMPLETED waits for whatever outcome the child reaches.
        handle = await workflow.start_child_workflow(Child.run, "stubborn", id=child_id)
        handle.cancel()
        await workflow.sleep(1)
        await handle.signal(Child.release)
        return await handle

    async def cancel_before_sent(self, child_id: str) -> str:
        task = asyncio.ensure_future(workflow.start_child_workflow(Child.run, "wait", id=child_id))
        await asyncio.sleep(0)
        task.cancel()
        try:
            await task
        except ChildWorkflowError as err:
            assert isinstance(err.cause, CancelledError)
            return f"cancelled before sent: {err.message}"
        return "not cancelled"

    async def abandon_on_close(self, child_id: str) -> str:
        await workflow.start_child_workflow(
            Child.run, "wait", id=child_id, parent_close_policy=workflow.ParentClosePolicy.ABANDON
        )
        return "parent done"

    async def with_options(self, child_id: str) -> str:
        key = CHILD_KEY
        return await workflow.execute_child_workflow(
            Child.run,
            "memo",
            id=child_id,
            memo={"note": "from parent"},
            search_attributes=TypedSearchAttributes([SearchAttributePair(key, "kid")]),
            run_timeout=timedelta(minutes=5),
            task_timeout=timedelta(seconds=20),
            retry_policy=RetryPolicy(maximum_attempts=2),
        )

    async def wait_child(self, child_id: str) -> str:
        return await workflow.execute_child_workflow(Child.run, "wait", id=child_id)

    async def terminate_on_close(self, child_id: str) -> str:
        await workflow.start_child_workflow(Child.run, "wait", id=child_id)
        return "parent done"


def _ids() -> tuple[str, str]:
    base = uuid.uuid4()
    return f"parent-{base}", f"child-{base}"


async def _types(handle: WorkflowHandle) -> list[int]:
    """The run's event types, after checking that its history replays cleanly."""
    history = await handle.fetch_history()
    await Replayer(workflows=[Parent, Child]).replay_workflow(history)
    return [e.event_type for e in history.events]


async def _wait_for(client: Client, workflow_id: str, event_type: int) -> list[int]:
    handle = client.get_workflow_handle(workflow_id)
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        try:
            types = [e.event_type async for e in handle.fetch_history_events()]
        except Exception:
            types = []
        if event_type in types:
            return types
        if asyncio.get_running_loop().time() > deadline:
            names = [EventType.Name(t) for t in types]  # type: ignore[arg-type]
            raise AssertionError(
                f"{workflow_id} never recorded {EventType.Name(event_type)}: {names}"  # type: ignore[arg-type]
            )
        await asyncio.sleep(0.1)


async def _run(client: Client, task_queue: str, scenario: str) -> tuple[str, str, WorkflowHandle]:
    parent_id, child_id = _ids()
    handle = await client.start_workflow(
        Parent.run, args=[scenario, child_id], id=parent_id, task_queue=task_queue
    )
    result = await handle.result()
    return result, child_id, handle


def _worker(client: Client, task_queue: str) -> Worker:
    return Worker(client, task_queue=task_queue, workflows=[Parent, Child])


async def test_child_result(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        result, _, handle = await _run(client, task_queue, "result")
        types = await _types(handle)
    assert result == "child:hi"
    for t in (
        _ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
        _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
        _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
    ):
        assert t in types


async def test_child_failure(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        result, child_id, handle = await _run(client, task_queue, "failure")
        types = await _types(handle)
    assert result == f"Child Workflow execution failed|{child_id}|ChildBad|child says no"
    assert _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED in types


async def test_child_already_started_and_terminated_on_parent_close(
    client: Client, task_queue: str
) -> None:
    async with _worker(client, task_queue):
        result, child_id, handle = await _run(client, task_queue, "already_started")
        types = await _types(handle)
        child_types = await _wait_for(
            client, child_id, _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED
        )
    assert result == f"already started: {child_id} Child"
    assert _ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED in types
    assert child_types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED


async def test_child_timeout(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        result, _, handle = await _run(client, task_queue, "timeout")
        types = await _types(handle)
    assert result == "timed out: Child Workflow execution timed out"
    assert _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT in types


async def test_child_terminated(client: Client, task_queue: str) -> None:
    parent_id, child_id = _ids()
    async with _worker(client, task_queue):
        handle = await client.start_workflow(
            Parent.run, args=["terminated", child_id], id=parent_id, task_queue=task_queue
        )
        await _wait_for(client, child_id, _ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
        await client.get_workflow_handle(child_id).terminate("test says stop")
        result = await handle.result()
        types = await _types(handle)
    assert result == "terminated: Child Workflow execution terminated"
    assert _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED in types


async def test_signal_child(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        result, _, handle = await _run(client, task_queue, "signal_child")
        types = await _types(handle)
    assert result == "released"
    assert _ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED in types
    assert _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED in types


async def test_cancel_child_wait_cancellation_completed(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        result, _, handle = await _run(client, task_queue, "cancel_wait_completed")
        types = await _types(handle)
    assert result == "cancelled: Child Workflow execution cancelled"
    canceled = types.index(_ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED)
    assert (
        types.index(_ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED) < canceled
    )
    assert canceled < types.index(_ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)


async def test_cancel_child_try_cancel(client: Client, task_queue: str) -> None:
    parent_id, child_id = _ids()
    async with _worker(client, task_queue):
        handle = await client.start_workflow(
            Parent.run, args=["cancel_try", child_id], id=parent_id, task_queue=task_queue
        )
        child_types = await _wait_for(client, child_id, _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED)
        await handle.signal(Parent.finish_up)
        result = await handle.result()
        types = await _types(handle)
    assert result == "cancelled: Child Workflow execution cancelled"
    assert _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED in types
    assert _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED in child_types


async def test_cancel_child_abandon(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        result, child_id, handle = await _run(client, task_queue, "cancel_abandon")
        types = await _types(handle)
        # Parent close policy TERMINATE still ends the abandoned child.
        child_types = await _wait_for(
            client, child_id, _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED
        )
    assert result == "cancelled: Child Workflow execution cancelled"
    assert _ET.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED not in types
    assert _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED not in child_types


async def test_cancel_child_wait_cancellation_requested(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        result, child_id, handle = await _run(client, task_queue, "cancel_wait_requested")
        types = await _types(handle)
        child_result = await client.get_workflow_handle(child_id).result()
    assert result == "cancelled: Child Workflow execution cancelled"
    assert _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED in types
    # The parent stopped waiting before the child closed: no outcome event for it.
    assert (
        _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED
        not in types[: types.index(_ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED)]
    )
    assert child_result == "stubborn done"


async def test_cancel_child_that_completes_anyway(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        result, _, handle = await _run(client, task_queue, "cancel_stubborn_completes")
        types = await _types(handle)
    assert result == "stubborn done"
    assert _ET.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED in types
    assert _ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED in types


async def test_cancel_child_before_start_is_sent(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        result, _, handle = await _run(client, task_queue, "cancel_before_sent")
        types = await _types(handle)
    assert result.startswith("cancelled before sent: Child Workflow Execution cancelled")
    assert _ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED not in types


async def test_parent_close_policy_abandon(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        result, child_id, _ = await _run(client, task_queue, "abandon_on_close")
        assert result == "parent done"
        child = client.get_workflow_handle(child_id)
        await _wait_for(client, child_id, _ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
        await child.signal(Child.release)
        assert await child.result() == "released"


async def test_parent_close_policy_terminate(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        result, child_id, _ = await _run(client, task_queue, "terminate_on_close")
        child_types = await _wait_for(
            client, child_id, _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED
        )
    assert result == "parent done"
    assert child_types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED


async def test_cancelling_parent_cancels_waited_child(client: Client, task_queue: str) -> None:
    parent_id, child_id = _ids()
    async with _worker(client, task_queue):
        handle = await client.start_workflow(
            Parent.run, args=["wait_child", child_id], id=parent_id, task_queue=task_queue
        )
        await _wait_for(client, child_id, _ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
        await handle.cancel()
        try:
            await handle.result()
            raise AssertionError("parent was not cancelled")
        except WorkflowFailureError as err:
            assert isinstance(err.cause, CancelledError)
        types = await _types(handle)
        child_types = await _types(client.get_workflow_handle(child_id))
    assert types.index(_ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED) < types.index(
        _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED
    )
    assert child_types[-1] == _ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED


async def test_child_options_reach_the_child(client: Client, task_queue: str) -> None:
    req = AddSearchAttributesRequest(namespace=client.namespace)
    req.search_attributes[CHILD_KEY.name] = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
    try:
        await client.operator_service.add_search_attributes(req, retry=True)
    except RPCError as err:
        if err.status is not RPCStatusCode.ALREADY_EXISTS:
            raise
    listing = ListSearchAttributesRequest(namespace=client.namespace)
    for _ in range(300):
        listed = await client.operator_service.list_search_attributes(listing)
        if CHILD_KEY.name in listed.custom_attributes:
            break
        await asyncio.sleep(0.1)
    async with _worker(client, task_queue):
        result, child_id, _ = await _run(client, task_queue, "with_options")
        history = await client.get_workflow_handle(child_id).fetch_history()
    assert result == "from parent"
    started = history.events[0].workflow_execution_started_event_attributes
    assert CHILD_KEY.name in started.search_attributes.indexed_fields
    assert started.workflow_run_timeout.seconds == 300
    assert started.workflow_task_timeout.seconds == 20
    assert started.retry_policy.maximum_attempts == 2
    assert started.parent_workflow_execution.workflow_id.startswith("parent-")
