"""Client interceptors against the dev server: every operation family passes through the chain,
inputs can be changed on the way, and headers added by an interceptor arrive on the server (in
history for starts and signals, in the worker's inbound interceptors for queries and updates)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.client import (
    Client,
    CompleteAsyncActivityInput,
    FetchWorkflowHistoryEventsInput,
    Interceptor,
    OutboundInterceptor,
    QueryWorkflowInput,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleBackfill,
    ScheduleIntervalSpec,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
    SignalWorkflowInput,
    StartWorkflowInput,
    StartWorkflowUpdateInput,
    StartWorkflowUpdateWithStartInput,
    WithStartWorkflowOperation,
)
from temporal_sdk.common import WorkflowIDConflictPolicy
from temporal_sdk.service import RPCError
from temporal_sdk.worker import (
    ExecuteWorkflowInput,
    HandleQueryInput,
    HandleSignalInput,
    HandleUpdateInput,
    Worker,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)
from temporal_sdk.worker import Interceptor as WorkerInterceptor

TRACE = "trace"


def trace(value: str) -> Payload:
    return Payload(metadata={"encoding": b"binary/plain"}, data=value.encode())


class Tag(Interceptor):
    """Records every call, adds a ``trace`` header where the input has headers, and upper-cases
    string signal arguments (to show inputs can be changed)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _TagOutbound(next, self)


class _TagOutbound(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, tag: Tag) -> None:
        super().__init__(next)
        self.tag = tag

    def __getattribute__(self, name: str) -> Any:
        # Record every call of the OutboundInterceptor API by name, then run it as usual.
        attr = super().__getattribute__(name)
        if not name.startswith("_") and callable(attr) and hasattr(OutboundInterceptor, name):
            object.__getattribute__(self, "tag").calls.append(name)
        return attr

    async def start_workflow(self, input: StartWorkflowInput) -> Any:
        input.headers = {**input.headers, TRACE: trace("start")}
        return await super().start_workflow(input)

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        input.headers = {**input.headers, TRACE: trace("signal")}
        input.args = [a.upper() if isinstance(a, str) else a for a in input.args]
        await super().signal_workflow(input)

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        input.headers = {**input.headers, TRACE: trace("query")}
        return await super().query_workflow(input)

    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> Any:
        input.headers = {**input.headers, TRACE: trace("update")}
        return await super().start_workflow_update(input)

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> Any:
        input.start_workflow_input.headers = {TRACE: trace("uws-start")}
        input.update_workflow_input.headers = {TRACE: trace("uws-update")}
        return await super().start_update_with_start_workflow(input)

    async def complete_async_activity(self, input: CompleteAsyncActivityInput) -> None:
        input.result = f"intercepted {input.result}"
        await super().complete_async_activity(input)


# Headers the worker saw, keyed by workflow id: (kind, header value).
seen: dict[str, list[tuple[str, str]]] = {}


class _SeeHeaders(WorkflowInboundInterceptor):
    def _note(self, kind: str, headers: Any) -> None:
        if TRACE in headers:
            entry = (kind, headers[TRACE].data.decode())
            seen.setdefault(workflow.info().workflow_id, []).append(entry)

    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        self._note("run", input.headers)
        return await super().execute_workflow(input)

    async def handle_signal(self, input: HandleSignalInput) -> None:
        self._note("signal", input.headers)
        await super().handle_signal(input)

    async def handle_query(self, input: HandleQueryInput) -> Any:
        self._note("query", input.headers)
        return await super().handle_query(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        self._note("update", input.headers)
        return await super().handle_update_handler(input)


class SeeHeaders(WorkerInterceptor):
    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        return _SeeHeaders


@workflow.defn
class Echo:
    def __init__(self) -> None:
        self.signals: list[str] = []
        self.done = False

    @workflow.run
    async def run(self, prefix: str) -> list[str]:
        await workflow.wait_condition(lambda: self.done)
        return [prefix, *self.signals]

    @workflow.signal
    def sig(self, value: str) -> None:
        self.signals.append(value)

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query
    def count(self) -> int:
        return len(self.signals)

    @workflow.update
    def add(self, value: str) -> int:
        self.signals.append(value)
        return len(self.signals)


def intercepted(client: Client, *interceptors: Interceptor) -> Client:
    return Client(client.service_client, namespace=client.namespace, interceptors=interceptors)


def wf_id() -> str:
    return f"wf-{uuid.uuid4()}"


async def events_of(client: Client, workflow_id: str, event_type: int) -> list[HistoryEvent]:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return [e for e in history.events if e.event_type == event_type]


async def test_start_and_signal_headers_reach_history(client: Client, task_queue: str) -> None:
    tag = Tag()
    tagged = intercepted(client, tag)
    async with Worker(client, task_queue=task_queue, workflows=[Echo]):
        handle = await tagged.start_workflow(Echo.run, "p", id=wf_id(), task_queue=task_queue)
        await handle.signal(Echo.sig, "hello")
        await handle.signal(Echo.finish)
        assert await handle.result() == ["p", "HELLO"]  # the interceptor changed the arg
    started = await events_of(client, handle.id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
    attrs = started[0].workflow_execution_started_event_attributes
    assert attrs.header.fields[TRACE].data == b"start"
    signaled = await events_of(client, handle.id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
    assert [
        e.workflow_execution_signaled_event_attributes.header.fields[TRACE].data for e in signaled
    ] == [b"signal", b"signal"]
    assert tag.calls[:3] == ["start_workflow", "signal_workflow", "signal_workflow"]
    assert "fetch_workflow_history_events" in tag.calls  # result() follows history too


async def test_signal_with_start_header_in_history(client: Client, task_queue: str) -> None:
    tagged = intercepted(client, Tag())
    async with Worker(client, task_queue=task_queue, workflows=[Echo]):
        handle = await tagged.start_workflow(
            Echo.run,
            "p",
            id=wf_id(),
            task_queue=task_queue,
            start_signal="sig",
            start_signal_args=["first"],
        )
        await handle.signal(Echo.finish)
        # The start signal's args are part of StartWorkflowInput, not a signal call.
        assert await handle.result() == ["p", "first"]
    started = await events_of(client, handle.id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
    assert started[0].workflow_execution_started_event_attributes.header.fields[TRACE].data == (
        b"start"
    )
    signaled = await events_of(client, handle.id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
    assert signaled[0].workflow_execution_signaled_event_attributes.header.fields[TRACE].data == (
        b"start"
    )


async def test_query_and_update_headers_reach_the_worker(client: Client, task_queue: str) -> None:
    tagged = intercepted(client, Tag())
    workflow_id = wf_id()
    async with Worker(client, task_queue=task_queue, workflows=[Echo], interceptors=[SeeHeaders()]):
        handle = await tagged.start_workflow(Echo.run, "p", id=workflow_id, task_queue=task_queue)
        assert await handle.execute_update(Echo.add, "u") == 1
        assert await handle.query(Echo.count) == 1
        await handle.signal(Echo.finish)
        await handle.result()
    kinds = dict(seen.pop(workflow_id))
    assert kinds == {"run": "start", "update": "update", "query": "query", "signal": "signal"}


async def test_update_with_start_headers(client: Client, task_queue: str) -> None:
    tag = Tag()
    tagged = intercepted(client, tag)
    workflow_id = wf_id()
    async with Worker(client, task_queue=task_queue, workflows=[Echo], interceptors=[SeeHeaders()]):
        op = WithStartWorkflowOperation(
            Echo.run,
            "p",
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
        result = await tagged.execute_update_with_start_workflow(
            Echo.add, "u", start_workflow_operation=op
        )
        assert result == 1
        handle = await op.workflow_handle()
        await handle.signal(Echo.finish)
        assert await handle.result() == ["p", "u"]
    assert tag.calls[0] == "start_update_with_start_workflow"
    kinds = dict(seen.pop(workflow_id))
    assert kinds["run"] == "uws-start"
    assert kinds["update"] == "uws-update"


async def test_workflow_management_calls_pass_the_chain(client: Client, task_queue: str) -> None:
    tag = Tag()
    tagged = intercepted(client, tag)
    async with Worker(client, task_queue=task_queue, workflows=[Echo]):
        handle = await tagged.start_workflow(Echo.run, "p", id=wf_id(), task_queue=task_queue)
        other = await tagged.start_workflow(Echo.run, "p", id=wf_id(), task_queue=task_queue)
        assert (await handle.describe()).id == handle.id
        await handle.cancel()
        events = [e async for e in handle.fetch_history_events()]
        assert events[0].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
        await other.terminate("bye", reason="test")
        terminated = await events_of(
            client, other.id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED
        )
        assert terminated[0].workflow_execution_terminated_event_attributes.reason == "test"
        await tagged.count_workflows(f"WorkflowId = '{handle.id}'")
        [w async for w in tagged.list_workflows(f"WorkflowId = '{handle.id}'")]
    for call in (
        "describe_workflow",
        "cancel_workflow",
        "fetch_workflow_history_events",
        "terminate_workflow",
        "count_workflows",
        "list_workflows",
    ):
        assert call in tag.calls


class HistoryPageSize(Interceptor):
    """Changes an input field the server honours: history is fetched one event per page."""

    def __init__(self) -> None:
        self.pages: list[int | None] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        outer = self

        class Outbound(OutboundInterceptor):
            def fetch_workflow_history_events(
                self, input: FetchWorkflowHistoryEventsInput
            ) -> AsyncIterator[HistoryEvent]:
                outer.pages.append(input.page_size)
                input.page_size = 1
                return super().fetch_workflow_history_events(input)

        return Outbound(next)


async def test_chain_order_first_is_outermost(client: Client, task_queue: str) -> None:
    first, second = HistoryPageSize(), Tag()
    tagged = intercepted(client, first, second)
    async with Worker(client, task_queue=task_queue, workflows=[Echo]):
        handle = await tagged.start_workflow(Echo.run, "p", id=wf_id(), task_queue=task_queue)
        await handle.signal(Echo.finish)
        await handle.result()
        history = await handle.fetch_history()
    assert len(history.events) > 1
    assert first.pages and second.calls.count("fetch_workflow_history_events") == len(first.pages)


# Filled by the activity, keyed by workflow id.
tokens: dict[str, bytes] = {}


@activity.defn
async def finish_later() -> str:
    info = activity.info()
    assert info.workflow_id is not None
    tokens[info.workflow_id] = info.task_token
    activity.raise_complete_async()


@workflow.defn
class WaitsForActivity:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(
            finish_later, start_to_close_timeout=timedelta(seconds=60)
        )


async def wait_for(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + 30
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_async_activity_calls_pass_the_chain(client: Client, task_queue: str) -> None:
    tag = Tag()
    tagged = intercepted(client, tag)
    async with Worker(
        client, task_queue=task_queue, workflows=[WaitsForActivity], activities=[finish_later]
    ):
        handle = await client.start_workflow(
            WaitsForActivity.run, id=wf_id(), task_queue=task_queue
        )

        async def has_token() -> bool:
            return handle.id in tokens

        await wait_for(has_token, "the activity's task token")
        activity_handle = tagged.get_async_activity_handle(task_token=tokens.pop(handle.id))
        await activity_handle.heartbeat("beat")
        await activity_handle.complete("done")
        assert await handle.result() == "intercepted done"
        # The activity is closed now: the server refuses, but the calls still pass the chain.
        with pytest.raises(RPCError):
            await activity_handle.fail(RuntimeError("late"))
        with pytest.raises(RPCError):
            await activity_handle.report_cancellation()
    assert tag.calls == [
        "heartbeat_async_activity",
        "complete_async_activity",
        "fail_async_activity",
        "report_cancellation_async_activity",
    ]


async def test_schedule_calls_pass_the_chain(client: Client, task_queue: str) -> None:
    tag = Tag()
    tagged = intercepted(client, tag)
    schedule_id = f"sched-{uuid.uuid4()}"
    schedule = Schedule(
        # Started runs (trigger, backfill) time out on their own: nothing polls this queue.
        action=ScheduleActionStartWorkflow(
            Echo.run,
            "s",
            id=wf_id(),
            task_queue=task_queue,
            execution_timeout=timedelta(seconds=30),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(days=1))]),
    )
    handle = await tagged.create_schedule(schedule_id, schedule)
    try:
        await handle.pause(note="p")
        await handle.unpause()
        now = datetime.now(timezone.utc)
        await handle.backfill(ScheduleBackfill(start_at=now - timedelta(days=2), end_at=now))

        def no_change(input: ScheduleUpdateInput) -> ScheduleUpdate | None:
            return None

        await handle.update(no_change)
        assert (await handle.describe()).id == schedule_id
        await handle.trigger()
        await tagged.list_schedules()
    finally:
        await handle.delete()
    assert tag.calls == [
        "create_schedule",
        "pause_schedule",
        "unpause_schedule",
        "backfill_schedule",
        "update_schedule",
        "describe_schedule",
        "trigger_schedule",
        "list_schedules",
        "delete_schedule",
    ]


class Both(Tag, SeeHeaders):
    """A client interceptor that is also a worker interceptor."""


async def test_client_interceptor_that_is_also_a_worker_interceptor(
    client: Client, task_queue: str
) -> None:
    both = Both()
    tagged = intercepted(client, both)
    assert list(tagged.config()["interceptors"]) == [both]
    workflow_id = wf_id()
    async with Worker(tagged, task_queue=task_queue, workflows=[Echo]):
        handle = await tagged.start_workflow(Echo.run, "p", id=workflow_id, task_queue=task_queue)
        assert await handle.query(Echo.count) == 0
        await handle.signal(Echo.finish)
        await handle.result()
    kinds = dict(seen.pop(workflow_id))
    assert kinds == {"run": "start", "query": "query", "signal": "signal"}
