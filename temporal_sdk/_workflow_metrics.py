"""``workflow.metric_meter()``: the worker's meter, silenced while the workflow replays.

Rule: workflow code may record metrics freely; a recording made while the run replays history
is dropped, so every value is recorded once however often the run is rebuilt. The replay check
happens per recording (the same instrument is used in replayed and new code).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

from temporal_sdk._metrics import InstrumentSink, MetricMeter, MetricSink, SinkMeter
from temporal_sdk._runtime import context as _context


class _ReplaySafeInstrument:
    __slots__ = ("_inner", "_replaying")

    def __init__(self, inner: InstrumentSink, replaying: Callable[[], bool]) -> None:
        self._inner = inner
        self._replaying = replaying

    def record(
        self, value: int | float, attributes: Mapping[str, str | int | float | bool]
    ) -> None:
        if not self._replaying():
            self._inner.record(value, attributes)


class _ReplaySafeSink:
    """Wraps a backend so that its instruments skip recordings made during replay."""

    def __init__(self, inner: MetricSink, replaying: Callable[[], bool]) -> None:
        self._inner = inner
        self._replaying = replaying

    def instrument(
        self, kind: int, name: str, description: str | None, unit: str | None, *, is_float: bool
    ) -> InstrumentSink:
        inner = self._inner.instrument(kind, name, description, unit, is_float=is_float)
        return _ReplaySafeInstrument(inner, self._replaying)

    def duration(self, value: timedelta) -> int | float:
        return self._inner.duration(value)

    def duration_unit(self) -> str:
        return self._inner.duration_unit()


def metric_meter() -> MetricMeter:
    """The current workflow's meter (attributes namespace, task_queue and workflow_type).

    Nothing is recorded while the workflow replays history, so a value is recorded once.
    """
    runtime = _context.current()
    found = runtime.workflow_metric_meter
    if isinstance(found, MetricMeter):
        return found
    base = runtime.runtime_metric_meter
    meter: MetricMeter = MetricMeter.noop
    if isinstance(base, SinkMeter) and base is not MetricMeter.noop:
        info = runtime.info()
        safe = SinkMeter(_ReplaySafeSink(base.sink, runtime.is_replaying), base.attributes)
        meter = safe.with_additional_attributes(
            {
                "namespace": info.namespace,
                "task_queue": info.task_queue,
                "workflow_type": info.workflow_type,
            }
        )
    runtime.workflow_metric_meter = meter
    return meter
