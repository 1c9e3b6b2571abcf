"""A metrics backend that queues every update in memory for ``MetricBuffer.retrieve_updates``.

Rule: recording never blocks for long and never raises: updates beyond the buffer's size are
dropped with one error log per overflow streak. Recordings come from the event loop and from
workflow and activity threads, so the queue is guarded by a lock held only for an append.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NewType

from temporal_sdk._metrics import InstrumentSink, duration_millis

logger = logging.getLogger(__name__)

BufferedMetricKind = NewType("BufferedMetricKind", int)
"""What kind of metric a buffered update belongs to."""

BUFFERED_METRIC_KIND_COUNTER = BufferedMetricKind(0)
"""A counter: update values are deltas."""
BUFFERED_METRIC_KIND_GAUGE = BufferedMetricKind(1)
"""A gauge: update values are the new value."""
BUFFERED_METRIC_KIND_HISTOGRAM = BufferedMetricKind(2)
"""A histogram: update values are single observations."""


@dataclass(frozen=True, eq=False)
class BufferedMetric:
    """The metric a buffered update belongs to (one object per metric name and buffer)."""

    name: str
    """The metric's name."""
    description: str | None
    """The metric's description, if any."""
    unit: str | None
    """The metric's unit, if any."""
    kind: BufferedMetricKind
    """One of the ``BUFFERED_METRIC_KIND_*`` constants."""


@dataclass(frozen=True)
class BufferedMetricUpdate:
    """One recorded value with its metric and attributes."""

    metric: BufferedMetric
    """The metric updated (the same object for every update of that metric)."""
    value: int | float
    """The delta for counters, the value for gauges and histograms."""
    attributes: Mapping[str, str | int | float | bool] = field(default_factory=dict)
    """The attributes of the update; do not mutate."""


class _BufferedInstrument:
    __slots__ = ("_buffer", "_metric")

    def __init__(self, buffer: UpdateQueue, metric: BufferedMetric) -> None:
        self._buffer = buffer
        self._metric = metric

    def record(
        self, value: int | float, attributes: Mapping[str, str | int | float | bool]
    ) -> None:
        self._buffer.put(BufferedMetricUpdate(self._metric, value, attributes))


class UpdateQueue:
    """The bounded, thread-safe queue behind a ``MetricBuffer`` (a :class:`MetricSink`)."""

    def __init__(self, size: int, *, durations_as_seconds: bool) -> None:
        self._size = size
        self._seconds = durations_as_seconds
        self._updates: list[BufferedMetricUpdate] = []
        self._lock = threading.Lock()
        self._metrics: dict[str, BufferedMetric] = {}
        self._overflowing = False

    def put(self, update: BufferedMetricUpdate) -> None:
        """Queue ``update``, or drop it when the buffer is full."""
        with self._lock:
            if len(self._updates) < self._size:
                self._updates.append(update)
                self._overflowing = False
                return
            first_drop = not self._overflowing
            self._overflowing = True
        if first_drop:
            logger.error("Metric buffer full (%d updates), dropping metric updates", self._size)

    def drain(self) -> list[BufferedMetricUpdate]:
        """Every queued update, oldest first; the queue is left empty."""
        with self._lock:
            updates, self._updates = self._updates, []
        return updates

    def instrument(
        self, kind: int, name: str, description: str | None, unit: str | None, *, is_float: bool
    ) -> InstrumentSink:
        """The buffered instrument for ``name`` (its metric object is created once)."""
        with self._lock:
            metric = self._metrics.get(name)
            if metric is None:
                metric = BufferedMetric(name, description, unit, BufferedMetricKind(kind))
                self._metrics[name] = metric
        return _BufferedInstrument(self, metric)

    def duration(self, value: timedelta) -> int | float:
        """Seconds as a float, or whole milliseconds, as the buffer was configured."""
        return value.total_seconds() if self._seconds else duration_millis(value)

    def duration_unit(self) -> str:
        """``"s"`` or ``"ms"``."""
        return "s" if self._seconds else "ms"
