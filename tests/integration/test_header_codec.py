"""``HeaderCodecBehavior`` against the dev server: which header payloads are encoded in raw
history, and what the workflow's and activities' interceptors see, for each behavior."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from temporal_sdk import activity, workflow
from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.api.enums.v1 import EventType
from temporal_sdk.client import (
    Client,
    HeaderCodecBehavior,
    OutboundInterceptor,
    QueryWorkflowInput,
    SignalWorkflowInput,
    StartWorkflowInput,
    StartWorkflowUpdateInput,
    WorkflowHandle,
    WorkflowUpdateHandle,
)
from temporal_sdk.client import Interceptor as ClientInterceptor
from temporal_sdk.converter import DataConverter, PayloadCodec
from temporal_sdk.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    ExecuteWorkflowInput,
    HandleQueryInput,
    HandleSignalInput,
    HandleUpdateInput,
    Interceptor,
    Replayer,
    StartActivityInput,
    StartLocalActivityInput,
    Worker,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

MARKED = b"binary/marked"
SEEN: list[tuple[str, bytes]] = []


class MarkCodec(PayloadCodec):
    """Wraps payloads in a marked envelope; passes unmarked payloads through on decode."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(metadata={"encoding": MARKED}, data=p.SerializeToString()) for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload.FromString(p.data) if p.metadata.get("encoding") == MARKED else p
            for p in payloads
        ]


def _plain(text: str) -> Payload:
    return Payload(metadata={"encoding": b"binary/plain"}, data=text.encode())


def _seen(where: str, headers: Any) -> None:
    payload = headers.get("h")
    if payload is not None:
        SEEN.append((where, payload.metadata["encoding"]))


class _Out(OutboundInterceptor):
    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        input.headers = {**input.headers, "h": _plain("start")}
        return await super().start_workflow(input)

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        input.headers = {**input.headers, "h": _plain("signal")}
        await super().signal_workflow(input)

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        input.headers = {**input.headers, "h": _plain("query")}
        return await super().query_workflow(input)

    async def start_workflow_update(
        self, input: StartWorkflowUpdateInput
    ) -> WorkflowUpdateHandle[Any]:
        input.headers = {**input.headers, "h": _plain("update")}
        return await super().start_workflow_update(input)


class _WfOut(WorkflowOutboundInterceptor):
    def start_activity(self, input: StartActivityInput) -> workflow.ActivityHandle[Any]:
        input.headers = {**input.headers, "h": _plain("activity")}
        return super().start_activity(input)

    def start_local_activity(self, input: StartLocalActivityInput) -> workflow.ActivityHandle[Any]:
        input.headers = {**input.headers, "h": _plain("local")}
        return super().start_local_activity(input)


class _WfIn(WorkflowInboundInterceptor):
    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        super().init(_WfOut(outbound))

    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        if not workflow.unsafe.is_replaying():
            _seen("workflow", input.headers)
        return await super().execute_workflow(input)

    async def handle_signal(self, input: HandleSignalInput) -> None:
        if not workflow.unsafe.is_replaying():
            _seen("signal", input.headers)
        await super().handle_signal(input)

    async def handle_query(self, input: HandleQueryInput) -> Any:
        _seen("query", input.headers)
        return await super().handle_query(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        if not workflow.unsafe.is_replaying():
            _seen("update", input.headers)
        return await super().handle_update_handler(input)


class _ActIn(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        _seen("local" if activity.info().is_local else "activity", input.headers)
        return await super().execute_activity(input)


class Both(ClientInterceptor, Interceptor):
    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Out(next)

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActIn(next)

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        return _WfIn


@activity.defn
async def noop() -> str:
    return "ok"


@workflow.defn
class HeaderWorkflow:
    def __init__(self) -> None:
        self.go = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.go)
        opts: Any = {"start_to_close_timeout": timedelta(seconds=30)}
        await workflow.execute_activity(noop, **opts)
        return await workflow.execute_local_activity(noop, **opts)

    @workflow.signal
    def proceed(self) -> None:
        self.go = True

    @workflow.query
    def going(self) -> bool:
        return self.go

    @workflow.update
    def bump(self) -> int:
        return 1


def _header_encoding(history: Any, event_type: int, attr: str) -> bytes:
    event = next(e for e in history.events if e.event_type == event_type)
    return bytes(getattr(event, attr).header.fields["h"].metadata["encoding"])


# behavior -> (client-sent headers encoded, workflow-sent headers encoded, activity decodes)
CASES = {
    HeaderCodecBehavior.NO_CODEC: (False, False, False),
    HeaderCodecBehavior.CODEC: (True, True, True),
    HeaderCodecBehavior.WORKFLOW_ONLY_CODEC: (False, True, False),
}


@pytest.mark.parametrize("behavior", list(CASES))
async def test_header_codec_behavior(
    client: Client, task_queue: str, behavior: HeaderCodecBehavior
) -> None:
    client_enc, workflow_enc, activity_decodes = CASES[behavior]
    coded = await Client.connect(
        client.service_client.config.target_host,
        namespace=client.namespace,
        data_converter=DataConverter(payload_codec=MarkCodec()),
        interceptors=[Both()],
        header_codec_behavior=behavior,
    )
    assert coded.config()["header_codec_behavior"] is behavior
    SEEN.clear()
    async with Worker(coded, task_queue=task_queue, workflows=[HeaderWorkflow], activities=[noop]):
        handle = await coded.start_workflow(
            HeaderWorkflow.run, id=f"hc-{uuid.uuid4()}", task_queue=task_queue
        )
        assert await handle.query(HeaderWorkflow.going) is False
        assert await handle.execute_update(HeaderWorkflow.bump) == 1
        await handle.signal(HeaderWorkflow.proceed)
        assert await handle.result() == "ok"
    history = await handle.fetch_history()

    plain = b"binary/plain"
    started = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
    signaled = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    scheduled = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    start_attr = "workflow_execution_started_event_attributes"
    assert _header_encoding(history, started, start_attr) == (MARKED if client_enc else plain)
    signal_attr = "workflow_execution_signaled_event_attributes"
    assert _header_encoding(history, signaled, signal_attr) == (MARKED if client_enc else plain)
    sched_attr = "activity_task_scheduled_event_attributes"
    assert _header_encoding(history, scheduled, sched_attr) == (MARKED if workflow_enc else plain)

    # Workflow code always sees plain headers (this codec lets unmarked ones through); the
    # activity sees what the workflow sent unless it decodes.
    at_activity = MARKED if workflow_enc and not activity_decodes else plain
    assert sorted(SEEN) == sorted(
        [
            ("workflow", plain),
            ("signal", plain),
            ("query", plain),
            ("update", plain),
            ("activity", at_activity),
            ("local", at_activity),
        ]
    )

    replayer = Replayer(
        workflows=[HeaderWorkflow],
        data_converter=DataConverter(payload_codec=MarkCodec()),
        interceptors=[Both()],
        header_codec_behavior=behavior,
    )
    assert (await replayer.replay_workflow(history)).replay_failure is None
