"""Bad input on the dev server: each case fails the workflow *task* with a readable cause, the
worker keeps serving other workflows, and the workflow completes once a fixed worker runs.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest

from temporal_sdk import workflow
from temporal_sdk.api.common.v1 import Payload, Payloads, WorkflowExecution, WorkflowType
from temporal_sdk.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporal_sdk.api.failure.v1 import Failure
from temporal_sdk.api.taskqueue.v1 import TaskQueue
from temporal_sdk.api.workflowservice.v1 import (
    SignalWorkflowExecutionRequest,
    StartWorkflowExecutionRequest,
)
from temporal_sdk.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporal_sdk.common import RawValue
from temporal_sdk.converter import DataConverter, PayloadCodec
from temporal_sdk.worker import Worker

UNHANDLED = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE
# A failed task is retried after its timeout; keep that short so fixed workers take over soon.
TASK_TIMEOUT = timedelta(seconds=2)


@workflow.defn(name="FaultHealthy")
class Healthy:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"healthy {name}"


@workflow.defn(name="FaultTypedInput")
class TypedInput:
    @workflow.run
    async def run(self, count: int) -> str:
        return f"count={count}"


@workflow.defn(name="FaultTypedInput")
class TypedInputFixed:
    """The fix: take the argument raw and look at its encoding instead of trusting it."""

    @workflow.run
    async def run(self, raw: RawValue) -> str:
        return "raw " + raw.payload.metadata.get("encoding", b"?").decode()


async def task_failure(handle: WorkflowHandle, timeout: float = 30.0) -> tuple[int, Failure]:
    """The cause and failure of the first WorkflowTaskFailed event (waits for it)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async for event in handle.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                attrs = event.workflow_task_failed_event_attributes
                return attrs.cause, attrs.failure
        assert asyncio.get_running_loop().time() < deadline, "no WorkflowTaskFailed event"
        await asyncio.sleep(0.1)


async def start_raw(client: Client, workflow_type: str, task_queue: str, arg: Payload) -> str:
    """Start a workflow with a hand-made input payload (no converter involved)."""
    workflow_id = f"bad-{uuid.uuid4()}"
    req = StartWorkflowExecutionRequest(
        namespace=client.namespace,
        workflow_id=workflow_id,
        workflow_type=WorkflowType(name=workflow_type),
        task_queue=TaskQueue(name=task_queue),
        input=Payloads(payloads=[arg]),
        identity=client.identity,
        request_id=str(uuid.uuid4()),
    )
    req.workflow_task_timeout.FromTimedelta(TASK_TIMEOUT)
    await client.workflow_service.start_workflow_execution(req, retry=True)
    return workflow_id


BAD_PAYLOADS = {
    "unknown encoding": (
        Payload(metadata={"encoding": b"binary/x-fault-test"}, data=b"\x00\x01"),
        "unknown encoding binary/x-fault-test",
    ),
    "corrupt JSON": (
        Payload(metadata={"encoding": b"json/plain"}, data=b'{"half a'),
        "Invalid JSON",
    ),
    "wrong type": (
        Payload(metadata={"encoding": b"json/plain"}, data=b'"not a number"'),
        "could not be converted to int",
    ),
}


async def test_undecodable_inputs_fail_the_task_until_fixed_code_runs(
    client: Client, task_queue: str
) -> None:
    handles: dict[str, WorkflowHandle] = {}
    async with Worker(client, task_queue=task_queue, workflows=[TypedInput, Healthy]):
        for name, (bad, _) in BAD_PAYLOADS.items():
            wf_id = await start_raw(client, "FaultTypedInput", task_queue, bad)
            handles[name] = client.get_workflow_handle(wf_id)
        # The same worker keeps serving healthy workflows while those tasks fail.
        healthy = await client.execute_workflow(
            Healthy.run, "neighbour", id=f"ok-{uuid.uuid4()}", task_queue=task_queue
        )
        assert healthy == "healthy neighbour"
        for name, (_, expected) in BAD_PAYLOADS.items():
            cause, failure = await task_failure(handles[name])
            assert cause == UNHANDLED, name
            assert expected in failure.message, (name, failure.message)
            assert failure.stack_trace, name
            assert (await handles[name].describe()).status == WorkflowExecutionStatus.RUNNING
    async with Worker(client, task_queue=task_queue, workflows=[TypedInputFixed]):
        results = {name: await handle.result() for name, handle in handles.items()}
    assert results == {
        "unknown encoding": "raw binary/x-fault-test",
        "corrupt JSON": "raw json/plain",
        "wrong type": "raw json/plain",
    }


class KeyedCodec(PayloadCodec):
    """A stand-in for an encryption codec: wraps payloads under a key id it must know to unwrap.

    ``refuse`` makes encoding fail for payloads containing that marker (a codec bug).
    """

    ENCODING = b"binary/fault-keyed"

    def __init__(self, keys: set[str], current: str, refuse: bytes | None = None) -> None:
        self._keys = keys
        self._current = current
        self._refuse = refuse

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if self._refuse is not None and self._refuse in p.data:
                raise ValueError("this codec refuses to encode the payload")
            meta = {"encoding": self.ENCODING, "key-id": self._current.encode()}
            out.append(Payload(metadata=meta, data=p.SerializeToString()))
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding") != self.ENCODING:
                out.append(p)
                continue
            key = p.metadata["key-id"].decode()
            if key not in self._keys:
                raise LookupError(f"no key {key!r} to decrypt with")
            out.append(Payload.FromString(p.data))
        return out


@workflow.defn(name="FaultEcho")
class Echo:
    @workflow.run
    async def run(self, text: str) -> str:
        return f"echo {text}"


def _with_codec(client: Client, codec: PayloadCodec) -> Client:
    return Client(
        client.service_client,
        namespace=client.namespace,
        data_converter=DataConverter(payload_codec=codec),
    )


async def test_codec_errors_fail_the_task_until_a_fixed_codec_runs(
    client: Client, task_queue: str
) -> None:
    old_keys = _with_codec(client, KeyedCodec({"k1"}, "k1", refuse=b"unencodable"))
    new_keys = _with_codec(client, KeyedCodec({"k2"}, "k2"))
    all_keys = _with_codec(client, KeyedCodec({"k1", "k2"}, "k1"))
    opts = {"task_queue": task_queue, "task_timeout": TASK_TIMEOUT}
    async with Worker(old_keys, task_queue=task_queue, workflows=[Echo]):
        undecodable = await new_keys.start_workflow(
            Echo.run, "rotated", id=f"codec-{uuid.uuid4()}", **opts
        )
        unencodable = await all_keys.start_workflow(
            Echo.run, "unencodable", id=f"codec-{uuid.uuid4()}", **opts
        )
        fine = await old_keys.execute_workflow(Echo.run, "fine", id=f"codec-{uuid.uuid4()}", **opts)
        assert fine == "echo fine"
        cause, failure = await task_failure(all_keys.get_workflow_handle(undecodable.id))
        assert cause == UNHANDLED
        assert failure.application_failure_info.type == "PayloadDecodeError"
        assert "payload codec failed to decode event 1 (WorkflowExecutionStarted)" in (
            failure.message
        )
        assert "LookupError: no key 'k2' to decrypt with" in failure.message
        cause, failure = await task_failure(all_keys.get_workflow_handle(unencodable.id))
        assert cause == UNHANDLED
        assert failure.application_failure_info.type == "PayloadEncodeError"
        assert "ValueError: this codec refuses to encode the payload" in failure.message
    async with Worker(all_keys, task_queue=task_queue, workflows=[Echo]):
        assert await all_keys.get_workflow_handle(undecodable.id).result() == "echo rotated"
        assert await all_keys.get_workflow_handle(unencodable.id).result() == "echo unencodable"


BUG = {"on": True}


@workflow.defn(name="FaultBuggy")
class Buggy:
    @workflow.run
    async def run(self) -> str:
        if BUG["on"]:
            raise KeyError("missing-setting")
        return "fixed"


async def test_non_temporal_exception_fails_the_task_with_its_type_and_stack(
    client: Client, task_queue: str
) -> None:
    async with Worker(client, task_queue=task_queue, workflows=[Buggy, Healthy]):
        handle = await client.start_workflow(
            Buggy.run, id=f"bug-{uuid.uuid4()}", task_queue=task_queue, task_timeout=TASK_TIMEOUT
        )
        cause, failure = await task_failure(handle)
        assert await client.execute_workflow(
            Healthy.run, "still here", id=f"ok-{uuid.uuid4()}", task_queue=task_queue
        ) == ("healthy still here")
    assert cause == UNHANDLED
    assert failure.application_failure_info.type == "KeyError"
    assert "missing-setting" in failure.message
    assert 'raise KeyError("missing-setting")' in failure.stack_trace
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    BUG["on"] = False
    try:
        async with Worker(client, task_queue=task_queue, workflows=[Buggy]):
            assert await handle.result() == "fixed"
    finally:
        BUG["on"] = True


@workflow.defn(name="FaultSignalled")
class Signalled:
    def __init__(self) -> None:
        self.values: list[int] = []

    @workflow.signal
    def add(self, value: int) -> None:
        self.values.append(value)

    @workflow.run
    async def run(self) -> list[int]:
        await workflow.wait_condition(lambda: bool(self.values))
        return self.values


async def test_undecodable_signal_is_logged_and_dropped(
    client: Client, task_queue: str, caplog: pytest.LogCaptureFixture
) -> None:
    """As in temporalio: a signal that cannot be decoded is dropped, the workflow runs on."""
    async with Worker(client, task_queue=task_queue, workflows=[Signalled]):
        handle = await client.start_workflow(
            Signalled.run, id=f"sig-{uuid.uuid4()}", task_queue=task_queue
        )
        bad = Payload(metadata={"encoding": b"json/plain"}, data=b'"not a number"')
        await client.workflow_service.signal_workflow_execution(
            SignalWorkflowExecutionRequest(
                namespace=client.namespace,
                workflow_execution=WorkflowExecution(workflow_id=handle.id),
                signal_name="add",
                input=Payloads(payloads=[bad]),
                identity=client.identity,
                request_id=str(uuid.uuid4()),
            ),
            retry=True,
        )
        await handle.signal(Signalled.add, 7)
        assert await handle.result() == [7]
    types = [e.event_type async for e in handle.fetch_history_events()]
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED not in types
    assert "Failed deserializing signal input for add, dropping the signal" in caplog.text


@workflow.defn(name="FaultQueried")
class Queried:
    def __init__(self) -> None:
        self.done = False

    @workflow.query
    def greet(self, name: str) -> str:
        return f"hello {name}"

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)


async def test_query_the_codec_cannot_decode_fails_the_query_not_the_worker(
    client: Client, task_queue: str
) -> None:
    old_keys = _with_codec(client, KeyedCodec({"k1"}, "k1"))
    new_keys = _with_codec(client, KeyedCodec({"k2"}, "k2"))
    async with Worker(old_keys, task_queue=task_queue, workflows=[Queried]):
        handle = await old_keys.start_workflow(
            Queried.run, id=f"query-{uuid.uuid4()}", task_queue=task_queue
        )
        assert await handle.query(Queried.greet, "k1") == "hello k1"
        with pytest.raises(WorkflowQueryFailedError) as info:
            await new_keys.get_workflow_handle(handle.id).query(Queried.greet, "k2")
        assert "no key 'k2' to decrypt with" in str(info.value)
        assert await handle.query(Queried.greet, "again") == "hello again"
        await handle.signal(Queried.finish)
        await handle.result()
