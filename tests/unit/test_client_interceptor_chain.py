"""Client interceptor chain without a server: order, inputs, headers on the wire, config."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from temporal_sdk.api.common.v1 import Payload
from temporal_sdk.client import (
    CancelWorkflowInput,
    Client,
    CompleteAsyncActivityInput,
    CountWorkflowsInput,
    Interceptor,
    OutboundInterceptor,
    QueryWorkflowInput,
    SignalWorkflowInput,
    StartWorkflowInput,
    StartWorkflowUpdateWithStartInput,
    TerminateWorkflowInput,
    WithStartWorkflowOperation,
    WorkflowExecutionCount,
    WorkflowUpdateStage,
)
from temporal_sdk.client._outbound_impl import _ClientImpl
from temporal_sdk.common import WorkflowIDConflictPolicy
from temporal_sdk.converter import DataConverter, PayloadCodec


class FakeWorkflowService:
    """Records each request instead of sending it."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, Any]] = []

    def __getattr__(self, rpc: str) -> Any:
        async def call(req: Any, **_: Any) -> Any:
            self.requests.append((rpc, req))
            return SimpleNamespace(run_id="run-1")

        return call


def fake_client(interceptors: Sequence[Interceptor] = (), **kwargs: Any) -> Client:
    service = FakeWorkflowService()
    service_client = SimpleNamespace(
        workflow_service=service, config=SimpleNamespace(identity="me", rpc_metadata={})
    )
    return Client(service_client, interceptors=interceptors, **kwargs)  # type: ignore[arg-type]


class Recorder(Interceptor):
    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        recorder = self

        class Outbound(OutboundInterceptor):
            async def signal_workflow(self, input: SignalWorkflowInput) -> None:
                recorder.log.append(recorder.name)
                await super().signal_workflow(input)

        return Outbound(next)


class Stop(Interceptor):
    """Innermost: records inputs and never reaches the terminal implementation."""

    def __init__(self) -> None:
        self.inputs: list[Any] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        stop = self

        class Outbound(OutboundInterceptor):
            async def signal_workflow(self, input: SignalWorkflowInput) -> None:
                stop.inputs.append(input)

            async def query_workflow(self, input: QueryWorkflowInput) -> Any:
                stop.inputs.append(input)
                return "answer"

            async def cancel_workflow(self, input: CancelWorkflowInput) -> None:
                stop.inputs.append(input)

            async def terminate_workflow(self, input: TerminateWorkflowInput) -> None:
                stop.inputs.append(input)

            async def count_workflows(self, input: CountWorkflowsInput) -> WorkflowExecutionCount:
                stop.inputs.append(input)
                return WorkflowExecutionCount(count=7, groups=[])

            async def complete_async_activity(self, input: CompleteAsyncActivityInput) -> None:
                stop.inputs.append(input)

            async def start_update_with_start_workflow(
                self, input: StartWorkflowUpdateWithStartInput
            ) -> Any:
                stop.inputs.append(input)
                return None

        return Outbound(next)


def test_without_interceptors_calls_go_straight_to_the_implementation() -> None:
    client = fake_client()
    assert type(client._impl) is _ClientImpl
    assert client.config()["interceptors"] == []


def test_config_lists_the_interceptors_in_order() -> None:
    first, second = Interceptor(), Interceptor()
    client = fake_client([first, second])
    config = client.config()
    assert list(config["interceptors"]) == [first, second]
    assert config["namespace"] == "default"
    assert config["data_converter"] is client.data_converter
    config["interceptors"] = []  # a copy: the client keeps its own
    assert list(client.config()["interceptors"]) == [first, second]
    again = Client(**client.config(active_config=True))
    assert list(again.config()["interceptors"]) == [first, second]


async def test_first_interceptor_is_outermost() -> None:
    log: list[str] = []
    stop = Stop()
    client = fake_client([Recorder("a", log), Recorder("b", log), stop])
    await client.get_workflow_handle("wf", run_id="r1").signal("sig", 1)
    assert log == ["a", "b"]
    (input,) = stop.inputs
    assert input == SignalWorkflowInput(
        id="wf",
        run_id="r1",
        signal="sig",
        args=[1],
        headers={},
        rpc_metadata={},
        rpc_timeout=None,
    )


async def test_handle_calls_build_inputs() -> None:
    stop = Stop()
    client = fake_client([stop])
    handle = client.get_workflow_handle("wf", first_execution_run_id="first")
    assert await handle.query("q", args=["x", 2], result_type=str) == "answer"
    await handle.cancel(reason="why")
    await handle.terminate("d1", reason="done")
    assert (await client.count_workflows("WorkflowType='X'")).count == 7
    await client.get_async_activity_handle(task_token=b"tok").complete("ok")
    query, cancel, terminate, count, complete = stop.inputs
    assert (query.query, list(query.args), query.ret_type) == ("q", ["x", 2], str)
    assert (cancel.reason, cancel.first_execution_run_id) == ("why", "first")
    assert (list(terminate.args), terminate.reason) == (["d1"], "done")
    assert count.query == "WorkflowType='X'"
    assert (complete.id_or_token, complete.result) == (b"tok", "ok")


async def test_update_with_start_input_carries_both_halves() -> None:
    stop = Stop()
    client = fake_client([stop])
    op = WithStartWorkflowOperation(
        "MyWorkflow",
        5,
        id="wf",
        task_queue="tq",
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        memo={"m": 1},
    )
    await client.start_update_with_start_workflow(
        "upd", "arg", start_workflow_operation=op, wait_for_stage=WorkflowUpdateStage.ACCEPTED
    )
    (input,) = stop.inputs
    start, update = input.start_workflow_input, input.update_workflow_input
    assert (start.workflow, list(start.args), start.id, start.memo) == (
        "MyWorkflow",
        [5],
        "wf",
        {"m": 1},
    )
    assert (update.update, list(update.args), update.wait_for_stage) == (
        "upd",
        ["arg"],
        WorkflowUpdateStage.ACCEPTED,
    )


class AddHeader(Interceptor):
    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        class Outbound(OutboundInterceptor):
            async def signal_workflow(self, input: SignalWorkflowInput) -> None:
                input.headers = {**input.headers, "h": Payload(data=b"v")}
                input.args = [*input.args, "extra"]
                await super().signal_workflow(input)

            async def start_workflow(self, input: StartWorkflowInput) -> Any:
                input.headers = {"h": Payload(data=b"start")}
                return await super().start_workflow(input)

        return Outbound(next)


async def test_headers_reach_the_request() -> None:
    client = fake_client([AddHeader()])
    await client.get_workflow_handle("wf").signal("sig", "a")
    await client.start_workflow("W", id="wf2", task_queue="tq")
    (_, signal), (_, start) = client.workflow_service.requests  # type: ignore[attr-defined]
    assert signal.header.fields["h"].data == b"v"
    assert len(signal.input.payloads) == 2
    assert start.header.fields["h"].data == b"start"


class Reverse(PayloadCodec):
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [Payload(metadata=p.metadata, data=p.data[::-1]) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self.encode(payloads)


async def test_headers_skip_the_codec_as_in_temporalio() -> None:
    client = fake_client([AddHeader()], data_converter=DataConverter(payload_codec=Reverse()))
    await client.get_workflow_handle("wf").signal("sig")
    ((_, signal),) = client.workflow_service.requests  # type: ignore[attr-defined]
    assert signal.header.fields["h"].data == b"v"


def test_public_names_match_temporalio() -> None:
    import temporal_sdk.client as c

    for name in ("TLSConfig", "RetryConfig", "RPCError", "ServiceClient", "ClientConfig"):
        assert hasattr(c, name), name


@pytest.mark.parametrize("bad", [object()])
def test_non_interceptor_is_rejected_clearly(bad: Any) -> None:
    with pytest.raises(TypeError, match="must subclass"):
        fake_client([bad])
