"""Telemetry settings shared by clients and workers (temporalio's ``runtime`` module).

temporalio's runtime wraps its Rust core; this SDK has none, so a :class:`Runtime` here only
holds the metrics backend that clients and workers record into. ``TelemetryConfig.metrics``
takes a :class:`MetricBuffer` (updates kept in memory, handy in tests) or, as an extension, an
OpenTelemetry ``MeterProvider``. :class:`OpenTelemetryConfig` and :class:`PrometheusConfig` are
accepted by name but raise: build an opentelemetry-sdk ``MeterProvider`` with the exporter you
want and pass that instead (see ``docs/metrics.md``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any, ClassVar, Protocol, runtime_checkable

from temporal_sdk._metrics import MetricMeter, MetricSink, SinkMeter
from temporal_sdk._metrics_buffer import (
    BUFFERED_METRIC_KIND_COUNTER,
    BUFFERED_METRIC_KIND_GAUGE,
    BUFFERED_METRIC_KIND_HISTOGRAM,
    BufferedMetric,
    BufferedMetricKind,
    BufferedMetricUpdate,
    UpdateQueue,
)

__all__ = [
    "BUFFERED_METRIC_KIND_COUNTER",
    "BUFFERED_METRIC_KIND_GAUGE",
    "BUFFERED_METRIC_KIND_HISTOGRAM",
    "BufferedMetric",
    "BufferedMetricKind",
    "BufferedMetricUpdate",
    "LogForwardingConfig",
    "LoggingConfig",
    "LoggingFormat",
    "MeterProvider",
    "MetricBuffer",
    "MetricBufferDurationFormat",
    "OpenTelemetryConfig",
    "OpenTelemetryMetricTemporality",
    "PrometheusConfig",
    "Runtime",
    "TelemetryConfig",
    "TelemetryFilter",
]

_SERVICE_NAME = "temporal-core-sdk"
_DEFAULT_PREFIX = "temporal_"


@runtime_checkable
class MeterProvider(Protocol):
    """Anything with OpenTelemetry's ``MeterProvider.get_meter`` (our extension)."""

    def get_meter(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """An OpenTelemetry ``Meter``."""


@dataclass
class TelemetryFilter:
    """Log levels for core and other targets (kept for compatibility; there is no core)."""

    core_level: str
    """Level for core logs: ``ERROR``, ``WARN``, ``INFO``, ``DEBUG`` or ``TRACE``."""
    other_level: str
    """Level for everything else."""

    def formatted(self) -> str:
        """The filter in the ``level,target=level`` form core understands."""
        targets = ("temporal_sdk_core", "temporal_client", "temporal_sdk")
        return ",".join([self.other_level, *(f"{t}={self.core_level}" for t in targets)])


class LoggingFormat(Enum):
    """Console format of core logs (kept for compatibility; there is no core)."""

    COMPACT = "compact"
    PRETTY = "pretty"
    JSON = "json"


@dataclass
class LogForwardingConfig:
    """Where core logs would be forwarded (accepted and unused: this SDK logs with ``logging``)."""

    logger: logging.Logger
    """The logger that would receive core logs."""
    append_target_to_name: bool = True
    """Append the core target to the logger name."""
    prepend_target_on_message: bool = True
    """Prefix messages with the core target."""
    overwrite_log_record_time: bool = True
    """Use the core log's time as the record time."""
    append_log_fields_to_message: bool = True
    """Append the core log's fields to the message."""


@dataclass(frozen=True)
class LoggingConfig:
    """Core logging settings (accepted for compatibility; the SDK's own logs use ``logging``)."""

    filter: TelemetryFilter | str
    """Level filter."""
    forwarding: LogForwardingConfig | None = None
    """Forwarding of core logs to a Python logger."""
    format: LoggingFormat | None = None
    """Console format."""

    default: ClassVar[LoggingConfig]
    """Core at WARN, everything else at ERROR."""


LoggingConfig.default = LoggingConfig(
    filter=TelemetryFilter(core_level="WARN", other_level="ERROR")
)


class OpenTelemetryMetricTemporality(Enum):
    """Cumulative or delta export of OpenTelemetry metrics."""

    CUMULATIVE = 1
    DELTA = 2


@dataclass(frozen=True)
class OpenTelemetryConfig:
    """An OTLP collector to push metrics to (not built in: pass a ``MeterProvider`` instead)."""

    url: str
    """Collector endpoint."""
    headers: Mapping[str, str] | None = None
    """Headers sent with each export."""
    metric_periodicity: timedelta | None = None
    """Export interval."""
    metric_temporality: OpenTelemetryMetricTemporality = OpenTelemetryMetricTemporality.CUMULATIVE
    """Cumulative or delta."""
    durations_as_seconds: bool = False
    """Export durations as float seconds instead of integer milliseconds."""
    http: bool = False
    """Use OTLP over HTTP instead of gRPC."""
    histogram_bucket_overrides: Mapping[str, Sequence[float]] | None = None
    """Bucket boundaries per metric name."""


@dataclass(frozen=True)
class PrometheusConfig:
    """A Prometheus scrape endpoint (not built in: pass a ``MeterProvider`` instead)."""

    bind_address: str
    """``host:port`` to serve ``/metrics`` on."""
    counters_total_suffix: bool = False
    """Append ``_total`` to counter names."""
    unit_suffix: bool = False
    """Append unit suffixes to names."""
    durations_as_seconds: bool = False
    """Export durations as float seconds instead of integer milliseconds."""
    histogram_bucket_overrides: Mapping[str, Sequence[float]] | None = None
    """Bucket boundaries per metric name."""


class MetricBufferDurationFormat(Enum):
    """How a :class:`MetricBuffer` represents durations."""

    MILLISECONDS = 1
    """Whole milliseconds (int)."""
    SECONDS = 2
    """Seconds (float)."""


class MetricBuffer:
    """Keeps metric updates in memory until :meth:`retrieve_updates` drains them.

    Set it as ``TelemetryConfig(metrics=...)``. Updates beyond ``buffer_size`` are dropped (and
    an error is logged), so use a large size and drain regularly.
    """

    def __init__(
        self,
        buffer_size: int,
        duration_format: MetricBufferDurationFormat = MetricBufferDurationFormat.MILLISECONDS,
    ) -> None:
        """Create a buffer holding at most ``buffer_size`` undrained updates."""
        if buffer_size < 1:
            raise ValueError("buffer_size must be positive")
        self._queue = UpdateQueue(
            buffer_size, durations_as_seconds=duration_format is MetricBufferDurationFormat.SECONDS
        )
        self._runtime: Runtime | None = None

    def retrieve_updates(self) -> Sequence[BufferedMetricUpdate]:
        """Every update recorded since the last call, oldest first.

        Raises:
            RuntimeError: The buffer is not part of a :class:`Runtime` yet.

        """
        if self._runtime is None:
            raise RuntimeError("Attempting to retrieve updates before runtime created")
        return self._queue.drain()


@dataclass(frozen=True)
class TelemetryConfig:
    """Telemetry of a :class:`Runtime`: where metrics go and which tags they carry."""

    logging: LoggingConfig | None = LoggingConfig.default
    """Core logging (accepted for compatibility; unused)."""
    metrics: OpenTelemetryConfig | PrometheusConfig | MetricBuffer | MeterProvider | None = None
    """A :class:`MetricBuffer` or an OpenTelemetry ``MeterProvider``; ``None`` for no metrics."""
    global_tags: Mapping[str, str] = field(default_factory=dict)
    """Attributes put on every metric."""
    attach_service_name: bool = True
    """Put ``service_name="temporal-core-sdk"`` on every metric, like temporalio."""
    metric_prefix: str | None = None
    """Prefix of the SDK's own metric names; ``temporal_`` when unset."""


class Runtime:
    """Holds the telemetry configuration clients and workers use.

    Pass it to ``Client.connect(runtime=...)``; a client without one uses :meth:`default`, which
    records no metrics unless replaced with :meth:`set_default`.
    """

    _default: ClassVar[Runtime | None] = None
    _prevent_default: ClassVar[bool] = False
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def default(cls) -> Runtime:
        """The default runtime, created on first use with an empty :class:`TelemetryConfig`."""
        with cls._lock:
            if Runtime._default is None:
                if Runtime._prevent_default:
                    raise RuntimeError(
                        "Cannot create default Runtime after Runtime.prevent_default has been "
                        "called"
                    )
                Runtime._default = Runtime(telemetry=TelemetryConfig())
            return Runtime._default

    @classmethod
    def prevent_default(cls) -> None:
        """Make :meth:`default` raise instead of creating a runtime."""
        with cls._lock:
            if Runtime._default is not None:
                raise RuntimeError(
                    "Runtime.prevent_default called after default runtime has been created or set"
                )
            Runtime._prevent_default = True

    @staticmethod
    def set_default(runtime: Runtime, *, error_if_already_set: bool = True) -> None:
        """Replace the default runtime (for clients created afterwards)."""
        with Runtime._lock:
            if Runtime._default is not None and error_if_already_set:
                raise RuntimeError("Runtime default already set")
            Runtime._default = runtime

    def __init__(
        self,
        *,
        telemetry: TelemetryConfig,
        worker_heartbeat_interval: timedelta | None = timedelta(seconds=60),
        disable_environment_info: bool = False,
    ) -> None:
        """Create a runtime; ``worker_heartbeat_interval`` is validated and otherwise unused."""
        if worker_heartbeat_interval is not None and worker_heartbeat_interval <= timedelta(0):
            raise ValueError("worker_heartbeat_interval must be positive")
        self._telemetry = telemetry
        self._sink = _sink_for(telemetry.metrics)
        if isinstance(telemetry.metrics, MetricBuffer):
            telemetry.metrics._runtime = self
        self._metric_meter: MetricMeter = MetricMeter.noop
        if self._sink is not None:
            attrs: dict[str, str | int | float | bool] = dict(telemetry.global_tags)
            if telemetry.attach_service_name:
                attrs.setdefault("service_name", _SERVICE_NAME)
            self._metric_meter = SinkMeter(self._sink, attrs)

    @property
    def telemetry(self) -> TelemetryConfig:
        """The configuration this runtime was created with."""
        return self._telemetry

    @property
    def metric_meter(self) -> MetricMeter:
        """The meter for custom metrics (a no-op meter when no metrics are configured)."""
        return self._metric_meter

    @property
    def metric_prefix(self) -> str:
        """The prefix of the SDK's own metric names."""
        prefix = self._telemetry.metric_prefix
        return _DEFAULT_PREFIX if prefix is None else prefix


def _sink_for(metrics: object) -> MetricSink | None:
    """The backend for ``TelemetryConfig.metrics``; a clear error for the unsupported configs."""
    if metrics is None:
        return None
    if isinstance(metrics, MetricBuffer):
        return metrics._queue
    if isinstance(metrics, OpenTelemetryConfig | PrometheusConfig):
        kind = "OTLP" if isinstance(metrics, OpenTelemetryConfig) else "Prometheus"
        raise NotImplementedError(
            f"{type(metrics).__name__} is not built into temporal_sdk. Install opentelemetry-sdk "
            f"and the {kind} exporter package, build an opentelemetry MeterProvider with that "
            "exporter, and pass it as TelemetryConfig(metrics=provider)."
        )
    from temporal_sdk._metrics_otel import OpenTelemetrySink

    return OpenTelemetrySink(metrics)
