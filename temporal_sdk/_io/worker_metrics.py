"""The worker's own metrics, under the names Temporal's SDKs document (``temporal_`` prefixed).

Rule: a worker whose client's runtime has no metrics gets ``None`` from :func:`for_client` and
every recording site is guarded by one ``is not None`` check, so metrics cost nothing unless
configured. Instruments are created once per worker; meters per workflow/activity type are
cached. Durations go through ``create_histogram_timedelta``, so the backend picks ms or s.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from temporal_sdk._metrics import MetricCounter, MetricHistogramTimedelta, MetricMeter
from temporal_sdk.api.enums.v1 import CommandType, WorkflowTaskFailedCause

if TYPE_CHECKING:
    from google.protobuf.timestamp_pb2 import Timestamp

    from temporal_sdk._core.activation import WorkflowTaskFailure
    from temporal_sdk.api.command.v1 import Command
    from temporal_sdk.client import Client
    from temporal_sdk.runtime import Runtime

_NONDETERMINISM = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
_CLOSE_COUNTERS = {
    CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION: "workflow_completed",
    CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION: "workflow_failed",
    CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION: "workflow_cancelled",
    CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION: "workflow_continue_as_new",
}


def for_client(client: Client, task_queue: str) -> WorkerMetrics | None:
    """The worker metrics for ``client``'s runtime, or ``None`` when it records no metrics."""
    runtime = _runtime_of(client)
    meter = runtime.metric_meter
    if meter is MetricMeter.noop:
        return None
    return WorkerMetrics(meter, runtime.metric_prefix, getattr(client, "namespace", ""), task_queue)


def runtime_meter(client: Client) -> MetricMeter:
    """The meter of ``client``'s runtime (no-op when it records no metrics)."""
    return _runtime_of(client).metric_meter


def _runtime_of(client: Client) -> Runtime:
    from temporal_sdk.runtime import Runtime

    # Test doubles stand in for clients without a connection config: they get the default.
    config = getattr(getattr(client, "service_client", None), "config", None)
    runtime = getattr(config, "runtime", None)
    return runtime if isinstance(runtime, Runtime) else Runtime.default()


def _seconds(stamp: Timestamp) -> float:
    return stamp.seconds + stamp.nanos / 1e9


def _elapsed(start: Timestamp, end: Timestamp) -> timedelta | None:
    if not start.seconds or not end.seconds:
        return None
    return timedelta(seconds=max(_seconds(end) - _seconds(start), 0.0))


class _Typed:
    """Instruments bound to one workflow or activity type."""

    def __init__(self, meter: MetricMeter, prefix: str) -> None:
        self._meter = meter
        self._prefix = prefix
        self._counters: dict[str, MetricCounter] = {}
        self._histograms: dict[str, MetricHistogramTimedelta] = {}

    def count(self, name: str) -> MetricCounter:
        found = self._counters.get(name)
        if found is None:
            found = self._meter.create_counter(self._prefix + name)
            self._counters[name] = found
        return found

    def latency(self, name: str) -> MetricHistogramTimedelta:
        found = self._histograms.get(name)
        if found is None:
            found = self._meter.create_histogram_timedelta(self._prefix + name)
            self._histograms[name] = found
        return found


class WorkerMetrics:
    """Records the metrics of one worker (attributes ``namespace`` and ``task_queue``)."""

    def __init__(self, meter: MetricMeter, prefix: str, namespace: str, task_queue: str) -> None:
        self._meter = meter.with_additional_attributes(
            {"namespace": namespace, "task_queue": task_queue}
        )
        self._prefix = prefix
        self._plain = _Typed(self._meter, prefix)
        self._types: dict[tuple[str, str], _Typed] = {}
        self._cache_size = self._meter.create_gauge(prefix + "sticky_cache_size")
        self._evictions_seen = 0

    def _typed(self, key: str, name: str) -> _Typed:
        found = self._types.get((key, name))
        if found is None:
            found = _Typed(self._meter.with_additional_attributes({key: name}), self._prefix)
            self._types[(key, name)] = found
        return found

    # -- workflow tasks -------------------------------------------------------------------------

    def workflow_poll(self, empty: bool, scheduled: Timestamp, started: Timestamp) -> None:
        """A workflow task poll returned (``empty`` when it timed out without a task)."""
        if empty:
            self._plain.count("workflow_task_queue_poll_empty").add(1)
            return
        self._plain.count("workflow_task_queue_poll_succeed").add(1)
        waited = _elapsed(scheduled, started)
        if waited is not None:
            self._plain.latency("workflow_task_schedule_to_start_latency").record(waited)

    def workflow_cache(self, hit: bool) -> None:
        """Whether a workflow task found its run in the sticky cache."""
        self._plain.count("sticky_cache_hit" if hit else "sticky_cache_miss").add(1)

    def workflow_task_done(
        self,
        workflow_type: str,
        started: float,
        commands: Sequence[Command],
        failure: WorkflowTaskFailure | None,
    ) -> None:
        """A workflow task was processed (``started`` is its ``time.monotonic()`` start)."""
        typed = self._typed("workflow_type", workflow_type)
        elapsed = timedelta(seconds=max(time.monotonic() - started, 0.0))
        typed.latency("workflow_task_execution_latency").record(elapsed)
        if failure is not None:
            reason = "NonDeterminism" if failure.cause == _NONDETERMINISM else "Workflow"
            typed.count("workflow_task_execution_failed").add(1, {"failure_reason": reason})
            return
        for command in commands:
            counter = _CLOSE_COUNTERS.get(command.command_type)
            if counter is not None:
                typed.count(counter).add(1)

    def cache_state(self, size: int, evictions: int) -> None:
        """The sticky cache's size and its running eviction count, after a task."""
        self._cache_size.set(size)
        if evictions > self._evictions_seen:
            forced = evictions - self._evictions_seen
            self._plain.count("sticky_cache_total_forced_eviction").add(forced)
        self._evictions_seen = evictions

    # -- activity tasks -------------------------------------------------------------------------

    def activity_poll(self, empty: bool) -> None:
        """An activity task poll returned (``empty`` when it timed out without a task)."""
        if empty:
            self._plain.count("activity_poll_no_task").add(1)

    def activity_started(
        self, activity_type: str, scheduled: Timestamp, started: Timestamp
    ) -> None:
        """An activity task is about to run."""
        waited = _elapsed(scheduled, started)
        if waited is not None:
            typed = self._typed("activity_type", activity_type)
            typed.latency("activity_schedule_to_start_latency").record(waited)

    def activity_done(
        self, activity_type: str, started: float, outcome: str, scheduled: Timestamp
    ) -> None:
        """An activity attempt ended.

        ``outcome`` is ``completed``, ``failed``, ``cancelled`` or ``async`` (completed later).
        """
        typed = self._typed("activity_type", activity_type)
        elapsed = timedelta(seconds=max(time.monotonic() - started, 0.0))
        typed.latency("activity_execution_latency").record(elapsed)
        if outcome == "failed":
            typed.count("activity_execution_failed").add(1)
        elif outcome == "cancelled":
            typed.count("activity_execution_cancelled").add(1)
        elif outcome == "completed" and scheduled.seconds:
            end_to_end = timedelta(seconds=max(time.time() - _seconds(scheduled), 0.0))
            typed.latency("activity_succeed_endtoend_latency").record(end_to_end)
