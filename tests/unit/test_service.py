"""Connection layer without a Temporal server: backoff, error translation, headers, retries."""

from __future__ import annotations

import importlib.metadata
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio
import pytest
import pytest_asyncio

from temporal_sdk._io import service as io_service
from temporal_sdk.api.dependencies.google.rpc import Status
from temporal_sdk.api.errordetails.v1 import NotFoundFailure
from temporal_sdk.api.operatorservice.v1 import service_pb2 as operator_pb2
from temporal_sdk.api.testservice.v1 import service_pb2 as test_pb2
from temporal_sdk.api.workflowservice.v1 import (
    DescribeNamespaceRequest,
    DescribeNamespaceResponse,
    GetSystemInfoRequest,
    GetSystemInfoResponse,
    PollWorkflowTaskQueueRequest,
)
from temporal_sdk.api.workflowservice.v1 import service_pb2 as workflow_pb2
from temporal_sdk.client import Client
from temporal_sdk.service import (
    ConnectConfig,
    HttpConnectProxyConfig,
    KeepAliveConfig,
    OperatorService,
    RetryConfig,
    RPCError,
    RPCStatusCode,
    ServiceClient,
    TestService,
    TLSConfig,
    WorkflowService,
)
from temporal_sdk.testing import _env

# --- backoff ---------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_backoff_without_jitter_grows_by_multiplier_up_to_the_cap() -> None:
    config = RetryConfig(
        initial_interval_millis=100,
        randomization_factor=0,
        multiplier=2,
        max_interval_millis=500,
        max_elapsed_time_millis=None,
        max_retries=0,
    )
    backoff = io_service.Backoff(config, clock=FakeClock())
    delays = [backoff.next_delay() for _ in range(6)]
    assert delays == pytest.approx([0.1, 0.2, 0.4, 0.5, 0.5, 0.5])


def test_backoff_jitter_is_deterministic_for_a_seeded_rng() -> None:
    config = RetryConfig(max_retries=0, max_elapsed_time_millis=None)
    got = [
        io_service.Backoff(config, rng=random.Random(42), clock=FakeClock()).next_delay()
        for _ in range(2)
    ]
    assert got[0] == got[1]
    draws = random.Random(42)
    backoff = io_service.Backoff(config, rng=random.Random(42), clock=FakeClock())
    interval = 0.1
    for _ in range(12):
        expected = interval * (1 + 0.2 * (2 * draws.random() - 1))
        assert backoff.next_delay() == pytest.approx(expected)
        interval = min(interval * 1.5, 5.0)


def test_backoff_stops_after_max_retries_attempts() -> None:
    backoff = io_service.Backoff(RetryConfig(max_retries=3), clock=FakeClock())
    assert backoff.next_delay() is not None
    assert backoff.next_delay() is not None
    assert backoff.next_delay() is None  # the third failed attempt was the last


def test_backoff_stops_when_the_next_wait_would_pass_max_elapsed() -> None:
    clock = FakeClock()
    config = RetryConfig(randomization_factor=0, max_elapsed_time_millis=1000, max_retries=0)
    backoff = io_service.Backoff(config, clock=clock)
    clock.now = 0.85
    assert backoff.next_delay() == pytest.approx(0.1)
    clock.now = 0.95  # 0.95 + 0.15 > 1.0
    assert backoff.next_delay() is None


# --- error translation -----------------------------------------------------------------------


def _status_bytes(code: int, message: str) -> bytes:
    status = Status(code=code, message=message)
    status.details.add().Pack(NotFoundFailure(current_cluster="active"))
    return status.SerializeToString()


def test_aio_rpc_error_becomes_rpc_error_with_status_details() -> None:
    raw = _status_bytes(5, "workflow not found")
    err = grpc.aio.AioRpcError(
        grpc.StatusCode.NOT_FOUND,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(("grpc-status-details-bin", raw)),
        details="workflow not found",
    )
    rpc_error = io_service._to_rpc_error(err)
    assert isinstance(rpc_error, RPCError)
    assert rpc_error.status is RPCStatusCode.NOT_FOUND
    assert rpc_error.message == "workflow not found"
    assert str(rpc_error) == "workflow not found"
    assert rpc_error.raw_grpc_status == raw
    detail = NotFoundFailure()
    assert rpc_error.grpc_status.details[0].Unpack(detail)
    assert detail.current_cluster == "active"


def test_rpc_error_without_details_has_empty_status() -> None:
    err = grpc.aio.AioRpcError(
        grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), details=None
    )
    rpc_error = io_service._to_rpc_error(err)
    assert rpc_error.status is RPCStatusCode.UNAVAILABLE
    assert rpc_error.message == "UNAVAILABLE"
    assert rpc_error.raw_grpc_status == b""
    assert list(rpc_error.grpc_status.details) == []


def test_status_codes_match_grpc() -> None:
    for code in grpc.StatusCode:
        assert RPCStatusCode(code.value[0]).name == code.name


# --- configuration ---------------------------------------------------------------------------


def test_tls_defaults_on_with_api_key_unless_disabled() -> None:
    assert io_service._tls_of(ConnectConfig("h:1"), False) is None
    assert io_service._tls_of(ConnectConfig("h:1", api_key="k"), False) == TLSConfig()
    assert io_service._tls_of(ConnectConfig("h:1", api_key="k", tls=False), False) is None
    assert io_service._tls_of(ConnectConfig("h:1", tls=True), False) == TLSConfig()
    custom = TLSConfig(domain="example.com")
    assert io_service._tls_of(ConnectConfig("h:1", tls=custom), False) is custom


def test_channel_options_carry_keepalive_proxy_and_domain() -> None:
    config = ConnectConfig(
        "h:1",
        keep_alive_config=KeepAliveConfig(interval_millis=1000, timeout_millis=500),
        http_connect_proxy_config=HttpConnectProxyConfig("proxy:3128", ("us er", "p@ss")),
    )
    options = dict(io_service._channel_options(config, TLSConfig(domain="srv.example")))
    assert options["grpc.keepalive_time_ms"] == 1000
    assert options["grpc.keepalive_timeout_ms"] == 500
    assert options["grpc.http_proxy"] == "http://us%20er:p%40ss@proxy:3128"
    assert options["grpc.ssl_target_name_override"] == "srv.example"
    no_proxy = dict(io_service._channel_options(ConnectConfig("h:1", keep_alive_config=None), None))
    assert no_proxy["grpc.enable_http_proxy"] == 0
    assert "grpc.keepalive_time_ms" not in no_proxy


def test_default_identity_is_pid_at_host() -> None:
    assert re.fullmatch(r"\d+@.+", ConnectConfig("h:1").identity)
    assert ConnectConfig("h:1", identity="me").identity == "me"


def test_tls_client_cert_needs_its_key() -> None:
    with pytest.raises(ValueError, match="client_private_key"):
        ServiceClient(ConnectConfig("h:1", tls=TLSConfig(client_cert=b"cert")))


def test_generated_services_expose_every_rpc() -> None:
    for stub, module, name in (
        (WorkflowService, workflow_pb2, "WorkflowService"),
        (OperatorService, operator_pb2, "OperatorService"),
        (TestService, test_pb2, "TestService"),
    ):
        rpcs = module.DESCRIPTOR.services_by_name[name].methods
        assert len(rpcs) > 0
        for rpc in rpcs:
            snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", rpc.name).lower()
            assert callable(getattr(stub, snake)), rpc.name


def test_missing_dev_server_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> Any:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(RuntimeError, match=r"temporal-sdk\[server\]"):
        _env.find_dev_server()


# --- against a local fake gRPC server --------------------------------------------------------

Behavior = Callable[[bytes, grpc.aio.ServicerContext[bytes, bytes]], Awaitable[bytes]]


@dataclass
class FakeServer:
    port: int
    behaviors: dict[str, Behavior] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, str | bytes]]] = field(default_factory=list)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def count(self, rpc: str) -> int:
        return sum(1 for method, _ in self.calls if method.endswith("/" + rpc))


class _Handler(grpc.GenericRpcHandler):
    def __init__(self, fake: FakeServer) -> None:
        self._fake = fake

    def service(
        self, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[bytes, bytes] | None:
        method: str = handler_call_details.method
        fake = self._fake

        async def handle(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
            fake.calls.append((method, dict(context.invocation_metadata() or ())))
            behavior = fake.behaviors.get(method.rsplit("/", 1)[1])
            if behavior is None:
                await context.abort(grpc.StatusCode.UNIMPLEMENTED, method)
            assert behavior is not None
            return await behavior(request, context)

        return grpc.unary_unary_rpc_method_handler(handle)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeServer]:
    server = grpc.aio.server()
    port = server.add_insecure_port("127.0.0.1:0")
    fake = FakeServer(port)
    server.add_generic_rpc_handlers([_Handler(fake)])
    await server.start()
    try:
        yield fake
    finally:
        await server.stop(None)


def failing_then_ok(failures: int, code: grpc.StatusCode, reply: bytes) -> Behavior:
    seen = 0

    async def behave(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        nonlocal seen
        seen += 1
        if seen <= failures:
            await context.abort(code, f"failure {seen}")
        return reply

    return behave


FAST_RETRY = RetryConfig(initial_interval_millis=1, max_interval_millis=5)
INFO = GetSystemInfoResponse(server_version="fake-1").SerializeToString()


async def test_retry_on_unavailable_until_success(fake: FakeServer) -> None:
    fake.behaviors["GetSystemInfo"] = failing_then_ok(2, grpc.StatusCode.UNAVAILABLE, INFO)
    client = ServiceClient(ConnectConfig(fake.target, retry_config=FAST_RETRY))
    try:
        resp = await client.workflow_service.get_system_info(GetSystemInfoRequest(), retry=True)
    finally:
        await client.close()
    assert resp.server_version == "fake-1"
    assert fake.count("GetSystemInfo") == 3


async def test_no_retry_unless_asked(fake: FakeServer) -> None:
    fake.behaviors["GetSystemInfo"] = failing_then_ok(1, grpc.StatusCode.UNAVAILABLE, INFO)
    client = ServiceClient(ConnectConfig(fake.target, retry_config=FAST_RETRY))
    try:
        with pytest.raises(RPCError) as caught:
            await client.workflow_service.get_system_info(GetSystemInfoRequest())
    finally:
        await client.close()
    assert caught.value.status is RPCStatusCode.UNAVAILABLE
    assert caught.value.message == "failure 1"
    assert fake.count("GetSystemInfo") == 1


async def test_non_retryable_code_and_long_polls_fail_at_once(fake: FakeServer) -> None:
    fake.behaviors["GetSystemInfo"] = failing_then_ok(1, grpc.StatusCode.NOT_FOUND, INFO)
    fake.behaviors["PollWorkflowTaskQueue"] = failing_then_ok(1, grpc.StatusCode.UNAVAILABLE, b"")
    client = ServiceClient(ConnectConfig(fake.target, retry_config=FAST_RETRY))
    try:
        with pytest.raises(RPCError) as caught:
            await client.workflow_service.get_system_info(GetSystemInfoRequest(), retry=True)
        assert caught.value.status is RPCStatusCode.NOT_FOUND
        with pytest.raises(RPCError) as polled:
            await client.workflow_service.poll_workflow_task_queue(
                PollWorkflowTaskQueueRequest(namespace="default"), retry=True
            )
        assert polled.value.status is RPCStatusCode.UNAVAILABLE
    finally:
        await client.close()
    assert fake.count("GetSystemInfo") == 1
    assert fake.count("PollWorkflowTaskQueue") == 1


async def test_retries_give_up_after_max_retries(fake: FakeServer) -> None:
    fake.behaviors["GetSystemInfo"] = failing_then_ok(100, grpc.StatusCode.RESOURCE_EXHAUSTED, INFO)
    config = RetryConfig(initial_interval_millis=1, max_interval_millis=2, max_retries=4)
    client = ServiceClient(ConnectConfig(fake.target, retry_config=config))
    try:
        with pytest.raises(RPCError) as caught:
            await client.workflow_service.get_system_info(GetSystemInfoRequest(), retry=True)
    finally:
        await client.close()
    assert caught.value.status is RPCStatusCode.RESOURCE_EXHAUSTED
    assert fake.count("GetSystemInfo") == 4


async def test_headers_reach_the_server(fake: FakeServer) -> None:
    async def describe(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        assert DescribeNamespaceRequest.FromString(request).namespace == "ns-1"
        return DescribeNamespaceResponse().SerializeToString()

    fake.behaviors["GetSystemInfo"] = failing_then_ok(0, grpc.StatusCode.OK, INFO)
    fake.behaviors["DescribeNamespace"] = describe
    client = await Client.connect(
        fake.target,
        namespace="ns-1",
        api_key="secret-key",
        tls=False,
        rpc_metadata={"x-team": "blue", "x-override": "connection"},
    )
    try:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace="ns-1"), metadata={"x-override": "call"}
        )
        client.api_key = "rotated"
        await client.workflow_service.get_system_info(GetSystemInfoRequest())
    finally:
        await client.service_client.close()
    assert [m.rsplit("/", 1)[1] for m, _ in fake.calls] == [
        "GetSystemInfo",
        "DescribeNamespace",
        "GetSystemInfo",
    ]
    headers = fake.calls[1][1]
    assert headers["authorization"] == "Bearer secret-key"
    assert headers["x-team"] == "blue"
    assert headers["x-override"] == "call"
    assert headers["temporal-namespace"] == "ns-1"
    assert headers["client-name"] == io_service.CLIENT_NAME
    assert fake.calls[2][1]["authorization"] == "Bearer rotated"
    assert "temporal-namespace" not in fake.calls[2][1]


async def test_explicit_authorization_metadata_wins_over_api_key(fake: FakeServer) -> None:
    fake.behaviors["GetSystemInfo"] = failing_then_ok(0, grpc.StatusCode.OK, INFO)
    config = ConnectConfig(
        fake.target, api_key="key", tls=False, rpc_metadata={"Authorization": "Custom x"}
    )
    client = await ServiceClient.connect(config)
    await client.close()
    assert fake.calls[0][1]["authorization"] == "Custom x"


async def test_status_details_survive_the_wire(fake: FakeServer) -> None:
    raw = _status_bytes(5, "no such workflow")

    async def not_found(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        await context.abort(
            grpc.StatusCode.NOT_FOUND,
            "no such workflow",
            trailing_metadata=(("grpc-status-details-bin", raw),),
        )
        raise AssertionError("unreachable")

    fake.behaviors["GetSystemInfo"] = not_found
    client = ServiceClient(ConnectConfig(fake.target))
    try:
        with pytest.raises(RPCError) as caught:
            await client.workflow_service.get_system_info(GetSystemInfoRequest())
    finally:
        await client.close()
    assert caught.value.status is RPCStatusCode.NOT_FOUND
    assert caught.value.grpc_status.message == "no such workflow"
    detail = NotFoundFailure()
    assert caught.value.grpc_status.details[0].Unpack(detail)


async def test_connect_to_nothing_raises_unavailable_naming_the_target() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        config = ConnectConfig(
            f"127.0.0.1:{port}",
            retry_config=RetryConfig(initial_interval_millis=1, max_retries=2),
        )
        with pytest.raises(RPCError) as caught:
            await ServiceClient.connect(config)
    assert caught.value.status is RPCStatusCode.UNAVAILABLE
    assert f"127.0.0.1:{port}" in caught.value.message
    lazy = await ServiceClient.connect(ConnectConfig(f"127.0.0.1:{port}", lazy=True))
    await lazy.close()


async def test_history_call_past_its_deadline_is_rpc_timeout_error(fake: FakeServer) -> None:
    import asyncio
    from datetime import timedelta

    from temporal_sdk.client import RPCTimeoutOrCancelledError

    async def slow(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        await asyncio.sleep(5)
        return b""

    fake.behaviors["GetWorkflowExecutionHistory"] = slow
    client = await Client.connect(fake.target, lazy=True)
    try:
        with pytest.raises(RPCTimeoutOrCancelledError):
            await client.get_workflow_handle("wf").result(rpc_timeout=timedelta(milliseconds=100))
    finally:
        await client.service_client.close()
