"""A metrics backend over an OpenTelemetry ``MeterProvider`` (opentelemetry-api only).

Rule: opentelemetry is imported by nobody: the provider object is passed in by the user and
used through its duck-typed API (``get_meter``, ``create_counter``, ...), so importing this
module costs nothing and the SDK never depends on opentelemetry-sdk. Durations are exported as
whole milliseconds (unit ``ms``), the default of temporalio's exporters.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from temporal_sdk._metrics import KIND_COUNTER, KIND_GAUGE, InstrumentSink, duration_millis

_METER_NAME = "temporal_sdk"


class _Counter:
    __slots__ = ("_instrument",)

    def __init__(self, instrument: Any) -> None:
        self._instrument = instrument

    def record(
        self, value: int | float, attributes: Mapping[str, str | int | float | bool]
    ) -> None:
        self._instrument.add(value, attributes)


class _Histogram(_Counter):
    __slots__ = ()

    def record(
        self, value: int | float, attributes: Mapping[str, str | int | float | bool]
    ) -> None:
        self._instrument.record(value, attributes)


class _Gauge(_Counter):
    __slots__ = ()

    def record(
        self, value: int | float, attributes: Mapping[str, str | int | float | bool]
    ) -> None:
        self._instrument.set(value, attributes)


class OpenTelemetrySink:
    """Creates OpenTelemetry instruments on a meter of the given provider."""

    def __init__(self, meter_provider: Any) -> None:
        if not callable(getattr(meter_provider, "get_meter", None)):
            raise TypeError(
                "metrics must be an OpenTelemetryConfig, PrometheusConfig, MetricBuffer or an "
                f"opentelemetry MeterProvider, not {type(meter_provider).__name__}"
            )
        self.meter_provider = meter_provider
        self._meter = meter_provider.get_meter(_METER_NAME)
        self._instruments: dict[tuple[int, str], InstrumentSink] = {}
        # Workflow tasks run in executor threads and may create the same instrument at once.
        self._lock = threading.Lock()

    def instrument(
        self, kind: int, name: str, description: str | None, unit: str | None, *, is_float: bool
    ) -> InstrumentSink:
        """The OpenTelemetry instrument for ``(kind, name)``, created on first use."""
        with self._lock:
            found = self._instruments.get((kind, name))
            if found is None:
                found = self._create(kind, name, description or "", unit or "")
                self._instruments[(kind, name)] = found
        return found

    def _create(self, kind: int, name: str, description: str, unit: str) -> InstrumentSink:
        meter = self._meter
        if kind == KIND_COUNTER:
            return _Counter(meter.create_counter(name, unit=unit, description=description))
        if kind == KIND_GAUGE:
            if not hasattr(meter, "create_gauge"):
                raise RuntimeError("gauges need opentelemetry-api 1.23 or newer")
            return _Gauge(meter.create_gauge(name, unit=unit, description=description))
        return _Histogram(meter.create_histogram(name, unit=unit, description=description))

    def duration(self, value: timedelta) -> int | float:
        """Whole milliseconds."""
        return duration_millis(value)

    def duration_unit(self) -> str:
        """``"ms"``."""
        return "ms"
