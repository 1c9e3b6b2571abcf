"""Worker interceptors on the real dev server: every interception point, and headers end to end.

Headers enter through raw service requests (start, signal, query, update), so these tests do not
depend on client interceptors; the workflow interceptor copies the start header ``trace`` onto
everything the workflow sends out.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, NoReturn

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk import client as client_interceptors
from temporal_sdk.api.common.v1 import Payload, Payloads, WorkflowExecution, WorkflowType
from temporal_sdk.api.enums.v1 import EventType, UpdateWorkflowExecutionLifecycleStage
from temporal_sdk.api.query.v1 import WorkflowQuery
from temporal_sdk.api.taskqueue.v1 import TaskQueue
from temporal_sdk.api.update.v1 import Input, Meta, Request, WaitPolicy
from temporal_sdk.api.workflowservice.v1 import (
    QueryWorkflowRequest,
    SignalWorkflowExecutionRequest,
    StartWorkflowExecutionRequest,
    UpdateWorkflowExecutionRequest,
)
from temporal_sdk.client import Client, WorkflowHandle, WorkflowUpdateHandle
from temporal_sdk.converter import DataConverter, PayloadCodec
from temporal_sdk.worker import (
    ActivityInboundInterceptor,
    ActivityOutboundInterceptor,
    ContinueAsNewInput,
    ExecuteActivityInput,
    ExecuteWorkflowInput,
    HandleQueryInput,
    HandleSignalInput,
    HandleUpdateInput,
    Interceptor,
    Replayer,
    SignalChildWorkflowInput,
    SignalExternalWorkflowInput,
    StartActivityInput,
    StartChildWorkflowInput,
    StartLocalActivityInput,
    Worker,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

PC = DataConverter.default.payload_converter
_COMPLETED = (
    UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED
)
RECORDS: list[tuple[Any, ...]] = []


def _enc(value: Any) -> Payload:
    return PC.to_payloads([value])[0]


def _trace(headers: Any) -> Any:
    payload = headers.get("trace")
    return None if payload is None else PC.from_payloads([payload])[0]


# -- the interceptor ------------------------------------------------------------------------------


class _WorkflowOut(WorkflowOutboundInterceptor):
    def __init__(self, next: WorkflowOutboundInterceptor, root: _WorkflowIn) -> None:
        super().__init__(next)
        self.root = root

    def _stamp(self, headers: Any) -> dict[str, Payload]:
        if self.root.trace is None:
            return dict(headers)
        return {**headers, "trace": self.root.trace}

    def start_activity(self, input: StartActivityInput) -> workflow.ActivityHandle[Any]:
        RECORDS.append(("start_activity", input.activity))
        input.headers = self._stamp(input.headers)
        return super().start_activity(input)

    def start_local_activity(self, input: StartLocalActivityInput) -> workflow.ActivityHandle[Any]:
        RECORDS.append(("start_local_activity", input.activity))
        input.headers = self._stamp(input.headers)
        return super().start_local_activity(input)

    async def start_child_workflow(
        self, input: StartChildWorkflowInput
    ) -> workflow.ChildWorkflowHandle[Any, Any]:
        RECORDS.append(("start_child_workflow", input.workflow, input.id))
        input.headers = self._stamp(input.headers)
        return await super().start_child_workflow(input)

    async def signal_child_workflow(self, input: SignalChildWorkflowInput) -> None:
        RECORDS.append(("signal_child_workflow", input.child_workflow_id, input.signal))
        input.headers = self._stamp(input.headers)
        await super().signal_child_workflow(input)

    async def signal_external_workflow(self, input: SignalExternalWorkflowInput) -> None:
        RECORDS.append(("signal_external_workflow", input.workflow_id, input.signal))
        input.headers = self._stamp(input.headers)
        await super().signal_external_workflow(input)

    def continue_as_new(self, input: ContinueAsNewInput) -> NoReturn:
        RECORDS.append(("continue_as_new", list(input.args)))
        input.headers = self._stamp(input.headers)
        super().continue_as_new(input)


class _WorkflowIn(WorkflowInboundInterceptor):
    trace: Payload | None = None

    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        super().init(_WorkflowOut(outbound, self))

    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        self.trace = input.headers.get("trace")
        wf_id = workflow.info().workflow_id
        RECORDS.append(("execute_workflow", wf_id, _trace(input.headers), input.type.__name__))
        RECORDS.append(("extern_functions", wf_id, sorted(workflow.extern_functions())))
        return await super().execute_workflow(input)

    async def handle_signal(self, input: HandleSignalInput) -> None:
        wf_id = workflow.info().workflow_id
        RECORDS.append(("handle_signal", wf_id, input.signal, _trace(input.headers)))
        await super().handle_signal(input)

    async def handle_query(self, input: HandleQueryInput) -> Any:
        RECORDS.append(("handle_query", input.query, _trace(input.headers)))
        return await super().handle_query(input)

    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        RECORDS.append(("handle_update_validator", input.update, _trace(input.headers)))
        super().handle_update_validator(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        RECORDS.append(("handle_update_handler", input.update, _trace(input.headers)))
        return await super().handle_update_handler(input)


class _ActivityOut(ActivityOutboundInterceptor):
    def info(self) -> activity.Info:
        RECORDS.append(("activity_info",))
        return super().info()

    def heartbeat(self, *details: Any) -> None:
        RECORDS.append(("heartbeat", details))
        super().heartbeat(*details)


class _ActivityIn(ActivityInboundInterceptor):
    def init(self, outbound: ActivityOutboundInterceptor) -> None:
        super().init(_ActivityOut(outbound))

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        name = getattr(input.fn, "__name__", "?")
        where = "local" if activity.info().is_local else "remote"
        RECORDS.append(("execute_activity", name, where, _trace(input.headers), input.executor))
        return await super().execute_activity(input)


class Recorder(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityIn(next)

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        input.unsafe_extern_functions["recorder_records"] = RECORDS.__len__
        return _WorkflowIn


# -- activities and workflows ---------------------------------------------------------------------


@activity.defn
async def echo(value: str) -> str:
    activity.heartbeat("beat")
    return f"{activity.info().activity_type}:{value}"


@activity.defn
def echo_sync(value: str) -> str:
    activity.heartbeat("sync beat")
    return f"{activity.info().activity_type}:{value}"


_OPTS: dict[str, Any] = {"start_to_close_timeout": timedelta(seconds=30)}


@workflow.defn
class Kid:
    def __init__(self) -> None:
        self.poked = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.poked)
        return "kid done"

    @workflow.signal
    def poke(self) -> None:
        self.poked = True


@workflow.defn
class Parent:
    @workflow.run
    async def run(self) -> list[str]:
        results = [await workflow.execute_activity(echo, "remote", **_OPTS)]
        results.append(await workflow.execute_activity(echo_sync, "thread", **_OPTS))
        results.append(await workflow.execute_local_activity(echo, "local", **_OPTS))
        child = await workflow.start_child_workflow(
            Kid.run, id=f"{workflow.info().workflow_id}-kid"
        )
        await child.signal(Kid.poke)
        results.append(await child)
        return results


@workflow.defn
class Waiter:
    def __init__(self) -> None:
        self.values: list[str] = []

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: "stop" in self.values)
        return self.values

    @workflow.signal
    def add(self, value: str) -> None:
        self.values.append(value)

    @workflow.query
    def count(self) -> int:
        return len(self.values)

    @workflow.update
    def push(self, value: str) -> int:
        self.values.append(value)
        return len(self.values)

    @push.validator
    def check_push(self, value: str) -> None:
        if not value:
            raise ValueError("empty")


@workflow.defn
class Relay:
    @workflow.run
    async def run(self, target: str, hops: int) -> str:
        if hops > 0:
            workflow.continue_as_new(args=[target, hops - 1])
        await workflow.get_external_workflow_handle(target).signal("add", "stop")
        return "relayed"


# -- helpers --------------------------------------------------------------------------------------


def _worker(client: Client, task_queue: str, **kwargs: Any) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[Kid, Parent, Waiter, Relay],
        activities=[echo, echo_sync],
        activity_executor=concurrent.futures.ThreadPoolExecutor(2),
        interceptors=[Recorder()],
        **kwargs,
    )


async def _start_raw(
    client: Client, workflow_type: str, task_queue: str, args: list[Any], trace: str
) -> str:
    converter = client.data_converter
    workflow_id = f"wi-{uuid.uuid4()}"
    req = StartWorkflowExecutionRequest(
        namespace=client.namespace,
        workflow_id=workflow_id,
        workflow_type=WorkflowType(name=workflow_type),
        task_queue=TaskQueue(name=task_queue),
        input=Payloads(payloads=await converter.encode(args)) if args else None,
        request_id=str(uuid.uuid4()),
        identity="interceptor-test",
    )
    (header,) = converter.payload_converter.to_payloads([trace])  # headers skip the codec
    req.header.fields["trace"].CopyFrom(header)
    await client.workflow_service.start_workflow_execution(req)
    return workflow_id


def _records(kind: str, match: Callable[[tuple[Any, ...]], bool] = lambda r: True) -> list[Any]:
    return [r for r in RECORDS if r[0] == kind and match(r)]


async def _wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


# -- tests ----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_records() -> None:
    RECORDS.clear()


async def test_header_flows_client_to_workflow_to_activities_and_child(
    client: Client, task_queue: str
) -> None:
    async with _worker(client, task_queue):
        wf_id = await _start_raw(client, "Parent", task_queue, [], "t-parent")
        result = await client.get_workflow_handle(wf_id).result()
    assert result == ["echo:remote", "echo_sync:thread", "echo:local", "kid done"]
    assert ("execute_workflow", wf_id, "t-parent", "Parent") in RECORDS
    assert ("extern_functions", wf_id, ["recorder_records"]) in RECORDS
    # The workflow's outbound interceptor copied the header onto the activities it scheduled.
    assert ("start_activity", "echo") in RECORDS
    assert ("start_local_activity", "echo") in RECORDS
    assert ("execute_activity", "echo", "remote", "t-parent", None) in RECORDS
    assert ("execute_activity", "echo", "local", "t-parent", None) in RECORDS
    (sync,) = _records("execute_activity", lambda r: r[1] == "echo_sync" and r[3] == "t-parent")
    assert isinstance(sync[4], concurrent.futures.ThreadPoolExecutor)
    # ... and onto the child's start and the signal sent to the child.
    kid_id = f"{wf_id}-kid"
    assert ("start_child_workflow", "Kid", kid_id) in RECORDS
    assert ("execute_workflow", kid_id, "t-parent", "Kid") in RECORDS
    assert ("signal_child_workflow", kid_id, "poke") in RECORDS
    assert ("handle_signal", kid_id, "poke", "t-parent") in RECORDS


async def test_activity_outbound_sees_info_and_heartbeat(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        wf_id = await _start_raw(client, "Parent", task_queue, [], "t-out")
        await client.get_workflow_handle(wf_id).result()
    assert ("heartbeat", ("beat",)) in RECORDS
    assert ("heartbeat", ("sync beat",)) in RECORDS  # the thread-pool path too
    assert _records("activity_info")


async def test_signal_query_update_carry_request_headers(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        wf_id = await _start_raw(client, "Waiter", task_queue, [], "t-start")
        execution = WorkflowExecution(workflow_id=wf_id)
        signal = SignalWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=execution,
            signal_name="add",
            input=Payloads(payloads=[_enc("a")]),
            identity="interceptor-test",
            request_id=str(uuid.uuid4()),
        )
        signal.header.fields["trace"].CopyFrom(_enc("t-signal"))
        await client.workflow_service.signal_workflow_execution(signal)
        await _wait_for(lambda: bool(_records("handle_signal", lambda r: r[1] == wf_id)))

        query = QueryWorkflowRequest(
            namespace=client.namespace,
            execution=execution,
            query=WorkflowQuery(query_type="count"),
        )
        query.query.header.fields["trace"].CopyFrom(_enc("t-query"))
        answer = await client.workflow_service.query_workflow(query)
        assert PC.from_payloads(list(answer.query_result.payloads))[0] == 1

        update = UpdateWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=execution,
            request=Request(
                meta=Meta(update_id=str(uuid.uuid4()), identity="interceptor-test"),
                input=Input(name="push", args=Payloads(payloads=[_enc("b")])),
            ),
            wait_policy=WaitPolicy(lifecycle_stage=_COMPLETED),
        )
        update.request.input.header.fields["trace"].CopyFrom(_enc("t-update"))
        result = await client.workflow_service.update_workflow_execution(update)
        assert PC.from_payloads(list(result.outcome.success.payloads))[0] == 2

        handle = client.get_workflow_handle(wf_id)
        await handle.signal("add", "stop")
        assert await handle.result() == ["a", "b", "stop"]
    assert ("execute_workflow", wf_id, "t-start", "Waiter") in RECORDS
    assert ("handle_signal", wf_id, "add", "t-signal") in RECORDS
    assert ("handle_query", "count", "t-query") in RECORDS
    assert ("handle_update_validator", "push", "t-update") in RECORDS
    assert ("handle_update_handler", "push", "t-update") in RECORDS


async def test_continue_as_new_and_external_signal_carry_headers(
    client: Client, task_queue: str
) -> None:
    async with _worker(client, task_queue):
        target = await _start_raw(client, "Waiter", task_queue, [], "t-target")
        relay = await _start_raw(client, "Relay", task_queue, [target, 1], "t-relay")
        assert await client.get_workflow_handle(relay).result() == "relayed"
        assert await client.get_workflow_handle(target).result() == ["stop"]
        history = await client.get_workflow_handle(relay).fetch_history()
    assert ("continue_as_new", [target, 0]) in RECORDS
    # The continued run started with the header the interceptor put on the command.
    assert len(_records("execute_workflow", lambda r: r[1] == relay and r[2] == "t-relay")) >= 2
    assert ("signal_external_workflow", target, "add") in RECORDS
    assert ("handle_signal", target, "add", "t-relay") in RECORDS
    signal_events = [
        e
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED
    ]
    (initiated,) = signal_events
    attrs = initiated.signal_external_workflow_execution_initiated_event_attributes
    assert _trace(attrs.header.fields) == "t-relay"


async def test_interceptors_run_on_replay(client: Client, task_queue: str) -> None:
    async with _worker(client, task_queue):
        wf_id = await _start_raw(client, "Parent", task_queue, [], "t-replay")
        handle = client.get_workflow_handle(wf_id)
        await handle.result()
        history = await handle.fetch_history()
    RECORDS.clear()  # from here on, only what the replay recorded
    replayer = Replayer(workflows=[Parent, Kid], interceptors=[Recorder()])
    await replayer.replay_workflow(history)
    assert ("execute_workflow", wf_id, "t-replay", "Parent") in RECORDS
    assert ("extern_functions", wf_id, ["recorder_records"]) in RECORDS
    assert ("start_activity", "echo") in RECORDS
    # Replay matched the commands, headers included, without a non-determinism error.
    scheduled = [
        e.activity_task_scheduled_event_attributes
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert [_trace(a.header.fields) for a in scheduled] == ["t-replay", "t-replay"]


class _Flip(PayloadCodec):
    """Reverses payload bytes and marks them, refusing to decode what it did not encode."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(metadata={"encoding": b"binary/flipped"}, data=p.SerializeToString()[::-1])
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        assert all(p.metadata["encoding"] == b"binary/flipped" for p in payloads)
        return [Payload.FromString(p.data[::-1]) for p in payloads]


async def test_headers_skip_the_codec_and_reach_interceptors(
    client: Client, task_queue: str
) -> None:
    secure = Client(
        client.service_client,
        namespace=client.namespace,
        data_converter=DataConverter(payload_codec=_Flip()),
    )
    async with _worker(secure, task_queue):
        wf_id = await _start_raw(secure, "Parent", task_queue, [], "t-codec")
        await secure.get_workflow_handle(wf_id).result()
        history = await client.get_workflow_handle(wf_id).fetch_history()
    assert ("execute_workflow", wf_id, "t-codec", "Parent") in RECORDS
    assert ("execute_activity", "echo", "remote", "t-codec", None) in RECORDS
    assert ("execute_activity", "echo", "local", "t-codec", None) in RECORDS
    assert ("execute_workflow", f"{wf_id}-kid", "t-codec", "Kid") in RECORDS
    scheduled = next(
        e.activity_task_scheduled_event_attributes
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    )
    # Header payloads travel unencoded (temporalio's default), the arguments encoded.
    assert scheduled.header.fields["trace"].metadata["encoding"] == b"json/plain"
    assert scheduled.input.payloads[0].metadata["encoding"] == b"binary/flipped"


class _StampingClientOut(client_interceptors.OutboundInterceptor):
    """Puts a ``trace`` header on starts, signals, queries and updates."""

    async def start_workflow(
        self, input: client_interceptors.StartWorkflowInput
    ) -> WorkflowHandle[Any, Any]:
        input.headers = {**input.headers, "trace": _enc("t-client")}
        return await super().start_workflow(input)

    async def signal_workflow(self, input: client_interceptors.SignalWorkflowInput) -> None:
        input.headers = {**input.headers, "trace": _enc("t-client-signal")}
        await super().signal_workflow(input)

    async def query_workflow(self, input: client_interceptors.QueryWorkflowInput) -> Any:
        input.headers = {**input.headers, "trace": _enc("t-client-query")}
        return await super().query_workflow(input)

    async def start_workflow_update(
        self, input: client_interceptors.StartWorkflowUpdateInput
    ) -> WorkflowUpdateHandle[Any]:
        input.headers = {**input.headers, "trace": _enc("t-client-update")}
        return await super().start_workflow_update(input)


class _ClientAndWorker(client_interceptors.Interceptor, Recorder):
    """A client interceptor that is also a worker interceptor (workers pick it up)."""

    def intercept_client(
        self, next: client_interceptors.OutboundInterceptor
    ) -> client_interceptors.OutboundInterceptor:
        return _StampingClientOut(next)


async def test_client_interceptor_headers_reach_workflow_and_activities(
    client: Client, task_queue: str
) -> None:
    traced = Client(
        client.service_client, namespace=client.namespace, interceptors=[_ClientAndWorker()]
    )
    worker = Worker(
        traced,
        task_queue=task_queue,
        workflows=[Kid, Parent, Waiter],
        activities=[echo, echo_sync],
        activity_executor=concurrent.futures.ThreadPoolExecutor(2),
    )
    async with worker:
        parent = await traced.start_workflow(
            Parent.run, id=f"wi-{uuid.uuid4()}", task_queue=task_queue
        )
        await parent.result()
        waiter = await traced.start_workflow(
            Waiter.run, id=f"wi-{uuid.uuid4()}", task_queue=task_queue
        )
        await waiter.signal(Waiter.add, "a")
        assert await waiter.query(Waiter.count) == 1
        assert await waiter.execute_update(Waiter.push, "b") == 2
        await waiter.signal(Waiter.add, "stop")
        await waiter.result()
    # The worker has no interceptors of its own: these come from the client's.
    assert ("execute_workflow", parent.id, "t-client", "Parent") in RECORDS
    assert ("execute_activity", "echo", "remote", "t-client", None) in RECORDS
    assert ("execute_workflow", f"{parent.id}-kid", "t-client", "Kid") in RECORDS
    assert ("handle_signal", waiter.id, "add", "t-client-signal") in RECORDS
    assert ("handle_query", "count", "t-client-query") in RECORDS
    assert ("handle_update_handler", "push", "t-client-update") in RECORDS
