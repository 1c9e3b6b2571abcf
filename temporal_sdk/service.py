"""Connections to a Temporal server and the raw gRPC services behind them.

Most code uses :class:`temporal_sdk.client.Client`; this module is for direct calls of any RPC
(``client.workflow_service.describe_namespace(...)``) and for the connection settings that
``Client.connect`` accepts.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, ClassVar

import temporal_sdk.api._services as _services
from temporal_sdk._io.service import Connection
from temporal_sdk._redact import dataclass_repr
from temporal_sdk.exceptions import TemporalError

if TYPE_CHECKING:
    from temporal_sdk.api.dependencies.google.rpc import Status
    from temporal_sdk.api.workflowservice.v1 import GetSystemInfoResponse

__all__ = [
    "ConnectConfig",
    "HttpConnectProxyConfig",
    "KeepAliveConfig",
    "OperatorService",
    "RPCError",
    "RPCStatusCode",
    "RetryConfig",
    "ServiceClient",
    "TLSConfig",
    "TestService",
    "WorkflowService",
]


@dataclass(frozen=True, slots=True)
class TLSConfig:
    """How to secure the connection with TLS.

    Unset fields fall back to grpc's defaults: the system root certificates, the target's host
    name for verification, and no client certificate.
    """

    server_root_ca_cert: bytes | None = None
    """PEM root certificate(s) the server's certificate must chain to."""

    domain: str | None = None
    """Name to verify the server certificate against, also sent as SNI and HTTP/2 authority."""

    client_cert: bytes | None = None
    """PEM client certificate chain for mutual TLS; needs :attr:`client_private_key`."""

    client_private_key: bytes | None = None
    """PEM private key of :attr:`client_cert`."""

    def __repr__(self) -> str:
        return dataclass_repr(self, secrets=("client_private_key",))


@dataclass(frozen=True, slots=True)
class RetryConfig:
    """Backoff for calls made with ``retry=True`` (every high-level client call opts in).

    Each wait is the current interval spread by ``randomization_factor`` either way; the interval
    grows by ``multiplier`` up to ``max_interval_millis``. Retrying stops after ``max_retries``
    attempts (0 = no limit) or once ``max_elapsed_time_millis`` would be passed (None = no limit).
    """

    initial_interval_millis: int = 100
    """First wait before retrying, in milliseconds."""
    randomization_factor: float = 0.2
    """Fraction by which each wait is randomly shortened or lengthened."""
    multiplier: float = 1.5
    """Growth factor of the wait after each failed attempt."""
    max_interval_millis: int = 5000
    """Upper bound of the (unrandomized) wait, in milliseconds."""
    max_elapsed_time_millis: int | None = 10000
    """Time after a call's first failure past which no further attempt is made, in milliseconds."""
    max_retries: int = 10
    """Most attempts made for one call; 0 means unlimited."""


@dataclass(frozen=True, slots=True)
class KeepAliveConfig:
    """HTTP/2 keep-alive pings that detect a dead connection while it is idle."""

    interval_millis: int = 30000
    """Time between pings, in milliseconds."""
    timeout_millis: int = 15000
    """How long a ping may go unanswered before the connection is dropped, in milliseconds."""
    default: ClassVar[KeepAliveConfig]
    """The settings used when none are given."""


KeepAliveConfig.default = KeepAliveConfig()


@dataclass(frozen=True, slots=True)
class HttpConnectProxyConfig:
    """Reach the server through an HTTP CONNECT proxy."""

    target_host: str
    """The proxy's ``host:port``."""
    basic_auth: tuple[str, str] | None = None
    """``(user, password)`` for the proxy's basic authentication, if it asks for one."""

    def __repr__(self) -> str:
        return dataclass_repr(self, secrets=("basic_auth",))


@dataclass
class ConnectConfig:
    """Everything :meth:`ServiceClient.connect` needs to reach a server.

    ``tls=None`` means TLS only when an ``api_key`` is given; ``True`` means TLS with default
    settings. The API key is sent as ``authorization: Bearer <key>`` unless ``rpc_metadata``
    already carries an ``authorization`` entry.
    """

    target_host: str
    api_key: str | None = None
    tls: bool | TLSConfig | None = None
    retry_config: RetryConfig | None = None
    keep_alive_config: KeepAliveConfig | None = KeepAliveConfig.default
    rpc_metadata: Mapping[str, str | bytes] = field(default_factory=dict)
    identity: str = ""
    lazy: bool = False
    runtime: Any = None
    http_connect_proxy_config: HttpConnectProxyConfig | None = None

    def __post_init__(self) -> None:
        """Fill in the default identity, ``pid@hostname``."""
        if not self.identity:
            self.identity = f"{os.getpid()}@{socket.gethostname()}"

    def __repr__(self) -> str:
        return dataclass_repr(self, secrets=("api_key",), header_fields=("rpc_metadata",))


class RPCStatusCode(IntEnum):
    """gRPC status codes, as carried by :class:`RPCError`."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


class RPCError(TemporalError):
    """A call to the server failed with a gRPC status other than OK.

    ``raw_grpc_status`` holds the serialized ``google.rpc.Status`` the server attached (empty if
    it attached none); :attr:`grpc_status` decodes it, and its ``details`` often carry a typed
    Temporal error such as ``WorkflowExecutionAlreadyStartedFailure``.
    """

    def __init__(self, message: str, status: RPCStatusCode, raw_grpc_status: bytes) -> None:
        super().__init__(message)
        self._message = message
        self._status = status
        self._raw_grpc_status = raw_grpc_status
        self._grpc_status: Status | None = None

    @property
    def message(self) -> str:
        """The server's (or grpc's) description of the failure."""
        return self._message

    @property
    def status(self) -> RPCStatusCode:
        """The gRPC status code."""
        return self._status

    @property
    def raw_grpc_status(self) -> bytes:
        """The serialized ``google.rpc.Status`` from the response trailers."""
        return self._raw_grpc_status

    @property
    def grpc_status(self) -> Status:
        """The decoded ``google.rpc.Status`` (code, message and typed details)."""
        if self._grpc_status is None:
            # Error path only: the message module loads on first decode, not at import.
            from temporal_sdk.api.dependencies.google.rpc import Status

            self._grpc_status = Status.FromString(self._raw_grpc_status)
        return self._grpc_status


class WorkflowService(_services.WorkflowService):
    """Every RPC of ``temporal.api.workflowservice.v1.WorkflowService``, typed."""


class OperatorService(_services.OperatorService):
    """Every RPC of ``temporal.api.operatorservice.v1.OperatorService``, typed."""


class TestService(_services.TestService):
    """Every RPC of the time-skipping test server's ``TestService``, typed."""

    __test__ = False  # not a pytest test class


class ServiceClient:
    """A connection to a Temporal server with typed access to its gRPC services.

    Each service method takes the request message and keyword-only ``retry`` (retry transient
    failures with :class:`RetryConfig` backoff), ``metadata`` (extra headers for this call) and
    ``timeout`` (per attempt); it returns the response message or raises :class:`RPCError`.
    """

    def __init__(self, config: ConnectConfig) -> None:
        self.config = config
        self._connection = Connection(config)
        self.workflow_service = WorkflowService(self._connection)
        self.operator_service = OperatorService(self._connection)
        self.test_service = TestService(self._connection)

    @staticmethod
    async def connect(config: ConnectConfig) -> ServiceClient:
        """Create a client; unless ``config.lazy``, first check that the server answers.

        Raises :class:`RPCError` (typically ``UNAVAILABLE``) when it cannot be reached.
        """
        client = ServiceClient(config)
        if not config.lazy:
            await client._connection.check()
        return client

    def update_rpc_metadata(self, metadata: Mapping[str, str | bytes]) -> None:
        """Replace the headers sent with every call."""
        self._connection.set_rpc_metadata(metadata)
        self.config.rpc_metadata = metadata

    def update_api_key(self, api_key: str | None) -> None:
        """Replace (or with ``None`` remove) the API key sent with every call."""
        self._connection.set_api_key(api_key)
        self.config.api_key = api_key

    async def get_system_info(self) -> GetSystemInfoResponse:
        """The server's version and capabilities, fetched once and then remembered."""
        return await self._connection.system_info()

    async def close(self) -> None:
        """Close the underlying channel; calls in flight are cancelled."""
        await self._connection.close()
