"""An encrypting codec is applied to every payload that crosses the wire (search attributes aside).

The toy codec XORs each serialised payload and marks it ``binary/encrypted``; its decode refuses
any payload without that mark, so a path that forgets to encode fails loudly on the other side,
and the raw history (read without the codec) must not contain the plaintext marker anywhere.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sa_helpers import register

from temporal_sdk import activity, workflow
from temporal_sdk.api.common.v1 import Payload, WorkflowExecution
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.api.history.v1 import HistoryEvent
from temporal_sdk.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporal_sdk.client import Client, WorkflowFailureError, WorkflowUpdateFailedError
from temporal_sdk.common import RetryPolicy, SearchAttributeKey
from temporal_sdk.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)
from temporal_sdk.exceptions import ActivityError, ApplicationError
from temporal_sdk.worker import Worker

MARK = "PLAINTEXT-c0dec"
SA_KEY = SearchAttributeKey.for_keyword("CodecVisibleKeyword")
SA_VALUE = "sa-stays-readable"


def _xor(data: bytes) -> bytes:
    return bytes(b ^ 0x5A for b in data)


class XorCodec(PayloadCodec):
    """Toy encryption: XOR the whole serialised payload; strict about what it decodes."""

    def __init__(self) -> None:
        self.encoded = 0
        self.decoded = 0

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.encoded += len(payloads)
        return [
            Payload(metadata={"encoding": b"binary/encrypted"}, data=_xor(p.SerializeToString()))
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.decoded += len(payloads)
        out = []
        for p in payloads:
            if p.metadata.get("encoding") != b"binary/encrypted":
                raise ValueError(f"payload reached decode without encryption: {p}")
            out.append(Payload.FromString(_xor(p.data)))
        return out


@dataclass
class Secret:
    text: str


@activity.defn
async def echo_secret(s: Secret) -> Secret:
    return Secret(s.text + "-echoed")


@activity.defn
async def heartbeat_then_retry(text: str) -> str:
    if activity.info().attempt == 1:
        activity.heartbeat(f"{text}-heartbeat")
        raise ApplicationError(f"{text} first attempt fails", Secret(text))
    (details,) = activity.info().heartbeat_details
    return str(details)


@activity.defn
async def fail_secretly(text: str) -> None:
    raise ApplicationError(
        f"{text} activity message", Secret(text), type="SecretError", non_retryable=True
    )


@workflow.defn
class SecretChild:
    @workflow.run
    async def run(self, s: Secret) -> Secret:
        return Secret(s.text + "-child")


@workflow.defn
class CodecWorkflow:
    def __init__(self) -> None:
        self.signals: list[str] = []
        self.finished = False

    @workflow.run
    async def run(self, arg: Secret) -> Secret:
        workflow.upsert_search_attributes([SA_KEY.value_set(SA_VALUE)])
        workflow.upsert_memo({"upserted": f"{arg.text}-memo2"})
        side = workflow.side_effect(lambda: f"{arg.text}-side", result_type=str)
        echoed = await workflow.execute_activity(
            echo_secret, arg, start_to_close_timeout=timedelta(seconds=30)
        )
        beat = await workflow.execute_activity(
            heartbeat_then_retry,
            arg.text,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=100)),
        )
        child = await workflow.execute_child_workflow(
            SecretChild.run, arg, id=f"{workflow.info().workflow_id}-child"
        )
        try:
            await workflow.execute_activity(
                fail_secretly, arg.text, start_to_close_timeout=timedelta(seconds=30)
            )
            raise AssertionError("activity should have failed")
        except ActivityError as err:
            assert isinstance(err.cause, ApplicationError)
            assert err.cause.message == f"{arg.text} activity message"
            caught = err.cause.details[0]
        await workflow.wait_condition(lambda: self.finished)
        raise ApplicationError(
            f"{arg.text} workflow failed",
            side,
            echoed,
            beat,
            child,
            caught,
            self.signals,
            workflow.memo_value("upserted"),
            type="WorkflowSecretError",
        )

    @workflow.signal
    def add(self, s: Secret) -> None:
        self.signals.append(s.text)

    @workflow.query
    def peek(self, prefix: str) -> Secret:
        return Secret(prefix + "|" + ",".join(self.signals))

    @workflow.update
    def reject(self, s: Secret) -> None:
        raise ApplicationError(f"{s.text} update refused", Secret(s.text), type="Refused")

    @workflow.update
    def finish(self, s: Secret) -> Secret:
        self.finished = True
        return Secret(s.text + "-accepted")


async def _raw_events(client: Client, workflow_id: str) -> list[HistoryEvent]:
    events: list[HistoryEvent] = []
    token = b""
    while True:
        resp = await client.workflow_service.get_workflow_execution_history(
            GetWorkflowExecutionHistoryRequest(
                namespace=client.namespace,
                execution=WorkflowExecution(workflow_id=workflow_id),
                next_page_token=token,
            )
        )
        events.extend(resp.history.events)
        token = resp.next_page_token
        if not token:
            return events


async def test_codec_encrypts_every_payload(client: Client, task_queue: str) -> None:
    await register(client, SA_KEY)
    codec = XorCodec()
    secure = Client(
        client.service_client,
        namespace=client.namespace,
        data_converter=DataConverter(
            payload_codec=codec,
            failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
        ),
    )
    wf_id = f"codec-{uuid.uuid4()}"
    async with Worker(
        secure,
        task_queue=task_queue,
        workflows=[CodecWorkflow, SecretChild],
        activities=[echo_secret, heartbeat_then_retry, fail_secretly],
    ):
        handle = await secure.start_workflow(
            CodecWorkflow.run,
            Secret(MARK),
            id=wf_id,
            task_queue=task_queue,
            memo={"start": f"{MARK}-memo"},
            static_summary=f"{MARK}-summary",
        )
        await handle.signal(CodecWorkflow.add, Secret(f"{MARK}-signal"))
        for _ in range(400):
            peeked = await handle.query(CodecWorkflow.peek, MARK)
            if peeked.text.endswith("-signal"):
                break
            await asyncio.sleep(0.05)
        assert peeked == Secret(f"{MARK}|{MARK}-signal")
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(CodecWorkflow.reject, Secret(f"{MARK}-refused"))
        refusal = refused.value.cause
        assert isinstance(refusal, ApplicationError) and refusal.type == "Refused"
        assert refusal.message == f"{MARK}-refused update refused"
        assert list(refusal.details) == [{"text": f"{MARK}-refused"}]
        accepted = await handle.execute_update(CodecWorkflow.finish, Secret(f"{MARK}-update"))
        assert accepted == Secret(f"{MARK}-update-accepted")
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()

    err = info.value.cause
    assert isinstance(err, ApplicationError)
    assert err.type == "WorkflowSecretError"
    assert err.message == f"{MARK} workflow failed"
    assert err.failure is not None and "in run" in err.failure.stack_trace
    assert list(err.details) == [
        f"{MARK}-side",
        {"text": f"{MARK}-echoed"},
        f"{MARK}-heartbeat",
        {"text": f"{MARK}-child"},
        {"text": MARK},
        [f"{MARK}-signal"],
        f"{MARK}-memo2",
    ]
    desc = await handle.describe()
    assert await desc.memo() == {"start": f"{MARK}-memo", "upserted": f"{MARK}-memo2"}
    assert desc.typed_search_attributes.get(SA_KEY) == SA_VALUE
    assert codec.encoded > 0 and codec.decoded > 0

    events = await _raw_events(client, wf_id)
    kinds = {e.event_type for e in events}
    for expected in (
        EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
        EventType.EVENT_TYPE_MARKER_RECORDED,
        EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    ):
        assert expected in kinds, expected
    leaks = [e for e in events if MARK.encode() in e.SerializeToString()]
    assert not leaks, f"plaintext in history: {leaks[0]}"
    # Search attributes are for the server, so they stay readable.
    assert any(SA_VALUE.encode() in e.SerializeToString() for e in events)
    failed = events[-1].workflow_execution_failed_event_attributes.failure
    assert failed.message == "Encoded failure"
    assert failed.stack_trace == ""
    assert failed.encoded_attributes.metadata["encoding"] == b"binary/encrypted"
    child_events = await _raw_events(client, f"{wf_id}-child")
    assert not [e for e in child_events if MARK.encode() in e.SerializeToString()]


async def test_client_without_codec_cannot_read_results(client: Client, task_queue: str) -> None:
    secure = Client(
        client.service_client,
        namespace=client.namespace,
        data_converter=DataConverter(payload_codec=XorCodec()),
    )
    async with Worker(secure, task_queue=task_queue, workflows=[SecretChild]):
        handle = await secure.start_workflow(
            SecretChild.run, Secret(MARK), id=f"codec-{uuid.uuid4()}", task_queue=task_queue
        )
        assert await handle.result() == Secret(f"{MARK}-child")
    plain: Any = client.get_workflow_handle(handle.id)
    with pytest.raises(Exception, match="binary/encrypted"):
        await plain.result()
