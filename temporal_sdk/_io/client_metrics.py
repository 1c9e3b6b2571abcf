"""Client RPC metrics: ``temporal_request`` / ``temporal_long_request`` and their failures.

Rule: a connection whose runtime records no metrics gets ``None`` from :func:`for_config`, and
the call path checks that once per attempt, so unconfigured metrics cost nothing. Each attempt
(retries included) counts as one request, with attributes ``operation`` (the RPC name) and
``namespace``; long polls (task polls, history waits) use the ``long_`` names.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING

from temporal_sdk._metrics import MetricCounter, MetricHistogramTimedelta, MetricMeter

if TYPE_CHECKING:
    from google.protobuf.message import Message

    from temporal_sdk.service import ConnectConfig


def for_config(config: ConnectConfig, long_poll_rpcs: frozenset[str]) -> ClientMetrics | None:
    """The metrics of a connection made with ``config``, or ``None`` when none are recorded."""
    from temporal_sdk.runtime import Runtime

    runtime = config.runtime if isinstance(config.runtime, Runtime) else Runtime.default()
    if runtime.metric_meter is MetricMeter.noop:
        return None
    return ClientMetrics(runtime.metric_meter, runtime.metric_prefix, long_poll_rpcs)


class _Instruments:
    def __init__(self, meter: MetricMeter, name: str) -> None:
        self.count: MetricCounter = meter.create_counter(name)
        self.failure: MetricCounter = meter.create_counter(name + "_failure")
        self.latency: MetricHistogramTimedelta = meter.create_histogram_timedelta(name + "_latency")


class ClientMetrics:
    """Records one connection's RPC attempts."""

    def __init__(self, meter: MetricMeter, prefix: str, long_poll_rpcs: frozenset[str]) -> None:
        self._long_rpcs = long_poll_rpcs
        self._normal = _Instruments(meter, prefix + "request")
        self._long = _Instruments(meter, prefix + "long_request")

    def attempt_done(
        self, rpc: str, req: Message, namespace: str, started: float, code: str | None
    ) -> None:
        """One attempt of ``rpc`` ended; ``code`` is the gRPC status name when it failed."""
        long = rpc in self._long_rpcs or bool(getattr(req, "wait_new_event", False))
        instruments = self._long if long else self._normal
        attrs: dict[str, str | int | float | bool] = {"operation": rpc, "namespace": namespace}
        elapsed = timedelta(seconds=max(time.monotonic() - started, 0.0))
        instruments.count.add(1, attrs)
        instruments.latency.record(elapsed, attrs)
        if code is not None:
            instruments.failure.add(1, {**attrs, "status_code": code})
