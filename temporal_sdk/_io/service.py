"""The gRPC transport of the Temporal services: channel, TLS, credentials, headers and retries.

Rules: this is the only module that opens a grpc channel, and ``_to_rpc_error`` is the one place
a ``grpc.aio.AioRpcError`` becomes an :class:`temporal_sdk.service.RPCError`. Long polls are
never retried here: their pollers own that loop. The public types of ``temporal_sdk.service``
are imported lazily, because that module imports this one.
"""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.parse
import warnings
import weakref
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import grpc
import grpc.aio
from google.protobuf.message import Message

from temporal_sdk._io import client_metrics as _client_metrics
from temporal_sdk._version import __version__

if TYPE_CHECKING:
    import random

    from temporal_sdk.api.workflowservice.v1 import GetSystemInfoResponse
    from temporal_sdk.service import ConnectConfig, RetryConfig, RPCError, TLSConfig

logger = logging.getLogger(__name__)

ResponseT = TypeVar("ResponseT", bound=Message)

CLIENT_NAME = "temporal-sdk-python"
"""Sent as the ``client-name`` header. The server checks the version of the names it knows
(such as the official SDKs'), so we announce our own."""

CLIENT_VERSION = __version__
"""Sent as the ``client-version`` header."""

# The gRPC codes worth another attempt (the same set Temporal's Rust core retries).
RETRYABLE_CODES = frozenset(
    {
        grpc.StatusCode.DATA_LOSS,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.UNAVAILABLE,
    }
)

LONG_POLL_RPCS = frozenset({"PollWorkflowTaskQueue", "PollActivityTaskQueue", "PollNexusTaskQueue"})

# Calls that wait on the server for as long as it takes (a workflow's result, an update's
# outcome). An attempt of one that ran this long (seconds) before failing had a working
# connection meanwhile, so its failure starts a new retry budget instead of spending the old one.
_USER_LONG_POLLS = frozenset({"GetWorkflowExecutionHistory", "PollWorkflowExecutionUpdate"})
_NEW_FAILURE_STREAK = 1.0

# History pages and workflow tasks can be far larger than grpc's 4 MiB default.
_MAX_RECEIVE_BYTES = 128 * 1024 * 1024


class Backoff:
    """The waits between attempts of one call, as a :class:`RetryConfig` describes them.

    ``rng`` and ``clock`` are injectable so tests can compute the sequence exactly.
    """

    def __init__(
        self,
        config: RetryConfig,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        # Made on the first failure: seeding a Random from the OS costs more than most calls.
        self._rng = rng
        self._clock = clock
        self._start = clock()
        self._interval = config.initial_interval_millis / 1000
        self._failures = 0

    def next_delay(self) -> float | None:
        """Record a failed attempt; return seconds to wait before the next, or None to give up."""
        config = self._config
        self._failures += 1
        if config.max_retries > 0 and self._failures >= config.max_retries:
            return None
        elapsed = self._clock() - self._start
        limit = (
            config.max_elapsed_time_millis / 1000
            if config.max_elapsed_time_millis is not None
            else None
        )
        if limit is not None and elapsed > limit:
            return None
        if self._rng is None:
            import random  # failures only: not worth its import time at startup

            self._rng = random.Random()
        spread = config.randomization_factor * (2 * self._rng.random() - 1)
        delay = self._interval * (1 + spread)
        self._interval = min(self._interval * config.multiplier, config.max_interval_millis / 1000)
        if limit is not None and elapsed + delay > limit:
            return None
        return delay


def _to_rpc_error(err: grpc.aio.AioRpcError, *, prefix: str = "") -> RPCError:
    """Translate a failed gRPC call into the SDK's error (the only place this happens)."""
    from temporal_sdk.service import RPCError, RPCStatusCode

    raw = b""
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin" and isinstance(value, bytes):
            raw = value
    code = err.code()
    status = RPCStatusCode(code.value[0]) if code is not None else RPCStatusCode.UNKNOWN
    return RPCError(prefix + (err.details() or status.name), status, raw)


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()


def _seconds(timeout: timedelta | float | None) -> float | None:
    if isinstance(timeout, timedelta):
        return timeout.total_seconds()
    return timeout


def _split_target(target: str) -> tuple[str, bool]:
    """Strip a URL scheme from the target (accepted with a warning); report ``https``."""
    if "://" not in target:
        return target, False
    warnings.warn("give the target as host:port; a URL scheme is not needed", DeprecationWarning, 3)
    scheme, _, rest = target.partition("://")
    return rest.rstrip("/"), scheme.lower() == "https"


def _tls_of(config: ConnectConfig, https: bool) -> TLSConfig | None:
    from temporal_sdk.service import TLSConfig

    if isinstance(config.tls, TLSConfig):
        return config.tls
    if config.tls or (config.tls is None and (https or config.api_key is not None)):
        return TLSConfig()
    return None


def _channel_options(config: ConnectConfig, tls: TLSConfig | None) -> list[tuple[str, Any]]:
    options: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", _MAX_RECEIVE_BYTES),
        # grpc's default reconnect backoff grows to two minutes; a worker whose server restarted
        # should be back within seconds.
        ("grpc.max_reconnect_backoff_ms", 5000),
    ]
    keep_alive = config.keep_alive_config
    if keep_alive is not None:
        options += [
            ("grpc.keepalive_time_ms", keep_alive.interval_millis),
            ("grpc.keepalive_timeout_ms", keep_alive.timeout_millis),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_pings_without_data", 0),
        ]
    proxy = config.http_connect_proxy_config
    if proxy is not None:
        auth = ""
        if proxy.basic_auth is not None:
            user, password = (urllib.parse.quote(p, safe="") for p in proxy.basic_auth)
            auth = f"{user}:{password}@"
        options.append(("grpc.http_proxy", f"http://{auth}{proxy.target_host}"))
    else:
        # Like the official SDKs, ignore http_proxy/grpc_proxy from the environment.
        options.append(("grpc.enable_http_proxy", 0))
    if tls is not None and tls.domain:
        options += [
            ("grpc.ssl_target_name_override", tls.domain),
            ("grpc.default_authority", tls.domain),
        ]
    return options


def _credentials(tls: TLSConfig) -> grpc.ChannelCredentials:
    if (tls.client_cert is None) != (tls.client_private_key is None):
        raise ValueError("TLSConfig needs both client_cert and client_private_key, or neither")
    return grpc.ssl_channel_credentials(
        root_certificates=tls.server_root_ca_cert,
        private_key=tls.client_private_key,
        certificate_chain=tls.client_cert,
    )


_TLS_FAILURE_SIGNS = (
    "socket closed",
    "connection reset",
    "handshake",
    "certificate",
    "ssl",
    "verification",
)


def _tls_hint(tls: TLSConfig | None, message: str) -> str:
    """A hint for a connect failure that looks like a TLS problem (empty if it does not)."""
    lowered = message.lower()
    if tls is None or not any(sign in lowered for sign in _TLS_FAILURE_SIGNS):
        return ""
    if tls.client_cert is None:
        return (
            " (TLS failed: check that the server's certificate chains to server_root_ca_cert and "
            "names the host or TLSConfig.domain; if the server requires mutual TLS, set "
            "TLSConfig.client_cert and client_private_key)"
        )
    return (
        " (TLS failed: check that the server's certificate chains to server_root_ca_cert and "
        "names the host or TLSConfig.domain, and that the server trusts the client certificate)"
    )


# Whether a request message type has a string ``namespace`` field, by message class.
_HAS_NAMESPACE: dict[type[Message], bool] = {}


def _namespace_of(req: Message) -> str:
    has = _HAS_NAMESPACE.get(type(req))
    if has is None:
        field = req.DESCRIPTOR.fields_by_name.get("namespace")
        has = _HAS_NAMESPACE[type(req)] = field is not None and field.type == field.TYPE_STRING
    if not has:
        return ""
    value = getattr(req, "namespace", "")
    return value if isinstance(value, str) else ""


class _LoopChannel:
    """A grpc.aio channel, which belongs to the event loop it was opened in, and its callables."""

    __slots__ = ("callables", "channel")

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.channel = channel
        self.callables: dict[str, grpc.aio.UnaryUnaryMultiCallable[Any, Any]] = {}


def _new_streak(rpc: str, req: Message, started: float) -> bool:
    """Whether a failed attempt that started at ``started`` begins a new retry budget."""
    if rpc not in _USER_LONG_POLLS or time.monotonic() - started < _NEW_FAILURE_STREAK:
        return False
    return rpc != "GetWorkflowExecutionHistory" or bool(getattr(req, "wait_new_event", False))


class Connection:
    """A grpc.aio channel per event loop, plus the headers and retry policy every call shares.

    A channel is opened on the first call made in an event loop. grpc.aio binds a channel to its
    loop, so a client created in one loop (a session-scoped test fixture, say) and used in
    another gets a channel of its own there, as a temporalio client can be used from any loop.
    """

    def __init__(self, config: ConnectConfig) -> None:
        from temporal_sdk.service import RetryConfig

        self._target, https = _split_target(config.target_host)
        self._tls = _tls_of(config, https)
        self._options = _channel_options(config, self._tls)
        self._credentials = _credentials(self._tls) if self._tls is not None else None
        self._retry_config = config.retry_config or RetryConfig()
        self._rpc_metadata: Mapping[str, str | bytes] = dict(config.rpc_metadata)
        self._api_key = config.api_key
        self._loop: asyncio.AbstractEventLoop | None = None
        self._current: _LoopChannel | None = None
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopChannel] = (
            weakref.WeakKeyDictionary()
        )
        self._system_info: GetSystemInfoResponse | None = None
        # The headers every call shares, built once (until the metadata or API key changes).
        self._base_headers: dict[str, str | bytes] | None = None
        self._metrics = _client_metrics.for_config(config, LONG_POLL_RPCS)

    @property
    def target(self) -> str:
        """The ``host:port`` the channel connects to."""
        return self._target

    def set_rpc_metadata(self, metadata: Mapping[str, str | bytes]) -> None:
        """Replace the headers sent with every call."""
        self._rpc_metadata = dict(metadata)
        self._base_headers = None

    def set_api_key(self, api_key: str | None) -> None:
        """Replace the API key sent with every call."""
        self._api_key = api_key
        self._base_headers = None

    def _for_loop(self) -> _LoopChannel:
        """The running loop's channel, opened on first use there."""
        loop = asyncio.get_running_loop()
        current = self._current
        if current is not None and loop is self._loop:
            return current
        current = self._by_loop.get(loop)
        if current is None:
            if self._credentials is None:
                channel = grpc.aio.insecure_channel(self._target, options=self._options)
            else:
                channel = grpc.aio.secure_channel(
                    self._target, self._credentials, options=self._options
                )
            current = self._by_loop[loop] = _LoopChannel(channel)
        self._loop, self._current = loop, current
        return current

    def _headers(
        self, req: Message, metadata: Mapping[str, str | bytes]
    ) -> list[tuple[str, str | bytes]]:
        base = self._base_headers
        if base is None:
            base = {"client-name": CLIENT_NAME, "client-version": CLIENT_VERSION}
            base.update((k.lower(), v) for k, v in self._rpc_metadata.items())
            if self._api_key is not None and "authorization" not in base:
                base["authorization"] = f"Bearer {self._api_key}"
            self._base_headers = base
        headers = dict(base)
        namespace = _namespace_of(req)
        if namespace and "temporal-namespace" not in headers:
            # Lets proxies and Temporal Cloud route a call without decoding its body.
            headers["temporal-namespace"] = namespace
        headers.update((k.lower(), v) for k, v in metadata.items())
        return list(headers.items())

    def _callable(
        self, service: str, rpc: str, resp_type: type[Message]
    ) -> grpc.aio.UnaryUnaryMultiCallable[Any, Any]:
        path = f"/{service}/{rpc}"
        current = self._for_loop()
        found = current.callables.get(path)
        if found is None:
            found = current.channel.unary_unary(
                path,
                request_serializer=_serialize,
                response_deserializer=resp_type.FromString,
            )
            current.callables[path] = found
        return found

    async def call(
        self,
        service: str,
        rpc: str,
        req: Message,
        resp_type: type[ResponseT],
        *,
        retry: bool,
        metadata: Mapping[str, str | bytes],
        timeout: timedelta | float | None,
    ) -> ResponseT:
        """Make one unary call, retrying transient failures when ``retry`` is set."""
        method = self._callable(service, rpc, resp_type)
        headers = self._headers(req, metadata)
        seconds = _seconds(timeout)
        retryable = retry and rpc not in LONG_POLL_RPCS
        backoff: Backoff | None = None
        while True:
            started = time.monotonic()
            try:
                resp = await method(req, timeout=seconds, metadata=headers)
            except grpc.aio.AioRpcError as err:
                if self._metrics is not None:
                    ns = _namespace_of(req)
                    self._metrics.attempt_done(rpc, req, ns, started, err.code().name)
                delay = None
                if retryable and err.code() in RETRYABLE_CODES:
                    # The budget covers one streak of failures and starts at the first failure,
                    # not at the call: a workflow result that waited for minutes before its
                    # connection broke deserves the retries of a call that failed at once.
                    if backoff is None or _new_streak(rpc, req, started):
                        backoff = Backoff(self._retry_config)
                    delay = backoff.next_delay()
                if delay is None:
                    raise _to_rpc_error(err) from None
                logger.debug("%s failed (%s), retrying in %.3fs", rpc, err.code(), delay)
                await asyncio.sleep(delay)
                continue
            if self._metrics is not None:
                self._metrics.attempt_done(rpc, req, _namespace_of(req), started, None)
            if not isinstance(resp, resp_type):  # pragma: no cover - guards the deserializer
                raise TypeError(f"{rpc} answered {type(resp).__name__}")
            return resp

    async def system_info(self) -> GetSystemInfoResponse:
        """GetSystemInfo, asked once per connection."""
        if self._system_info is None:
            from temporal_sdk.api.workflowservice.v1 import (
                GetSystemInfoRequest,
                GetSystemInfoResponse,
            )

            self._system_info = await self.call(
                "temporal.api.workflowservice.v1.WorkflowService",
                "GetSystemInfo",
                GetSystemInfoRequest(),
                GetSystemInfoResponse,
                retry=True,
                metadata={},
                timeout=None,
            )
        return self._system_info

    async def check(self) -> None:
        """Make sure the server answers, naming the target in the error if it does not."""
        from temporal_sdk.service import RPCError

        try:
            await self.system_info()
        except RPCError as err:
            raise type(err)(
                f"failed to reach Temporal server at {self._target}: {err.message}"
                + _tls_hint(self._tls, err.message),
                err.status,
                err.raw_grpc_status,
            ) from None

    async def close(self) -> None:
        """Close the running loop's channel and forget the others (a later call opens anew)."""
        loop = asyncio.get_running_loop()
        mine = self._by_loop.pop(loop, None)
        self._by_loop.clear()
        self._loop = self._current = None
        if mine is not None:
            await mine.channel.close()


class ServiceStub:
    """Base of the generated per-service classes: forwards each RPC to the connection."""

    _service_name: ClassVar[str]

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def _call(
        self,
        rpc: str,
        req: Message,
        resp_type: type[ResponseT],
        *,
        retry: bool,
        metadata: Mapping[str, str | bytes],
        timeout: timedelta | float | None,
    ) -> ResponseT:
        return await self._connection.call(
            self._service_name,
            rpc,
            req,
            resp_type,
            retry=retry,
            metadata=metadata,
            timeout=timeout,
        )
